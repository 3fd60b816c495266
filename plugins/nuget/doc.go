// Package nuget is Keeper's NuGet repository plugin: the v3 API (service
// index, flat container, registrations, search, publish) and the v2 OData
// feed that older clients speak.
package nuget

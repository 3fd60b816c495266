// Package http serves Keeper's REST API and hands every other path to the
// format dispatcher, on gin. Every API route is a Route (method, path, who
// may call it, its OpenAPI entry and handlers): this package's are listed
// beside their handlers, other packages add theirs to the fx group
// "routes" (AsRoutes); the OpenAPI description is built from the same list.
package http

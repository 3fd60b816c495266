// Package apiclient talks to a running Keeper server through its REST API
// (/api/v1) with a bearer token, for the admin commands of the keeper CLI.
package apiclient

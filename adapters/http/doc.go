// Package http serves Keeper's REST API and hands every other path to the
// format dispatcher, on gin.
package http

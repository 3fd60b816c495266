// Package web holds the admin UI's build output (web/dist), embedded in the binary.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist returns the built UI (index.html and assets/); it holds only
// .gitkeep when the UI was not built (adapters/http then says so under /ui/).
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil { // "dist" is a literal embedded directory
		panic(err)
	}
	return sub
}

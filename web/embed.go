// Package web holds the admin UI's build output (web/dist), embedded in the binary.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist returns the built UI (index.html and assets/); it holds only
// .gitkeep when the UI was not built (see Built).
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil { // "dist" is a literal embedded directory
		panic(err)
	}
	return sub
}

// Built reports whether the embedded UI has an index.html.
func Built() bool {
	_, err := fs.Stat(Dist(), "index.html")
	return err == nil
}

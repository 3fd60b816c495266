package gomod_test

import (
	"archive/zip"
	"bytes"
	"io"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// newHost is the SDK's fake host (which reads zips like the real host) on a
// Go modules repository.
func newHost() *fakehost.Host {
	return fakehost.New(&sdk.RepoContext{Key: "gomods", Kind: "local", Format: "go", BaseURL: "http://h/go/gomods"})
}

// file is one entry of a hand-written zip; Dir marks a directory entry.
type file struct {
	Name string
	Body string
	Dir  bool
}

// makeZip writes a zip with archive/zip, names taken as given.
func makeZip(files ...file) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		if f.Dir {
			if _, err := zw.Create(f.Name); err != nil {
				panic(err)
			}
			continue
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			panic(err)
		}
		_, _ = io.WriteString(w, f.Body)
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

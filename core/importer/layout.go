package importer

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

// The Artifactory export layout this package reads (docs/import.md cites
// JFrog's descriptions of it):
//
//	DIR/                          a repository export: one folder per repository
//	DIR/repositories/             or a system export: the same below repositories/
//	  <repo-key>/
//	    <path>/<file>             an artifact, at its path in the repository
//	    <path>/<file>.artifactory-metadata/
//	      properties.xml          its properties: <properties><property><key>k</key><value>v</value></property>…</properties>
//	      artifactory-file.xml    (and other metadata: not read)
//	    <path>/.artifactory-metadata/   a folder's own metadata: not read
//
// A plain directory per repository (no metadata folders) is read the same
// way. Hidden files and folders (a leading '.') are skipped.

// metadataSuffix marks Artifactory's metadata folders.
const metadataSuffix = ".artifactory-metadata"

// Limits of what is read.
const (
	MaxPropertiesXML = 1 << 20
	MaxFiles         = 1_000_000
)

// File is one artifact to import.
type File struct {
	Path       string // in the repository
	Source     string // in the export's fs.FS
	Size       int64
	Properties ports.Properties
	// Problem says why the file cannot be imported as is (a bad properties
	// file); it is imported without properties and reported.
	Problem string
}

// Repo is one repository of the export.
type Repo struct {
	Key   string
	Files []File
}

// Scan reads the layout of fsys (see above).
func Scan(fsys fs.FS) ([]Repo, error) {
	root := "."
	if st, err := fs.Stat(fsys, "repositories"); err == nil && st.IsDir() {
		root = "repositories"
	}
	entries, err := fs.ReadDir(fsys, root)
	if err != nil {
		return nil, fmt.Errorf("importer: read %s: %w", root, err)
	}
	var repos []Repo
	total := 0
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		r, err := walkRepo(fsys, path.Join(root, e.Name()), e.Name(), &total)
		if err != nil {
			return nil, err
		}
		repos = append(repos, r)
	}
	if len(repos) == 0 {
		return nil, ErrNoRepositories
	}
	return repos, nil
}

type propertiesXML struct {
	XMLName  xml.Name `xml:"properties"`
	Property []struct {
		Key   string `xml:"key"`
		Value string `xml:"value"`
	} `xml:"property"`
}

// readProperties parses an Artifactory properties.xml; a missing file is no properties.
func readProperties(fsys fs.FS, name string) (ports.Properties, error) {
	f, err := fsys.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxPropertiesXML+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxPropertiesXML {
		return nil, fmt.Errorf("properties.xml is larger than %d bytes", MaxPropertiesXML)
	}
	return ParseProperties(data)
}

// ParseProperties reads Artifactory's properties XML; a key that repeats
// collects its values (Artifactory's multi-valued properties).
func ParseProperties(data []byte) (ports.Properties, error) {
	var doc propertiesXML
	if err := xml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("properties.xml: %w", err)
	}
	out := ports.Properties{}
	for _, p := range doc.Property {
		k := strings.TrimSpace(p.Key)
		if k == "" {
			continue
		}
		out[k] = append(out[k], p.Value)
	}
	return out, nil
}

// ScanOne reads fsys as the content of one repository (a plain directory
// tree; Artifactory metadata folders are honoured).
func ScanOne(fsys fs.FS, key string) ([]Repo, error) {
	total := 0
	r, err := walkRepo(fsys, ".", key, &total)
	if err != nil {
		return nil, err
	}
	return []Repo{r}, nil
}

// walkRepo reads the files below base as repository key.
func walkRepo(fsys fs.FS, base, key string, total *int) (Repo, error) {
	r := Repo{Key: key}
	err := fs.WalkDir(fsys, base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if p != base && (strings.HasPrefix(name, ".") || strings.HasSuffix(name, metadataSuffix)) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		if *total++; *total > MaxFiles {
			return fmt.Errorf("more than %d files", MaxFiles)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel := p
		if base != "." {
			rel = strings.TrimPrefix(p, base+"/")
		}
		f := File{Path: rel, Source: p, Size: info.Size()}
		f.Properties, err = readProperties(fsys, p+metadataSuffix+"/properties.xml")
		if err != nil {
			f.Problem = err.Error()
		}
		r.Files = append(r.Files, f)
		return nil
	})
	if err != nil {
		return r, fmt.Errorf("importer: %s: %w", key, err)
	}
	sort.Slice(r.Files, func(i, j int) bool { return r.Files[i].Path < r.Files[j].Path })
	return r, nil
}

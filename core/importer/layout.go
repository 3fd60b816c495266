package importer

import (
	"encoding/hex"
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
//	    <path>/<file>.sha1|.sha256|.md5   its checksums, when exported "m2 compatible" (not imported as files)
//	    <path>/<file>.artifactory-metadata/
//	      properties.xml          its properties: <properties><property><key>k</key><value>v</value></property>…</properties>
//	      artifactory-file.xml    its checksums: …<checksumsInfo><checksums><checksum><type>sha1</type><actual>hex</actual>…
//	      (other metadata)        not read
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
	// Sums are the checksums the export records for the file (its
	// artifactory-file.xml and its .sha1/.sha256/.md5 files); the bytes
	// must match them.
	Sums Checksums
	// BadSums says why the recorded checksums cannot be used (they
	// disagree, or one is unreadable): the file fails.
	BadSums string
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
	data, err := readSmall(fsys, name)
	if err != nil || data == nil {
		return nil, err
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
		if sidecarOf(fsys, p) != "" {
			return nil // read with the file it describes
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
		f.Sums, err = recordedSums(fsys, p)
		if err != nil {
			f.BadSums = err.Error()
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

// sidecars are the checksum files an export writes beside a file.
var sidecars = []struct{ ext, kind string }{{".sha1", "sha1"}, {".sha256", "sha256"}, {".md5", "md5"}}

// sidecarOf returns the kind of checksum p holds when it is a checksum
// file of another file of the export ("" otherwise).
func sidecarOf(fsys fs.FS, p string) string {
	for _, sc := range sidecars {
		if base, ok := strings.CutSuffix(p, sc.ext); ok && base != "" {
			if st, err := fs.Stat(fsys, base); err == nil && st.Mode().IsRegular() {
				return sc.kind
			}
		}
	}
	return ""
}

// artifactoryFileXML is the part of artifactory-file.xml read: the
// checksums Artifactory computed ("actual"; "original" is what the
// deploying client claimed).
type artifactoryFileXML struct {
	XMLName  xml.Name `xml:"artifactory-file"`
	Checksum []struct {
		Type   string `xml:"type"`
		Actual string `xml:"actual"`
	} `xml:"additionalInfo>checksumsInfo>checksums>checksum"`
}

// recordedSums reads the checksums the export records for the file at p;
// two records that disagree are an error wrapping ErrChecksumMismatch.
func recordedSums(fsys fs.FS, p string) (Checksums, error) {
	var sums Checksums
	set := func(kind, v, from string) error {
		v = strings.ToLower(strings.TrimSpace(v))
		if v == "" {
			return nil
		}
		want := map[string]int{"sha1": 40, "sha256": 64, "md5": 32}[kind]
		if _, err := hex.DecodeString(v); err != nil || len(v) != want {
			return fmt.Errorf("%s: %q is not a %s checksum", from, v, kind)
		}
		var err error
		sums, err = sums.merge(Checksums{SHA1: pick(kind == "sha1", v), SHA256: pick(kind == "sha256", v), MD5: pick(kind == "md5", v)})
		if err != nil {
			return fmt.Errorf("%s disagrees with another record: %w", from, err)
		}
		return nil
	}
	data, err := readSmall(fsys, p+metadataSuffix+"/artifactory-file.xml")
	if err != nil {
		return sums, err
	}
	if data != nil {
		var doc artifactoryFileXML
		if err := xml.Unmarshal(data, &doc); err != nil {
			return sums, fmt.Errorf("artifactory-file.xml: %w", err)
		}
		for _, c := range doc.Checksum {
			kind := strings.ToLower(strings.ReplaceAll(c.Type, "-", ""))
			if kind != "sha1" && kind != "sha256" && kind != "md5" {
				continue
			}
			if err := set(kind, c.Actual, "artifactory-file.xml"); err != nil {
				return sums, err
			}
		}
	}
	for _, sc := range sidecars {
		data, err := readSmall(fsys, p+sc.ext)
		if err != nil {
			return sums, err
		}
		if fields := strings.Fields(string(data)); len(fields) > 0 { // "<digest>" or "<digest>  <name>"
			if err := set(sc.kind, fields[0], path.Base(p)+sc.ext); err != nil {
				return sums, err
			}
		}
	}
	return sums, nil
}

func pick(ok bool, v string) string {
	if ok {
		return v
	}
	return ""
}

// readSmall reads a metadata file of at most MaxPropertiesXML bytes; nil
// when it does not exist.
func readSmall(fsys fs.FS, name string) ([]byte, error) {
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
		return nil, fmt.Errorf("%s is larger than %d bytes", path.Base(name), MaxPropertiesXML)
	}
	return data, nil
}

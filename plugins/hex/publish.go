package hex

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// Limits of a publish, after hex.pm's own (tarball 8 MiB compressed,
// 64 MiB uncompressed: https://hex.pm/docs/faq#what-are-the-limits), with
// room to spare.
const (
	maxTarballBytes  = 16 << 20
	maxMetadataBytes = 1 << 20
	maxContentsFiles = 10_000
	maxRequirements  = 1_000
)

// Package names: lower-case letters, digits and '_', starting with a letter
// (hex.pm's rule).
var nameRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,127}$`)

func validName(s string) bool { return nameRe.MatchString(s) }

// tarballPath is where a release's tarball is stored (and served).
func tarballPath(name, version string) string { return "tarballs/" + name + "-" + version + ".tar" }

// publish stores a release from a package tarball (format version 3):
// an uncompressed tar of VERSION, CHECKSUM, metadata.config and
// contents.tar.gz; CHECKSUM is the sha256 of the other three concatenated.
// https://github.com/hexpm/specifications/blob/main/package_tarball.md
func publish(h sdk.Host, req *sdk.Request, pathName string) (*sdk.Response, error) {
	if req.Body == nil || req.Body.Size == 0 {
		return nil, sdk.Errorf(400, "the request has no package tarball")
	}
	if req.Body.Size > maxTarballBytes {
		return nil, sdk.Errorf(413, "the package tarball is larger than %d bytes", maxTarballBytes)
	}
	entries, err := h.ArchiveList(req.Body.Digest, sdk.ArchiveTar, 8)
	if err != nil {
		return nil, sdk.Errorf(400, "invalid package tarball: %v", err)
	}
	want := map[string]bool{"VERSION": true, "CHECKSUM": true, "metadata.config": true, "contents.tar.gz": true}
	for _, e := range entries {
		if !want[e.Name] {
			return nil, sdk.Errorf(400, "invalid package tarball: unexpected entry %q", e.Name)
		}
		delete(want, e.Name)
	}
	for n := range want {
		return nil, sdk.Errorf(400, "invalid package tarball: missing %s", n)
	}
	read := func(name string, max uint64) ([]byte, error) {
		b, err := h.ArchiveRead(req.Body.Digest, sdk.ArchiveTar, name, max)
		if err != nil {
			return nil, sdk.Errorf(400, "invalid package tarball: %s: %v", name, err)
		}
		return b, nil
	}
	version, err := read("VERSION", 16)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(string(version)) != "3" {
		return nil, sdk.Errorf(400, "unsupported package tarball version %q (want 3)", strings.TrimSpace(string(version)))
	}
	checksum, err := read("CHECKSUM", 128)
	if err != nil {
		return nil, err
	}
	meta, err := read("metadata.config", maxMetadataBytes)
	if err != nil {
		return nil, err
	}
	contents, err := read("contents.tar.gz", maxTarballBytes)
	if err != nil {
		return nil, err
	}
	all := make([]byte, 0, len(version)+len(meta)+len(contents))
	all = append(append(append(all, version...), meta...), contents...)
	inner, err := h.Hash(sdk.SHA256, sdk.Source{Bytes: all})
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(strings.TrimSpace(string(checksum)), inner) {
		return nil, sdk.Errorf(400, "invalid package tarball: CHECKSUM does not match its contents")
	}
	if err := checkContents(h, contents); err != nil {
		return nil, err
	}
	md, err := parseMetadata(meta)
	if err != nil {
		return nil, sdk.Errorf(400, "invalid metadata.config: %v", err)
	}
	if pathName != "" && pathName != md.Name {
		return nil, sdk.Errorf(400, "metadata.config names package %q, the URL %q", md.Name, pathName)
	}
	p := tarballPath(md.Name, md.Version)
	if f, err := h.GetFile(p); err != nil {
		return nil, err
	} else if f != nil {
		return nil, sdk.Errorf(409, "%s %s already exists", md.Name, md.Version)
	}
	rel := release{Version: md.Version, InnerChecksum: inner, OuterChecksum: req.Body.Digest, Dependencies: md.Deps,
		SortKey: sortKey(md.Version)}
	relJSON, _ := json.Marshal(rel)
	if err := h.StageFile(sdk.StagedFile{Path: p, BlobDigest: req.Body.Digest, ContentType: "application/octet-stream",
		Package: md.Name, Version: md.Version}); err != nil {
		return nil, err
	}
	if err := h.StageVersion(sdk.VersionPut{Package: md.Name, Version: md.Version, Metadata: relJSON}); err != nil {
		return nil, err
	}
	body, _ := json.Marshal(map[string]any{"name": md.Name, "version": md.Version, "checksum": inner,
		"url": req.Repo.BaseURL + "/" + p})
	return &sdk.Response{Status: 201, Kind: sdk.BodyBytes, Bytes: body,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}, nil
}

// checkContents lists contents.tar.gz (by the host) and refuses names that
// would leave the directory it is extracted to.
func checkContents(h sdk.Host, contents []byte) error {
	dg, err := h.PutBlob(contents)
	if err != nil {
		return err
	}
	entries, err := h.ArchiveList(dg, sdk.ArchiveTarGz, maxContentsFiles)
	if err != nil {
		return sdk.Errorf(400, "invalid package tarball: contents.tar.gz: %v", err)
	}
	for _, e := range entries {
		n := e.Name
		if n == "" || strings.HasPrefix(n, "/") || strings.ContainsAny(n, "\\\x00") {
			return sdk.Errorf(400, "invalid package tarball: unsafe file name %q", n)
		}
		for _, s := range strings.Split(n, "/") {
			if s == ".." {
				return sdk.Errorf(400, "invalid package tarball: unsafe file name %q", n)
			}
		}
	}
	return nil
}

// metadata is what Keeper reads of metadata.config.
type metadata struct {
	Name, Version string
	Deps          []dependency
}

// parseMetadata reads name, version and requirements. Requirements are a
// list of {Name, Props} (format 3, as mix and rebar3_hex write it), a map,
// or a list of property lists carrying <<"name">> (older tools).
// https://github.com/hexpm/specifications/blob/main/package_metadata.md
func parseMetadata(src []byte) (metadata, error) {
	terms, err := parseTerms(src)
	if err != nil {
		return metadata{}, err
	}
	var md metadata
	var reqs term
	for _, t := range terms {
		tp, ok := t.(tuple)
		if !ok || len(tp) != 2 {
			continue
		}
		k, _ := tp[0].(string)
		switch k {
		case "name":
			md.Name, _ = tp[1].(string)
		case "version":
			md.Version, _ = tp[1].(string)
		case "requirements":
			reqs = tp[1]
		}
	}
	if !validName(md.Name) {
		return md, fmt.Errorf("invalid package name %q", md.Name)
	}
	if !semver.Valid(md.Version) || len(md.Version) > 128 {
		return md, fmt.Errorf("invalid version %q: want a semantic version", md.Version)
	}
	if reqs == nil {
		return md, nil
	}
	var entries []struct {
		K string
		V term
	}
	if list, ok := reqs.([]term); ok && len(list) > 0 {
		if _, isTuple := list[0].(tuple); !isTuple {
			// Older form: a list of property lists with a "name" key.
			for _, e := range list {
				props, ok := proplist(e)
				if !ok {
					return md, fmt.Errorf("malformed requirements")
				}
				name := ""
				for _, p := range props {
					if p.K == "name" {
						name, _ = p.V.(string)
					}
				}
				entries = append(entries, struct {
					K string
					V term
				}{name, e})
			}
		}
	}
	if entries == nil {
		var ok bool
		if entries, ok = proplist(reqs); !ok {
			return md, fmt.Errorf("malformed requirements")
		}
	}
	if len(entries) > maxRequirements {
		return md, fmt.Errorf("more than %d requirements", maxRequirements)
	}
	for _, e := range entries {
		props, ok := proplist(e.V)
		if !ok || !validName(e.K) {
			return md, fmt.Errorf("malformed requirement %q", e.K)
		}
		d := dependency{Package: e.K}
		for _, p := range props {
			switch p.K {
			case "requirement":
				d.Requirement, _ = p.V.(string)
			case "optional":
				d.Optional, _ = p.V.(bool)
			case "app":
				d.App, _ = p.V.(string)
			case "repository":
				d.Repository, _ = p.V.(string)
			}
		}
		if d.Requirement == "" || len(d.Requirement) > 256 {
			return md, fmt.Errorf("requirement %q has no version requirement", e.K)
		}
		md.Deps = append(md.Deps, d)
	}
	return md, nil
}

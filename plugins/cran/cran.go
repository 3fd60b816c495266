package cran

import (
	"net/url"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// PluginVersion is the plugin version reported by describe.
const PluginVersion = "0.1.0"

// Plugin implements sdk.Plugin for CRAN-like R package repositories, the
// layout of "R Installation and Administration", 6.6 (read by
// utils::available.packages and install.packages):
// https://cran.r-project.org/doc/manuals/r-release/R-admin.html#Setting-up-a-package-repository
//
// Routes under /cran/<repo>, TREE being src/contrib, bin/windows/contrib/X.Y,
// bin/macosx/contrib/X.Y or bin/macosx/ARCH/contrib/X.Y:
//
//	PUT    /TREE/NAME_VERSION.EXT                      upload (.tar.gz source, .zip Windows, .tgz macOS)
//	GET    /TREE/PACKAGES, PACKAGES.gz, PACKAGES.rds   the index of the newest version of each package
//	GET    /TREE/NAME_VERSION.EXT                      the file (the host's fast path)
//	GET    /src/contrib/Archive/NAME/NAME_VERSION.tar.gz  any stored source version (remotes, versions::)
//	DELETE /TREE/NAME_VERSION.EXT                      remove a file
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{Key: "cran", DisplayName: "CRAN (R packages)", Version: PluginVersion, ContractVersion: sdk.ContractVersion,
		Mounts: []sdk.Mount{{Prefix: "/cran/"}}, Credentials: credentials, Setup: setup}
}

// Handle implements sdk.Plugin.
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		return nil, sdk.Errorf(404, "repository not found")
	}
	p, err := url.PathUnescape(req.Path)
	if err != nil || !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\\\x00") || len(p) > 1024 {
		return nil, sdk.Errorf(400, "bad path")
	}
	segs := strings.Split(p[1:], "/")
	file := segs[len(segs)-1]
	tree, isTree := parseTree(segs[:len(segs)-1])
	switch req.Method {
	case "PUT", "POST":
		if !isTree {
			return nil, sdk.Errorf(404, "not a package directory: upload to src/contrib/NAME_VERSION.tar.gz or a bin/ tree")
		}
		return upload(h, req, tree, file)
	case "DELETE":
		if !isTree {
			return nil, sdk.Errorf(404, "not found: %s", p)
		}
		return remove(h, tree, file)
	case "GET", "HEAD":
	default:
		return nil, sdk.Errorf(405, "method %s not allowed", req.Method)
	}
	if isTree && (file == "PACKAGES" || file == "PACKAGES.gz" || file == "PACKAGES.rds") {
		return index(h, tree, file)
	}
	if len(segs) == 5 && segs[0] == "src" && segs[1] == "contrib" && segs[2] == "Archive" {
		src := Tree{Dir: "src/contrib", Ext: ".tar.gz", Kind: "source"}
		if name, _, ok := src.splitFile(file); ok && name == segs[3] {
			if f, err := h.GetFile(src.Dir + "/" + file); err != nil {
				return nil, err
			} else if f != nil {
				return &sdk.Response{Status: 200, Kind: sdk.BodyServePath, Target: f.Path}, nil
			}
		}
	}
	// Stored files are served by the host before the plugin is called.
	return nil, sdk.Errorf(404, "not found: %s", p)
}

// remove deletes a package file, and the package version once no tree
// holds a file of it.
func remove(h sdk.Host, t Tree, file string) (*sdk.Response, error) {
	name, version, ok := t.splitFile(file)
	f, err := h.GetFile(t.Dir + "/" + file)
	if err != nil {
		return nil, err
	}
	if !ok || f == nil {
		return nil, sdk.Errorf(404, "not found: %s/%s", t.Dir, file)
	}
	if err := h.StageDelete(f.Path); err != nil {
		return nil, err
	}
	others := false
	err = sdk.EachFile(h, "", name, maxTreeFiles, func(o sdk.File) error {
		others = others || (o.Path != f.Path && o.Version == version)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !others {
		if err := h.StageVersion(sdk.VersionPut{Package: name, Version: version, Delete: true}); err != nil {
			return nil, err
		}
	}
	return &sdk.Response{Status: 204}, nil
}

package conan_test

import (
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// The fixtures are what `conan upload hello/1.0 -r keeper` sends for a
// recipe exported with Conan 2 and one binary, built the way the client
// builds them (conans/client/cmd/uploader.py compress_files,
// conans/model/manifest.py FileTreeManifest): tgz archives of the export,
// sources and package folders, manifests of "PATH: MD5" lines under a
// timestamp, the recipe revision as the manifest's summary hash (md5 of its
// lines without the timestamp), the package id as the sha1 of conaninfo.txt.

const conanfile = `from conan import ConanFile
from conan.tools.files import copy


class HelloConan(ConanFile):
    name = "hello"
    version = "1.0"
    license = "MIT"
    settings = "os", "arch", "compiler", "build_type"
    exports_sources = "include/*"
    no_copy_source = True

    def package(self):
        copy(self, "*.h", self.source_folder, self.package_folder)
`

const conaninfo = `[settings]
    arch=x86_64
    build_type=Release
    compiler=gcc
    compiler.version=12
    os=Linux
`

func md5hex(b []byte) string { s := md5.Sum(b); return hex.EncodeToString(s[:]) }

func sha1hex(b []byte) string { s := sha1.Sum(b); return hex.EncodeToString(s[:]) }

// manifest renders FileTreeManifest.__repr__: the time, then sorted lines.
func manifest(files map[string][]byte) (text, summary string) {
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var lines []string
	for _, n := range names {
		lines = append(lines, n+": "+md5hex(files[n]))
	}
	body := strings.Join(lines, "\n") + "\n"
	return "1717236000\n" + body, md5hex([]byte(body))
}

// tgz builds a gzip-compressed tar of name → content, in name order.
func tgz(files map[string]string) []byte {
	return plugintest.TarGz(files)
}

// upload is one revision's files in the order the client PUTs them
// (sorted names: the manifest last, rest_client_v2.py _upload_files).
type upload struct {
	files map[string][]byte
	rev   string
}

func (u upload) order() []string {
	var names []string
	for n := range u.files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

type fixture struct {
	recipe, pkg upload
	pkgid       string
}

const helloH = "#pragma once\nconst char* hello() { return \"hello\"; }\n"

func newFixture() fixture {
	exported := map[string][]byte{"conanfile.py": []byte(conanfile), "export_source/include/hello.h": []byte(helloH)}
	rman, rrev := manifest(exported)
	packaged := map[string][]byte{"conaninfo.txt": []byte(conaninfo), "include/hello.h": []byte(helloH)}
	pman, prev := manifest(packaged)
	return fixture{
		recipe: upload{rev: rrev, files: map[string][]byte{
			"conanfile.py":      []byte(conanfile),
			"conanmanifest.txt": []byte(rman),
			"conan_export.tgz":  tgz(map[string]string{}),
			"conan_sources.tgz": tgz(map[string]string{"include/hello.h": helloH}),
		}},
		pkg: upload{rev: prev, files: map[string][]byte{
			"conaninfo.txt":     []byte(conaninfo),
			"conanmanifest.txt": []byte(pman),
			"conan_package.tgz": tgz(map[string]string{"include/hello.h": helloH}),
		}},
		pkgid: sha1hex([]byte(conaninfo)),
	}
}

const refPath = "/v2/conans/hello/1.0/_/_"

func (f fixture) recipeFile(name string) string {
	return refPath + "/revisions/" + f.recipe.rev + "/files/" + name
}

func (f fixture) packagePath() string {
	return refPath + "/revisions/" + f.recipe.rev + "/packages/" + f.pkgid
}

func (f fixture) packageFile(name string) string {
	return f.packagePath() + "/revisions/" + f.pkg.rev + "/files/" + name
}

var _ = fmt.Sprint

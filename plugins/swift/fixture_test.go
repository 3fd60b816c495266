package swift_test

import (
	"archive/zip"
	"bytes"
	"sort"
)

// manifestOf is a Package.swift as `swift package init --type library` writes it.
func manifestOf(name, tools string) string {
	return "// swift-tools-version:" + tools + "\nimport PackageDescription\n\nlet package = Package(\n    name: \"" + name +
		"\",\n    products: [.library(name: \"" + name + "\", targets: [\"" + name + "\"])],\n    targets: [.target(name: \"" + name +
		"\"), .testTarget(name: \"" + name + "Tests\", dependencies: [\"" + name + "\"])]\n)\n"
}

// zipOf builds a zip in name order with a folder entry for root, as
// `swift package archive-source` packs a package (one top-level folder
// named after the package, which SwiftPM strips when extracting:
// RegistryClient.downloadSourceArchive → stripFirstLevel).
func zipOf(root string, files map[string]string) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	if root != "" {
		_, _ = w.Create(root + "/")
	}
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f, _ := w.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Deflate})
		_, _ = f.Write([]byte(files[n]))
	}
	_ = w.Close()
	return buf.Bytes()
}

func sourceArchive(name, marker string) []byte {
	return zipOf(name, map[string]string{
		name + "/Package.swift":                           manifestOf(name, "5.7"),
		name + "/Package@swift-5.8.swift":                 manifestOf(name, "5.8"),
		name + "/Sources/" + name + "/" + name + ".swift": "public struct " + name + " { public static let marker = \"" + marker + "\" }\n",
		name + "/README.md":                               "# " + name + "\n",
	})
}

// boundary is a UUID, as RegistryClient.publish makes it.
const boundary = "6A1A3D6E-0C1B-4F0E-9B86-3C7E2C1D9F21"

// publishBody is what `swift package-registry publish` PUTs
// (Sources/PackageRegistry/RegistryClient.swift, publish): the archive,
// then the signature, the metadata and its signature, each binary (the
// metadata "quoted-printable" but sent as is), ending "\r\n--B--\r\n".
func publishBody(archive []byte, metadata string, signature []byte) (body []byte, contentType string) {
	var b bytes.Buffer
	b.WriteString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"source-archive\"\r\n" +
		"Content-Type: application/zip\r\nContent-Transfer-Encoding: binary\r\n\r\n")
	b.Write(archive)
	if signature != nil {
		b.WriteString("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"source-archive-signature\"\r\n" +
			"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n")
		b.Write(signature)
	}
	if metadata != "" {
		b.WriteString("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"metadata\"\r\n" +
			"Content-Type: application/json\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + metadata)
		if signature != nil {
			b.WriteString("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"metadata-signature\"\r\n" +
				"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n")
			b.Write(signature)
		}
	}
	b.WriteString("\r\n--" + boundary + "--\r\n")
	return b.Bytes(), `multipart/form-data;boundary="` + boundary + `"`
}

const metadataJSON = `{
  "description": "One thing links to another.",
  "repositoryURLs": ["https://github.com/mona/LinkedList", "git@github.com:mona/LinkedList.git"],
  "licenseURL": "https://www.apache.org/licenses/LICENSE-2.0",
  "author": {"name": "Mona Lisa Octocat"}
}`

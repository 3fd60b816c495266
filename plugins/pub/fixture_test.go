package pub_test

import (
	"bytes"

	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// pubspecOf is a pubspec.yaml as `dart create -t package` writes it.
func pubspecOf(name, version string) string {
	return "name: " + name + "\ndescription: A sample package for Keeper.\nversion: " + version + "\n" +
		"repository: https://example.invalid/" + name + "\n\nenvironment:\n  sdk: ^3.4.0\n\n" +
		"dependencies:\n  path: ^1.9.0\n\ndev_dependencies:\n  lints: ^4.0.0\n  test: ^1.24.0\n"
}

// tgz builds a gzip-compressed tar in name order, as `dart pub publish`
// packs the package folder (lib/src/io.dart createTarGz: relative names).
func tgz(files map[string]string) []byte {
	return plugintest.TarGz(files)
}

func packageArchive(name, version string) []byte {
	return tgz(map[string]string{
		"pubspec.yaml": pubspecOf(name, version), "LICENSE": "MIT License\n", "README.md": "# " + name + "\n",
		"CHANGELOG.md": "## " + version + "\n", "lib/" + name + ".dart": "String hello() => 'hello';\n",
	})
}

// boundary is the shape package:http's MultipartRequest uses.
const boundary = "dart-http-boundary-Zb3kQ8yW1+xV_n4mT0pL-aR7cE2sUo9dG5hJ6fK"

// multipartBody is what `dart pub publish` POSTs (lib/src/command/lish.dart:
// http.MultipartRequest with the fields of versions/new and
// MultipartFile.fromBytes('file', bytes, filename: 'package.tar.gz')).
func multipartBody(archive []byte) (body []byte, contentType string) {
	var b bytes.Buffer
	b.WriteString("--" + boundary + "\r\n")
	b.WriteString("content-type: application/octet-stream\r\n")
	b.WriteString("content-disposition: form-data; name=\"file\"; filename=\"package.tar.gz\"\r\n\r\n")
	b.Write(archive)
	b.WriteString("\r\n--" + boundary + "--\r\n")
	return b.Bytes(), "multipart/form-data; boundary=" + boundary
}

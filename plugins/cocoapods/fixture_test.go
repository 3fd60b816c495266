package cocoapods_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"sort"
)

// podspecOf is a podspec JSON as `pod ipc spec NAME.podspec` prints it
// (cocoapods-core Specification#to_pretty_json), with a git source.
func podspecOf(name, version string) string {
	return `{
  "name": "` + name + `",
  "version": "` + version + `",
  "summary": "A sample pod for Keeper.",
  "homepage": "https://example.invalid/` + name + `",
  "license": {"type": "MIT", "file": "LICENSE"},
  "authors": {"Mona": "mona@example.invalid"},
  "source": {"git": "https://example.invalid/` + name + `.git", "tag": "` + version + `"},
  "platforms": {"ios": "12.0"},
  "source_files": "Sources/**/*.swift",
  "swift_versions": "5.0"
}`
}

func names(files map[string]string) []string {
	var ns []string
	for n := range files {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

func zipOf(files map[string]string) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, n := range names(files) {
		f, _ := w.Create(n)
		_, _ = f.Write([]byte(files[n]))
	}
	_ = w.Close()
	return buf.Bytes()
}

func tgzOf(files map[string]string) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, n := range names(files) {
		_ = tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg})
		_, _ = tw.Write([]byte(files[n]))
	}
	_ = tw.Close()
	_ = gz.Close()
	return buf.Bytes()
}

func podArchive(name, marker string) []byte {
	return zipOf(map[string]string{"LICENSE": "MIT\n", "Sources/" + name + ".swift": "public let marker = \"" + marker + "\"\n"})
}

const boundary = "------------------------d74496d66958873e"

// pushBody is what `curl -F podspec=@NAME.podspec.json -F archive=@NAME.zip` sends.
func pushBody(spec string, archive []byte) ([]byte, string) {
	var b bytes.Buffer
	if spec != "" {
		b.WriteString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"podspec\"; filename=\"pod.podspec.json\"\r\nContent-Type: application/json\r\n\r\n" + spec + "\r\n")
	}
	if archive != nil {
		b.WriteString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"archive\"; filename=\"pod.zip\"\r\nContent-Type: application/octet-stream\r\n\r\n")
		b.Write(archive)
		b.WriteString("\r\n")
	}
	b.WriteString("--" + boundary + "--\r\n")
	return b.Bytes(), "multipart/form-data; boundary=" + boundary
}

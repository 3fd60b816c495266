package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"time"
)

// Version returns the i-th version string of a generated package (1.0.0, 1.0.1, …, 1.9.19).
func Version(i int) string { return fmt.Sprintf("1.%d.%d", i/20, i%20) }

// cmdNpmPublish publishes n versions of one package, each with the npm
// publish document npm itself sends (PUT /NAME with the version manifest and
// the base64 tarball in _attachments), one after the other.
// https://github.com/npm/cli/blob/latest/workspaces/libnpmpublish/lib/publish.js
func cmdNpmPublish(args []string) error {
	fs := flag.NewFlagSet("npmpublish", flag.ExitOnError)
	reg := fs.String("registry", "", "registry base URL ending in /")
	name := fs.String("name", "", "package name")
	n := fs.Int("n", 200, "versions")
	auth := fs.String("auth", "", "Authorization header value")
	_ = fs.Parse(args)
	if *reg == "" || *name == "" || *n < 1 {
		return errors.New("npmpublish: -registry, -name and -n >= 1 are required")
	}
	hc := client(1)
	start := time.Now()
	for i := range *n {
		doc, err := npmDoc(*reg, *name, Version(i))
		if err != nil {
			return err
		}
		if err := send(hc, http.MethodPut, *reg+*name, "application/json", *auth, doc); err != nil {
			return fmt.Errorf("npmpublish %s@%s: %w", *name, Version(i), err)
		}
	}
	fmt.Fprintf(os.Stderr, "  published %d versions of %s in %.1fs\n", *n, *name, time.Since(start).Seconds())
	return nil
}

// npmDoc returns the publish document of name@v with a small real tarball.
func npmDoc(reg, name, v string) ([]byte, error) {
	manifest := map[string]any{
		"name": name, "version": v,
		"description": "Keeper benchmark package " + name + ", one of many generated versions",
		"main":        "index.js", "license": "MIT",
		"keywords":   []string{"bench", "keeper", "registry"},
		"author":     "Keeper Bench <bench@example.invalid>",
		"repository": map[string]string{"type": "git", "url": "git+https://example.invalid/bench/" + name + ".git"},
		"scripts":    map[string]string{"test": "node test.js", "build": "node build.js"},
		"engines":    map[string]string{"node": ">=18"},
		"dependencies": map[string]string{
			"left-pad-bench": "^1.3.0", "tiny-util-bench": "~2.1.0", "other-bench": ">=0.5.0 <2.0.0",
		},
		"devDependencies": map[string]string{"tap-bench": "^16.0.0"},
	}
	pj, _ := json.MarshalIndent(manifest, "", "  ")
	tgz, err := tarGz(map[string][]byte{
		"package/package.json": pj,
		"package/index.js":     []byte("module.exports = '" + name + "@" + v + "';\n"),
	})
	if err != nil {
		return nil, err
	}
	s1 := sha1.Sum(tgz)
	s512 := sha512.Sum512(tgz)
	file := name + "-" + v + ".tgz"
	short := name
	if i := strings.LastIndex(name, "/"); i >= 0 {
		short = name[i+1:]
	}
	manifest["_id"] = name + "@" + v
	manifest["_nodeVersion"], manifest["_npmVersion"] = "20.20.2", "11.19.1"
	manifest["readme"] = "ERROR: No README data found!"
	manifest["dist"] = map[string]string{
		"integrity": "sha512-" + base64.StdEncoding.EncodeToString(s512[:]),
		"shasum":    hex.EncodeToString(s1[:]),
		"tarball":   reg + name + "/-/" + short + "-" + v + ".tgz",
	}
	doc := map[string]any{
		"_id": name, "name": name, "description": manifest["description"],
		"dist-tags": map[string]string{"latest": v},
		"versions":  map[string]any{v: manifest},
		"access":    "public",
		"_attachments": map[string]any{file: map[string]any{
			"content_type": "application/octet-stream",
			"data":         base64.StdEncoding.EncodeToString(tgz),
			"length":       len(tgz),
		}},
	}
	return json.Marshal(doc)
}

func tarGz(files map[string][]byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, name := range []string{"package/package.json", "package/index.js"} {
		b, ok := files[name]
		if !ok {
			continue
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(b)), ModTime: time.Unix(499162500, 0)}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(b); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// cmdPypiUpload uploads one wheel for each of n versions of a project with
// the legacy upload API twine speaks (multipart POST, :action=file_upload).
// https://docs.pypi.org/api/upload/
func cmdPypiUpload(args []string) error {
	fs := flag.NewFlagSet("pypiupload", flag.ExitOnError)
	u := fs.String("url", "", "upload URL (…/pypi/REPO/)")
	name := fs.String("name", "", "project name")
	n := fs.Int("n", 200, "versions")
	auth := fs.String("auth", "", "Authorization header value")
	_ = fs.Parse(args)
	if *u == "" || *name == "" || *n < 1 {
		return errors.New("pypiupload: -url, -name and -n >= 1 are required")
	}
	hc := client(1)
	start := time.Now()
	for i := range *n {
		v := Version(i)
		body, ctype, err := wheelForm(*name, v)
		if err != nil {
			return err
		}
		if err := send(hc, http.MethodPost, *u, ctype, *auth, body); err != nil {
			return fmt.Errorf("pypiupload %s %s: %w", *name, v, err)
		}
	}
	fmt.Fprintf(os.Stderr, "  uploaded %d versions of %s in %.1fs\n", *n, *name, time.Since(start).Seconds())
	return nil
}

// wheelForm builds a minimal wheel (METADATA, WHEEL, RECORD) and the upload form around it.
func wheelForm(name, v string) ([]byte, string, error) {
	dist := strings.ReplaceAll(name, "-", "_")
	info := dist + "-" + v + ".dist-info/"
	meta := "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + v +
		"\nSummary: Keeper benchmark project\nRequires-Python: >=3.8\nRequires-Dist: requests-bench>=2.0\nLicense: MIT\n\nA generated project.\n"
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	for _, f := range []struct{ name, body string }{
		{dist + "/__init__.py", "VERSION = '" + v + "'\n"},
		{info + "METADATA", meta},
		{info + "WHEEL", "Wheel-Version: 1.0\nGenerator: kbench\nRoot-Is-Purelib: true\nTag: py3-none-any\n"},
		{info + "RECORD", ""},
	} {
		w, err := zw.Create(f.name)
		if err != nil {
			return nil, "", err
		}
		_, _ = io.WriteString(w, f.body)
	}
	if err := zw.Close(); err != nil {
		return nil, "", err
	}
	whl := zb.Bytes()
	sum := sha256.Sum256(whl)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, kv := range [][2]string{
		{":action", "file_upload"}, {"protocol_version", "1"}, {"name", name}, {"version", v},
		{"filetype", "bdist_wheel"}, {"pyversion", "py3"}, {"metadata_version", "2.1"},
		{"summary", "Keeper benchmark project"}, {"requires_python", ">=3.8"},
		{"sha256_digest", hex.EncodeToString(sum[:])},
	} {
		_ = mw.WriteField(kv[0], kv[1])
	}
	fw, err := mw.CreateFormFile("content", dist+"-"+v+"-py3-none-any.whl")
	if err != nil {
		return nil, "", err
	}
	_, _ = fw.Write(whl)
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return body.Bytes(), mw.FormDataContentType(), nil
}

// send makes one request and fails unless the answer is 2xx.
func send(hc *http.Client, method, url, ctype, auth string, body []byte) error {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: status %d: %s", method, url, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	return nil
}

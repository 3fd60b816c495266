package hex

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

// tarOf builds an uncompressed tar of the given entries, in order.
func tarOf(t testing.TB, names []string, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), ModTime: time.Unix(1700000000, 0), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		_, _ = tw.Write(files[n])
	}
	_ = tw.Close()
	return buf.Bytes()
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

// metadataConfig writes metadata.config as rebar3_hex does (format 3).
func metadataConfig(name, version, requirements string) []byte {
	return []byte(`{<<"app">>,<<"` + name + `">>}.
{<<"build_tools">>,[<<"rebar3">>]}.
{<<"description">>,<<"A \"test\" package">>}.
{<<"files">>,[<<"src/` + name + `.app.src">>,<<"src/` + name + `.erl">>]}.
{<<"licenses">>,[<<"Apache-2.0">>]}.
{<<"links">>,[]}.
{<<"name">>,<<"` + name + `">>}.
{<<"requirements">>,` + requirements + `}.
{<<"version">>,<<"` + version + `">>}.
`)
}

// hexTarball builds a package tarball (format 3) of an OTP application;
// edit may change the entries before the tar is written.
func hexTarball(t testing.TB, name, version, requirements string, edit func(map[string][]byte)) []byte {
	t.Helper()
	src := map[string][]byte{
		"src/" + name + ".app.src": []byte(`{application, ` + name + `, [{description, "test"}, {vsn, "` + version + `"}, {applications, [kernel, stdlib]}]}.` + "\n"),
		"src/" + name + ".erl":     []byte("-module(" + name + ").\n-export([marker/0]).\nmarker() -> <<\"" + name + " " + version + "\">>.\n"),
	}
	contents := gz(tarOf(t, []string{"src/" + name + ".app.src", "src/" + name + ".erl"}, src))
	files := map[string][]byte{"VERSION": []byte("3"), "metadata.config": metadataConfig(name, version, requirements),
		"contents.tar.gz": contents}
	if edit != nil {
		edit(files)
	}
	if _, ok := files["CHECKSUM"]; !ok {
		sum := sha256.Sum256(append(append(append([]byte(nil), files["VERSION"]...), files["metadata.config"]...), files["contents.tar.gz"]...))
		files["CHECKSUM"] = []byte(strings.ToUpper(hex.EncodeToString(sum[:])))
	}
	return tarOf(t, []string{"VERSION", "CHECKSUM", "metadata.config", "contents.tar.gz"}, files)
}

func sha256hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

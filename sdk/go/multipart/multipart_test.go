package multipart_test

import (
	"bytes"
	"fmt"
	stdmp "mime/multipart"
	"net/textproto"
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
	"github.com/keeper-registry/keeper/sdk/go/multipart"
)

// field is one part to write: a file part when filename is set.
type field struct{ name, filename, data string }

// build writes a body with the standard library's multipart writer.
func build(t *testing.T, fields ...field) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := stdmp.NewWriter(&buf)
	for _, f := range fields {
		hdr := textproto.MIMEHeader{}
		if f.filename != "" {
			hdr.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, f.name, f.filename))
			hdr.Set("Content-Type", "application/octet-stream")
		} else {
			hdr.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q`, f.name))
		}
		w, err := mw.CreatePart(hdr)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(f.data))
	}
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

func parse(t *testing.T, body []byte, ct string, opt multipart.Options) (*fakehost.Host, string, *multipart.Form, error) {
	t.Helper()
	h := fakehost.New(nil)
	d := h.AddBlob(body)
	b, ok, err := multipart.Boundary(ct)
	if !ok || err != nil {
		t.Fatalf("boundary of %q: %v %v", ct, ok, err)
	}
	f, err := multipart.Parse(h, d, uint64(len(body)), b, opt)
	return h, d, f, err
}

// TestParseWindows parses one body with read windows from tiny to large and
// checks fields, file ranges and the collected part are the same each time.
func TestParseWindows(t *testing.T) {
	file := strings.Repeat("0123456789\r\n--", 5000) // looks like delimiters but is not one
	body, ct := build(t, field{"name", "", "demo"}, field{"skip", "", "x"}, field{"content", "a.bin", file},
		field{"name", "", "second"}, field{"other", "b.txt", "B"})
	for _, w := range []int{1, 7, 64, 4096, 1 << 20} {
		opt := multipart.Options{Limits: multipart.Limits{Window: w}, Keep: map[string]bool{"name": true}, Collect: "content", CollectMax: 1 << 20}
		_, _, f, err := parse(t, body, ct, opt)
		if err != nil {
			t.Fatalf("window %d: %v", w, err)
		}
		c := f.Files["content"]
		if f.Values["name"] != "demo" || len(f.Values) != 1 || string(body[c.Offset:c.Offset+c.Size]) != file ||
			string(c.Data) != file || c.Filename != "a.bin" || len(f.Parts) != 5 || f.Files["other"].Data != nil {
			t.Fatalf("window %d: %+v %q", w, f.Values, body[c.Offset : c.Offset+c.Size][:20])
		}
		if p, ok := f.Part("skip"); !ok || string(body[p.Offset:p.Offset+p.Size]) != "x" || p.Filename != "" {
			t.Fatalf("window %d: skip part %+v", w, p)
		}
		opt.CollectMax = 100
		if _, _, f, err = parse(t, body, ct, opt); err != nil || f.Files["content"].Data != nil || f.Files["content"].Size != uint64(len(file)) {
			t.Fatalf("window %d: a part over the collect limit: %v", w, err)
		}
	}
}

func TestPreamble(t *testing.T) {
	body := "preamble line\r\n--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nA\r\n--B--\r\n"
	_, _, f, err := parse(t, []byte(body), "multipart/form-data; boundary=B", multipart.Options{Keep: map[string]bool{"a": true}})
	if err != nil || f.Values["a"] != "A" {
		t.Fatalf("%v %+v", err, f)
	}
}

func TestRefusals(t *testing.T) {
	big, ct := build(t, field{"name", "", strings.Repeat("x", multipart.DefaultMaxFieldBytes+1)})
	if _, _, _, err := parse(t, big, ct, multipart.Options{Keep: map[string]bool{"name": true}}); err == nil || !strings.Contains(err.Error(), "over") {
		t.Fatalf("big kept field: %v", err)
	}
	if _, _, _, err := parse(t, big, ct, multipart.Options{}); err != nil {
		t.Fatalf("a big field not kept is only located: %v", err)
	}
	var fs []field
	for i := 0; i <= 3; i++ {
		fs = append(fs, field{fmt.Sprint("f", i), "", "v"})
	}
	many, mct := build(t, fs...)
	if _, _, _, err := parse(t, many, mct, multipart.Options{Limits: multipart.Limits{MaxParts: 3}}); err == nil || !strings.Contains(err.Error(), "more than 3 parts") {
		t.Fatalf("parts: %v", err)
	}
	hdr := "--B\r\nContent-Disposition: form-data; name=\"a\"\r\nX: " + strings.Repeat("h", 100) + "\r\n\r\nA\r\n--B--"
	if _, _, _, err := parse(t, []byte(hdr), "multipart/form-data; boundary=B", multipart.Options{Limits: multipart.Limits{MaxPartHeader: 50}}); err == nil || !strings.Contains(err.Error(), "headers") {
		t.Fatalf("header: %v", err)
	}
	dupFile, dct := build(t, field{"f", "a", "1"}, field{"f", "b", "2"})
	if _, _, _, err := parse(t, dupFile, dct, multipart.Options{}); err == nil || !strings.Contains(err.Error(), `file field "f" given twice`) {
		t.Fatalf("dup file: %v", err)
	}
	dupField, dfct := build(t, field{"f", "", "1"}, field{"f", "", "2"})
	if _, _, _, err := parse(t, dupField, dfct, multipart.Options{Unique: true}); err == nil || !strings.Contains(err.Error(), `field "f" given twice`) {
		t.Fatalf("dup field with Unique: %v", err)
	}
	if _, _, _, err := parse(t, dupFile[:len(dupFile)/2], dct, multipart.Options{}); err == nil || !strings.Contains(err.Error(), "not terminated") {
		t.Fatalf("truncated: %v", err)
	}
	for _, bad := range []string{"--B\r\nX: y\r\n\r\nA\r\n--B--", "--B\r\nContent-Disposition: attachment; name=a\r\n\r\nA\r\n--B--", "no boundary here"} {
		if _, _, _, err := parse(t, []byte(bad), "multipart/form-data; boundary=B", multipart.Options{}); err == nil || !strings.Contains(err.Error(), "malformed") {
			t.Fatalf("%q: %v", bad, err)
		}
	}
}

func TestBoundary(t *testing.T) {
	if _, ok, err := multipart.Boundary("application/json"); ok || err != nil {
		t.Fatal("not multipart")
	}
	if _, ok, err := multipart.Boundary("multipart/form-data"); !ok || err == nil {
		t.Fatal("missing boundary accepted")
	}
	if _, ok, err := multipart.Boundary("multipart/form-data; boundary=" + strings.Repeat("b", 71)); !ok || err == nil {
		t.Fatal("71-character boundary accepted")
	}
}

// TestCopyPart has the host cut a file part into its own blob.
func TestCopyPart(t *testing.T) {
	file := strings.Repeat("abcdefg", 1000)
	body, ct := build(t, field{"chart", "c.tgz", file})
	h, d, f, err := parse(t, body, ct, multipart.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := f.Files["chart"]
	nd, err := multipart.CopyPart(h, d, p)
	if err != nil || string(h.Blobs[nd]) != file {
		t.Fatalf("%v %d", err, len(h.Blobs[nd]))
	}
	p.Size = uint64(len(body)) // past the end of the body
	if _, err := multipart.CopyPart(h, d, p); err == nil || !strings.Contains(err.Error(), "outside blob") {
		t.Fatalf("short body: %v", err)
	}
	if _, err := multipart.CopyPart(h, "missing", p); err == nil {
		t.Fatal("missing blob copied")
	}
}

// countingHost counts the bytes ReadBlob hands the plugin.
type countingHost struct {
	*fakehost.Host
	read int
}

func (c *countingHost) ReadBlob(digest string, off uint64, n uint32) ([]byte, error) {
	b, err := c.Host.ReadBlob(digest, off, n)
	c.read += len(b)
	return b, err
}

// plainHost hides the blob-range imports (a 0.1.0-style host).
type plainHost struct{ sdk.Host }

// TestFilePartStaysOnTheHost parses a body whose file part is much larger
// than the read window: with index-bytes the plugin reads little more than
// the part headers, and without it the same form comes out of a full scan.
func TestFilePartStaysOnTheHost(t *testing.T) {
	file := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB
	body, ct := build(t, field{"name", "", "demo"}, field{"content", "f.bin", file}, field{"version", "", "1"})
	b, _, _ := multipart.Boundary(ct)
	opts := multipart.Options{Limits: multipart.Limits{Window: 4096}, Keep: map[string]bool{"name": true, "version": true}}
	fh := fakehost.New(nil)
	d := fh.AddBlob(body)
	ch := &countingHost{Host: fh}
	f, err := multipart.Parse(ch, d, uint64(len(body)), b, opts)
	if err != nil || f.Values["version"] != "1" || f.Files["content"].Size != uint64(len(file)) {
		t.Fatalf("%v %+v", err, f)
	}
	if ch.read > 64<<10 {
		t.Fatalf("the plugin read %d bytes of a %d-byte body", ch.read, len(body))
	}
	g, err := multipart.Parse(plainHost{fh}, d, uint64(len(body)), b, opts)
	if err != nil || g.Values["version"] != "1" || g.Files["content"].Offset != f.Files["content"].Offset || g.Files["content"].Size != f.Files["content"].Size {
		t.Fatalf("without index-bytes: %v %+v", err, g)
	}
}

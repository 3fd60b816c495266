package backup

import (
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

// tableHeader is the first line of a table file.
type tableHeader struct {
	Table         string   `json:"table"`
	Columns       []string `json:"columns"`
	SchemaVersion int64    `json:"schema_version"`
}

// bytesValue is how a []byte value is written: JSON has no bytes.
type bytesValue struct {
	B64 string `json:"b64"`
}

// tableWriter writes a table file while counting and hashing it.
type tableWriter struct {
	w    *bufio.Writer
	h    hash.Hash
	n    int64
	rows int64
	enc  *json.Encoder
}

func newTableWriter(w io.Writer) *tableWriter {
	tw := &tableWriter{h: sha256.New()}
	tw.w = bufio.NewWriterSize(io.MultiWriter(w, tw.h, countWriter{&tw.n}), 256<<10)
	tw.enc = json.NewEncoder(tw.w)
	tw.enc.SetEscapeHTML(false)
	return tw
}

type countWriter struct{ n *int64 }

func (c countWriter) Write(p []byte) (int, error) { *c.n += int64(len(p)); return len(p), nil }

func (tw *tableWriter) header(h tableHeader) error { return tw.enc.Encode(h) }

func (tw *tableWriter) row(row []any) error {
	out := make([]any, len(row))
	for i, v := range row {
		switch x := v.(type) {
		case []byte:
			out[i] = bytesValue{B64: base64.StdEncoding.EncodeToString(x)}
		case nil, int64, float64, bool, string:
			out[i] = x
		default:
			return fmt.Errorf("value of type %T", v)
		}
	}
	tw.rows++
	return tw.enc.Encode(out)
}

func (tw *tableWriter) close() error { return tw.w.Flush() }

func (tw *tableWriter) sum() string { return hex.EncodeToString(tw.h.Sum(nil)) }

// tableReader reads a table file written by tableWriter, hashing what it reads.
type tableReader struct {
	dec  *json.Decoder
	src  io.Reader
	h    hash.Hash
	n    int64
	head tableHeader
}

func newTableReader(r io.Reader, limit int64) (*tableReader, error) {
	tr := &tableReader{h: sha256.New()}
	tee := io.TeeReader(io.LimitReader(r, limit+1), io.MultiWriter(tr.h, countWriter{&tr.n}))
	tr.src = tee
	tr.dec = json.NewDecoder(tee)
	tr.dec.UseNumber()
	if err := tr.dec.Decode(&tr.head); err != nil {
		return nil, ports.Invalidf("backup", "table header: %v", err)
	}
	return tr, nil
}

// next returns the next row, or io.EOF.
func (tr *tableReader) next() ([]any, error) {
	var raw []any
	if err := tr.dec.Decode(&raw); err != nil {
		if err == io.EOF {
			return nil, io.EOF
		}
		return nil, ports.Invalidf("backup", "table %s: %v", tr.head.Table, err)
	}
	for i, v := range raw {
		switch x := v.(type) {
		case json.Number:
			if n, err := strconv.ParseInt(x.String(), 10, 64); err == nil && !strings.ContainsAny(x.String(), ".eE") {
				raw[i] = n
			} else if f, err := x.Float64(); err == nil {
				raw[i] = f
			} else {
				return nil, ports.Invalidf("backup", "table %s: bad number %s", tr.head.Table, x)
			}
		case map[string]any:
			s, ok := x["b64"].(string)
			if !ok || len(x) != 1 {
				return nil, ports.Invalidf("backup", "table %s: unexpected object", tr.head.Table)
			}
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return nil, ports.Invalidf("backup", "table %s: bad base64", tr.head.Table)
			}
			raw[i] = b
		case nil, bool, string:
		default:
			return nil, ports.Invalidf("backup", "table %s: unexpected %T", tr.head.Table, v)
		}
	}
	return raw, nil
}

// finish drains the reader and checks the file against its manifest entry.
func (tr *tableReader) finish(want TableEntry, rows int64) error {
	if _, err := io.Copy(io.Discard, tr.src); err != nil {
		return err
	}
	if rows != want.Rows || tr.n != want.Size || hex.EncodeToString(tr.h.Sum(nil)) != want.SHA256 {
		return fmt.Errorf("backup: table %s: %w: the file does not match the manifest (rows %d/%d, bytes %d/%d)",
			want.Name, ports.ErrDigestMismatch, rows, want.Rows, tr.n, want.Size)
	}
	return nil
}

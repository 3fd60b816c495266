package alpine

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"time"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// APKINDEX.tar.gz through the host's assemble (contracts 0.6.0/0.7.0,
// docs/decisions/0012, 0015): the entries upload stored never enter the
// guest. Three templates over the one listing of the directory's files
// (the runtime lists it once per call): the newest file's time (the tar's
// mtime), APKINDEX's size (the size of the document the loop writes), and
// the index tar itself, whose headers the guest writes around the loop as
// literals. The host gzips it (compress over the assembled source, at
// gzip.BestCompression, as gzipBytes: the same bytes) and signs the gzip
// stream; the guest writes only the small signature segment, and the host
// joins the two into the blob served. A row that is not an object with a
// string entry makes the guest render, as does a host without compress,
// an empty directory or a host refusing the templates (assembled_test.go
// compares the bytes with that render).

// entryLoop writes the entry of each file under dir with one, and a line end.
func entryLoop(dir string) sdk.Loop {
	return sdk.Loop{Source: hostjson.Files, Prefix: dir + "/", Limit: hostjson.MaxRows, Members: []string{"entry"},
		MemberForm: sdk.MemberText, Skip: []hostjson.Condition{{Test: hostjson.TestAbsent}},
		Items: []hostjson.Item{{Kind: hostjson.ItemMember}, {Kind: hostjson.ItemLiteral, Text: []byte("\n")}}}
}

// assembledIndex answers dir's APKINDEX.tar.gz through the host; ok is
// false when the guest must render it.
func assembledIndex(h sdk.Host, dir, description string) (r *sdk.Response, ok bool, err error) {
	if _, ok := h.(sdk.CompressHost); !ok {
		return nil, false, nil
	}
	l := entryLoop(dir)
	newest, err := sdk.Assemble(h, sdk.Template{Loops: []sdk.Loop{l}, ReturnText: true,
		Parts: []sdk.Part{{Kind: hostjson.PartMaxCreated, Form: hostjson.FormUnixMs}}})
	if err != nil || newest.Irregular > 0 || len(newest.Rows) != 1 || newest.Rows[0] == 0 {
		return nil, false, nil
	}
	ms, perr := strconv.ParseInt(string(newest.Text), 10, 64)
	if perr != nil {
		return nil, false, nil
	}
	mtime := time.UnixMilli(max(ms, 0)).UTC()
	text, err := sdk.Assemble(h, sdk.Template{Loops: []sdk.Loop{l}, Parts: []sdk.Part{{Kind: hostjson.PartLoop}}})
	if err != nil || !text.Built() || text.Irregular > 0 {
		return nil, false, nil
	}
	head, tail := tarAround(description, int(text.Size), mtime)
	t, err := sdk.Assemble(h, sdk.Template{Loops: []sdk.Loop{l}, Parts: []sdk.Part{{Kind: hostjson.PartLiteral, Text: head},
		{Kind: hostjson.PartLoop}, {Kind: hostjson.PartLiteral, Text: tail}}})
	if err != nil || !t.Built() || t.Irregular > 0 || t.Size != uint64(len(head)+len(tail))+text.Size {
		return nil, false, nil
	}
	idx, err := sdk.Compress(h, sdk.Gzip, sdk.AssembledSource(t))
	if errors.Is(err, sdk.ErrNoImport) {
		return nil, false, nil
	} else if err != nil {
		return nil, false, fmt.Errorf("alpine: compress index: %w", err)
	}
	body, signed, err := signBlob(h, idx, mtime)
	if err != nil {
		return nil, false, err
	}
	ttl := uint64(indexTTL)
	if signed {
		ttl = signedTTL
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyServeBlob, Target: body.Digest, CacheTTLMs: ttl,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/gzip"}}}, true, nil
}

// tarAround is what IndexSegment's tar holds before and after the
// APKINDEX text of size bytes: the DESCRIPTION entry and APKINDEX's
// header; the padding of its last block and the end-of-archive blocks.
func tarAround(description string, size int, mtime time.Time) (head, tail []byte) {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	tarFile(tw, "DESCRIPTION", []byte(description), mtime)
	tarHeader(tw, "APKINDEX", size, mtime)
	return b.Bytes(), make([]byte, (512-size%512)%512+2*512)
}

// signBlob is the index segment idx preceded by its signature segment
// (signIndex), as a blob; signed is false (idx alone) when the repository
// has no signing key.
func signBlob(h sdk.Host, idx sdk.Body, mtime time.Time) (body sdk.Body, signed bool, err error) {
	k, err := sdk.PublicKey(h, sdk.KeyPKIXPEM)
	if err != nil {
		if sdk.NoSigningKey(err) {
			return idx, false, nil
		}
		return sdk.Body{}, false, fmt.Errorf("alpine: public key: %w", err)
	}
	sig, err := sdk.Sign(h, sdk.SignRSASHA1, sdk.Source{Blob: idx.Digest})
	if err != nil {
		return sdk.Body{}, false, fmt.Errorf("alpine: sign index: %w", err)
	}
	seg, err := h.PutBlob(SignatureSegment(keyFile(k), sig, mtime))
	if err != nil {
		return sdk.Body{}, false, err
	}
	body, err = sdk.ConcatBlobs(h, []string{seg, idx.Digest})
	return body, true, err
}

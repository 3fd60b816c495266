package lfs

import (
	"strconv"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// The batch answer (https://github.com/git-lfs/git-lfs/blob/main/docs/api/batch.md,
// "Successful Responses") is written object by object into one buffer:
// every object of a batch shares its href prefix, its header (the session
// token) and its expiry, so those are escaped once per batch and an object
// costs its oid and size. The bytes are those json.Marshal wrote for
// map[string]any{"transfer": "basic", "objects": …, "hash_algo": "sha256"}
// with each object {"oid", "size", "authenticated" (omitted when false),
// "actions" (by name, each {"href", "header" (omitted when empty),
// "expires_in"}), "error" ({"code", "message"})}: keys in json.Marshal's
// order, HTML characters and invalid UTF-8 escaped.
// TestAnswerMatchesMarshal compares the two for generated batches.

// Messages of an object's error.
const (
	msgInvalidObject = "invalid object: oid must be 64 lower-case hex digits, size non-negative"
	msgNoObject      = "object does not exist"
	msgOtherSize     = "object exists with another size"
)

// answer writes one batch answer.
type answer struct {
	b []byte
	n int
	// download: `,"authenticated":true,"actions":{"download":{"href":"`
	// (without the authenticated member when the batch is anonymous) and
	// the escaped href prefix of an object.
	download []byte
	// upload: the same for upload actions; verify: the rest of the upload
	// action and the whole verify action.
	upload, verify []byte
	// tail closes an action: its header and expiry; end is tail and the
	// close of the actions and the object.
	tail, end []byte
}

// newAnswer starts the answer to a batch of n objects whose hrefs are
// base + "objects/" + oid (downloads: base + "objects/" + dlPrefix + oid),
// with header (nil for none) on every action; authenticated marks
// download objects.
func newAnswer(base, dlPrefix string, header map[string]string, authenticated bool, n int) *answer {
	a := &answer{}
	a.tail = append(a.tail, '"')
	if len(header) > 0 {
		a.tail = append(a.tail, `,"header":{`...)
		for i, k := range sortedKeys(header) {
			if i > 0 {
				a.tail = append(a.tail, ',')
			}
			a.tail = sdk.AppendJSONString(a.tail, k)
			a.tail = append(a.tail, ':')
			a.tail = sdk.AppendJSONString(a.tail, header[k])
		}
		a.tail = append(a.tail, '}')
	}
	a.tail = append(a.tail, `,"expires_in":`...)
	a.tail = strconv.AppendInt(a.tail, actionTTL, 10)
	a.tail = append(a.tail, '}')
	objects := escapedPrefix(base + "objects/")
	if authenticated {
		a.download = append(a.download, `,"authenticated":true`...)
	}
	a.download = append(a.download, `,"actions":{"download":{"href":"`...)
	a.download = append(a.download, escapedPrefix(base+"objects/"+dlPrefix)...)
	a.upload = append([]byte(`,"authenticated":true,"actions":{"upload":{"href":"`), objects...)
	a.verify = append(a.verify, a.tail...)
	a.verify = append(a.verify, `,"verify":{"href":`...)
	a.verify = sdk.AppendJSONString(a.verify, base+"objects/verify")
	a.verify = append(a.verify, a.tail[1:]...)
	a.verify = append(a.verify, "}}"...)
	a.end = append(append(a.end, a.tail...), "}}"...)
	a.b = make([]byte, 0, 64+n*(128+len(a.download)+len(a.tail)))
	a.b = append(a.b, `{"hash_algo":"sha256","objects":[`...)
	return a
}

// escapedPrefix is s as a JSON string without its quotes: the start of
// the escaped s + oid for any hex oid (escaping is per character, and a
// hex digit after a partial UTF-8 sequence leaves it as invalid as the
// string's end does).
func escapedPrefix(s string) []byte {
	q := sdk.AppendJSONString(nil, s)
	return q[1 : len(q)-1]
}

// head writes {"oid":OID,"size":SIZE of the next object; hex says oid
// is a valid object id (nothing to escape).
func (a *answer) head(oid string, size int64, hex bool) {
	const open = `,{"oid":"`
	if a.n++; a.n == 1 {
		a.b = append(a.b, open[1:]...)
	} else {
		a.b = append(a.b, open...)
	}
	if hex {
		a.b = append(a.b, oid...)
		a.b = append(a.b, `","size":`...)
	} else {
		a.b = sdk.AppendJSONString(a.b[:len(a.b)-1], oid)
		a.b = append(a.b, `,"size":`...)
	}
	a.b = strconv.AppendInt(a.b, size, 10)
}

// plain writes an object without actions (oid valid; already stored:
// the client skips it).
func (a *answer) plain(oid string, size int64) {
	a.head(oid, size, true)
	a.b = append(a.b, '}')
}

// failed writes an object with an error.
func (a *answer) failed(oid string, size int64, code int, msg string) {
	a.head(oid, size, validOID(oid))
	a.b = append(a.b, `,"error":{"code":`...)
	a.b = strconv.AppendInt(a.b, int64(code), 10)
	a.b = append(a.b, `,"message":`...)
	a.b = sdk.AppendJSONString(a.b, msg)
	a.b = append(a.b, "}}"...)
}

// downloadAction writes an object with its download action (oid valid).
func (a *answer) downloadAction(oid string, size int64) {
	a.head(oid, size, true)
	a.b = append(a.b, a.download...)
	a.b = append(a.b, oid...)
	a.b = append(a.b, a.end...)
}

// uploadActions writes an object with its upload and verify actions (oid
// valid).
func (a *answer) uploadActions(oid string, size int64) {
	a.head(oid, size, true)
	a.b = append(a.b, a.upload...)
	a.b = append(a.b, oid...)
	a.b = append(a.b, a.verify...)
}

// reply is the 200 answer.
func (a *answer) reply() *sdk.Response {
	a.b = append(a.b, `],"transfer":"basic"}`...)
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: a.b,
		Headers: []sdk.Header{{Name: "Content-Type", Value: mediaType}}}
}

package oci

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Upload sessions (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-blobs).
//
// A session is stored in kv "uploads" only once it holds a chunk. The POST
// that opens one stores nothing: its id carries its creation time and a MAC
// over that time and the image name, keyed by a per-repository secret (kv
// "upload-key"), so a later PATCH, PUT, GET or DELETE of that id knows it
// as an empty session without a stored row, and an id nobody was given is
// still unknown. A finished or cancelled session leaves a tombstone until
// its id expires, so the id is unknown again afterwards.

// session is a resumable upload kept in kv "uploads".
type session struct {
	Image   string   `json:"image"`
	Size    uint64   `json:"size"`
	Chunks  []string `json:"chunks"` // paths of the chunk files, in order
	Started int64    `json:"started"`
	// Done marks a finished or cancelled session (a tombstone).
	Done bool `json:"done,omitempty"`
}

// uploadTTL is how long an idle upload session is kept.
const uploadTTL = 24 * time.Hour

const (
	idTimeLen = 6 // milliseconds since the epoch, big-endian
	idRandLen = 8
	idMACLen  = 10
	idLen     = idTimeLen + idRandLen + idMACLen
)

// uploadKey returns the repository's upload-id secret, staging a new one
// when there is none and create is set (nil, nil when there is none).
func (c *call) uploadKey(create bool) ([]byte, error) {
	k, ok, err := c.h.KVGet("upload-key", "hmac")
	if err != nil || ok || !create {
		return k, err
	}
	k = make([]byte, 32)
	_, _ = rand.Read(k)
	return k, c.h.KVPut("upload-key", "hmac", k)
}

func idMAC(key []byte, image string, head []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(image))
	m.Write([]byte{0})
	m.Write(head)
	return m.Sum(nil)[:idMACLen]
}

// newSession makes an empty session of image and its id: creation time
// first (so kv "uploads" lists the oldest sessions first), randomness, MAC.
func newSession(key []byte, image string) (string, *session) {
	now := time.Now().UnixMilli()
	b := make([]byte, idLen)
	for i := 0; i < idTimeLen; i++ {
		b[idTimeLen-1-i] = byte(now >> (8 * i))
	}
	_, _ = rand.Read(b[idTimeLen : idTimeLen+idRandLen])
	copy(b[idTimeLen+idRandLen:], idMAC(key, image, b[:idTimeLen+idRandLen]))
	return hex.EncodeToString(b), &session{Image: image, Started: now}
}

// emptySession is the unstored session id stands for: nil unless key made
// id for image less than uploadTTL ago.
func emptySession(key []byte, image, id string) *session {
	b, err := hex.DecodeString(id)
	if err != nil || len(b) != idLen || key == nil {
		return nil
	}
	if !hmac.Equal(b[idTimeLen+idRandLen:], idMAC(key, image, b[:idTimeLen+idRandLen])) {
		return nil
	}
	var started int64
	for i := 0; i < idTimeLen; i++ {
		started = started<<8 | int64(b[i])
	}
	now := time.Now()
	if started < now.Add(-uploadTTL).UnixMilli() || started > now.Add(time.Minute).UnixMilli() {
		return nil
	}
	return &session{Image: image, Started: started}
}

func (c *call) uploadPath(id string) string { return c.apiPath() + "/blobs/uploads/" + id }

// loadSession returns the open session id of this image, or nil.
func (c *call) loadSession(id string) (*session, error) {
	if id == "" || len(id) > 64 {
		return nil, nil
	}
	b, ok, err := c.h.KVGet("uploads", id)
	if err != nil {
		return nil, err
	}
	if !ok {
		key, err := c.uploadKey(false)
		if err != nil {
			return nil, err
		}
		return emptySession(key, c.r.image, id), nil
	}
	var s session
	if err := json.Unmarshal(b, &s); err != nil || s.Image != c.r.image || s.Done {
		return nil, nil
	}
	return &s, nil
}

func (c *call) saveSession(id string, s *session) error {
	b, _ := json.Marshal(s)
	return c.h.KVPut("uploads", id, b)
}

// closeSession drops the chunks of a finished or cancelled session and
// leaves its tombstone.
func (c *call) closeSession(id string, s *session) error {
	for _, p := range s.Chunks {
		if err := c.h.StageDelete(p); err != nil {
			return err
		}
	}
	return c.saveSession(id, &session{Image: s.Image, Started: s.Started, Done: true})
}

// expireUploads drops a few of the oldest sessions (and tombstones) of the
// repository that were started more than uploadTTL ago, with their chunk
// files; it runs on each new upload so abandoned sessions do not pin chunks
// forever.
func (c *call) expireUploads() error {
	kvs, err := c.h.KVList("uploads", "", "", 8)
	if err != nil {
		return err
	}
	cutoff := time.Now().Add(-uploadTTL).UnixMilli()
	for _, kv := range kvs {
		var s session
		if json.Unmarshal(kv.Value, &s) != nil || s.Started >= cutoff {
			continue
		}
		for _, p := range s.Chunks {
			if err := c.h.StageDelete(p); err != nil {
				return err
			}
		}
		if err := c.h.KVDelete("uploads", kv.Key); err != nil {
			return err
		}
	}
	return nil
}

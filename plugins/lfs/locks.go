package lfs

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// locksNS is the key-value namespace of locks: key = lock id, value = the
// lock as JSON. https://github.com/git-lfs/git-lfs/blob/main/docs/api/locking.md
const locksNS = "locks"

const (
	maxLockPath  = 4096
	defaultLimit = 100
	maxLimit     = 1000
)

// now is the clock of locked_at (a variable for tests).
var now = time.Now

type owner struct {
	Name string `json:"name"`
}

type lock struct {
	ID       string `json:"id"`
	Path     string `json:"path"`
	LockedAt string `json:"locked_at"`
	Owner    owner  `json:"owner"`
}

func locks(h sdk.Host, req *sdk.Request, segs []string) (*sdk.Response, error) {
	switch {
	case len(segs) == 1 && req.Method == "POST":
		return createLock(h, req)
	case len(segs) == 1 && (req.Method == "GET" || req.Method == "HEAD"):
		return listLocks(h, req)
	case len(segs) == 2 && segs[1] == "verify" && req.Method == "POST":
		return verifyLocks(h, req)
	case len(segs) == 3 && segs[2] == "unlock" && req.Method == "POST":
		return unlock(h, req, segs[1])
	}
	return nil, fail(404, "not found")
}

// lockID is the id of the lock of path: locks are one per path.
func lockID(h sdk.Host, path string) (string, error) {
	sum, err := h.Hash(sdk.SHA256, sdk.Source{Bytes: []byte(path)})
	if err != nil {
		return "", err
	}
	return sum[:32], nil
}

func getLock(h sdk.Host, id string) (*lock, error) {
	raw, ok, err := h.KVGet(locksNS, id)
	if err != nil || !ok {
		return nil, err
	}
	var l lock
	if err := json.Unmarshal(raw, &l); err != nil {
		return nil, err
	}
	return &l, nil
}

func createLock(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	var body struct {
		Path string `json:"path"`
	}
	if err := readJSON(h, req, 16<<10, &body); err != nil {
		return nil, err
	}
	if body.Path == "" || len(body.Path) > maxLockPath || strings.ContainsRune(body.Path, 0) {
		return nil, fail(422, "path must be a non-empty file path")
	}
	if req.User == "" {
		return unauthorized(), nil
	}
	id, err := lockID(h, body.Path)
	if err != nil {
		return nil, err
	}
	if l, err := getLock(h, id); err != nil {
		return nil, err
	} else if l != nil {
		return reply(409, map[string]any{"lock": l, "message": "already created lock"}), nil
	}
	l := lock{ID: id, Path: body.Path, LockedAt: now().UTC().Format(time.RFC3339), Owner: owner{Name: req.User}}
	raw, _ := json.Marshal(l)
	if err := h.KVPut(locksNS, id, raw); err != nil {
		return nil, err
	}
	return reply(201, map[string]any{"lock": l}), nil
}

// eachLock pages through the locks after cursor, at most limit, keeping
// those keep accepts; next is the cursor of the next page ("" at the end).
func eachLock(h sdk.Host, cursor string, limit int, keep func(lock) bool) (out []lock, next string, err error) {
	out = []lock{}
	after := cursor
	for {
		page, err := h.KVList(locksNS, "", after, uint32(limit))
		if err != nil {
			return nil, "", err
		}
		for _, e := range page {
			after = e.Key
			var l lock
			if json.Unmarshal(e.Value, &l) != nil || !keep(l) {
				continue
			}
			if len(out) == limit {
				// one more exists: the page ends at the last one kept
				return out, out[limit-1].ID, nil
			}
			out = append(out, l)
		}
		if len(page) < limit {
			return out, "", nil
		}
	}
}

func pageArgs(cursor, limit string) (string, int, error) {
	n := defaultLimit
	if limit != "" {
		v, err := strconv.Atoi(limit)
		if err != nil || v <= 0 {
			return "", 0, fail(422, "limit must be a positive integer")
		}
		n = min(v, maxLimit)
	}
	return cursor, n, nil
}

func listLocks(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	q, err := url.ParseQuery(req.RawQuery)
	if err != nil {
		return nil, fail(400, "bad query")
	}
	cursor, limit, err := pageArgs(q.Get("cursor"), q.Get("limit"))
	if err != nil {
		return nil, err
	}
	path, id := q.Get("path"), q.Get("id")
	if id != "" || path != "" {
		if id == "" {
			if id, err = lockID(h, path); err != nil {
				return nil, err
			}
		}
		l, err := getLock(h, id)
		if err != nil {
			return nil, err
		}
		found := []lock{}
		if l != nil && (path == "" || l.Path == path) {
			found = append(found, *l)
		}
		return reply(200, map[string]any{"locks": found}), nil
	}
	ls, next, err := eachLock(h, cursor, limit, func(lock) bool { return true })
	if err != nil {
		return nil, err
	}
	return reply(200, map[string]any{"locks": ls, "next_cursor": next}), nil
}

func verifyLocks(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	var body struct {
		Cursor string `json:"cursor"`
		Limit  int    `json:"limit"`
	}
	if req.Body != nil && req.Body.Size > 0 {
		if err := readJSON(h, req, 16<<10, &body); err != nil {
			return nil, err
		}
	}
	if req.User == "" {
		return unauthorized(), nil
	}
	limit := ""
	if body.Limit != 0 {
		limit = strconv.Itoa(body.Limit)
	}
	cursor, n, err := pageArgs(body.Cursor, limit)
	if err != nil {
		return nil, err
	}
	ls, next, err := eachLock(h, cursor, n, func(lock) bool { return true })
	if err != nil {
		return nil, err
	}
	ours, theirs := []lock{}, []lock{}
	for _, l := range ls {
		if l.Owner.Name == req.User {
			ours = append(ours, l)
		} else {
			theirs = append(theirs, l)
		}
	}
	return reply(200, map[string]any{"ours": ours, "theirs": theirs, "next_cursor": next}), nil
}

func unlock(h sdk.Host, req *sdk.Request, id string) (*sdk.Response, error) {
	var body struct {
		Force bool `json:"force"`
	}
	if req.Body != nil && req.Body.Size > 0 {
		if err := readJSON(h, req, 16<<10, &body); err != nil {
			return nil, err
		}
	}
	if req.User == "" {
		return unauthorized(), nil
	}
	l, err := getLock(h, id)
	if err != nil {
		return nil, err
	}
	if l == nil {
		return nil, fail(404, "lock not found")
	}
	if l.Owner.Name != req.User && !body.Force {
		return nil, fail(403, "the lock belongs to "+l.Owner.Name+": unlock with force")
	}
	if err := h.KVDelete(locksNS, id); err != nil {
		return nil, err
	}
	return reply(200, map[string]any{"lock": l}), nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

package porttest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// ValueDigest is how a ReadCheck names a key-value as read: the hex SHA-256
// of the value ("" when absent).
func ValueDigest(v []byte, found bool) string {
	if !found {
		return ""
	}
	sum := sha256.Sum256(v)
	return hex.EncodeToString(sum[:])
}

// mdReadChecks: Apply refuses a write set whose reads changed (ErrStale,
// nothing written), and a read-modify-write retried on ErrStale loses no
// update under a race.
func mdReadChecks(t *testing.T, open func(t *testing.T) MetadataStores) {
	t.Run("changed kv fails the whole write set", func(t *testing.T) {
		s := open(t)
		ctx := mdCtx(t)
		r := mdNewRepo(t, s, "libs")
		_, err := s.Files.Apply(ctx, r.ID, ports.WriteSet{KVPuts: []ports.KV{{Namespace: "tags", Key: "p", Value: []byte("v1")}}})
		mdOK(t, err, "seed")
		stale := ports.WriteSet{
			Reads:  []ports.ReadCheck{{Namespace: "tags", Key: "p", Digest: ValueDigest([]byte("v0"), true)}},
			KVPuts: []ports.KV{{Namespace: "tags", Key: "p", Value: []byte("v2")}},
			Puts:   []ports.FilePut{mdPut("f", "d", false)},
		}
		_, err = s.Files.Apply(ctx, r.ID, stale)
		mdIs(t, err, ports.ErrStale, "apply with a stale kv read")
		mdIs(t, err, ports.ErrConflict, "ErrStale is a conflict")
		v, err := s.Files.GetKV(ctx, r.ID, "tags", "p")
		mdOK(t, err, "get kv")
		mdSameBytes(t, v, []byte("v1"), "kv after the refused write")
		if _, err := s.Files.GetFile(ctx, r.ID, "f"); !errors.Is(err, ports.ErrNotFound) {
			t.Fatalf("file of the refused write set: err = %v, want ErrNotFound", err)
		}
		stale.Reads[0].Digest = ValueDigest([]byte("v1"), true)
		_, err = s.Files.Apply(ctx, r.ID, stale)
		mdOK(t, err, "apply with a fresh read")
	})
	t.Run("absent and present files are checked", func(t *testing.T) {
		s := open(t)
		ctx := mdCtx(t)
		r := mdNewRepo(t, s, "libs")
		_, err := s.Files.Apply(ctx, r.ID, ports.WriteSet{
			Reads: []ports.ReadCheck{{Path: "a"}}, Puts: []ports.FilePut{mdPut("a", "d1", false)}})
		mdOK(t, err, "absent as read")
		_, err = s.Files.Apply(ctx, r.ID, ports.WriteSet{
			Reads: []ports.ReadCheck{{Path: "a"}}, Deletes: []string{"a"}})
		mdIs(t, err, ports.ErrStale, "read as absent, now present")
		_, err = s.Files.Apply(ctx, r.ID, ports.WriteSet{
			Reads: []ports.ReadCheck{{Path: "a", Digest: "d1"}}, Deletes: []string{"a"}})
		mdOK(t, err, "read as present with its digest")
		_, err = s.Files.Apply(ctx, r.ID, ports.WriteSet{
			Reads: []ports.ReadCheck{{Path: "a", Digest: "d1"}}, KVPuts: []ports.KV{{Namespace: "n", Key: "k"}}})
		mdIs(t, err, ports.ErrStale, "read as present, now deleted")
	})
	t.Run("ten racing read-modify-writes keep every update", func(t *testing.T) {
		s := open(t)
		ctx := mdCtx(t)
		r := mdNewRepo(t, s, "libs")
		const writers = 10
		errs := mdRace(writers, func(i int) error {
			for attempt := 0; attempt < 200; attempt++ {
				tags := map[string]string{}
				v, err := s.Files.GetKV(ctx, r.ID, "tags", "pkg")
				found := err == nil
				if err != nil && !errors.Is(err, ports.ErrNotFound) {
					return err
				}
				if found {
					if err := json.Unmarshal(v, &tags); err != nil {
						return err
					}
				}
				tags[fmt.Sprintf("tag%d", i)] = "1.0.0"
				b, _ := json.Marshal(tags)
				_, err = s.Files.Apply(ctx, r.ID, ports.WriteSet{
					Reads:  []ports.ReadCheck{{Namespace: "tags", Key: "pkg", Digest: ValueDigest(v, found)}},
					KVPuts: []ports.KV{{Namespace: "tags", Key: "pkg", Value: b}}})
				if !errors.Is(err, ports.ErrStale) {
					return err
				}
				time.Sleep(time.Duration(attempt%5) * time.Millisecond)
			}
			return fmt.Errorf("writer %d: still stale after 200 attempts", i)
		})
		for i, err := range errs {
			mdOK(t, err, fmt.Sprintf("writer %d", i))
		}
		v, err := s.Files.GetKV(ctx, r.ID, "tags", "pkg")
		mdOK(t, err, "get tags")
		tags := map[string]string{}
		mdOK(t, json.Unmarshal(v, &tags), "decode tags")
		if len(tags) != writers {
			t.Fatalf("%d tags survived (%v), want %d", len(tags), tags, writers)
		}
	})
}

package upload

import (
	"context"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time { return c.t }

// memUploads is the smallest UploadStore the expiry rule needs.
type memUploads struct {
	ports.UploadStore
	m map[string]ports.UploadSession
}

func (s *memUploads) ListUploads(_ context.Context, before time.Time, limit int) ([]ports.UploadSession, error) {
	var out []ports.UploadSession
	for _, u := range s.m {
		if u.UpdatedAt.Before(before) && len(out) < limit {
			out = append(out, u)
		}
	}
	return out, nil
}

func (s *memUploads) DeleteUpload(_ context.Context, id string) error {
	delete(s.m, id)
	return nil
}

func TestExpireEndsOnlyIdleSessions(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	store := &memUploads{m: map[string]ports.UploadSession{}}
	for i := 0; i < 250; i++ {
		id := string(rune('a'+i%26)) + time.Duration(i).String()
		store.m[id] = ports.UploadSession{ID: id, UpdatedAt: now.Add(-48 * time.Hour)}
	}
	store.m["fresh"] = ports.UploadSession{ID: "fresh", UpdatedAt: now.Add(-time.Hour)}
	s := NewService(store, nil, nil, &fakeClock{now}, 1<<30)
	n, err := s.Expire(context.Background(), 24*time.Hour)
	if err != nil || n != 250 {
		t.Fatalf("Expire = %d, %v; want 250", n, err)
	}
	if len(store.m) != 1 || store.m["fresh"].ID != "fresh" {
		t.Fatalf("left: %v", store.m)
	}
}

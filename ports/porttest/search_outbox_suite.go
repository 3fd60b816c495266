package porttest

import (
	"slices"
	"sort"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

// SearchOutboxStores is a metadata adapter that also queues search changes.
type SearchOutboxStores struct {
	Repos  ports.RepositoryStore
	Files  ports.FileStore
	Outbox ports.SearchOutbox
}

func pendingPackages(t *testing.T, o ports.SearchOutbox) ([]string, []int64) {
	t.Helper()
	changes, err := o.PendingChanges(mdCtx(t), 1000)
	mdOK(t, err, "PendingChanges")
	var names []string
	var ids []int64
	for i, c := range changes {
		if i > 0 && c.ID <= changes[i-1].ID {
			t.Fatalf("changes not oldest first: %+v", changes)
		}
		names = append(names, c.Repository+"/"+c.Package)
		ids = append(ids, c.ID)
	}
	sort.Strings(names)
	return names, ids
}

// SearchOutbox runs the conformance suite for ports.SearchOutbox: every
// committed change to a package is queued by the same transaction, a
// failed write queues nothing. open must return stores over a fresh,
// migrated, empty database.
func SearchOutbox(t *testing.T, open func(t *testing.T) SearchOutboxStores) {
	t.Run("apply queues the packages it touches, done removes them", func(t *testing.T) {
		s := open(t)
		repo := mdNewRepo(t, MetadataStores{Repos: s.Repos}, "libs")
		put := mdPut("a/1.tgz", "sha256:1", false)
		put.File.Package, put.File.Version = "a", "1"
		_, err := s.Files.Apply(mdCtx(t), repo.ID, ports.WriteSet{Puts: []ports.FilePut{put},
			Versions: []ports.VersionPut{{Package: "b", Version: "2", Metadata: []byte(`{}`)}},
			KVPuts:   []ports.KV{{Namespace: "n", Key: "k", Value: []byte("v")}}})
		mdOK(t, err, "Apply")
		names, ids := pendingPackages(t, s.Outbox)
		if !slices.Equal(names, []string{"libs/a", "libs/b"}) {
			t.Fatalf("pending = %v, want [libs/a libs/b]", names)
		}
		if n, err := s.Outbox.Backlog(mdCtx(t)); err != nil || n != 2 {
			t.Fatalf("Backlog = %d, %v; want 2", n, err)
		}
		mdOK(t, s.Outbox.ChangesDone(mdCtx(t), ids[:1]), "ChangesDone")
		if n, _ := s.Outbox.Backlog(mdCtx(t)); n != 1 {
			t.Fatalf("Backlog after one done = %d", n)
		}
		mdOK(t, s.Outbox.ChangesDone(mdCtx(t), ids), "ChangesDone again")
		mdOK(t, s.Outbox.ChangesDone(mdCtx(t), nil), "ChangesDone(nil)")
		// A write that touches no package queues nothing.
		_, err = s.Files.Apply(mdCtx(t), repo.ID, ports.WriteSet{Puts: []ports.FilePut{mdPut("index.json", "sha256:2", false)}})
		mdOK(t, err, "Apply without package")
		if names, _ := pendingPackages(t, s.Outbox); len(names) != 0 {
			t.Fatalf("pending after a package-less write = %v", names)
		}
	})
	t.Run("deleting a path queues its package; a failed write queues nothing", func(t *testing.T) {
		s := open(t)
		repo := mdNewRepo(t, MetadataStores{Repos: s.Repos}, "libs")
		put := mdPut("a/1.tgz", "sha256:1", false)
		put.File.Package, put.File.Version = "a", "1"
		_, err := s.Files.Apply(mdCtx(t), repo.ID, ports.WriteSet{Puts: []ports.FilePut{put}})
		mdOK(t, err, "Apply")
		_, ids := pendingPackages(t, s.Outbox)
		mdOK(t, s.Outbox.ChangesDone(mdCtx(t), ids), "ChangesDone")
		conflict := mdPut("a/1.tgz", "sha256:9", false)
		conflict.File.Package = "c"
		_, err = s.Files.Apply(mdCtx(t), repo.ID, ports.WriteSet{Puts: []ports.FilePut{conflict}})
		mdIs(t, err, ports.ErrConflict, "Apply over an existing path")
		if names, _ := pendingPackages(t, s.Outbox); len(names) != 0 {
			t.Fatalf("a rolled-back write queued %v", names)
		}
		_, err = s.Files.Apply(mdCtx(t), repo.ID, ports.WriteSet{Deletes: []string{"a/1.tgz"}})
		mdOK(t, err, "Apply delete")
		if names, _ := pendingPackages(t, s.Outbox); !slices.Equal(names, []string{"libs/a"}) {
			t.Fatalf("pending after delete = %v, want [libs/a]", names)
		}
	})
	t.Run("deleting a repository queues its removal", func(t *testing.T) {
		s := open(t)
		repo := mdNewRepo(t, MetadataStores{Repos: s.Repos}, "gone")
		mdOK(t, s.Repos.DeleteRepository(mdCtx(t), "gone"), "DeleteRepository")
		changes, err := s.Outbox.PendingChanges(mdCtx(t), 10)
		mdOK(t, err, "PendingChanges")
		if len(changes) != 1 || changes[0].RepositoryID != repo.ID || changes[0].Repository != "" || changes[0].Package != "" {
			t.Fatalf("pending = %+v, want the removal of repository %d", changes, repo.ID)
		}
	})
	t.Run("enqueue all queues every package", func(t *testing.T) {
		s := open(t)
		for _, key := range []string{"r1", "r2"} {
			repo := mdNewRepo(t, MetadataStores{Repos: s.Repos}, key)
			_, err := s.Files.Apply(mdCtx(t), repo.ID, ports.WriteSet{Versions: []ports.VersionPut{
				{Package: "p", Version: "1"}, {Package: "q", Version: "1"}}})
			mdOK(t, err, "Apply")
		}
		_, ids := pendingPackages(t, s.Outbox)
		mdOK(t, s.Outbox.ChangesDone(mdCtx(t), ids), "ChangesDone")
		n, err := s.Outbox.EnqueueAll(mdCtx(t))
		mdOK(t, err, "EnqueueAll")
		names, _ := pendingPackages(t, s.Outbox)
		if n != 4 || !slices.Equal(names, []string{"r1/p", "r1/q", "r2/p", "r2/q"}) {
			t.Fatalf("EnqueueAll = %d, pending %v", n, names)
		}
		if got, _ := s.Outbox.PendingChanges(mdCtx(t), 3); len(got) != 3 {
			t.Fatalf("limit 3: %d changes", len(got))
		}
	})
}

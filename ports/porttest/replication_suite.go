package porttest

import (
	"errors"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// ReplicationStores is a metadata adapter that also keeps peers, sync
// policies and the replication queue.
type ReplicationStores struct {
	Repos    ports.RepositoryStore
	Files    ports.FileStore
	Peers    ports.PeerStore
	Policies ports.SyncPolicyStore
	Queue    ports.ReplicationQueue
	Feed     ports.ReplicationFeed
	// Backfills is optional: its part of the suite is skipped when nil.
	Backfills ports.ReplicationBackfills
}

// Replication runs the conformance suite for ports.PeerStore,
// ports.SyncPolicyStore, ports.ReplicationQueue and ports.ReplicationFeed. open must return
// stores over a fresh, migrated, empty database.
func Replication(t *testing.T, open func(t *testing.T) ReplicationStores) {
	t.Run("peers", func(t *testing.T) {
		s := open(t)
		ctx := mdCtx(t)
		p := ports.Peer{Name: "east", EndpointURL: "https://east.example", SealedAPIKey: "sealed", MaxBytesPerSecond: 7,
			Labels: map[string]string{"region": "eu", "tier": "edge"}}
		mdOK(t, s.Peers.CreatePeer(ctx, &p), "CreatePeer")
		if p.ID == 0 {
			t.Fatal("CreatePeer set no ID")
		}
		dup := ports.Peer{Name: "east", EndpointURL: "https://x.example", SealedAPIKey: "s"}
		if err := s.Peers.CreatePeer(ctx, &dup); !errors.Is(err, ports.ErrConflict) {
			t.Fatalf("duplicate name: %v, want ErrConflict", err)
		}
		at := time.Unix(1_800_000_000, 0)
		mdOK(t, s.Peers.PeerSeen(ctx, p.ID, "inst-1", "East", at, ""), "PeerSeen")
		mdOK(t, s.Peers.PeerSeen(ctx, p.ID, "", "", at.Add(time.Hour), "refused"), "PeerSeen error")
		got, err := s.Peers.GetPeer(ctx, p.ID)
		mdOK(t, err, "GetPeer")
		if got.InstanceID != "inst-1" || got.RemoteName != "East" || !got.LastSeen.Equal(at) || got.LastError != "refused" ||
			got.SealedAPIKey != "sealed" || got.MaxBytesPerSecond != 7 || got.Labels["region"] != "eu" || len(got.Labels) != 2 {
			t.Fatalf("GetPeer = %+v", got)
		}
		mdOK(t, s.Peers.InstanceSeen(ctx, "inst-9", "hub", at), "InstanceSeen")
		mdOK(t, s.Peers.InstanceSeen(ctx, "inst-9", "hub2", at.Add(time.Second)), "InstanceSeen again")
		mdOK(t, s.Peers.InstanceSeen(ctx, "inst-8", "old", at.Add(-time.Hour)), "InstanceSeen other")
		ins, err := s.Peers.Instances(ctx)
		mdOK(t, err, "Instances")
		if len(ins) != 2 || ins[0].InstanceID != "inst-9" || ins[0].Name != "hub2" || !ins[0].LastSeen.Equal(at.Add(time.Second)) {
			t.Fatalf("Instances = %+v", ins)
		}
		mdOK(t, s.Queue.Dispatch(ctx, []ports.TaskSpec{{PeerID: p.ID, Repository: "r", Path: "a", DueAt: at}}, nil), "Dispatch")
		mdOK(t, s.Peers.DeletePeer(ctx, p.ID), "DeletePeer")
		if _, err := s.Peers.GetPeer(ctx, p.ID); !errors.Is(err, ports.ErrNotFound) {
			t.Fatalf("GetPeer after delete: %v", err)
		}
		if ts, _ := s.Queue.Tasks(ctx, p.ID, 10); len(ts) != 0 {
			t.Fatalf("tasks of a deleted peer: %+v", ts)
		}
		if err := s.Peers.DeletePeer(ctx, p.ID); !errors.Is(err, ports.ErrNotFound) {
			t.Fatalf("DeletePeer twice: %v", err)
		}
	})
	t.Run("sync policies", func(t *testing.T) {
		s := open(t)
		ctx := mdCtx(t)
		p := ports.SyncPolicy{Name: "rel", RepoSelector: ports.RepoSelector{Patterns: []string{"re*"}, Labels: []string{"env=prod"}},
			PeerSelector: ports.PeerSelector{IDs: []int64{3}, Labels: []string{"region=eu"}}, Mode: ports.ReplicationPush,
			Priority: ports.PriorityScheduled, Every: time.Minute, Cron: "*/5 * * * *", DeleteRepositories: true,
			Window: "22:00-06:00", Enabled: true}
		mdOK(t, s.Policies.CreateSyncPolicy(ctx, &p), "CreateSyncPolicy")
		got, err := s.Policies.GetSyncPolicy(ctx, p.ID)
		mdOK(t, err, "GetSyncPolicy")
		if got.RepoSelector.Patterns[0] != "re*" || got.PeerSelector.IDs[0] != 3 || len(got.RepoSelector.Labels) != 1 || got.PeerSelector.Labels[0] != "region=eu" || got.Every != time.Minute || got.Window != "22:00-06:00" ||
			!got.Enabled || got.Cron != "*/5 * * * *" || !got.DeleteRepositories {
			t.Fatalf("GetSyncPolicy = %+v", got)
		}
		got.Enabled, got.Priority = false, ports.PriorityOnDemand
		mdOK(t, s.Policies.UpdateSyncPolicy(ctx, &got), "UpdateSyncPolicy")
		all, err := s.Policies.ListSyncPolicies(ctx)
		mdOK(t, err, "ListSyncPolicies")
		if len(all) != 1 || all[0].Enabled || all[0].Priority != ports.PriorityOnDemand {
			t.Fatalf("ListSyncPolicies = %+v", all)
		}
		dup := p
		if err := s.Policies.CreateSyncPolicy(ctx, &dup); !errors.Is(err, ports.ErrConflict) {
			t.Fatalf("duplicate name: %v", err)
		}
		mdOK(t, s.Policies.DeleteSyncPolicy(ctx, p.ID), "DeleteSyncPolicy")
		if err := s.Policies.DeleteSyncPolicy(ctx, p.ID); !errors.Is(err, ports.ErrNotFound) {
			t.Fatalf("delete twice: %v", err)
		}
	})
	t.Run("apply logs puts and deletes; dispatch drops them", func(t *testing.T) {
		s := open(t)
		ctx := mdCtx(t)
		repo := mdNewRepo(t, MetadataStores{Repos: s.Repos}, "libs")
		_, err := s.Files.Apply(ctx, repo.ID, ports.WriteSet{Puts: []ports.FilePut{mdPut("a", "sha256:1", false)}})
		mdOK(t, err, "Apply put")
		_, err = s.Files.Apply(ctx, repo.ID, ports.WriteSet{Deletes: []string{"a"}})
		mdOK(t, err, "Apply delete")
		// A failed write logs nothing.
		_, err = s.Files.Apply(ctx, repo.ID, ports.WriteSet{Puts: []ports.FilePut{mdPut("b", "x", false), mdPut("b", "y", false)}})
		if err == nil {
			t.Fatal("a write set putting one path twice succeeded")
		}
		cs, err := s.Queue.PendingReplication(ctx, 10)
		mdOK(t, err, "PendingReplication")
		if len(cs) != 2 || cs[0].Path != "a" || cs[0].Deleted || !cs[1].Deleted || cs[0].Repository != "libs" || cs[0].Format != "generic" {
			t.Fatalf("PendingReplication = %+v", cs)
		}
		mdOK(t, s.Queue.Dispatch(ctx, nil, []int64{cs[0].ID, cs[1].ID}), "Dispatch")
		if cs, _ := s.Queue.PendingReplication(ctx, 10); len(cs) != 0 {
			t.Fatalf("changes left after dispatch: %+v", cs)
		}
	})
	t.Run("apply logs key-values and versions; a repository's deletion keeps its key", func(t *testing.T) {
		s := open(t)
		ctx := mdCtx(t)
		repo := mdNewRepo(t, MetadataStores{Repos: s.Repos}, "npmish")
		_, err := s.Files.Apply(ctx, repo.ID, ports.WriteSet{
			KVPuts:    []ports.KV{{Namespace: "tags", Key: "hello", Value: []byte("{}")}},
			KVDeletes: []ports.KV{{Namespace: "tags", Key: "old"}},
			Versions:  []ports.VersionPut{{Package: "hello", Version: "1.0.0", Metadata: []byte("{}")}, {Package: "hello", Version: "0.1", Delete: true}}})
		mdOK(t, err, "Apply records")
		mdOK(t, s.Repos.DeleteRepository(ctx, "npmish"), "DeleteRepository")
		cs, err := s.Queue.PendingReplication(ctx, 10)
		mdOK(t, err, "PendingReplication")
		kvPut, _ := ports.KVChangePath("tags", "hello")
		kvDel, _ := ports.KVChangePath("tags", "old")
		vPut, _ := ports.VersionChangePath("hello", "1.0.0")
		vDel, _ := ports.VersionChangePath("hello", "0.1")
		want := map[string]bool{kvPut: false, kvDel: true, vPut: false, vDel: true, ports.RepositoryChangePath: true}
		for _, c := range cs {
			d, ok := want[c.Path]
			if !ok || d != c.Deleted {
				t.Fatalf("unexpected change %+v", c)
			}
			delete(want, c.Path)
			if c.Path == ports.RepositoryChangePath && (c.Repository != "npmish" || c.Format != "generic") {
				t.Fatalf("deletion of the repository: %+v", c)
			}
			if c.Path != ports.RepositoryChangePath && c.Repository != "" {
				t.Fatalf("change of a deleted repository names it: %+v", c)
			}
		}
		if len(want) != 0 {
			t.Fatalf("changes missing: %v (got %+v)", want, cs)
		}
	})
	t.Run("feed keeps the latest change per path, in write order", func(t *testing.T) {
		s := open(t)
		ctx := mdCtx(t)
		repo := mdNewRepo(t, MetadataStores{Repos: s.Repos}, "fed")
		other := mdNewRepo(t, MetadataStores{Repos: s.Repos}, "other")
		_, err := s.Files.Apply(ctx, repo.ID, ports.WriteSet{Puts: []ports.FilePut{mdPut("a", "sha256:1", false), mdPut("b", "sha256:2", false)}})
		mdOK(t, err, "Apply")
		_, err = s.Files.Apply(ctx, other.ID, ports.WriteSet{Puts: []ports.FilePut{mdPut("x", "sha256:3", false)}})
		mdOK(t, err, "Apply other")
		_, err = s.Files.Apply(ctx, repo.ID, ports.WriteSet{Deletes: []string{"a"},
			KVPuts: []ports.KV{{Namespace: "tags", Key: "t", Value: []byte("1")}}})
		mdOK(t, err, "Apply delete")
		later := time.Now().Add(time.Hour)
		es, err := s.Feed.Feed(ctx, repo.ID, 0, later, 10)
		mdOK(t, err, "Feed")
		kv, _ := ports.KVChangePath("tags", "t")
		if len(es) != 3 || es[0].Path != "b" || es[0].Deleted || !(es[1].Path == "a" && es[1].Deleted || es[2].Path == "a" && es[2].Deleted) ||
			(es[1].Path != kv && es[2].Path != kv) || es[0].ID >= es[1].ID || es[1].ID >= es[2].ID {
			t.Fatalf("Feed = %+v", es)
		}
		if after, _ := s.Feed.Feed(ctx, repo.ID, es[1].ID, later, 10); len(after) != 1 || after[0].ID != es[2].ID {
			t.Fatalf("Feed after %d = %+v", es[1].ID, after)
		}
		if none, _ := s.Feed.Feed(ctx, repo.ID, 0, time.Unix(0, 1), 10); len(none) != 0 {
			t.Fatalf("Feed before the writes = %+v", none)
		}
		if page, _ := s.Feed.Feed(ctx, repo.ID, 0, later, 2); len(page) != 2 {
			t.Fatalf("Feed limit 2 = %+v", page)
		}
		mdOK(t, s.Repos.DeleteRepository(ctx, "fed"), "DeleteRepository")
		if gone, _ := s.Feed.Feed(ctx, repo.ID, 0, later, 10); len(gone) != 0 {
			t.Fatalf("feed of a deleted repository = %+v", gone)
		}

		c, err := s.Feed.PullCursor(ctx, 4, "fed")
		mdOK(t, err, "PullCursor")
		if c != (ports.PullCursor{PeerID: 4, Repository: "fed"}) {
			t.Fatalf("PullCursor before any = %+v", c)
		}
		c.HubRepositoryID, c.FeedID = 9, 40
		mdOK(t, s.Feed.SavePullCursor(ctx, c), "SavePullCursor")
		c.FeedID = 41
		mdOK(t, s.Feed.SavePullCursor(ctx, c), "SavePullCursor again")
		if got, _ := s.Feed.PullCursor(ctx, 4, "fed"); got != c {
			t.Fatalf("PullCursor = %+v, want %+v", got, c)
		}
		if got, _ := s.Feed.PullCursor(ctx, 5, "fed"); got.FeedID != 0 {
			t.Fatalf("cursor of another peer = %+v", got)
		}
	})
	t.Run("tasks coalesce, lease to one holder, retry and finish", func(t *testing.T) {
		s := open(t)
		ctx := mdCtx(t)
		past := time.Now().Add(-time.Minute)
		later := time.Now().Add(time.Hour)
		mdOK(t, s.Queue.Dispatch(ctx, []ports.TaskSpec{
			{PeerID: 1, Repository: "r", Path: "a", DueAt: later},
			{PeerID: 1, Repository: "r", Path: "b", DueAt: past},
			{PeerID: 2, Repository: "r", Path: "a", Held: true, DueAt: past},
		}, nil), "Dispatch")
		// Coalesce: a again for peer 1, due earlier.
		mdOK(t, s.Queue.Dispatch(ctx, []ports.TaskSpec{{PeerID: 1, Repository: "r", Path: "a", DueAt: past}}, nil), "Dispatch again")
		if ts, _ := s.Queue.Tasks(ctx, 1, 10); len(ts) != 2 {
			t.Fatalf("peer 1 tasks = %+v, want 2 (coalesced)", ts)
		}
		one, err := s.Queue.ClaimTasks(ctx, "h1", time.Minute, 10)
		mdOK(t, err, "ClaimTasks h1")
		two, err := s.Queue.ClaimTasks(ctx, "h2", time.Minute, 10)
		mdOK(t, err, "ClaimTasks h2")
		if len(one) != 2 || len(two) != 0 {
			t.Fatalf("h1 claimed %d, h2 %d; want 2 and 0 (held and leased tasks are not claimed)", len(one), len(two))
		}
		var a, b ports.ReplicationTask
		for _, x := range one {
			if x.Path == "a" {
				a = x
			} else {
				b = x
			}
		}
		if a.Gen != 2 || a.Holder != "h1" {
			t.Fatalf("task a = %+v, want gen 2 held by h1", a)
		}
		// b fails: due again later, with its upload kept.
		b.UploadID, b.UploadSHA256 = "up-1", "abc"
		mdOK(t, s.Queue.SaveUpload(ctx, b), "SaveUpload")
		mdOK(t, s.Queue.FinishTask(ctx, b, false, past, "boom"), "FinishTask retry")
		// a changes while it is sent: done does not remove it.
		mdOK(t, s.Queue.Dispatch(ctx, []ports.TaskSpec{{PeerID: 1, Repository: "r", Path: "a", DueAt: past}}, nil), "Dispatch during send")
		mdOK(t, s.Queue.FinishTask(ctx, a, true, time.Time{}, ""), "FinishTask done, gen moved")
		again, err := s.Queue.ClaimTasks(ctx, "h2", time.Minute, 10)
		mdOK(t, err, "ClaimTasks again")
		if len(again) != 2 {
			t.Fatalf("claimed again %+v, want a (changed) and b (retry)", again)
		}
		for _, x := range again {
			if x.Path == "b" && (x.Attempts != 1 || x.LastError != "boom" || x.UploadID != "up-1" || x.UploadSHA256 != "abc") {
				t.Fatalf("retried task = %+v", x)
			}
			mdOK(t, s.Queue.FinishTask(ctx, x, true, time.Time{}, ""), "FinishTask done")
		}
		if ts, _ := s.Queue.Tasks(ctx, 1, 10); len(ts) != 0 {
			t.Fatalf("peer 1 tasks left: %+v", ts)
		}
		n, err := s.Queue.ReleaseHeld(ctx, 2)
		mdOK(t, err, "ReleaseHeld")
		if n != 1 {
			t.Fatalf("released %d, want 1", n)
		}
		if got, _ := s.Queue.ClaimTasks(ctx, "h3", time.Minute, 10); len(got) != 1 || got[0].PeerID != 2 {
			t.Fatalf("claim after release = %+v", got)
		}
	})
	t.Run("backfills resume at their cursor and queue in the same transaction", func(t *testing.T) {
		s := open(t)
		if s.Backfills == nil {
			t.Skip("no backfill store")
		}
		ctx := mdCtx(t)
		p := ports.Peer{Name: "late", EndpointURL: "https://late.example", SealedAPIKey: "s"}
		mdOK(t, s.Peers.CreatePeer(ctx, &p), "CreatePeer")
		b := ports.Backfill{PeerID: p.ID, RepositoryID: 5, Repository: "libs"}
		mdOK(t, s.Backfills.StartBackfills(ctx, []ports.Backfill{b, {PeerID: p.ID, RepositoryID: 6, Repository: "docs", Immediate: true}}), "StartBackfills")
		got, err := s.Backfills.Backfills(ctx, 10)
		mdOK(t, err, "Backfills")
		if len(got) != 2 || got[0].FeedID != 0 || got[0].Repository == "" {
			t.Fatalf("Backfills = %+v", got)
		}
		var libs ports.Backfill
		for _, g := range got {
			if g.RepositoryID == 5 {
				libs = g
			} else if !g.Immediate || g.Repository != "docs" {
				t.Fatalf("docs backfill = %+v", g)
			}
		}
		at := time.Unix(1_800_000_000, 0)
		spec := ports.TaskSpec{PeerID: p.ID, Repository: "libs", Path: "a.txt", DueAt: at}
		mdOK(t, s.Backfills.AdvanceBackfill(ctx, libs, []ports.TaskSpec{spec}, 42, false), "AdvanceBackfill")
		if ts, _ := s.Queue.Tasks(ctx, p.ID, 10); len(ts) != 1 || ts[0].Path != "a.txt" {
			t.Fatalf("tasks after advance = %+v", ts)
		}
		got, _ = s.Backfills.Backfills(ctx, 10)
		for _, g := range got {
			if g.RepositoryID == 5 && g.FeedID != 42 {
				t.Fatalf("cursor = %d, want 42", g.FeedID)
			}
		}
		// An advance from a stale cursor does not move it (started again meanwhile).
		mdOK(t, s.Backfills.StartBackfills(ctx, []ports.Backfill{b}), "StartBackfills again")
		libs.FeedID = 42
		mdOK(t, s.Backfills.AdvanceBackfill(ctx, libs, nil, 99, true), "AdvanceBackfill stale")
		got, _ = s.Backfills.Backfills(ctx, 10)
		if len(got) != 2 {
			t.Fatalf("a stale done removed the restarted backfill: %+v", got)
		}
		for _, g := range got {
			if g.RepositoryID == 5 && g.FeedID != 0 {
				t.Fatalf("restarted cursor = %d, want 0", g.FeedID)
			}
		}
		libs.FeedID = 0
		mdOK(t, s.Backfills.AdvanceBackfill(ctx, libs, nil, 7, true), "AdvanceBackfill done")
		if got, _ = s.Backfills.Backfills(ctx, 10); len(got) != 1 || got[0].RepositoryID != 6 {
			t.Fatalf("after done = %+v", got)
		}
		mdOK(t, s.Peers.DeletePeer(ctx, p.ID), "DeletePeer")
		if got, _ = s.Backfills.Backfills(ctx, 10); len(got) != 0 {
			t.Fatalf("backfills of a deleted peer = %+v", got)
		}
	})
}

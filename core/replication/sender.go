package replication

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// leaseTTL is how long a claimed task stays with its sender; a sender that
// dies hands it to another replica after this long.
const leaseTTL = 10 * time.Minute

// claimBatch is how many due tasks one pass claims per worker.
const claimBatch = 16

// SendOnce claims due tasks, groups them by (peer, repository) and sends
// the groups in parallel; it returns how many tasks it claimed.
func (s *Service) SendOnce(ctx context.Context) (int, error) {
	tasks, err := s.d.Queue.ClaimTasks(ctx, s.opts.Holder, leaseTTL, s.opts.Workers*claimBatch)
	if err != nil || len(tasks) == 0 {
		return 0, err
	}
	type key struct {
		peer int64
		repo string
	}
	groups := map[key][]ports.ReplicationTask{}
	var order []key
	for _, t := range tasks {
		k := key{t.PeerID, t.Repository}
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], t)
	}
	sem := make(chan struct{}, s.opts.Workers)
	var wg sync.WaitGroup
	for _, k := range order {
		wg.Add(1)
		go func(ts []ports.ReplicationTask) {
			defer wg.Done()
			s.sendGroup(ctx, ts, sem)
		}(groups[k])
	}
	wg.Wait()
	return len(tasks), nil
}

func (s *Service) finish(ctx context.Context, t ports.ReplicationTask, sendErr error) {
	var err error
	if sendErr == nil {
		err = s.d.Queue.FinishTask(ctx, t, true, time.Time{}, "")
	} else {
		s.stats.add(t.PeerID, func(st *PeerStats) { st.Failures++ })
		s.d.Log.Warn("replication: send failed", "peer", t.PeerID, "repository", t.Repository, "path", t.Path,
			"attempt", t.Attempts+1, "err", sendErr)
		err = s.d.Queue.FinishTask(context.WithoutCancel(ctx), t, false, s.d.Clock.Now().Add(s.backoff(t.Attempts)), sendErr.Error())
	}
	if err != nil {
		s.d.Log.Error("replication: finish task", "err", err)
	}
}

// backoff doubles from RetryBase per attempt, capped at RetryMax.
func (s *Service) backoff(attempts int) time.Duration {
	d := s.opts.RetryBase
	for i := 0; i < attempts && d < s.opts.RetryMax; i++ {
		d *= 2
	}
	return min(d, s.opts.RetryMax)
}

// Run sends due tasks until ctx ends, looking again every poll when idle.
func (s *Service) Run(ctx context.Context, poll time.Duration) {
	for ctx.Err() == nil {
		n, err := s.SendOnce(ctx)
		if err != nil {
			s.d.Log.Warn("replication: claim tasks", "err", err)
		}
		if n > 0 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
		case <-time.After(poll):
		}
	}
}

// sendGroup makes the peer's copies of the paths of tasks (one peer, one
// repository) what this server holds now: one question for what the peer
// has, only the missing bytes (sem bounds the transfers at once), one
// batch committing the puts and deletes.
func (s *Service) sendGroup(ctx context.Context, tasks []ports.ReplicationTask, sem chan struct{}) {
	errs := make([]error, len(tasks))
	s.sendTasks(ctx, tasks, errs, sem)
	for i, t := range tasks {
		s.finish(ctx, t, errs[i])
	}
}

func (s *Service) sendTasks(ctx context.Context, tasks []ports.ReplicationTask, errs []error, sem chan struct{}) {
	fail := func(err error) {
		for i := range errs {
			if errs[i] == nil {
				errs[i] = err
			}
		}
	}
	peer, err := s.d.Peers.GetPeer(ctx, tasks[0].PeerID)
	if errors.Is(err, ports.ErrNotFound) {
		return // the peer was removed with its tasks
	}
	if err != nil {
		fail(err)
		return
	}
	conn, err := s.conn(peer)
	if err != nil {
		fail(err)
		return
	}
	repo, err := s.d.Repos.GetRepository(ctx, tasks[0].Repository)
	if errors.Is(err, ports.ErrNotFound) {
		// Deleted: nothing of it left to send, but its deletion when a
		// policy queued that.
		for i, t := range tasks {
			if t.Path == ports.RepositoryChangePath {
				if errs[i] = s.d.Client.DeleteRepository(ctx, conn, t.Repository); errs[i] == nil {
					s.stats.add(peer.ID, func(st *PeerStats) { st.Deletes++ })
				}
			}
		}
		return
	}
	if err != nil {
		fail(err)
		return
	}
	batch := ports.ReplicaBatch{Repository: repo.Key, Format: repo.Format}
	var files []ports.File
	var putIdx []int
	for i, t := range tasks {
		kind, a, b := ports.ParseChangePath(t.Path)
		switch kind {
		case ports.ChangeFile:
			f, err := s.d.Files.GetFile(ctx, repo.ID, t.Path)
			switch {
			case errors.Is(err, ports.ErrNotFound):
				batch.Deletes = append(batch.Deletes, t.Path)
			case err != nil:
				errs[i] = err
			default:
				files = append(files, f)
				putIdx = append(putIdx, i)
			}
		case ports.ChangeKV, ports.ChangeVersion:
			errs[i] = s.addRecord(ctx, &batch, repo.ID, kind, a, b)
		}
		// A repository's deletion while it exists (created again) and a
		// malformed path have nothing to send.
	}
	rfs := make([]ports.ReplicaFile, len(files))
	for j, f := range files {
		rfs[j] = ports.ReplicaFile{Path: f.Path, SHA256: f.BlobDigest, Size: f.Size, ContentType: f.ContentType,
			Package: f.Package, Version: f.Version, Metadata: f.Metadata}
	}
	have := ports.PeerHave{Files: make([]bool, len(rfs)), Blobs: make([]bool, len(rfs))}
	if len(rfs) > 0 {
		if have, err = s.d.Client.Have(ctx, conn, repo.Key, rfs); err != nil {
			fail(err)
			return
		}
		if len(have.Files) != len(rfs) || len(have.Blobs) != len(rfs) {
			fail(fmt.Errorf("replication: peer %q answered %d of %d files", peer.Name, len(have.Files), len(rfs)))
			return
		}
	}
	lim := s.stats.limiter(peer.ID, peer.MaxBytesPerSecond)
	var mu sync.Mutex
	var wg sync.WaitGroup
	sending := map[string]bool{} // a blob under several paths goes once
	for j, f := range files {
		if have.Files[j] || have.Blobs[j] || sending[f.BlobDigest] {
			continue
		}
		sending[f.BlobDigest] = true
		wg.Add(1)
		sem <- struct{}{}
		go func(i int, f ports.File) {
			defer func() { <-sem; wg.Done() }()
			t := &tasks[i]
			var err error
			if f.Size > s.opts.ChunkBytes {
				err = s.sendChunked(ctx, conn, peer, t, f, lim)
			} else {
				err = s.sendWhole(ctx, conn, peer, f, lim)
			}
			if err != nil {
				mu.Lock()
				// Every path of this blob waits for the retry.
				for j2, f2 := range files {
					if f2.BlobDigest == f.BlobDigest {
						errs[putIdx[j2]] = err
					}
				}
				mu.Unlock()
			}
		}(putIdx[j], f)
	}
	wg.Wait()
	var needed int64
	skipped := 0
	for j, f := range files {
		switch {
		case errs[putIdx[j]] != nil:
		case have.Files[j]:
			skipped++
		default:
			batch.Puts = append(batch.Puts, rfs[j])
			needed += f.Size
		}
	}
	s.stats.add(peer.ID, func(st *PeerStats) { st.FilesSkipped += int64(skipped) })
	if batchItems(batch) == 0 {
		return
	}
	for _, part := range splitBatch(batch) {
		if err := s.d.Client.Apply(ctx, conn, part); err != nil {
			fail(err)
			return
		}
	}
	s.stats.add(peer.ID, func(st *PeerStats) {
		st.FilesSent += int64(len(batch.Puts))
		st.BytesNeeded += needed
		st.Deletes += int64(len(batch.Deletes))
	})
}

func (s *Service) sendWhole(ctx context.Context, conn ports.PeerConn, peer ports.Peer, f ports.File, lim *limiter) error {
	if !lim.wait(f.Size, ctx.Done()) {
		return ctx.Err()
	}
	r, _, err := s.d.Blobs.Open(ctx, f.BlobDigest)
	if err != nil {
		return fmt.Errorf("replication: open blob: %w", err)
	}
	defer r.Close()
	s.stats.add(peer.ID, func(st *PeerStats) { st.BytesSent += f.Size })
	return s.d.Client.PutBlob(ctx, conn, f.BlobDigest, f.Size, r)
}

// sendChunked sends a large blob through a resumable upload on the peer:
// a session kept from an earlier attempt continues at the offset the peer
// reports, so finished chunks are never sent again.
func (s *Service) sendChunked(ctx context.Context, conn ports.PeerConn, peer ports.Peer, t *ports.ReplicationTask, f ports.File, lim *limiter) error {
	var off int64
	resumed := false
	if t.UploadID != "" && t.UploadSHA256 == f.BlobDigest {
		o, err := s.d.Chunks.UploadOffset(ctx, conn, t.UploadID)
		switch {
		case err == nil:
			off, resumed = o, true
		case errors.Is(err, ports.ErrNotFound):
			t.UploadID = ""
		default:
			return err
		}
	} else {
		t.UploadID = ""
	}
	if t.UploadID == "" {
		id, err := s.d.Chunks.StartUpload(ctx, conn, f.BlobDigest, f.Size)
		if err != nil {
			return err
		}
		t.UploadID, t.UploadSHA256 = id, f.BlobDigest
		if err := s.d.Queue.SaveUpload(ctx, *t); err != nil {
			return err
		}
	}
	if resumed {
		s.stats.add(peer.ID, func(st *PeerStats) { st.Resumed++ })
	}
	r, _, err := s.d.Blobs.Open(ctx, f.BlobDigest)
	if err != nil {
		return fmt.Errorf("replication: open blob: %w", err)
	}
	defer r.Close()
	if _, err := r.Seek(off, io.SeekStart); err != nil {
		return fmt.Errorf("replication: seek blob: %w", err)
	}
	buf := make([]byte, s.opts.ChunkBytes)
	for off < f.Size {
		n, err := io.ReadFull(r, buf[:min(int64(len(buf)), f.Size-off)])
		if err != nil {
			return fmt.Errorf("replication: read blob: %w", err)
		}
		if !lim.wait(int64(n), ctx.Done()) {
			return ctx.Err()
		}
		s.stats.add(peer.ID, func(st *PeerStats) { st.BytesSent += int64(n); st.ChunksSent++ })
		off, err = s.d.Chunks.AppendChunk(ctx, conn, t.UploadID, off, buf[:n])
		if err != nil {
			return err
		}
	}
	return s.d.Chunks.CompleteUpload(ctx, conn, t.UploadID)
}

// addRecord adds the current state of a plugin key-value or package
// version (kind, a, b as ParseChangePath names them) to batch: a put when
// it exists here, else a delete.
func (s *Service) addRecord(ctx context.Context, batch *ports.ReplicaBatch, repoID int64, kind byte, a, b string) error {
	if kind == ports.ChangeKV {
		v, err := s.d.Files.GetKV(ctx, repoID, a, b)
		switch {
		case errors.Is(err, ports.ErrNotFound):
			batch.KVDeletes = append(batch.KVDeletes, ports.ReplicaKV{Namespace: a, Key: b})
		case err != nil:
			return fmt.Errorf("replication: read key-value: %w", err)
		default:
			batch.KVPuts = append(batch.KVPuts, ports.ReplicaKV{Namespace: a, Key: b, Value: v})
		}
		return nil
	}
	v, found, err := s.findVersion(ctx, repoID, a, b)
	if err != nil {
		return err
	}
	batch.Versions = append(batch.Versions, ports.ReplicaVersion{Package: a, Version: b, Metadata: v.Metadata, Delete: !found})
	return nil
}

// findVersion looks a version of pkg up page by page (the port lists
// versions in order, without a point lookup).
func (s *Service) findVersion(ctx context.Context, repoID int64, pkg, version string) (ports.Version, bool, error) {
	after := ""
	for {
		vs, err := s.d.Files.ListVersions(ctx, repoID, pkg, after, 500)
		if err != nil {
			return ports.Version{}, false, fmt.Errorf("replication: list versions: %w", err)
		}
		for _, v := range vs {
			if v.Version == version {
				return v, true, nil
			}
		}
		if len(vs) < 500 {
			return ports.Version{}, false, nil
		}
		after = vs[len(vs)-1].Version
	}
}

func batchItems(b ports.ReplicaBatch) int {
	return len(b.Puts) + len(b.Deletes) + len(b.KVPuts) + len(b.KVDeletes) + len(b.Versions)
}

// maxBatchBytes keeps one batch's JSON well under the peer's 1 MiB limit
// of a JSON body.
const maxBatchBytes = 512 << 10

// splitBatch cuts b into batches of at most maxBatchBytes of records (a
// record's size estimated from its fields, base64 included) and at most
// MaxBatchFiles records; file deletes ride in the first.
func splitBatch(b ports.ReplicaBatch) []ports.ReplicaBatch {
	out := []ports.ReplicaBatch{{Repository: b.Repository, Format: b.Format, Deletes: b.Deletes}}
	size, count := 0, len(b.Deletes)
	room := func(n int) *ports.ReplicaBatch {
		if (size > 0 && size+n > maxBatchBytes) || count >= MaxBatchFiles {
			out = append(out, ports.ReplicaBatch{Repository: b.Repository, Format: b.Format})
			size, count = 0, 0
		}
		size += n
		count++
		return &out[len(out)-1]
	}
	for _, p := range b.Puts {
		cur := room(300 + len(p.Path) + len(p.ContentType) + len(p.Package) + len(p.Version) + len(p.Metadata)*4/3)
		cur.Puts = append(cur.Puts, p)
	}
	for _, kv := range b.KVPuts {
		cur := room(100 + len(kv.Namespace) + len(kv.Key) + len(kv.Value)*4/3)
		cur.KVPuts = append(cur.KVPuts, kv)
	}
	for _, kv := range b.KVDeletes {
		cur := room(100 + len(kv.Namespace) + len(kv.Key))
		cur.KVDeletes = append(cur.KVDeletes, kv)
	}
	for _, v := range b.Versions {
		cur := room(100 + len(v.Package) + len(v.Version) + len(v.Metadata)*4/3)
		cur.Versions = append(cur.Versions, v)
	}
	return out
}

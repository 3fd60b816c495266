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

// SendOnce claims up to Workers due tasks and sends them in parallel; it
// returns how many it claimed.
func (s *Service) SendOnce(ctx context.Context) (int, error) {
	tasks, err := s.d.Queue.ClaimTasks(ctx, s.opts.Holder, leaseTTL, s.opts.Workers)
	if err != nil || len(tasks) == 0 {
		return 0, err
	}
	var wg sync.WaitGroup
	for _, t := range tasks {
		wg.Add(1)
		go func(t ports.ReplicationTask) {
			defer wg.Done()
			s.finish(ctx, t, s.send(ctx, &t))
		}(t)
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

// send makes the peer's copy of t's path what this server holds now.
func (s *Service) send(ctx context.Context, t *ports.ReplicationTask) error {
	peer, err := s.d.Peers.GetPeer(ctx, t.PeerID)
	if errors.Is(err, ports.ErrNotFound) {
		return nil // the peer was removed with its tasks
	}
	if err != nil {
		return err
	}
	conn, err := s.conn(peer)
	if err != nil {
		return err
	}
	repo, err := s.d.Repos.GetRepository(ctx, t.Repository)
	if errors.Is(err, ports.ErrNotFound) {
		return nil // deleted: nothing of it left to send
	}
	if err != nil {
		return err
	}
	f, err := s.d.Files.GetFile(ctx, repo.ID, t.Path)
	if errors.Is(err, ports.ErrNotFound) {
		if err := s.d.Client.Apply(ctx, conn, ports.ReplicaBatch{Repository: repo.Key, Format: repo.Format, Deletes: []string{t.Path}}); err != nil {
			return err
		}
		s.stats.add(peer.ID, func(st *PeerStats) { st.Deletes++ })
		return nil
	}
	if err != nil {
		return err
	}
	rf := ports.ReplicaFile{Path: f.Path, SHA256: f.BlobDigest, Size: f.Size, ContentType: f.ContentType,
		Package: f.Package, Version: f.Version, Metadata: f.Metadata}
	have, err := s.d.Client.Have(ctx, conn, repo.Key, []ports.ReplicaFile{rf})
	if err != nil {
		return err
	}
	if len(have.Files) != 1 || len(have.Blobs) != 1 {
		return fmt.Errorf("replication: peer %q answered %d of 1 files", peer.Name, len(have.Files))
	}
	if have.Files[0] {
		s.stats.add(peer.ID, func(st *PeerStats) { st.FilesSkipped++ })
		return nil
	}
	if !have.Blobs[0] {
		lim := s.stats.limiter(peer.ID, peer.MaxBytesPerSecond)
		if f.Size > s.opts.ChunkBytes {
			err = s.sendChunked(ctx, conn, peer, t, f, lim)
		} else {
			err = s.sendWhole(ctx, conn, peer, f, lim)
		}
		if err != nil {
			return err
		}
	}
	if err := s.d.Client.Apply(ctx, conn, ports.ReplicaBatch{Repository: repo.Key, Format: repo.Format, Puts: []ports.ReplicaFile{rf}}); err != nil {
		return err
	}
	s.stats.add(peer.ID, func(st *PeerStats) { st.FilesSent++; st.BytesNeeded += f.Size })
	return nil
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

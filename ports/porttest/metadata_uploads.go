package porttest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

func mdUploads(t *testing.T, open func(t *testing.T) MetadataStores) {
	t.Run("append in order", func(t *testing.T) {
		s := open(t)
		ctx := mdCtx(t)
		u := ports.UploadSession{
			ID: "up-1", RepositoryKey: "libs", ArtifactPath: "a/b.bin", TotalSize: 30,
			ChecksumSHA256: "abc", CreatedBy: 7, CreatedAt: mdTime(0), UpdatedAt: mdTime(0),
		}
		mdOK(t, s.Uploads.CreateUpload(ctx, &u), "create")
		dup := ports.UploadSession{ID: "up-1", RepositoryKey: "libs"}
		mdIs(t, s.Uploads.CreateUpload(ctx, &dup), ports.ErrConflict, "duplicate id")
		got, err := s.Uploads.GetUpload(ctx, "up-1")
		mdOK(t, err, "get")
		if got.RepositoryKey != "libs" || got.ArtifactPath != "a/b.bin" || got.TotalSize != 30 || got.ChecksumSHA256 != "abc" ||
			got.CreatedBy != 7 || got.Offset != 0 || len(got.Chunks) != 0 {
			t.Errorf("get: %+v", got)
		}
		mdSameTime(t, got.CreatedAt, u.CreatedAt, "created_at")

		after, err := s.Uploads.AppendChunk(ctx, "up-1", ports.UploadChunk{Offset: 0, Size: 10, Digest: "c1"})
		mdOK(t, err, "append 0")
		if after.Offset != 10 || len(after.Chunks) != 1 {
			t.Errorf("after first chunk: %+v", after)
		}
		_, err = s.Uploads.AppendChunk(ctx, "up-1", ports.UploadChunk{Offset: 0, Size: 10, Digest: "c1"})
		mdIs(t, err, ports.ErrConflict, "append at a stale offset")
		_, err = s.Uploads.AppendChunk(ctx, "up-1", ports.UploadChunk{Offset: 15, Size: 10, Digest: "cx"})
		mdIs(t, err, ports.ErrConflict, "append past the end")
		after, err = s.Uploads.AppendChunk(ctx, "up-1", ports.UploadChunk{Offset: 10, Size: 20, Digest: "c2"})
		mdOK(t, err, "append 10")
		want := []ports.UploadChunk{{Offset: 0, Size: 10, Digest: "c1"}, {Offset: 10, Size: 20, Digest: "c2"}}
		if after.Offset != 30 || len(after.Chunks) != 2 || after.Chunks[0] != want[0] || after.Chunks[1] != want[1] {
			t.Errorf("after second chunk: %+v", after)
		}
		if !after.UpdatedAt.After(u.UpdatedAt) {
			t.Errorf("updated_at not advanced: %v", after.UpdatedAt)
		}
		got, err = s.Uploads.GetUpload(ctx, "up-1")
		mdOK(t, err, "get after appends")
		if got.Offset != 30 || len(got.Chunks) != 2 {
			t.Errorf("stored: %+v", got)
		}
		_, err = s.Uploads.AppendChunk(ctx, "missing", ports.UploadChunk{Offset: 0, Size: 1, Digest: "c"})
		mdIs(t, err, ports.ErrNotFound, "append to a missing session")
	})

	t.Run("list, digests and delete", func(t *testing.T) {
		s := open(t)
		ctx := mdCtx(t)
		for i, at := range []int{3, 1, 2} {
			u := ports.UploadSession{ID: fmt.Sprintf("u%d", i), RepositoryKey: "libs", CreatedAt: mdTime(0), UpdatedAt: mdTime(0)}
			u.UpdatedAt = u.UpdatedAt.Add(mdHours(at))
			mdOK(t, s.Uploads.CreateUpload(ctx, &u), "create")
			_, err := s.Uploads.AppendChunk(ctx, u.ID, ports.UploadChunk{Offset: 0, Size: 1, Digest: fmt.Sprintf("d%d", i%2)})
			mdOK(t, err, "append")
		}
		// Appending refreshes updated_at to now, which is after every mdTime.
		old, err := s.Uploads.ListUploads(ctx, mdTime(mdHours(10)), 0)
		mdOK(t, err, "list")
		if len(old) != 0 {
			t.Errorf("sessions touched now are not older than 2024: %v", old)
		}
		fresh := ports.UploadSession{ID: "stale", RepositoryKey: "libs", CreatedAt: mdTime(0), UpdatedAt: mdTime(1)}
		mdOK(t, s.Uploads.CreateUpload(ctx, &fresh), "create stale")
		old, err = s.Uploads.ListUploads(ctx, mdTime(mdHours(10)), 0)
		mdOK(t, err, "list stale")
		if len(old) != 1 || old[0].ID != "stale" {
			t.Errorf("stale sessions: %v", old)
		}
		old, err = s.Uploads.ListUploads(ctx, mdTime(1), 0)
		mdOK(t, err, "list before its update time")
		if len(old) != 0 {
			t.Errorf("updatedBefore is exclusive: %v", old)
		}
		digests, err := s.Uploads.ChunkDigests(ctx)
		mdOK(t, err, "digests")
		mdEqualStrings(t, digests, []string{"d0", "d1"}, "chunk digests")

		mdOK(t, s.Uploads.DeleteUpload(ctx, "u1"), "delete")
		_, err = s.Uploads.GetUpload(ctx, "u1")
		mdIs(t, err, ports.ErrNotFound, "get deleted")
		mdIs(t, s.Uploads.DeleteUpload(ctx, "u1"), ports.ErrNotFound, "delete again")
		digests, err = s.Uploads.ChunkDigests(ctx)
		mdOK(t, err, "digests after delete")
		mdEqualStrings(t, digests, []string{"d0"}, "u0 and u2 share d0")
	})

	t.Run("racing appends at one offset have one winner", func(t *testing.T) {
		s := open(t)
		ctx := mdCtx(t)
		u := ports.UploadSession{ID: "race", RepositoryKey: "libs"}
		mdOK(t, s.Uploads.CreateUpload(ctx, &u), "create")
		_, err := s.Uploads.AppendChunk(ctx, "race", ports.UploadChunk{Offset: 0, Size: 5, Digest: "first"})
		mdOK(t, err, "first chunk")
		const n = 20
		errs := mdRace(n, func(i int) error {
			_, err := s.Uploads.AppendChunk(ctx, "race", ports.UploadChunk{Offset: 5, Size: int64(i + 1), Digest: fmt.Sprintf("c%d", i)})
			return err
		})
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Errorf("callers %d and %d both appended at offset 5", winner, i)
			case err == nil:
				winner = i
			case !errors.Is(err, ports.ErrConflict):
				t.Errorf("caller %d: unexpected error %v", i, err)
			}
		}
		if winner < 0 {
			t.Fatal("no caller won")
		}
		got, err := s.Uploads.GetUpload(ctx, "race")
		mdOK(t, err, "get")
		if len(got.Chunks) != 2 || got.Offset != 5+int64(winner+1) || got.Chunks[1].Digest != fmt.Sprintf("c%d", winner) {
			t.Errorf("after race: %+v (winner %d)", got, winner)
		}
	})
}

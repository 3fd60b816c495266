package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// stream is a request whose body the test feeds piece by piece.
type stream struct {
	pw   *io.PipeWriter
	sent int64
	done chan streamResult
}

type streamResult struct {
	resp *harness.Response
	err  error
}

// startStream sends method path with a body of size bytes that arrives only
// as the test calls send; the answer comes on s.done.
func startStream(t *testing.T, k *harness.Keeper, method, path string, size int64, header ...string) *stream {
	t.Helper()
	pr, pw := io.Pipe()
	req, err := http.NewRequest(method, k.URL+path, pr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = size
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	s := &stream{pw: pw, done: make(chan streamResult, 1)}
	go func() {
		r, err := k.Do(req)
		pr.CloseWithError(fmt.Errorf("request ended"))
		s.done <- streamResult{r, err}
	}()
	t.Cleanup(func() { pw.CloseWithError(fmt.Errorf("test ended")) })
	return s
}

// send writes b in 1 MiB pieces; each returns once the client took it.
func (s *stream) send(t *testing.T, b []byte) {
	t.Helper()
	for len(b) > 0 {
		n := min(len(b), 1<<20)
		if _, err := s.pw.Write(b[:n]); err != nil {
			t.Fatalf("stream body: %v after %d bytes", err, s.sent)
		}
		s.sent += int64(n)
		b = b[n:]
	}
}

// tempFiles lists the regular files in the blob store's temp directory.
func tempFiles(t *testing.T, k *harness.Keeper) map[string]int64 {
	t.Helper()
	entries, err := os.ReadDir(k.BlobTempDir())
	if err != nil {
		t.Fatalf("read temp dir: %v", err)
	}
	files := map[string]int64{}
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() {
			files[e.Name()] = fi.Size()
		}
	}
	return files
}

// waitTempFile waits until a temp file holds at least n bytes (the server is
// writing the streamed body) and returns its name.
func waitTempFile(t *testing.T, k *harness.Keeper, n int64) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		for name, size := range tempFiles(t, k) {
			if size >= n && strings.HasPrefix(name, "put-") {
				return name
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no temp file of %d bytes appeared in %s: %v", n, k.BlobTempDir(), tempFiles(t, k))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// killedAnswer checks the streamed request did not succeed once the server died.
func killedAnswer(t *testing.T, s *stream) {
	t.Helper()
	s.pw.CloseWithError(fmt.Errorf("server killed"))
	select {
	case r := <-s.done:
		if r.err == nil && r.resp.Status < 300 {
			t.Fatalf("request cut by SIGKILL succeeded: %s", r.resp)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("request still pending 60s after SIGKILL")
	}
}

// TestKillMidUpload: SIGKILL while a 50 MiB upload is streaming (after 20 MiB)
// leaves no artifact row and no blob under the content's digest; the next
// start removes the stale temp file and serves normally.
func TestKillMidUpload(t *testing.T) {
	t.Parallel()
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		k := harness.Start(t, harness.Options{DB: db})
		k.CreateRepo(harness.Repo{Key: "crash", Public: false})
		data := content(50, 50<<20)
		sum := harness.SHA256(data)
		const path = "big/fifty.bin"

		s := startStream(t, k, http.MethodPut, harness.ArtifactPath("crash", path), int64(len(data)),
			"X-Checksum-Sha256", sum, "Content-Type", "application/octet-stream")
		s.send(t, data[:20<<20])
		tmp := waitTempFile(t, k, 1<<20) // the server is writing the body
		k.Kill()
		killedAnswer(t, s)

		if _, err := os.Stat(filepath.Join(k.BlobTempDir(), tmp)); err != nil {
			t.Fatalf("the killed upload's temp file %s is not there before the restart: %v", tmp, err)
		}
		if _, err := os.Stat(k.BlobFile(sum)); !os.IsNotExist(err) {
			t.Fatalf("blob of the unfinished upload exists after the kill (stat err %v)", err)
		}

		k.Restart()
		if left := tempFiles(t, k); len(left) != 0 {
			t.Errorf("temp files left after restart: %v (the killed upload wrote %s)", left, tmp)
		}
		if _, err := os.Stat(k.BlobFile(sum)); !os.IsNotExist(err) {
			t.Errorf("blob of the unfinished upload exists after restart (stat err %v)", err)
		}
		k.Expect(http.StatusNotFound, http.MethodGet, harness.ArtifactPath("crash", path), nil)
		k.Expect(http.StatusNotFound, http.MethodGet, "/api/v1/repositories/crash/download/"+path, nil)
		checkListing(t, k, "crash", map[string][]byte{}, 10)
		k.Expect(http.StatusOK, http.MethodGet, "/ready", nil)

		// Healthy: the same upload now goes through.
		r, err := k.Upload("crash", path, data)
		if err != nil || r.Status != http.StatusCreated {
			t.Fatalf("upload after restart: %v %v", r, err)
		}
		if err := checkDownload(k, "crash", path, data); err != nil {
			t.Fatal(err)
		}
		checkListing(t, k, "crash", map[string][]byte{path: data}, 10)
	})
}

// uploadOffset returns a resumable session's offset.
func uploadOffset(t *testing.T, k *harness.Keeper, id string) int64 {
	t.Helper()
	r := k.Expect(http.StatusOK, http.MethodGet, "/api/v1/uploads/"+id, nil)
	var st struct {
		Offset int64 `json:"offset"`
	}
	if err := r.JSON(&st); err != nil {
		t.Fatal(err)
	}
	return st.Offset
}

func contentRange(start, end, total int) string {
	return fmt.Sprintf("bytes %d-%d/%d", start, end-1, total)
}

// TestKillResumableUpload: a resumable upload survives SIGKILL between
// chunks and in the middle of a chunk: after each restart the session
// reports the acknowledged offset, the stale temp file is gone, and the rest
// completes into a byte-identical artifact.
func TestKillResumableUpload(t *testing.T) {
	t.Parallel()
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		k := harness.Start(t, harness.Options{DB: db})
		k.CreateRepo(harness.Repo{Key: "resume", Public: false})
		const chunk = 3 << 20
		data := content(77, 4*chunk)
		total := len(data)
		const path = "releases/app-1.0.tar"

		r := k.Expect(http.StatusCreated, http.MethodPost, "/api/v1/uploads", harness.JSONBody(map[string]any{
			"repository_key": "resume", "artifact_path": path, "total_size": total, "checksum_sha256": harness.SHA256(data),
		}), "Content-Type", "application/json")
		var sess struct {
			ID string `json:"session_id"`
		}
		if err := r.JSON(&sess); err != nil || sess.ID == "" {
			t.Fatalf("start upload: %s", r)
		}
		patch := func(i int) {
			t.Helper()
			k.Expect(http.StatusOK, http.MethodPatch, "/api/v1/uploads/"+sess.ID, bytesReader(data[i*chunk:(i+1)*chunk]),
				"Content-Range", contentRange(i*chunk, (i+1)*chunk, total), "Content-Type", "application/octet-stream")
		}
		patch(0)
		patch(1)

		// Killed between two PATCHes.
		k.Kill()
		k.Restart()
		if got := uploadOffset(t, k, sess.ID); got != 2*chunk {
			t.Fatalf("offset after restart = %d, want %d", got, 2*chunk)
		}

		// Killed in the middle of the third PATCH.
		s := startStream(t, k, http.MethodPatch, "/api/v1/uploads/"+sess.ID, chunk,
			"Content-Range", contentRange(2*chunk, 3*chunk, total), "Content-Type", "application/octet-stream")
		s.send(t, data[2*chunk:2*chunk+chunk/2])
		tmp := waitTempFile(t, k, 1<<20)
		k.Kill()
		killedAnswer(t, s)
		k.Restart()
		if left := tempFiles(t, k); len(left) != 0 {
			t.Errorf("temp files left after restart: %v (the killed chunk wrote %s)", left, tmp)
		}
		if got := uploadOffset(t, k, sess.ID); got != 2*chunk {
			t.Fatalf("offset after a kill mid-chunk = %d, want %d", got, 2*chunk)
		}

		patch(2)
		patch(3)
		if got := uploadOffset(t, k, sess.ID); got != int64(total) {
			t.Fatalf("offset after the last chunk = %d, want %d", got, total)
		}
		k.Expect(http.StatusCreated, http.MethodPut, "/api/v1/uploads/"+sess.ID+"/complete", nil)
		if err := checkDownload(k, "resume", path, data); err != nil {
			t.Fatal(err)
		}
		checkListing(t, k, "resume", map[string][]byte{path: data}, 10)
		k.Expect(http.StatusNotFound, http.MethodGet, "/api/v1/uploads/"+sess.ID, nil)
	})
}

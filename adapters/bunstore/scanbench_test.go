package bunstore_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/core/scan"
	"github.com/keeper-registry/keeper/ports"
)

// nullScanner stands in for Trivy and Grype: it costs nothing, so the
// benchmark measures the host's share of a scan (claim, lay out, unpack,
// store the verdict); add the scanners' own time (≈ 0.1 s Trivy, ≈ 1 s
// Grype on the test databases) for the real figure.
type nullScanner struct{}

func (nullScanner) Name() string         { return "null" }
func (nullScanner) Supports(string) bool { return true }
func (nullScanner) Scan(context.Context, ports.ScanTarget) (ports.ScanReport, error) {
	return ports.ScanReport{Scanner: "null"}, nil
}

// BenchmarkScanQueue queues b.N small wheels (each distinct content) in
// one repository on SQLite and drains the queue with the scan service at
// its default concurrency; it reports scans per minute and the time from
// queueing to verdict (p50, p99).
func BenchmarkScanQueue(b *testing.B) {
	ctx := context.Background()
	s, err := bunstore.Open(ctx, filepath.Join(b.TempDir(), "keeper.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	repo := &ports.Repository{Key: "py", Format: "pypi", Type: ports.RepoLocal}
	if err := s.CreateRepository(ctx, repo); err != nil {
		b.Fatal(err)
	}
	blobs := dispatchtest.NewBlobs()
	var digests []string
	for i := range b.N {
		var zb bytes.Buffer
		zw := zip.NewWriter(&zb)
		w, _ := zw.Create(fmt.Sprintf("demo_%d-1.0.dist-info/METADATA", i))
		fmt.Fprintf(w, "Metadata-Version: 2.1\nName: demo-%d\nVersion: 1.0\n\n", i)
		zw.Close()
		blob, err := blobs.Put(ctx, &zb, 1<<20)
		if err != nil {
			b.Fatal(err)
		}
		f := ports.File{Path: fmt.Sprintf("demo_%d-1.0-py3-none-any.whl", i), BlobDigest: blob.Digest, Size: blob.Size,
			Metadata: []byte(`{"scan":{"unpack":"zip","mode":"rootfs"}}`)}
		if _, err := s.Apply(ctx, repo.ID, ports.WriteSet{Puts: []ports.FilePut{{File: f}}}); err != nil {
			b.Fatal(err)
		}
		digests = append(digests, blob.Digest)
	}
	svc := scan.New(scan.Deps{Queue: s, Records: s, Settings: s, Repos: s, Files: s, Blobs: blobs,
		Scanners: []ports.Scanner{nullScanner{}}}, scan.Config{WorkDir: b.TempDir(), Limits: scan.Limits{MaxBytes: 1 << 20, MaxFiles: 100}})
	b.ResetTimer()
	start := time.Now()
	for done := 0; done < b.N; {
		n, err := svc.Drain(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			b.Fatalf("queue empty after %d of %d", done, b.N)
		}
		done += n
	}
	elapsed := time.Since(start)
	b.StopTimer()
	var lat []time.Duration
	for _, d := range digests {
		r, err := s.ScanResult(ctx, d)
		if err != nil || r.Status != ports.ScanDone {
			b.Fatalf("%s: %+v %v", d, r, err)
		}
		lat = append(lat, r.ScannedAt.Sub(start))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/elapsed.Minutes(), "scans/min")
	b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "p50_ms_to_verdict")
	b.ReportMetric(float64(lat[len(lat)*99/100].Milliseconds()), "p99_ms_to_verdict")
}

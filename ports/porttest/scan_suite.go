package porttest

import (
	"errors"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// ScanStores is a metadata adapter that also keeps the scan queue.
type ScanStores struct {
	Repos ports.RepositoryStore
	Files ports.FileStore
	Scans ports.ScanStore
	// SetNow moves the adapter's clock (lease expiry).
	SetNow func(time.Time)
}

const layoutMeta = `{"name":"x","scan":{"unpack":"zip","mode":"rootfs"}}`

func scanPut(path, digest string, scannable bool) ports.FilePut {
	p := mdPut(path, digest, false)
	if scannable {
		p.File.Metadata = []byte(layoutMeta)
	}
	return p
}

// ScanStore runs the conformance suite for ports.ScanStore. open must
// return stores over a fresh, migrated, empty database whose clock SetNow
// controls.
func ScanStore(t *testing.T, open func(t *testing.T) ScanStores) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	t.Run("puts with a layout are queued once per digest, by the same transaction", func(t *testing.T) {
		s := open(t)
		s.SetNow(now)
		a := mdNewRepo(t, MetadataStores{Repos: s.Repos}, "a")
		b := mdNewRepo(t, MetadataStores{Repos: s.Repos}, "b")
		_, err := s.Files.Apply(mdCtx(t), a.ID, ports.WriteSet{Puts: []ports.FilePut{
			scanPut("x.whl", "sha256:1", true), scanPut("x.whl.metadata", "sha256:2", false)}})
		mdOK(t, err, "Apply a")
		_, err = s.Files.Apply(mdCtx(t), b.ID, ports.WriteSet{Puts: []ports.FilePut{scanPut("copy.whl", "sha256:1", true)}})
		mdOK(t, err, "Apply b")
		if _, err := s.Scans.ScanResult(mdCtx(t), "sha256:2"); !errors.Is(err, ports.ErrNotFound) {
			t.Fatalf("file without layout queued: %v", err)
		}
		jobs, err := s.Scans.ClaimScans(mdCtx(t), "w1", 10, time.Minute)
		mdOK(t, err, "ClaimScans")
		if len(jobs) != 1 || jobs[0].Digest != "sha256:1" || jobs[0].Path != "x.whl" || jobs[0].RepositoryID != a.ID ||
			string(jobs[0].Layout) != `{"unpack":"zip","mode":"rootfs"}` {
			t.Fatalf("claimed %+v", jobs)
		}
		if again, _ := s.Scans.ClaimScans(mdCtx(t), "w2", 10, time.Minute); len(again) != 0 {
			t.Fatalf("a leased scan was claimed twice: %+v", again)
		}
		if err := s.Scans.FinishScan(mdCtx(t), "w2", ports.ScanResult{Digest: "sha256:1", Status: ports.ScanDone}); !errors.Is(err, ports.ErrNotFound) {
			t.Fatalf("a non-holder finished the scan: %v", err)
		}
		f := []ports.Finding{{ID: "CVE-1", Package: "p", Installed: "1", Severity: "HIGH", Sources: []string{"trivy"}}}
		lic := []ports.PackageLicense{{Package: "p", License: "GPL-3.0-only", Category: "restricted"}}
		mdOK(t, s.Scans.FinishScan(mdCtx(t), "w1", ports.ScanResult{Digest: "sha256:1", Status: ports.ScanDone,
			Scanners: []string{"trivy", "grype"}, Findings: f, Licenses: lic, Runs: 2}), "FinishScan")
		for _, r := range []struct {
			id   int64
			path string
		}{{a.ID, "x.whl"}, {b.ID, "copy.whl"}} {
			sf, err := s.Scans.ScannedFile(mdCtx(t), r.id, r.path)
			mdOK(t, err, "ScannedFile")
			if sf.Result.Status != ports.ScanDone || len(sf.Result.Findings) != 1 || sf.Result.Findings[0].ID != "CVE-1" ||
				sf.Result.Runs != 2 || len(sf.Result.Scanners) != 2 || sf.Digest != "sha256:1" ||
				len(sf.Result.Licenses) != 1 || sf.Result.Licenses[0] != lic[0] {
				t.Fatalf("ScannedFile(%s) = %+v", r.path, sf)
			}
		}
		sf, err := s.Scans.ScannedFile(mdCtx(t), a.ID, "x.whl.metadata")
		mdOK(t, err, "ScannedFile without verdict")
		if sf.Result.Status != "" {
			t.Fatalf("unqueued file has status %q", sf.Result.Status)
		}
		list, err := s.Scans.ScannedFiles(mdCtx(t), 0, 0, "", 10)
		mdOK(t, err, "ScannedFiles")
		if len(list) != 2 || list[0].Repository != "a" || list[1].Repository != "b" {
			t.Fatalf("ScannedFiles = %+v", list)
		}
		page, _ := s.Scans.ScannedFiles(mdCtx(t), 0, list[0].RepositoryID, list[0].Path, 10)
		if len(page) != 1 || page[0].Path != "copy.whl" {
			t.Fatalf("second page = %+v", page)
		}
		counts, err := s.Scans.ScanCounts(mdCtx(t))
		mdOK(t, err, "ScanCounts")
		if counts[ports.ScanDone] != 1 || len(counts) != 1 {
			t.Fatalf("counts %v", counts)
		}
	})

	t.Run("rescan requeues, an expired lease is taken over, attempts are bounded", func(t *testing.T) {
		s := open(t)
		s.SetNow(now)
		a := mdNewRepo(t, MetadataStores{Repos: s.Repos}, "a")
		_, err := s.Files.Apply(mdCtx(t), a.ID, ports.WriteSet{Puts: []ports.FilePut{scanPut("x.whl", "sha256:1", true)}})
		mdOK(t, err, "Apply")
		jobs, _ := s.Scans.ClaimScans(mdCtx(t), "w1", 1, time.Minute)
		mdOK(t, s.Scans.FinishScan(mdCtx(t), "w1", ports.ScanResult{Digest: jobs[0].Digest, Status: ports.ScanDone, Runs: 1}), "FinishScan")
		mdOK(t, s.Scans.EnqueueScan(mdCtx(t), a.ID, "x.whl"), "EnqueueScan")
		if err := s.Scans.EnqueueScan(mdCtx(t), a.ID, "missing"); !errors.Is(err, ports.ErrNotFound) {
			t.Fatalf("EnqueueScan of a missing file: %v", err)
		}
		for i := 0; i < 3; i++ {
			jobs, err := s.Scans.ClaimScans(mdCtx(t), "dies", 1, time.Minute)
			mdOK(t, err, "ClaimScans")
			if len(jobs) != 1 || jobs[0].Attempts != i+1 {
				t.Fatalf("attempt %d: %+v", i+1, jobs)
			}
			now = now.Add(2 * time.Minute) // the worker died: its lease expires
			s.SetNow(now)
		}
		if jobs, _ := s.Scans.ClaimScans(mdCtx(t), "w", 1, time.Minute); len(jobs) != 0 {
			t.Fatalf("claimed after the last attempt: %+v", jobs)
		}
		r, err := s.Scans.ScanResult(mdCtx(t), "sha256:1")
		mdOK(t, err, "ScanResult")
		if r.Status != ports.ScanFailed || r.Runs != 1 {
			t.Fatalf("result %+v", r)
		}
	})

	t.Run("verdicts made with other databases are requeued in bounded batches", func(t *testing.T) {
		s := open(t)
		s.SetNow(now)
		a := mdNewRepo(t, MetadataStores{Repos: s.Repos}, "a")
		_, err := s.Files.Apply(mdCtx(t), a.ID, ports.WriteSet{Puts: []ports.FilePut{scanPut("x.whl", "sha256:1", true),
			scanPut("y.whl", "sha256:2", true), scanPut("z.whl", "sha256:3", true)}})
		mdOK(t, err, "Apply")
		if n, err := s.Scans.RequeueOutdated(mdCtx(t), "trivy=new", 10); err != nil || n != 0 {
			t.Fatalf("pending scans requeued: %d %v", n, err)
		}
		jobs, err := s.Scans.ClaimScans(mdCtx(t), "w1", 10, time.Minute)
		mdOK(t, err, "ClaimScans")
		for _, j := range jobs {
			mdOK(t, s.Scans.FinishScan(mdCtx(t), "w1", ports.ScanResult{Digest: j.Digest, Status: ports.ScanDone,
				DBVersions: map[bool]string{true: "trivy=new", false: "trivy=old"}[j.Digest == "sha256:3"]}), "FinishScan")
		}
		r, _ := s.Scans.ScanResult(mdCtx(t), "sha256:1")
		if r.DBVersions != "trivy=old" {
			t.Fatalf("db versions not kept: %+v", r)
		}
		n, err := s.Scans.RequeueOutdated(mdCtx(t), "trivy=new", 1)
		mdOK(t, err, "RequeueOutdated")
		if n != 1 {
			t.Fatalf("first batch requeued %d, want 1", n)
		}
		n, _ = s.Scans.RequeueOutdated(mdCtx(t), "trivy=new", 10)
		if n != 1 {
			t.Fatalf("second batch requeued %d, want 1", n)
		}
		if n, _ := s.Scans.RequeueOutdated(mdCtx(t), "trivy=new", 10); n != 0 {
			t.Fatalf("requeued %d again while queued", n)
		}
		jobs, _ = s.Scans.ClaimScans(mdCtx(t), "w2", 10, time.Minute)
		if len(jobs) != 2 || jobs[0].Digest == "sha256:3" || jobs[1].Digest == "sha256:3" || string(jobs[0].Layout) != `{"unpack":"zip","mode":"rootfs"}` {
			t.Fatalf("requeued jobs %+v", jobs)
		}
	})

	t.Run("a deferred scan waits until its time, keeps its queue time and attempts", func(t *testing.T) {
		s := open(t)
		s.SetNow(now)
		a := mdNewRepo(t, MetadataStores{Repos: s.Repos}, "a")
		_, err := s.Files.Apply(mdCtx(t), a.ID, ports.WriteSet{Puts: []ports.FilePut{scanPut("x.whl", "sha256:1", true)}})
		mdOK(t, err, "Apply")
		jobs, _ := s.Scans.ClaimScans(mdCtx(t), "w1", 1, time.Minute)
		if len(jobs) != 1 || !jobs[0].QueuedAt.Equal(now) {
			t.Fatalf("claimed %+v, want queued at %v", jobs, now)
		}
		if err := s.Scans.DeferScan(mdCtx(t), "w2", "sha256:1", now.Add(time.Hour), "why"); !errors.Is(err, ports.ErrNotFound) {
			t.Fatalf("a non-holder deferred the scan: %v", err)
		}
		mdOK(t, s.Scans.DeferScan(mdCtx(t), "w1", "sha256:1", now.Add(10*time.Second), "waiting for blob 2"), "DeferScan")
		r, _ := s.Scans.ScanResult(mdCtx(t), "sha256:1")
		if r.Status != ports.ScanPending || r.Error != "waiting for blob 2" {
			t.Fatalf("deferred result %+v", r)
		}
		if again, _ := s.Scans.ClaimScans(mdCtx(t), "w1", 1, time.Minute); len(again) != 0 {
			t.Fatalf("claimed before its time: %+v", again)
		}
		for i := 0; i < 5; i++ { // deferring does not use up the attempts
			now = now.Add(11 * time.Second)
			s.SetNow(now)
			jobs, err := s.Scans.ClaimScans(mdCtx(t), "w1", 1, time.Minute)
			mdOK(t, err, "ClaimScans")
			if len(jobs) != 1 || jobs[0].Attempts != 1 || jobs[0].QueuedAt.Equal(now) {
				t.Fatalf("claim %d after deferring: %+v", i, jobs)
			}
			mdOK(t, s.Scans.DeferScan(mdCtx(t), "w1", "sha256:1", now.Add(10*time.Second), "waiting"), "DeferScan")
		}
		mdOK(t, s.Scans.EnqueueScan(mdCtx(t), a.ID, "x.whl"), "EnqueueScan")
		if jobs, _ := s.Scans.ClaimScans(mdCtx(t), "w1", 1, time.Minute); len(jobs) != 1 {
			t.Fatalf("a rescan waited for the deferral: %+v", jobs)
		}
	})

	t.Run("held digests are the repository's own", func(t *testing.T) {
		s := open(t)
		a := mdNewRepo(t, MetadataStores{Repos: s.Repos}, "a")
		b := mdNewRepo(t, MetadataStores{Repos: s.Repos}, "b")
		_, err := s.Files.Apply(mdCtx(t), a.ID, ports.WriteSet{Puts: []ports.FilePut{mdPut("x", "sha256:1", false), mdPut("y", "sha256:1", false)}})
		mdOK(t, err, "Apply a")
		_, err = s.Files.Apply(mdCtx(t), b.ID, ports.WriteSet{Puts: []ports.FilePut{mdPut("z", "sha256:2", false)}})
		mdOK(t, err, "Apply b")
		held, err := s.Scans.HeldDigests(mdCtx(t), a.ID, []string{"sha256:1", "sha256:2", "sha256:3"})
		mdOK(t, err, "HeldDigests")
		if len(held) != 1 || !held["sha256:1"] {
			t.Fatalf("held %v, want only sha256:1", held)
		}
		if held, err := s.Scans.HeldDigests(mdCtx(t), b.ID, nil); err != nil || len(held) != 0 {
			t.Fatalf("no digests: %v %v", held, err)
		}
	})

	t.Run("quality gates are stored, listed, and not deleted while attached", func(t *testing.T) {
		s := open(t)
		s.SetNow(now)
		a := mdNewRepo(t, MetadataStores{Repos: s.Repos}, "a")
		zero := 0
		g := ports.QualityGate{Name: "release", MinGrade: "B", MaxCritical: &zero, DenyLicenses: []string{"GPL-3.0-only"}}
		mdOK(t, s.Scans.PutQualityGate(mdCtx(t), g), "PutQualityGate")
		mdOK(t, s.Scans.PutQualityGate(mdCtx(t), ports.QualityGate{Name: "any"}), "PutQualityGate any")
		got, err := s.Scans.QualityGate(mdCtx(t), "release")
		mdOK(t, err, "QualityGate")
		if got.MinGrade != "B" || got.MaxCritical == nil || *got.MaxCritical != 0 || got.MaxHigh != nil ||
			len(got.DenyLicenses) != 1 || !got.UpdatedAt.Equal(now) {
			t.Fatalf("gate %+v", got)
		}
		if _, err := s.Scans.QualityGate(mdCtx(t), "missing"); !errors.Is(err, ports.ErrNotFound) {
			t.Fatalf("missing gate: %v", err)
		}
		list, err := s.Scans.QualityGatesList(mdCtx(t))
		mdOK(t, err, "QualityGatesList")
		if len(list) != 2 || list[0].Name != "any" || list[1].Name != "release" {
			t.Fatalf("gates %+v", list)
		}
		mdOK(t, s.Scans.PutScanPolicy(mdCtx(t), ports.ScanPolicy{RepositoryID: a.ID, Enabled: true, Gate: "release"}), "PutScanPolicy")
		if p, _ := s.Scans.ScanPolicy(mdCtx(t), a.ID); p.Gate != "release" {
			t.Fatalf("policy gate %+v", p)
		}
		if err := s.Scans.DeleteQualityGate(mdCtx(t), "release"); !errors.Is(err, ports.ErrConflict) {
			t.Fatalf("attached gate deleted: %v", err)
		}
		mdOK(t, s.Scans.DeleteQualityGate(mdCtx(t), "any"), "DeleteQualityGate")
		if err := s.Scans.DeleteQualityGate(mdCtx(t), "any"); !errors.Is(err, ports.ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
	})

	t.Run("a policy that disables scanning queues nothing", func(t *testing.T) {
		s := open(t)
		a := mdNewRepo(t, MetadataStores{Repos: s.Repos}, "a")
		p, err := s.Scans.ScanPolicy(mdCtx(t), a.ID)
		mdOK(t, err, "ScanPolicy")
		if !p.Enabled || p.BlockSeverity != "" || p.Quarantine {
			t.Fatalf("default policy %+v", p)
		}
		mdOK(t, s.Scans.PutScanPolicy(mdCtx(t), ports.ScanPolicy{RepositoryID: a.ID, Enabled: false, BlockSeverity: "HIGH", Quarantine: true}), "PutScanPolicy")
		mdOK(t, s.Scans.PutScanPolicy(mdCtx(t), ports.ScanPolicy{RepositoryID: a.ID, Enabled: false, BlockSeverity: "CRITICAL", Quarantine: true,
			DenyLicenses: []string{"GPL-3.0-only", "AGPL-3.0-only"}}), "PutScanPolicy again")
		p, _ = s.Scans.ScanPolicy(mdCtx(t), a.ID)
		if p.Enabled || p.BlockSeverity != "CRITICAL" || !p.Quarantine || len(p.DenyLicenses) != 2 || p.DenyLicenses[1] != "AGPL-3.0-only" {
			t.Fatalf("stored policy %+v", p)
		}
		_, err = s.Files.Apply(mdCtx(t), a.ID, ports.WriteSet{Puts: []ports.FilePut{scanPut("x.whl", "sha256:1", true)}})
		mdOK(t, err, "Apply")
		if _, err := s.Scans.ScanResult(mdCtx(t), "sha256:1"); !errors.Is(err, ports.ErrNotFound) {
			t.Fatalf("queued although disabled: %v", err)
		}
	})

	t.Run("acknowledgements expire, releases follow the content", func(t *testing.T) {
		s := open(t)
		s.SetNow(now)
		a := mdNewRepo(t, MetadataStores{Repos: s.Repos}, "a")
		ack := ports.ScanAck{RepositoryID: a.ID, VulnID: "CVE-1", Reason: "not reachable", CreatedBy: "admin", ExpiresAt: now.Add(time.Hour)}
		mdOK(t, s.Scans.AddAck(mdCtx(t), &ack), "AddAck")
		mdOK(t, s.Scans.AddAck(mdCtx(t), &ports.ScanAck{VulnID: "CVE-2", Reason: "r", CreatedBy: "admin", ExpiresAt: now.Add(-time.Hour)}), "AddAck expired")
		acks, err := s.Scans.Acks(mdCtx(t), now)
		mdOK(t, err, "Acks")
		if len(acks) != 1 || acks[0].ID != ack.ID || acks[0].Repository != "a" || acks[0].Reason != "not reachable" {
			t.Fatalf("acks %+v", acks)
		}
		mdOK(t, s.Scans.DeleteAck(mdCtx(t), ack.ID), "DeleteAck")
		if err := s.Scans.DeleteAck(mdCtx(t), ack.ID); !errors.Is(err, ports.ErrNotFound) {
			t.Fatalf("DeleteAck twice: %v", err)
		}
		_, err = s.Files.Apply(mdCtx(t), a.ID, ports.WriteSet{Puts: []ports.FilePut{scanPut("x.whl", "sha256:1", true)}})
		mdOK(t, err, "Apply")
		mdOK(t, s.Scans.Release(mdCtx(t), a.ID, "x.whl", "admin"), "Release")
		if sf, _ := s.Scans.ScannedFile(mdCtx(t), a.ID, "x.whl"); !sf.Released {
			t.Fatalf("not released: %+v", sf)
		}
		put := scanPut("x.whl", "sha256:9", true)
		put.Overwrite = true
		_, err = s.Files.Apply(mdCtx(t), a.ID, ports.WriteSet{Puts: []ports.FilePut{put}})
		mdOK(t, err, "Apply new content")
		if sf, _ := s.Scans.ScannedFile(mdCtx(t), a.ID, "x.whl"); sf.Released {
			t.Fatalf("new content inherited the release: %+v", sf)
		}
		if err := s.Scans.Release(mdCtx(t), a.ID, "missing", "admin"); !errors.Is(err, ports.ErrNotFound) {
			t.Fatalf("Release of a missing file: %v", err)
		}
	})
}

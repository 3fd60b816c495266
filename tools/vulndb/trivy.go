package main

import (
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

const trivySource = "Keeper test advisories"

// writeTrivy writes db/trivy.db (schema 2) and an empty java-db, with
// metadata far in the future so Trivy never tries to download either.
func writeTrivy(dir string, advs []Advisory) error {
	dbDir := filepath.Join(dir, "db")
	if err := os.MkdirAll(dbDir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dbDir, "trivy.db")
	_ = os.Remove(path)
	db, err := bolt.Open(path, 0o644, nil)
	if err != nil {
		return err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		vulns, err := tx.CreateBucketIfNotExists([]byte("vulnerability"))
		if err != nil {
			return err
		}
		sources, err := tx.CreateBucketIfNotExists([]byte("data-source"))
		if err != nil {
			return err
		}
		for _, a := range advs {
			bucket := a.Ecosystem + "::" + trivySource
			src, _ := json.Marshal(map[string]string{"ID": "ghsa", "Name": trivySource, "URL": "https://example.invalid/advisories"})
			if err := sources.Put([]byte(bucket), src); err != nil {
				return err
			}
			eco, err := tx.CreateBucketIfNotExists([]byte(bucket))
			if err != nil {
				return err
			}
			pkg, err := eco.CreateBucketIfNotExists([]byte(trivyName(a)))
			if err != nil {
				return err
			}
			adv := map[string][]string{"VulnerableVersions": {a.Vulnerable}}
			if a.Fixed != "" {
				adv["PatchedVersions"] = []string{a.Fixed}
			}
			ab, _ := json.Marshal(adv)
			if err := pkg.Put([]byte(a.ID), ab); err != nil {
				return err
			}
			vb, _ := json.Marshal(map[string]any{"Title": a.Title, "Description": a.Title, "Severity": strings.ToUpper(a.Severity)})
			if err := vulns.Put([]byte(a.ID), vb); err != nil {
				return err
			}
		}
		return nil
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := writeMeta(filepath.Join(dbDir, "metadata.json"), 2); err != nil {
		return err
	}
	return writeJavaDB(filepath.Join(dir, "java-db"))
}

// trivyName is the package key Trivy looks up: pip names are normalized
// (lowercase, "_" → "-"), the others are kept.
func trivyName(a Advisory) string {
	if a.Ecosystem == "pip" {
		return strings.ReplaceAll(strings.ToLower(a.Package), "_", "-")
	}
	return a.Package
}

func writeMeta(path string, version int) error {
	now := time.Now().UTC()
	b, _ := json.Marshal(map[string]any{"Version": version, "NextUpdate": now.AddDate(100, 0, 0),
		"UpdatedAt": now, "DownloadedAt": now})
	return os.WriteFile(path, b, 0o644)
}

// writeJavaDB writes the empty Java index Trivy insists on opening for jars
// (through the "sqlite" driver Grype's dependencies register).
func writeJavaDB(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, "trivy-java.db")
	_ = os.Remove(path)
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, q := range []string{
		"CREATE TABLE artifacts(id INTEGER PRIMARY KEY, group_id TEXT, artifact_id TEXT)",
		"CREATE TABLE indices(artifact_id INTEGER, version TEXT, sha1 BLOB, archive_type TEXT, foreign key (artifact_id) references artifacts(id))",
		"CREATE UNIQUE INDEX artifacts_idx ON artifacts(artifact_id, group_id)",
		"CREATE INDEX indices_artifact_idx ON indices(artifact_id)",
		"CREATE UNIQUE INDEX indices_sha1_idx ON indices(sha1)",
	} {
		if _, err := db.Exec(q); err != nil {
			return err
		}
	}
	return writeMeta(filepath.Join(dir, "metadata.json"), 1)
}

package replication

import (
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

func TestChangePathsRoundTrip(t *testing.T) {
	kv, ok := ports.KVChangePath("tags", "@scope/pkg")
	if !ok {
		t.Fatal("plain namespace refused")
	}
	ver, _ := ports.VersionChangePath("hello", "1.0.0\x01odd")
	for _, tc := range []struct {
		path string
		kind byte
		a, b string
	}{
		{"lib/a.bin", ports.ChangeFile, "lib/a.bin", ""},
		{"~kv/x", ports.ChangeFile, "~kv/x", ""},
		{kv, ports.ChangeKV, "tags", "@scope/pkg"},
		{ver, ports.ChangeVersion, "hello", "1.0.0\x01odd"},
		{ports.RepositoryChangePath, ports.ChangeRepository, "", ""},
		{ports.ChangeMark + "kno-separator", 0, "", ""},
		{ports.ChangeMark + "z", 0, "", ""},
	} {
		kind, a, b := ports.ParseChangePath(tc.path)
		if kind != tc.kind || a != tc.a || b != tc.b {
			t.Errorf("%q = %c %q %q, want %c %q %q", tc.path, kind, a, b, tc.kind, tc.a, tc.b)
		}
	}
	if _, ok := ports.KVChangePath("a"+ports.ChangeMark, "k"); ok {
		t.Error("a namespace holding the mark was accepted")
	}
}

func TestRecordWritesRefusesBadRecords(t *testing.T) {
	good := ports.ReplicaBatch{Repository: "r",
		KVPuts:    []ports.ReplicaKV{{Namespace: "tags", Key: "hello", Value: []byte(`{"latest":"1.0.0"}`)}},
		KVDeletes: []ports.ReplicaKV{{Namespace: "tags", Key: "gone"}},
		Versions:  []ports.ReplicaVersion{{Package: "hello", Version: "1.0.0", Metadata: []byte(`{}`)}, {Package: "hello", Version: "0.9", Delete: true}}}
	ws, err := recordWrites(good)
	if err != nil || len(ws.KVPuts) != 1 || len(ws.KVDeletes) != 1 || len(ws.Versions) != 2 || !ws.Versions[1].Delete {
		t.Fatalf("good batch: %+v %v", ws, err)
	}
	for name, b := range map[string]ports.ReplicaBatch{
		"empty namespace":         {KVPuts: []ports.ReplicaKV{{Key: "k"}}},
		"empty key":               {KVDeletes: []ports.ReplicaKV{{Namespace: "n"}}},
		"marked namespace":        {KVPuts: []ports.ReplicaKV{{Namespace: "n" + ports.ChangeMark, Key: "k"}}},
		"huge value":              {KVPuts: []ports.ReplicaKV{{Namespace: "n", Key: "k", Value: make([]byte, maxKVValue+1)}}},
		"long key":                {KVPuts: []ports.ReplicaKV{{Namespace: "n", Key: strings.Repeat("k", maxKVName+1)}}},
		"version without package": {Versions: []ports.ReplicaVersion{{Version: "1"}}},
		"huge version metadata":   {Versions: []ports.ReplicaVersion{{Package: "p", Version: "1", Metadata: make([]byte, maxMetadata+1)}}},
	} {
		if _, err := recordWrites(b); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

func TestSplitBatchCarriesRecords(t *testing.T) {
	b := ports.ReplicaBatch{Repository: "r"}
	for i := 0; i < 8; i++ {
		b.KVPuts = append(b.KVPuts, ports.ReplicaKV{Namespace: "n", Key: "k", Value: make([]byte, 100<<10)})
		b.Versions = append(b.Versions, ports.ReplicaVersion{Package: "p", Version: "v"})
	}
	b.KVDeletes = []ports.ReplicaKV{{Namespace: "n", Key: "gone"}}
	kv, ver, del := 0, 0, 0
	parts := splitBatch(b)
	for _, p := range parts {
		kv += len(p.KVPuts)
		ver += len(p.Versions)
		del += len(p.KVDeletes)
		if len(p.KVPuts)*(100<<10)*4/3 > maxBatchBytes {
			t.Fatalf("part of %d key-values", len(p.KVPuts))
		}
	}
	if kv != 8 || ver != 8 || del != 1 || len(parts) < 2 {
		t.Fatalf("%d parts carry %d kv, %d versions, %d kv deletes", len(parts), kv, ver, del)
	}
}

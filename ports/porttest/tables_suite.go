package porttest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

// TableStores is one metadata adapter seen as a source and a target of a
// backup, plus the ports the suite fills and checks it through.
type TableStores struct {
	Dump   ports.MetadataDumper
	Load   ports.MetadataLoader
	Stores MetadataStores
}

// TableDump runs the conformance suite of MetadataDumper and
// MetadataLoader. openSource returns a fresh, migrated database; openTarget
// a fresh database that may not be migrated (the loader migrates it). The
// two may be different databases: the dump must load into either.
func TableDump(t *testing.T, openSource, openTarget func(t *testing.T) TableStores) {
	t.Run("round trip keeps every row", func(t *testing.T) { tdRoundTrip(t, openSource, openTarget) })
	t.Run("a database with data is refused", func(t *testing.T) { tdRefuseNotEmpty(t, openSource) })
	t.Run("a schema other than the database can take is refused", func(t *testing.T) { tdRefuseNewer(t, openTarget) })
	t.Run("a failing table keeps nothing", func(t *testing.T) { tdAtomic(t, openSource, openTarget) })
}

// tdFill writes rows of several tables, booleans, bytes and NULLs among them.
func tdFill(t *testing.T, s MetadataStores) {
	ctx := context.Background()
	libs := mdNewRepo(t, s, "libs")
	pub := ports.Repository{Key: "pub", Name: "Public", Format: "generic", Type: ports.RepoLocal, IsPublic: true, AllowOverwrite: true,
		Config: map[string]string{"k": "v"}}
	mdOK(t, s.Repos.CreateRepository(ctx, &pub), "create pub")
	for i := range 450 { // more than one insert batch
		ws := ports.WriteSet{Puts: []ports.FilePut{{File: ports.File{Path: fmt.Sprintf("p/%d.txt", i), BlobDigest: fmt.Sprintf("%064x", i),
			Size: int64(i), Package: "p", Version: "1", Metadata: []byte(`{"n":1}`)}}},
			KVPuts: []ports.KV{{Namespace: "ns", Key: fmt.Sprint(i), Value: []byte{0, 1, 2, byte(i)}}}}
		_, err := s.Files.Apply(ctx, libs.ID, ws)
		mdOK(t, err, "apply")
	}
	u := ports.User{Username: "alice", Email: "a@example.org", PasswordHash: "h", IsAdmin: true}
	mdOK(t, s.Users.CreateUser(ctx, &u), "create user")
	mdOK(t, s.Tokens.CreateToken(ctx, &ports.APIToken{UserID: u.ID, Name: "ci", Prefix: "kpr_abc", Hash: "x"}), "create token")
}

// tdSnapshot dumps every table into memory, rows sorted, for comparison.
func tdSnapshot(t *testing.T, d ports.MetadataDumper) (int64, map[string][]string, []ports.Table) {
	t.Helper()
	out := map[string][]string{}
	var tables []ports.Table
	v, err := d.DumpTables(context.Background(), func(_ int64, tb ports.Table, rows ports.RowReader) error {
		tables = append(tables, tb)
		var got []string
		err := rows(func(row []any) error {
			got = append(got, fmt.Sprintf("%v", tdCanon(row)))
			return nil
		})
		sort.Strings(got)
		out[tb.Name] = got
		return err
	})
	mdOK(t, err, "dump")
	return v, out, tables
}

// tdCanon compares values the way the databases can hold them: booleans as
// numbers, bytes as text.
func tdCanon(row []any) []any {
	out := make([]any, len(row))
	for i, v := range row {
		switch x := v.(type) {
		case bool:
			if x {
				out[i] = int64(1)
			} else {
				out[i] = int64(0)
			}
		case []byte:
			out[i] = string(x)
		default:
			out[i] = v
		}
	}
	return out
}

// memSource replays a dump kept in memory.
type memSource struct {
	tables []ports.Table
	rows   map[string][][]any
	i      int
}

func (m *memSource) Next(context.Context) (ports.Table, ports.RowReader, error) {
	if m.i >= len(m.tables) {
		return ports.Table{}, nil, io.EOF
	}
	tb := m.tables[m.i]
	m.i++
	return tb, func(yield func([]any) error) error {
		for _, r := range m.rows[tb.Name] {
			if err := yield(r); err != nil {
				return err
			}
		}
		return nil
	}, nil
}

func tdCapture(t *testing.T, d ports.MetadataDumper) (int64, *memSource) {
	t.Helper()
	m := &memSource{rows: map[string][][]any{}}
	v, err := d.DumpTables(context.Background(), func(_ int64, tb ports.Table, rows ports.RowReader) error {
		m.tables = append(m.tables, tb)
		return rows(func(row []any) error {
			m.rows[tb.Name] = append(m.rows[tb.Name], row)
			return nil
		})
	})
	mdOK(t, err, "dump")
	return v, m
}

func tdRoundTrip(t *testing.T, openSource, openTarget func(t *testing.T) TableStores) {
	ctx := context.Background()
	src := openSource(t)
	tdFill(t, src.Stores)
	version, mem := tdCapture(t, src.Dump)
	if version <= 0 {
		t.Fatalf("schema version %d", version)
	}
	if len(mem.rows["files"]) != 450 {
		t.Fatalf("files dumped: %d rows, want 450", len(mem.rows["files"]))
	}
	dst := openTarget(t)
	mdOK(t, dst.Load.PrepareRestore(ctx, version), "prepare")
	mdOK(t, dst.Load.LoadTables(ctx, mem), "load")
	mdOK(t, dst.Load.FinishRestore(ctx), "finish")
	_, want, _ := tdSnapshot(t, src.Dump)
	_, got, _ := tdSnapshot(t, dst.Dump)
	for name, rows := range want {
		if fmt.Sprint(got[name]) != fmt.Sprint(rows) {
			t.Errorf("table %s differs after the round trip: %d rows, want %d", name, len(got[name]), len(rows))
		}
	}
	// The restored store works through its ports, and new rows get ids past
	// the loaded ones (sequences moved).
	r, err := dst.Stores.Repos.GetRepository(ctx, "pub")
	mdOK(t, err, "get restored repository")
	if !r.IsPublic || !r.AllowOverwrite || r.Config["k"] != "v" {
		t.Errorf("restored repository: %+v", r)
	}
	u, err := dst.Stores.Users.GetUserByName(ctx, "alice")
	mdOK(t, err, "get restored user")
	if !u.IsAdmin {
		t.Error("restored user lost its admin flag")
	}
	libs, err := dst.Stores.Repos.GetRepository(ctx, "libs")
	mdOK(t, err, "get restored libs")
	if v, err := dst.Stores.Files.GetKV(ctx, libs.ID, "ns", "7"); err != nil || string(v) != "\x00\x01\x02\x07" {
		t.Errorf("restored kv: %q, %v", v, err)
	}
	next := mdNewRepo(t, dst.Stores, "after-restore")
	if next.ID <= r.ID {
		t.Errorf("new repository id %d is not past the restored ones (%d)", next.ID, r.ID)
	}
	u2 := ports.User{Username: "bob", PasswordHash: "h"}
	mdOK(t, dst.Stores.Users.CreateUser(ctx, &u2), "create user after restore")
}

func tdRefuseNotEmpty(t *testing.T, openSource func(t *testing.T) TableStores) {
	ctx := context.Background()
	s := openSource(t)
	mdNewRepo(t, s.Stores, "x")
	v, mem := tdCapture(t, s.Dump)
	err := s.Load.PrepareRestore(ctx, v)
	var ne *ports.NotEmptyError
	if !errors.As(err, &ne) || !errors.Is(err, ports.ErrConflict) {
		t.Fatalf("prepare on a database with data: %v, want a NotEmptyError", err)
	}
	if fmt.Sprint(ne.Tables) != "[repositories]" {
		t.Errorf("tables named: %v, want [repositories]", ne.Tables)
	}
	_ = mem
}

func tdRefuseNewer(t *testing.T, openTarget func(t *testing.T) TableStores) {
	s := openTarget(t)
	err := s.Load.PrepareRestore(context.Background(), s.Load.SchemaVersion()+1)
	if !errors.Is(err, ports.ErrInvalid) {
		t.Fatalf("prepare for a newer schema: %v, want ErrInvalid", err)
	}
	// A database already migrated past an older backup is refused too
	// (its data migrations would not run over the loaded rows).
	mdOK(t, s.Load.PrepareRestore(context.Background(), s.Load.SchemaVersion()), "prepare at the newest schema")
	if err := s.Load.PrepareRestore(context.Background(), 1); !errors.Is(err, ports.ErrInvalid) {
		t.Fatalf("prepare for an older schema on a newer database: %v, want ErrInvalid", err)
	}
}

func tdAtomic(t *testing.T, openSource, openTarget func(t *testing.T) TableStores) {
	ctx := context.Background()
	src := openSource(t)
	tdFill(t, src.Stores)
	v, mem := tdCapture(t, src.Dump)
	mem.tables = append(mem.tables, ports.Table{Name: "no_such_table", Columns: []string{"id"}})
	dst := openTarget(t)
	mdOK(t, dst.Load.PrepareRestore(ctx, v), "prepare")
	if err := dst.Load.LoadTables(ctx, mem); !errors.Is(err, ports.ErrInvalid) {
		t.Fatalf("load with an unknown table: %v, want ErrInvalid", err)
	}
	// Nothing was kept: the database is still empty.
	mdOK(t, dst.Load.PrepareRestore(ctx, v), "prepare again after the failed load")
}

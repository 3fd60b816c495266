package wasm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/keeper-registry/keeper/ports"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// HostModule is the core import module name of the WIT `host` interface;
// LegacyHostModule is the one of contract 0.1.0, still served (without the
// imports added since).
const (
	HostModule       = "keeper:format/host@" + ports.ContractVersion
	LegacyHostModule = "keeper:format/host@" + legacyContract
)

const (
	maxListLimit = 10000
	maxLogLine   = 4096
)

var errNoHost = errors.New("host services are unavailable in this call")

// args reads flat parameters of an import from guest memory, bounds-checked.
type args struct {
	stack []uint64
	rd    *reader
}

func (a args) u32(i int) uint32 { return uint32(a.stack[i]) }
func (a args) u64(i int) uint64 { return a.stack[i] }
func (a args) str(i int) string { return string(a.rd.flat(uint32(a.stack[i]), uint32(a.stack[i+1]))) }
func (a args) bytes(i int) []byte {
	return a.rd.flat(uint32(a.stack[i]), uint32(a.stack[i+1]))
}

// importFn computes the result image of one import; retSize is the size of
// its fixed return area (0 for imports without results).
type importFn struct {
	name    string
	params  int // i32 params, including the return pointer; i64 positions in wide
	wide    []int
	retSize uint32
	run     func(ctx context.Context, cs *callState, a args) *enc
	// since02 marks imports added in contract 0.2.0 (absent from LegacyHostModule).
	since02 bool
}

func i32s(n int, wide ...int) []api.ValueType {
	out := make([]api.ValueType, n)
	for i := range out {
		out[i] = api.ValueTypeI32
	}
	for _, w := range wide {
		out[w] = api.ValueTypeI64
	}
	return out
}

// instantiateHost instantiates the host module of every supported contract.
func instantiateHost(ctx context.Context, rt wazero.Runtime, log *slog.Logger) error {
	if err := instantiateHostModule(ctx, rt, log, HostModule, true); err != nil {
		return err
	}
	return instantiateHostModule(ctx, rt, log, LegacyHostModule, false)
}

func instantiateHostModule(ctx context.Context, rt wazero.Runtime, log *slog.Logger, name string, current bool) error {
	b := rt.NewHostModuleBuilder(name)
	for _, f := range imports() {
		f := f
		if f.since02 && !current {
			continue
		}
		fn := api.GoModuleFunc(func(ctx context.Context, m api.Module, stack []uint64) {
			cs := stateOf(ctx)
			rd := &reader{mem: m.Memory(), budget: DefaultMaxBodyBytes}
			if cs != nil {
				rd.budget = cs.lim.maxBody
			}
			a := args{stack: stack, rd: rd}
			var e *enc
			if cs == nil || cs.host == nil {
				if f.name == "log" {
					e = f.run(ctx, &callState{log: log}, a)
				} else if f.retSize > 0 {
					e = resErrFor(f.retSize, errNoHost)
					if f.name == "repo" {
						e = optRepo(nil)
					}
				}
			} else {
				e = f.run(ctx, cs, a)
			}
			if rd.err != nil {
				panic(fmt.Errorf("import %s: %w", f.name, rd.err))
			}
			if f.retSize == 0 {
				return
			}
			retPtr := uint32(stack[f.params-1])
			if cs == nil || cs.inst == nil {
				// describe may not allocate; the no-host error is short and
				// fits in the return area only if no pointer is needed.
				panic(fmt.Errorf("import %s: %w", f.name, errNoHost))
			}
			ptr, err := cs.inst.put(ctx, e)
			if err != nil {
				panic(fmt.Errorf("import %s: %w", f.name, err))
			}
			if !m.Memory().Write(retPtr, e.buf[:f.retSize]) {
				panic(fmt.Errorf("import %s: %w: return area %#x out of bounds", f.name, errMalformed, retPtr))
			}
			_ = ptr
		})
		b.NewFunctionBuilder().WithGoModuleFunction(fn, i32s(f.params, f.wide...), nil).Export(f.name)
	}
	_, err := b.Instantiate(ctx)
	return err
}

// resErrFor builds an error result for a return area of the given size.
func resErrFor(retSize uint32, err error) *enc {
	switch retSize {
	case 112:
		return resErr(112, 8, 8, err)
	case 16:
		return resErr(16, 4, 4, err)
	case 48:
		return resErr(48, 8, 8, err)
	case 24:
		return resErr(24, 8, 8, err)
	}
	return resErr(12, 4, 4, err)
}

func notFound(err error) bool { return errors.Is(err, ports.ErrNotFound) }

func clampLimit(n uint32) int {
	if n == 0 || n > maxListLimit {
		return maxListLimit
	}
	return int(n)
}

// source lifts the WIT `source` variant (tag, ptr, len) as a reader.
func source(ctx context.Context, cs *callState, a args, i int) (data []byte, rc ports.BlobReader, err error) {
	if a.u32(i) == 0 {
		return a.bytes(i + 1), nil, nil
	}
	r, _, err := cs.host.OpenBlob(ctx, a.str(i+1))
	return nil, r, err
}

func imports() []importFn {
	return []importFn{
		{name: "read-blob", params: 5, wide: []int{2}, retSize: 12, run: func(ctx context.Context, cs *callState, a args) *enc {
			n := min(int64(a.u32(3)), cs.lim.maxBody)
			b, err := cs.host.ReadBlob(ctx, a.str(0), int64(a.u64(2)), n)
			return resBytes(b, err)
		}},
		{name: "archive-list", params: 5, retSize: 12, run: func(ctx context.Context, cs *callState, a args) *enc {
			es, err := archiveList(ctx, cs.host, a.str(0), a.u32(2), a.u32(3))
			return resList(len(es), sizeEntry, 8, err, func(e *enc, i int, off uint32) {
				e.str(off, es[i].name)
				e.u64(off+8, uint64(es[i].size))
				e.boolean(off+16, es[i].dir)
			})
		}},
		{name: "archive-read", params: 7, wide: []int{5}, retSize: 12, run: func(ctx context.Context, cs *callState, a args) *enc {
			max := min(int64(min(a.u64(5), 1<<62)), cs.lim.maxBody)
			return resBytes(archiveRead(ctx, cs.host, a.str(0), a.u32(2), a.str(3), max))
		}},
		{name: "gunzip", params: 5, wide: []int{3}, retSize: 12, run: func(ctx context.Context, cs *callState, a args) *enc {
			max := min(int64(min(a.u64(3), 1<<62)), cs.lim.maxBody)
			data, rc, err := source(ctx, cs, a, 0)
			if err != nil {
				return resBytes(nil, err)
			}
			if rc != nil {
				defer rc.Close()
				return resBytes(gunzipData(ctx, rc, max))
			}
			return resBytes(gunzipData(ctx, bytes.NewReader(data), max))
		}},
		{name: "hash", params: 5, retSize: 12, run: func(ctx context.Context, cs *callState, a args) *enc {
			data, rc, err := source(ctx, cs, a, 1)
			if err != nil {
				return resBytes(nil, err)
			}
			if rc != nil {
				defer rc.Close()
				return resString(hashReader(ctx, a.u32(0), rc))
			}
			return resString(hashReader(ctx, a.u32(0), bytes.NewReader(data)))
		}},
		{name: "get-file", params: 3, retSize: 112, run: func(ctx context.Context, cs *callState, a args) *enc {
			f, err := cs.host.GetFile(ctx, a.str(0))
			if notFound(err) {
				return resOptFile(nil, nil)
			}
			if err != nil {
				return resOptFile(nil, err)
			}
			return resOptFile(&f, nil)
		}},
		{name: "list-files", params: 8, retSize: 12, run: func(ctx context.Context, cs *callState, a args) *enc {
			fs, err := cs.host.ListFiles(ctx, ports.FileListing{Prefix: a.str(0), After: a.str(2), Limit: clampLimit(a.u32(4)), Package: a.str(5)})
			return resList(len(fs), sizeFile, 8, err, func(e *enc, i int, off uint32) { e.file(off, &fs[i]) })
		}},
		{name: "list-packages", params: 6, retSize: 12, run: func(ctx context.Context, cs *callState, a args) *enc {
			ps, err := cs.host.ListPackages(ctx, a.str(0), a.str(2), clampLimit(a.u32(4)))
			return resList(len(ps), sizePackage, 8, err, func(e *enc, i int, off uint32) {
				e.str(off, ps[i].Name)
				e.u64(off+8, uint64(ms(ps[i].CreatedAt)))
				e.u64(off+16, uint64(ms(ps[i].UpdatedAt)))
			})
		}},
		{name: "list-versions", params: 6, retSize: 12, run: func(ctx context.Context, cs *callState, a args) *enc {
			vs, err := cs.host.ListVersions(ctx, a.str(0), a.str(2), clampLimit(a.u32(4)))
			return resList(len(vs), sizeVersion, 8, err, func(e *enc, i int, off uint32) {
				e.str(off, vs[i].Package)
				e.str(off+8, vs[i].Version)
				e.bytes(off+16, vs[i].Metadata)
				e.u64(off+24, uint64(ms(vs[i].CreatedAt)))
			})
		}},
		{name: "kv-get", params: 5, retSize: 16, run: func(ctx context.Context, cs *callState, a args) *enc {
			v, err := cs.host.GetKV(ctx, a.str(0), a.str(2))
			if notFound(err) {
				return resOptBytes(nil, false, nil)
			}
			return resOptBytes(v, err == nil, err)
		}},
		{name: "kv-put", params: 7, retSize: 12, run: func(ctx context.Context, cs *callState, a args) *enc {
			return resUnit(cs.host.StageKV(ports.KV{Namespace: a.str(0), Key: a.str(2), Value: a.bytes(4)}, false))
		}},
		{name: "kv-delete", params: 5, retSize: 12, run: func(ctx context.Context, cs *callState, a args) *enc {
			return resUnit(cs.host.StageKV(ports.KV{Namespace: a.str(0), Key: a.str(2)}, true))
		}},
		{name: "kv-list", params: 8, retSize: 12, run: func(ctx context.Context, cs *callState, a args) *enc {
			kvs, err := cs.host.ListKV(ctx, a.str(0), a.str(2), a.str(4), clampLimit(a.u32(6)))
			return resList(len(kvs), sizeKV, 4, err, func(e *enc, i int, off uint32) {
				e.str(off, kvs[i].Key)
				e.bytes(off+8, kvs[i].Value)
			})
		}},
		{name: "put-blob", params: 3, retSize: 12, run: func(ctx context.Context, cs *callState, a args) *enc {
			b, err := cs.host.PutBlob(ctx, a.bytes(0))
			return resString(b.Digest, err)
		}},
		{name: "stage-file", params: 14, retSize: 12, run: func(ctx context.Context, cs *callState, a args) *enc {
			return resUnit(cs.host.StageFile(ports.StagedFile{Path: a.str(0), BlobDigest: a.str(2), ContentType: a.str(4),
				Package: a.str(6), Version: a.str(8), Metadata: a.bytes(10), Overwrite: a.u32(12) != 0}))
		}},
		{name: "stage-delete", params: 3, retSize: 12, run: func(ctx context.Context, cs *callState, a args) *enc {
			return resUnit(cs.host.StageDelete(a.str(0)))
		}},
		{name: "stage-version", params: 8, retSize: 12, run: func(ctx context.Context, cs *callState, a args) *enc {
			return resUnit(cs.host.StageVersion(ports.VersionPut{Package: a.str(0), Version: a.str(2), Metadata: a.bytes(4), Delete: a.u32(6) != 0}))
		}},
		{name: "repo", params: 1, retSize: 72, run: func(ctx context.Context, cs *callState, a args) *enc {
			return optRepo(cs.repo)
		}},
		{name: "login", params: 5, retSize: 12, run: func(ctx context.Context, cs *callState, a args) *enc {
			return resString(cs.host.Login(ctx, a.str(0), a.str(2)))
		}},
		{name: "concat-blobs", params: 3, retSize: 48, run: func(ctx context.Context, cs *callState, a args) *enc {
			ds, err := a.strList(0)
			if err != nil {
				return resErr(48, 8, 8, err)
			}
			b, err := cs.host.ConcatBlobs(ctx, ds)
			return resBody(b, err)
		}},
		{name: "session-token", params: 3, retSize: 12, run: func(ctx context.Context, cs *callState, a args) *enc {
			return resString(cs.host.SessionToken(ctx, time.Duration(a.u32(0))*time.Second, a.u32(1) != 0))
		}},
		{name: "mount-blob", params: 9, retSize: 12, run: func(ctx context.Context, cs *callState, a args) *enc {
			return resUnit(cs.host.MountBlob(ctx, a.str(0), a.str(2), a.str(4), a.str(6)))
		}},
		listReposImport, listRepoPackagesImport, concatRangesImport, decodeBase64Import, indexBytesImport,
		{name: "log", params: 3, run: func(ctx context.Context, cs *callState, a args) *enc {
			msg := string(a.rd.flat(uint32(a.stack[1]), min(uint32(a.stack[2]), maxLogLine)))
			level := []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError}[min(a.u32(0), 3)]
			cs.log.Log(ctx, level, msg)
			return nil
		}},
	}
}

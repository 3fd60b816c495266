package wasm

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/keeper-registry/keeper/ports"
	"github.com/tetratelabs/wazero"
)

var requiredExports = []string{"cabi_realloc", "describe", "handle", "cabi_post_describe", "cabi_post_handle"}

// hostModulePrefix starts the import module name of every contract version.
const hostModulePrefix = "keeper:format/host@"

// checkExports refuses a module whose world exports have wrong core
// signatures, that was built as a command instead of a reactor, or that
// imports the host interface of a contract version this host does not serve.
func checkExports(cm wazero.CompiledModule) error {
	fns := cm.ExportedFunctions()
	if fns["_start"] != nil {
		return fmt.Errorf("%w: the module exports _start, so it was built as a command; "+
			"rebuild it with `GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared`", ports.ErrInvalid)
	}
	for _, f := range cm.ImportedFunctions() {
		mod, _, _ := f.Import()
		if v, ok := strings.CutPrefix(mod, hostModulePrefix); ok && !slices.Contains(ports.SupportedContracts, v) {
			return fmt.Errorf("%w: the module was built against contract keeper:format@%s; this server loads %s",
				ports.ErrInvalid, v, ports.SupportedContractsText())
		}
	}
	for _, name := range requiredExports {
		if fns[name] == nil {
			return fmt.Errorf("%w: missing export %s", ports.ErrInvalid, name)
		}
	}
	for name, f := range fns {
		sig, ok := exportSigs[name]
		if !ok {
			continue
		}
		if !slices.Equal(f.ParamTypes(), sig[0]) || !slices.Equal(f.ResultTypes(), sig[1]) {
			return fmt.Errorf("%w: export %s has signature %v -> %v, want %v -> %v", ports.ErrInvalid, name,
				f.ParamTypes(), f.ResultTypes(), sig[0], sig[1])
		}
	}
	if len(cm.ExportedMemories()) == 0 {
		return fmt.Errorf("%w: module exports no memory", ports.ErrInvalid)
	}
	return nil
}

// CallContext is what a capability call (outside an HTTP request) runs against.
type CallContext struct {
	Host ports.HostCall
	Repo *ports.RepoContext
}

func (r *Runtime) capability(ctx context.Context, id, name string, cc CallContext,
	body func(ctx context.Context, in *instance, rd *reader) error) error {
	g, st, err := r.get(ctx, id)
	if err != nil {
		return err
	}
	defer g.unpin()
	return g.invoke(ctx, st, cc.Host, cc.Repo, name, body)
}

// ParseMetadata calls the parse-metadata capability.
func (r *Runtime) ParseMetadata(ctx context.Context, id string, cc CallContext, digest, filename string) ([]byte, error) {
	var out []byte
	err := r.capability(ctx, id, "parse-metadata", cc, func(ctx context.Context, in *instance, rd *reader) error {
		ok, fail, err := in.callParseMetadata(ctx, rd, digest, filename)
		out = ok
		return firstErr(err, stringFail(fail))
	})
	return out, err
}

var _ ports.FormatValidator = (*Runtime)(nil)

// maxRejection caps the rejection message of validate the host passes on.
const maxRejection = 1024

// Validate calls the validate capability; the plugin's rejection (the
// result's error string) becomes a *ports.InvalidError with its message.
func (r *Runtime) Validate(ctx context.Context, id string, repo *ports.RepoContext, host ports.HostCall, digest, path string) error {
	var fail *string
	err := r.capability(ctx, id, "validate", CallContext{Host: host, Repo: repo}, func(ctx context.Context, in *instance, rd *reader) error {
		var err error
		fail, err = in.callValidate(ctx, rd, digest, path)
		return err
	})
	if err != nil {
		return err
	}
	if fail != nil {
		return &ports.InvalidError{Message: rejectionText(*fail)}
	}
	return nil
}

// rejectionText is the message of a validate rejection without the status
// the Go SDK writes before it ("400: …"), capped, never empty.
func rejectionText(s string) string {
	if len(s) >= 5 && s[3] == ':' && s[4] == ' ' && s[0] >= '1' && s[0] <= '5' && isDigits(s[1:3]) {
		s = s[5:]
	}
	if len(s) > maxRejection {
		s = strings.ToValidUTF8(s[:maxRejection], "") + "…"
	}
	if s = strings.TrimSpace(s); s == "" {
		return "the format plugin rejected the file"
	}
	return s
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// GenerateIndex calls the generate-index capability.
func (r *Runtime) GenerateIndex(ctx context.Context, id string, cc CallContext, path string) (ports.FormatResponse, error) {
	var resp ports.FormatResponse
	err := r.capability(ctx, id, "generate-index", cc, func(ctx context.Context, in *instance, rd *reader) error {
		ok, fail, err := in.callGenerateIndex(ctx, rd, path)
		if err != nil {
			return err
		}
		resp, err = responseResult(stateOf(ctx), ok, fail)
		return err
	})
	return resp, err
}

// CacheClass is the result of classify.
type CacheClass int

// Cache classes (the WIT enum cache-class; Local since 0.4.0).
const (
	Immutable CacheClass = iota
	Mutable
	Unknown
	Local
)

// Classify calls the classify capability. A module of a contract before
// 0.4.0 that answers local (a value its contract does not have) fails.
func (r *Runtime) Classify(ctx context.Context, id string, path string) (CacheClass, error) {
	cc := Unknown
	err := r.capability(ctx, id, "classify", CallContext{}, func(ctx context.Context, in *instance, rd *reader) error {
		v, err := in.callClassify(ctx, rd, path)
		if err == nil && v == wCacheClassLocal && in.g.bareDocs {
			err = fmt.Errorf("%w: classify returned %d", errMalformed, v)
		}
		if err == nil {
			cc = CacheClass(v)
		}
		return err
	})
	return cc, err
}

// Rewrite calls the rewrite capability. A module of a contract before 0.4.0
// returns the body alone; one that declares rewrite-held (0.9.0) is asked
// that first, the body held by the host.
func (r *Runtime) Rewrite(ctx context.Context, id string, cc CallContext, path string, body []byte, upstreamBase, localBase string) (ports.Document, error) {
	var out ports.Document
	err := r.capability(ctx, id, "rewrite", cc, func(ctx context.Context, in *instance, rd *reader) error {
		if in.g.bareDocs {
			ok, fail, err := in.callRewrite03(ctx, rd, path, body, upstreamBase, localBase)
			out.Body = ok
			return firstErr(err, stringFail(fail))
		}
		if in.g.held && in.fns["rewrite-held"] != nil {
			doc, err := in.held(ctx, rd, path, body, upstreamBase, localBase)
			out = fromDocument(doc)
			return err
		}
		ok, fail, err := in.callRewrite(ctx, rd, path, body, upstreamBase, localBase)
		out = fromDocument(ok)
		return firstErr(err, stringFail(fail))
	})
	return out, err
}

// Merge calls the merge capability. A module of a contract before 0.4.0
// returns the body alone.
func (r *Runtime) Merge(ctx context.Context, id string, cc CallContext, path string, docs [][]byte) (ports.Document, error) {
	var out ports.Document
	err := r.capability(ctx, id, "merge", cc, func(ctx context.Context, in *instance, rd *reader) error {
		if in.g.bareDocs {
			ok, fail, err := in.callMerge03(ctx, rd, path, docs)
			out.Body = ok
			return firstErr(err, stringFail(fail))
		}
		ok, fail, err := in.callMerge(ctx, rd, path, docs)
		out = fromDocument(ok)
		return firstErr(err, stringFail(fail))
	})
	return out, err
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

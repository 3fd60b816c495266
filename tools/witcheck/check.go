package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"go.bytecodealliance.org/wit"
)

// Sig is a core function signature.
type Sig struct {
	Params, Results []api.ValueType
}

func (s Sig) String() string {
	f := func(ts []api.ValueType) string {
		var out []string
		for _, t := range ts {
			out = append(out, api.ValueTypeName(t))
		}
		return "(" + strings.Join(out, " ") + ")"
	}
	return f(s.Params) + " -> " + f(s.Results)
}

// Expected is what a module must export and may import.
type Expected struct {
	Exports map[string]Sig
	// Imports maps "module\x00name" to a signature.
	Imports map[string]Sig
	// Optional are the exports some contract versions lack (added later,
	// e.g. rewrite-held in 0.9.0): a module may leave them out.
	Optional map[string]bool
}

// allowedExtra are exports a wasip1 reactor has besides the world's.
var allowedExtra = map[string]bool{"_initialize": true}

// allowedImportModules may be imported besides the world's interfaces.
var allowedImportModules = map[string]bool{"wasi_snapshot_preview1": true}

func valueType(t wit.Type) api.ValueType {
	switch t.(type) {
	case wit.S64, wit.U64:
		return api.ValueTypeI64
	case wit.F32:
		return api.ValueTypeF32
	case wit.F64:
		return api.ValueTypeF64
	}
	return api.ValueTypeI32
}

func sigOf(f *wit.Function) Sig {
	var s Sig
	for _, p := range f.Params {
		s.Params = append(s.Params, valueType(p.Type))
	}
	for _, r := range f.Results {
		s.Results = append(s.Results, valueType(r.Type))
	}
	return s
}

// Expect derives the core signatures of world in the WIT at path.
func Expect(path, world string) (*Expected, error) {
	res, err := wit.LoadWIT(path)
	if err != nil {
		return nil, err
	}
	var w *wit.World
	for _, cand := range res.Worlds {
		if cand.Name == world {
			w = cand
		}
	}
	if w == nil {
		return nil, fmt.Errorf("world %q not found", world)
	}
	exp := &Expected{Exports: map[string]Sig{}, Imports: map[string]Sig{}}
	exp.Exports["cabi_realloc"] = Sig{Params: []api.ValueType{api.ValueTypeI32, api.ValueTypeI32, api.ValueTypeI32, api.ValueTypeI32}, Results: []api.ValueType{api.ValueTypeI32}}
	var ferr error
	w.Exports.All()(func(name string, item wit.WorldItem) bool {
		f, ok := item.(*wit.Function)
		if !ok {
			ferr = fmt.Errorf("export %s: only freestanding functions are supported", name)
			return false
		}
		exp.Exports[f.Name] = sigOf(f.CoreFunction(wit.Exported))
		if post := f.PostReturn(wit.Exported); post != nil {
			exp.Exports[post.Name] = sigOf(post)
		}
		return true
	})
	if ferr != nil {
		return nil, ferr
	}
	w.Imports.All()(func(name string, item wit.WorldItem) bool {
		ref, ok := item.(*wit.InterfaceRef)
		if !ok || ref.Interface == nil || ref.Interface.Name == nil {
			return true
		}
		iface := ref.Interface
		if iface.Package == nil {
			return true
		}
		id := iface.Package.Name
		id.Extension = *iface.Name
		module := id.String()
		iface.Functions.All()(func(fname string, f *wit.Function) bool {
			exp.Imports[module+"\x00"+fname] = sigOf(f.CoreFunction(wit.Imported))
			return true
		})
		return true
	})
	return exp, nil
}

// Check compiles bin and compares its exports and imports with exp.
func Check(ctx context.Context, exp *Expected, bin []byte) error {
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	cm, err := rt.CompileModule(ctx, bin)
	if err != nil {
		return fmt.Errorf("compile: %w", err)
	}
	var problems []string
	got := cm.ExportedFunctions()
	for name, want := range exp.Exports {
		f := got[name]
		if f == nil {
			if !exp.Optional[name] {
				problems = append(problems, "missing export "+name+" "+want.String())
			}
			continue
		}
		have := Sig{f.ParamTypes(), f.ResultTypes()}
		if !slices.Equal(have.Params, want.Params) || !slices.Equal(have.Results, want.Results) {
			problems = append(problems, fmt.Sprintf("export %s is %s, want %s", name, have, want))
		}
	}
	for name := range got {
		if _, ok := exp.Exports[name]; !ok && !allowedExtra[name] {
			problems = append(problems, "unexpected export "+name)
		}
	}
	if len(cm.ExportedMemories()) == 0 {
		problems = append(problems, "no exported memory")
	}
	for _, f := range cm.ImportedFunctions() {
		mod, name, _ := f.Import()
		if allowedImportModules[mod] {
			continue
		}
		want, ok := exp.Imports[mod+"\x00"+name]
		if !ok {
			problems = append(problems, fmt.Sprintf("unexpected import %s %s", mod, name))
			continue
		}
		have := Sig{f.ParamTypes(), f.ResultTypes()}
		if !slices.Equal(have.Params, want.Params) || !slices.Equal(have.Results, want.Results) {
			problems = append(problems, fmt.Sprintf("import %s %s is %s, want %s", mod, name, have, want))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

package main

import (
	"fmt"
	"strings"

	"go.bytecodealliance.org/wit"
)

// world is the part of a WIT world the glue covers: the functions of one
// imported interface and the freestanding exported functions.
type world struct {
	importModule string // core import module, e.g. keeper:format/host@0.2.0
	imports      []*wit.Function
	exports      []*wit.Function
	version      string
}

func loadWorld(res *wit.Resolve, name string) (*world, error) {
	var w *wit.World
	for _, cand := range res.Worlds {
		if cand.Name == name {
			w = cand
		}
	}
	if w == nil {
		return nil, fmt.Errorf("world %q not found", name)
	}
	out := &world{}
	if v := w.Package.Name.Version; v != nil {
		out.version = v.String()
	}
	var err error
	w.Imports.All()(func(_ string, item wit.WorldItem) bool {
		ref, ok := item.(*wit.InterfaceRef)
		if !ok || ref.Interface == nil || ref.Interface.Name == nil || ref.Interface.Functions.Len() == 0 {
			return true
		}
		if out.importModule != "" {
			err = fmt.Errorf("more than one imported interface with functions")
			return false
		}
		id := ref.Interface.Package.Name
		id.Extension = *ref.Interface.Name
		out.importModule = id.String()
		ref.Interface.Functions.All()(func(_ string, f *wit.Function) bool {
			out.imports = append(out.imports, f)
			return true
		})
		return true
	})
	if err != nil {
		return nil, err
	}
	w.Exports.All()(func(name string, item wit.WorldItem) bool {
		f, ok := item.(*wit.Function)
		if !ok || !f.IsFreestanding() {
			err = fmt.Errorf("export %s: only freestanding functions are supported", name)
			return false
		}
		out.exports = append(out.exports, f)
		return true
	})
	return out, err
}

// initialisms are spelled in capitals in Go names.
var initialisms = map[string]string{"url": "URL", "id": "ID", "kv": "KV", "md5": "MD5", "sha1": "SHA1",
	"sha256": "SHA256", "sha512": "SHA512", "http": "HTTP", "ttl": "TTL"}

// camel turns a WIT name (kebab-case) into an exported Go name.
func camel(name string) string {
	var b strings.Builder
	for _, part := range strings.Split(strings.TrimPrefix(name, "%"), "-") {
		if up, ok := initialisms[part]; ok {
			b.WriteString(up)
		} else if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// reserved are names a generated parameter must not take: Go keywords,
// built-ins the glue calls and the glue's own locals.
var reserved = map[string]bool{"len": true, "cap": true, "package": true, "type": true, "func": true, "map": true,
	"range": true, "string": true, "error": true, "copy": true, "new": true, "make": true, "append": true,
	"delete": true, "min": true, "max": true, "select": true, "default": true, "case": true, "go": true,
	"var": true, "const": true, "interface": true, "struct": true, "chan": true, "return": true, "import": true,
	"ctx": true, "h": true, "rd": true, "e": true, "stack": true, "in": true, "base": true, "err": true,
	"ok": true, "fail": true, "mark": true, "ra": true, "r": true, "v": true, "p": true}

// param turns a WIT parameter name into a Go parameter name.
func param(name string) string {
	c := camel(name)
	c = strings.ToLower(c[:1]) + c[1:]
	if reserved[c] {
		c += "Arg"
	}
	return c
}

// resolve follows type aliases (and `use`) to the defining type.
func resolve(t wit.Type) wit.Type {
	if td, ok := t.(*wit.TypeDef); ok {
		return td.Root()
	}
	return t
}

// kind returns the definition of t: a wit primitive or a *wit.Record,
// *wit.List, ... for a type definition.
func kind(t wit.Type) any {
	t = resolve(t)
	if td, ok := t.(*wit.TypeDef); ok {
		return td.Kind
	}
	return t
}

// named reports the WIT name of t's definition, "" when anonymous.
func named(t wit.Type) string {
	if td, ok := resolve(t).(*wit.TypeDef); ok && td.Name != nil {
		return *td.Name
	}
	return ""
}

var primKeys = map[string]string{"bool": "Bool", "u8": "U8", "u16": "U16", "u32": "U32", "u64": "U64",
	"s8": "S8", "s16": "S16", "s32": "S32", "s64": "S64", "string": "String"}

var primGo = map[string]string{"bool": "bool", "u8": "uint8", "u16": "uint16", "u32": "uint32", "u64": "uint64",
	"s8": "int8", "s16": "int16", "s32": "int32", "s64": "int64", "string": "string"}

// prim returns the WIT name of a primitive type, "" for others.
func prim(t wit.Type) string {
	switch resolve(t).(type) {
	case wit.Bool:
		return "bool"
	case wit.U8:
		return "u8"
	case wit.U16:
		return "u16"
	case wit.U32:
		return "u32"
	case wit.U64:
		return "u64"
	case wit.S8:
		return "s8"
	case wit.S16:
		return "s16"
	case wit.S32:
		return "s32"
	case wit.S64:
		return "s64"
	case wit.String:
		return "string"
	}
	return ""
}

// isBytes reports list<u8>.
func isBytes(t wit.Type) bool {
	l, ok := kind(t).(*wit.List)
	return ok && prim(l.Type) == "u8"
}

// key names a type in generated function names: File, ListFile, OptionBytes.
func key(t wit.Type) string {
	if p := prim(t); p != "" {
		return primKeys[p]
	}
	if n := named(t); n != "" {
		return camel(n)
	}
	switch k := kind(t).(type) {
	case *wit.List:
		if isBytes(t) {
			return "Bytes"
		}
		return "List" + key(k.Type)
	case *wit.Option:
		return "Option" + key(k.Type)
	case *wit.Tuple:
		s := "Tuple"
		for _, e := range k.Types {
			s += key(e)
		}
		return s
	case *wit.Result:
		return "Result" + keyOr(k.OK) + keyOr(k.Err)
	}
	panic(fmt.Sprintf("witgen: unsupported type %T", kind(t)))
}

func keyOr(t wit.Type) string {
	if t == nil {
		return "Unit"
	}
	return key(t)
}

func size(t wit.Type) uint32  { return uint32(t.Size()) }
func align(t wit.Type) uint32 { return uint32(t.Align()) }

func alignUp(n, a uint32) uint32 { return (n + a - 1) &^ (a - 1) }

// fieldOffsets lays out a record's fields (or a tuple's elements).
func fieldOffsets(types []wit.Type) []uint32 {
	var off uint32
	out := make([]uint32, len(types))
	for i, t := range types {
		off = alignUp(off, align(t))
		out[i] = off
		off += size(t)
	}
	return out
}

// payloadOffset is where the payload of a variant-like type (variant,
// option, result) with n cases starts.
func payloadOffset(t wit.Type, n int) uint32 {
	return alignUp(uint32(wit.Discriminant(n).Size()), align(t))
}

// flat kinds of core values.
type fk int

const (
	fI32 fk = iota
	fI64
	fPtr // an i32 that is a guest address
)

// flat flattens t as the canonical ABI does; variants whose cases need
// different core types in one position are not supported.
func flat(t wit.Type) ([]fk, error) {
	switch prim(t) {
	case "u64", "s64":
		return []fk{fI64}, nil
	case "":
	case "string":
		return []fk{fPtr, fI32}, nil
	default:
		return []fk{fI32}, nil
	}
	switch k := kind(t).(type) {
	case *wit.List:
		return []fk{fPtr, fI32}, nil
	case *wit.Enum:
		return []fk{fI32}, nil
	case *wit.Record:
		var out []fk
		for _, f := range k.Fields {
			ff, err := flat(f.Type)
			if err != nil {
				return nil, err
			}
			out = append(out, ff...)
		}
		return out, nil
	case *wit.Tuple:
		var out []fk
		for _, e := range k.Types {
			ff, err := flat(e)
			if err != nil {
				return nil, err
			}
			out = append(out, ff...)
		}
		return out, nil
	case *wit.Variant:
		return joinCases(caseTypes(k))
	case *wit.Option:
		return joinCases([]wit.Type{nil, k.Type})
	case *wit.Result:
		return joinCases([]wit.Type{k.OK, k.Err})
	}
	return nil, fmt.Errorf("unsupported type %s", key(t))
}

func caseTypes(v *wit.Variant) []wit.Type {
	out := make([]wit.Type, len(v.Cases))
	for i, c := range v.Cases {
		out[i] = c.Type
	}
	return out
}

func joinCases(cases []wit.Type) ([]fk, error) {
	var pay []fk
	for _, c := range cases {
		if c == nil {
			continue
		}
		ff, err := flat(c)
		if err != nil {
			return nil, err
		}
		for i, f := range ff {
			switch {
			case i >= len(pay):
				pay = append(pay, f)
			case pay[i] != f && (pay[i] == fI64 || f == fI64):
				pay[i] = fI64
			case pay[i] != f:
				pay[i] = fI32
			}
		}
	}
	return append([]fk{fI32}, pay...), nil
}

// sameFlat checks that a variant case flattens to the variant's own core
// types: glue that would need the canonical ABI's bit casts is not generated.
func sameFlat(all []fk, c wit.Type) {
	ff, err := flat(c)
	if err != nil {
		panic(err)
	}
	for i, f := range ff {
		if all[1+i] != f {
			panic(fmt.Sprintf("witgen: variant case %s needs a core-type cast (not supported)", key(c)))
		}
	}
}

// maxFlatParams and maxFlatResults are the canonical ABI's limits.
const (
	maxFlatParams  = 16
	maxFlatResults = 1
)

// sig is the core signature of a function.
type sig struct {
	params     []fk // flattened parameters (or one pointer when indirect)
	indirectIn bool
	result     []fk // the flattened result when it is returned directly
	retArea    bool // the result is returned through memory
}

func coreSig(f *wit.Function, imported bool) (sig, error) {
	var s sig
	for _, p := range f.Params {
		ff, err := flat(p.Type)
		if err != nil {
			return s, fmt.Errorf("%s: %s: %w", f.Name, p.Name, err)
		}
		s.params = append(s.params, ff...)
	}
	if len(s.params) > maxFlatParams {
		s.params, s.indirectIn = []fk{fPtr}, true
	}
	if len(f.Results) > 1 {
		return s, fmt.Errorf("%s: more than one result is not supported", f.Name)
	}
	if len(f.Results) == 1 {
		ff, err := flat(f.Results[0].Type)
		if err != nil {
			return s, fmt.Errorf("%s: result: %w", f.Name, err)
		}
		if len(ff) > maxFlatResults {
			s.retArea = true
			if imported {
				s.params = append(s.params, fPtr)
			} else {
				s.result = []fk{fPtr}
			}
		} else {
			s.result = ff
		}
	}
	return s, nil
}

// hasPointer reports whether values of t hold guest addresses.
func hasPointer(t wit.Type) bool {
	if t == nil {
		return false
	}
	if p := prim(t); p != "" {
		return p == "string"
	}
	switch k := kind(t).(type) {
	case *wit.List:
		return true
	case *wit.Record:
		for _, f := range k.Fields {
			if hasPointer(f.Type) {
				return true
			}
		}
	case *wit.Tuple:
		for _, e := range k.Types {
			if hasPointer(e) {
				return true
			}
		}
	case *wit.Variant:
		for _, c := range k.Cases {
			if hasPointer(c.Type) {
				return true
			}
		}
	case *wit.Option:
		return hasPointer(k.Type)
	case *wit.Result:
		return hasPointer(k.OK) || hasPointer(k.Err)
	}
	return false
}

// docComment renders WIT docs as a Go comment.
func docComment(d wit.Docs, indent string) string {
	text := strings.TrimSpace(d.Contents)
	if text == "" {
		return ""
	}
	var b strings.Builder
	for _, line := range strings.Split(text, "\n") {
		b.WriteString(indent + strings.TrimRight("// "+line, " ") + "\n")
	}
	return b.String()
}

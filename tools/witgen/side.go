package main

import (
	"fmt"
	"sort"
	"strings"

	"go.bytecodealliance.org/wit"
)

// goMap maps a WIT type onto an existing Go type of the package (the SDK's
// public types): the compiler then checks that the fields match.
type goMap struct {
	name   string
	fields []string // tuple element names (records use their WIT field names)
}

// side generates the glue of one side (host or SDK) into one Go file.
type side struct {
	host    bool
	pkg     string
	mapped  map[string]goMap
	decls   strings.Builder // types
	funcs   strings.Builder // lift/lower helpers
	done    map[string]bool
	imports map[string]bool
	tmp     int
}

func newSide(host bool, pkg string, mapped map[string]goMap) *side {
	return &side{host: host, pkg: pkg, mapped: mapped, done: map[string]bool{}, imports: map[string]bool{}}
}

func (s *side) fresh(prefix string) string {
	s.tmp++
	return fmt.Sprintf("%s%d", prefix, s.tmp)
}

// goType is the Go type of WIT type t on this side.
func (s *side) goType(t wit.Type) string {
	if p := prim(t); p != "" {
		return primGo[p]
	}
	switch k := kind(t).(type) {
	case *wit.List:
		if isBytes(t) {
			return "[]byte"
		}
		if named(t) == "" {
			return "[]" + s.goType(k.Type)
		}
	case *wit.Option:
		if named(t) == "" {
			return "*" + s.goType(k.Type)
		}
	case *wit.Result:
		panic("witgen: result is only supported as a function result")
	}
	return s.typeName(t)
}

// typeName declares (once) and returns the Go name of a record, variant,
// enum or tuple.
func (s *side) typeName(t wit.Type) string {
	k := key(t)
	if m, ok := s.mapped[k]; ok {
		return m.name
	}
	name := "w" + k
	if s.done["type "+name] {
		return name
	}
	s.done["type "+name] = true
	var doc string
	if td, ok := resolve(t).(*wit.TypeDef); ok {
		doc = docComment(td.Docs, "")
	}
	var b strings.Builder
	if doc == "" {
		doc = fmt.Sprintf("// %s is the WIT %s.\n", name, witName(t))
	}
	b.WriteString(doc)
	switch k := kind(t).(type) {
	case *wit.Record:
		fmt.Fprintf(&b, "type %s struct {\n", name)
		for _, f := range k.Fields {
			b.WriteString(docComment(f.Docs, "\t"))
			fmt.Fprintf(&b, "\t%s %s\n", camel(f.Name), s.goType(f.Type))
		}
		b.WriteString("}\n\n")
	case *wit.Tuple:
		fmt.Fprintf(&b, "type %s struct {\n", name)
		for i, e := range k.Types {
			fmt.Fprintf(&b, "\t%s %s\n", s.tupleField(t, i), s.goType(e))
		}
		b.WriteString("}\n\n")
	case *wit.Enum:
		fmt.Fprintf(&b, "type %s uint8\n\n// Cases of %s.\nconst (\n", name, name)
		for i, c := range k.Cases {
			fmt.Fprintf(&b, "\t%s%s %s = %d\n", name, camel(c.Name), name, i)
		}
		b.WriteString(")\n\n")
	case *wit.Variant:
		fmt.Fprintf(&b, "type %s struct {\n\tTag uint8\n", name)
		for _, c := range k.Cases {
			if c.Type != nil {
				fmt.Fprintf(&b, "\t%s %s\n", camel(c.Name), s.goType(c.Type))
			}
		}
		fmt.Fprintf(&b, "}\n\n// Tags of %s.\nconst (\n", name)
		for i, c := range k.Cases {
			fmt.Fprintf(&b, "\t%s%s = %d\n", name, camel(c.Name), i)
		}
		b.WriteString(")\n\n")
	default:
		panic(fmt.Sprintf("witgen: cannot name %s", k))
	}
	s.decls.WriteString(b.String())
	return name
}

func witName(t wit.Type) string {
	if n := named(t); n != "" {
		return n
	}
	return "type " + key(t)
}

func (s *side) tupleField(t wit.Type, i int) string {
	if m, ok := s.mapped[key(t)]; ok && i < len(m.fields) {
		return m.fields[i]
	}
	return fmt.Sprintf("F%d", i)
}

// elems returns the element types of a record or tuple and their Go names.
func (s *side) elems(t wit.Type) ([]wit.Type, []string) {
	var ts []wit.Type
	var ns []string
	switch k := kind(t).(type) {
	case *wit.Record:
		for _, f := range k.Fields {
			ts, ns = append(ts, f.Type), append(ns, camel(f.Name))
		}
	case *wit.Tuple:
		for i, e := range k.Types {
			ts, ns = append(ts, e), append(ns, s.tupleField(t, i))
		}
	}
	return ts, ns
}

func at(p string, off uint32) string {
	if off == 0 {
		return p
	}
	return fmt.Sprintf("%s+%d", p, off)
}

// ---- lifting from memory -------------------------------------------------

// liftMem is an expression reading a value of t at address p.
func (s *side) liftMem(t wit.Type, p string) string {
	if pr := prim(t); pr != "" {
		if s.host {
			f := map[string]string{"bool": "r.u8(%s) != 0", "u8": "r.u8(%s)", "u16": "r.u16(%s)", "u32": "r.u32(%s)",
				"u64": "r.u64(%s)", "s32": "int32(r.u32(%s))", "s64": "int64(r.u64(%s))", "string": "r.str(%s)"}[pr]
			return strings.ReplaceAll(f, "%s", p)
		}
		return fmt.Sprintf(map[string]string{"bool": "ld8(%s) != 0", "u8": "ld8(%s)", "u16": "ld16(%s)", "u32": "ld32(%s)",
			"u64": "ld64(%s)", "s32": "int32(ld32(%s))", "s64": "int64(ld64(%s))", "string": "ldStr(%s)"}[pr], p)
	}
	if isBytes(t) {
		if s.host {
			return fmt.Sprintf("r.bytes(%s)", p)
		}
		return fmt.Sprintf("ldBytes(%s)", p)
	}
	if _, ok := kind(t).(*wit.Enum); ok && !s.host {
		return fmt.Sprintf("%s(ld8(%s))", s.goType(t), p)
	}
	fn := s.liftFunc(t)
	if _, ok := kind(t).(*wit.List); ok {
		if s.host {
			return fmt.Sprintf("r.%s(r.u32(%s), r.u32(%s+4))", fn, p, p)
		}
		return fmt.Sprintf("%s(ld32(%s), ld32(%s+4))", fn, p, p)
	}
	if s.host {
		return fmt.Sprintf("r.%s(%s)", fn, p)
	}
	return fmt.Sprintf("%s(%s)", fn, p)
}

// liftFunc emits (once) the function lifting t and returns its name.
// Lists are lifted from (ptr, n); everything else from an address.
func (s *side) liftFunc(t wit.Type) string {
	name := "lift" + key(t)
	if s.done[name] {
		return name
	}
	s.done[name] = true
	gt := s.goType(t)
	var b strings.Builder
	sig := func(params string) {
		fmt.Fprintf(&b, "// %s lifts a %s.\n", name, witName(t))
		if s.host {
			fmt.Fprintf(&b, "func (r *reader) %s(%s) %s {\n", name, params, gt)
		} else {
			fmt.Fprintf(&b, "func %s(%s) %s {\n", name, params, gt)
		}
	}
	switch k := kind(t).(type) {
	case *wit.Record, *wit.Tuple:
		sig("p uint32")
		ts, ns := s.elems(t)
		offs := fieldOffsets(ts)
		fmt.Fprintf(&b, "\treturn %s{\n", gt)
		for i, et := range ts {
			fmt.Fprintf(&b, "\t\t%s: %s,\n", ns[i], s.liftMem(et, at("p", offs[i])))
		}
		b.WriteString("\t}\n}\n\n")
	case *wit.Enum:
		sig("p uint32")
		fmt.Fprintf(&b, "\tv := r.u8(p)\n\tif v >= %d {\n\t\tr.fail(\"%s %%d\", v)\n\t}\n\treturn %s(v)\n}\n\n", len(k.Cases), witName(t), gt)
	case *wit.Variant:
		sig("p uint32")
		pay := payloadOffset(t, len(k.Cases))
		b.WriteString("\tvar v " + gt + "\n")
		b.WriteString("\tv.Tag = " + map[bool]string{true: "r.u8(p)", false: "ld8(p)"}[s.host] + "\n\tswitch v.Tag {\n")
		for i, c := range k.Cases {
			if c.Type != nil {
				fmt.Fprintf(&b, "\tcase %d:\n\t\tv.%s = %s\n", i, camel(c.Name), s.liftMem(c.Type, at("p", pay)))
			}
		}
		if s.host {
			fmt.Fprintf(&b, "\tcase %s:\n\tdefault:\n\t\tr.fail(\"%s tag %%d\", v.Tag)\n", emptyCases(k), witName(t))
		}
		b.WriteString("\t}\n\treturn v\n}\n\n")
	case *wit.Option:
		sig("p uint32")
		pay := payloadOffset(t, 2)
		if s.host {
			fmt.Fprintf(&b, "\tswitch tag := r.u8(p); tag {\n\tcase 0:\n\t\treturn nil\n\tcase 1:\n\t\tv := %s\n\t\treturn &v\n\tdefault:\n\t\tr.fail(\"option tag %%d\", tag)\n\t\treturn nil\n\t}\n}\n\n", s.liftMem(k.Type, at("p", pay)))
		} else {
			fmt.Fprintf(&b, "\tif ld8(p) == 0 {\n\t\treturn nil\n\t}\n\tv := %s\n\treturn &v\n}\n\n", s.liftMem(k.Type, at("p", pay)))
		}
	case *wit.List:
		sig("ptr, n uint32")
		es := size(k.Type)
		if s.host {
			fmt.Fprintf(&b, "\tbase, count := r.span(ptr, n, %d)\n\tvar out %s\n\tfor i := uint32(0); i < count && r.err == nil; i++ {\n\t\tout = append(out, %s)\n\t}\n\treturn out\n}\n\n",
				es, gt, s.liftMem(k.Type, fmt.Sprintf("base+i*%d", es)))
		} else if p := prim(k.Type); p != "" && p != "bool" && p != "string" {
			// Fixed-width integers are little-endian in guest memory as in
			// Go's wasm: the list is viewed in place (its cabi_realloc
			// allocation stays alive through the slice), not copied
			// element by element.
			fmt.Fprintf(&b, "\tif n == 0 {\n\t\treturn nil\n\t}\n\treturn unsafe.Slice((*%s)(addr(ptr)), int(n))\n}\n\n", primGo[p])
		} else {
			fmt.Fprintf(&b, "\tif n == 0 {\n\t\treturn nil\n\t}\n\tout := make(%s, n)\n\tfor i := range n {\n\t\tout[i] = %s\n\t}\n\treturn out\n}\n\n",
				gt, s.liftMem(k.Type, fmt.Sprintf("ptr+i*%d", es)))
		}
	default:
		panic(fmt.Sprintf("witgen: cannot lift %s", key(t)))
	}
	s.funcs.WriteString(b.String())
	return name
}

// emptyCases lists the tags of cases without payload ("" would not compile,
// so a variant without such cases repeats a case the default cannot reach).
func emptyCases(v *wit.Variant) string {
	var out []string
	for i, c := range v.Cases {
		if c.Type == nil {
			out = append(out, fmt.Sprint(i))
		}
	}
	if len(out) == 0 {
		return fmt.Sprint(len(v.Cases) + 1000)
	}
	return strings.Join(out, ", ")
}

// ---- lowering into memory -------------------------------------------------

// lowerMem is a statement writing v of type t at offset off of image e.
func (s *side) lowerMem(e string, t wit.Type, off, v string) string {
	if pr := prim(t); pr != "" {
		return fmt.Sprintf(map[string]string{"bool": "%s.boolean(%s, %s)", "u8": "%s.u8(%s, %s)", "u16": "%s.u16(%s, %s)",
			"u32": "%s.u32(%s, %s)", "u64": "%s.u64(%s, %s)", "s32": "%s.u32(%s, uint32(%s))", "s64": "%s.u64(%s, uint64(%s))",
			"string": "%s.str(%s, %s)"}[pr], e, off, v)
	}
	if isBytes(t) {
		return fmt.Sprintf("%s.bytes(%s, %s)", e, off, v)
	}
	if _, ok := kind(t).(*wit.Enum); ok {
		s.goType(t)
		return fmt.Sprintf("%s.u8(%s, uint8(%s))", e, off, v)
	}
	return fmt.Sprintf("%s.%s(%s, %s)", e, s.lowerFunc(t), off, v)
}

func (s *side) lowerFunc(t wit.Type) string {
	name := "lower" + key(t)
	if s.done[name] {
		return name
	}
	s.done[name] = true
	gt := s.goType(t)
	var b strings.Builder
	fmt.Fprintf(&b, "// %s writes a %s at off.\nfunc (e *enc) %s(off uint32, v %s) {\n", name, witName(t), name, gt)
	switch k := kind(t).(type) {
	case *wit.Record, *wit.Tuple:
		ts, ns := s.elems(t)
		offs := fieldOffsets(ts)
		for i, et := range ts {
			b.WriteString("\t" + s.lowerMem("e", et, at("off", offs[i]), "v."+ns[i]) + "\n")
		}
	case *wit.Variant:
		pay := payloadOffset(t, len(k.Cases))
		b.WriteString("\te.u8(off, v.Tag)\n\tswitch v.Tag {\n")
		for i, c := range k.Cases {
			if c.Type != nil {
				fmt.Fprintf(&b, "\tcase %d:\n\t\t%s\n", i, s.lowerMem("e", c.Type, at("off", pay), "v."+camel(c.Name)))
			}
		}
		b.WriteString("\t}\n")
	case *wit.Option:
		fmt.Fprintf(&b, "\tif v != nil {\n\t\te.u8(off, 1)\n\t\t%s\n\t}\n", s.lowerMem("e", k.Type, at("off", payloadOffset(t, 2)), "*v"))
	case *wit.List:
		es := size(k.Type)
		fmt.Fprintf(&b, "\tp := e.list(off, len(v), %d, %d)\n\tfor i := range v {\n\t\t%s\n\t}\n", es, align(k.Type),
			s.lowerMem("e", k.Type, fmt.Sprintf("p+uint32(i)*%d", es), "v[i]"))
	default:
		panic(fmt.Sprintf("witgen: cannot lower %s", key(t)))
	}
	b.WriteString("}\n\n")
	s.funcs.WriteString(b.String())
	return name
}

// ---- flat values -------------------------------------------------------------

// liftFlat lifts t from the flat core values slots (expressions of type
// uint32 for i32 and uint64 for i64), consuming them from *i. It returns
// statements to run first and the value's expression.
func (s *side) liftFlat(t wit.Type, slot func(i int, k fk) string, i *int) (string, string) {
	next := func(k fk) string { v := slot(*i, k); *i++; return v }
	if pr := prim(t); pr != "" {
		switch pr {
		case "u64":
			return "", next(fI64)
		case "s64":
			return "", "int64(" + next(fI64) + ")"
		case "bool":
			return "", next(fI32) + " != 0"
		case "u32":
			return "", next(fI32)
		case "string":
			p, n := next(fPtr), next(fI32)
			if s.host {
				return "", fmt.Sprintf("string(r.flat(%s, %s))", p, n)
			}
			return "", fmt.Sprintf("ldStrFlat(%s, %s)", p, n)
		default:
			return "", fmt.Sprintf("%s(%s)", primGo[pr], next(fI32))
		}
	}
	switch k := kind(t).(type) {
	case *wit.List:
		p, n := next(fPtr), next(fI32)
		switch {
		case isBytes(t) && s.host:
			return "", fmt.Sprintf("r.flat(%s, %s)", p, n)
		case isBytes(t):
			return "", fmt.Sprintf("ldBytesFlat(%s, %s)", p, n)
		case s.host:
			return "", fmt.Sprintf("r.%s(%s, %s)", s.liftFunc(t), p, n)
		}
		return "", fmt.Sprintf("%s(%s, %s)", s.liftFunc(t), p, n)
	case *wit.Enum:
		v := next(fI32)
		if s.host {
			return fmt.Sprintf("if %s >= %d {\n\t\tr.fail(\"%s %%d\", %s)\n\t}\n", v, len(k.Cases), witName(t), v), s.goType(t) + "(" + v + ")"
		}
		return "", s.goType(t) + "(" + v + ")"
	case *wit.Record, *wit.Tuple:
		ts, ns := s.elems(t)
		var stmts, lit strings.Builder
		lit.WriteString(s.goType(t) + "{")
		for j, et := range ts {
			st, ex := s.liftFlat(et, slot, i)
			stmts.WriteString(st)
			fmt.Fprintf(&lit, "%s: %s, ", ns[j], ex)
		}
		lit.WriteString("}")
		return stmts.String(), lit.String()
	case *wit.Variant, *wit.Option:
		return s.liftFlatCases(t, slot, i)
	}
	panic(fmt.Sprintf("witgen: cannot lift flat %s", key(t)))
}

func (s *side) liftFlatCases(t wit.Type, slot func(i int, k fk) string, i *int) (string, string) {
	ff, err := flat(t)
	if err != nil {
		panic(err)
	}
	first := *i
	*i += len(ff)
	tag := slot(first, fI32)
	v := s.fresh("v")
	var b strings.Builder
	fmt.Fprintf(&b, "var %s %s\n\tswitch %s {\n", v, s.goType(t), tag)
	switch k := kind(t).(type) {
	case *wit.Variant:
		for ci, c := range k.Cases {
			fmt.Fprintf(&b, "\tcase %d:\n\t\t%s.Tag = %d\n", ci, v, ci)
			if c.Type != nil {
				sameFlat(ff, c.Type)
				j := first + 1
				st, ex := s.liftFlat(c.Type, slot, &j)
				fmt.Fprintf(&b, "\t\t%s%s.%s = %s\n", st, v, camel(c.Name), ex)
			}
		}
	case *wit.Option:
		sameFlat(ff, k.Type)
		j := first + 1
		st, ex := s.liftFlat(k.Type, slot, &j)
		x := s.fresh("x")
		fmt.Fprintf(&b, "\tcase 0:\n\tcase 1:\n\t\t%s%s := %s\n\t\t%s = &%s\n", st, x, ex, v, x)
	}
	if s.host {
		fmt.Fprintf(&b, "\tdefault:\n\t\tr.fail(\"%s tag %%d\", %s)\n", witName(t), tag)
	}
	b.WriteString("\t}\n")
	return b.String(), v
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

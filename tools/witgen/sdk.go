package main

import (
	"fmt"
	"strings"

	"go.bytecodealliance.org/wit"
)

// sdkMapped are the WIT types the SDK's public Go types represent as they
// are (same fields, same order of meaning), so the glue lifts and lowers
// them without a copy. The compiler checks every field the glue names.
var sdkMapped = map[string]goMap{
	"File": {name: "File"}, "StagedFile": {name: "StagedFile"}, "PackageInfo": {name: "PackageInfo"},
	"VersionInfo": {name: "VersionInfo"}, "VersionPut": {name: "VersionPut"}, "KVEntry": {name: "KVEntry"},
	"ArchiveEntry": {name: "ArchiveEntry"}, "Body": {name: "Body"}, "BlobRange": {name: "BlobRange"},
	"SetupSnippet": {name: "SetupSnippet"}, "Mount": {name: "Mount"}, "Credentials": {name: "Credentials"},
	"ArchiveKind": {name: "ArchiveKind"}, "HashAlg": {name: "HashAlg"}, "LogLevel": {name: "LogLevel"},
	"CacheClass": {name: "CacheClass"}, "RepoContext": {name: "RepoContext"}, "Request": {name: "Request"},
	"Header":            {name: "Header", fields: []string{"Name", "Value"}},
	"TupleStringString": {name: "KeyValue", fields: []string{"Key", "Value"}},
}

func sdkSide() *side { return newSide(false, "sdk", sdkMapped) }

func (s *side) sdkGlue(w *world, b *strings.Builder) error {
	s.imports["unsafe"] = true
	b.WriteString("// guestExports is what the SDK implements: one method per export of the\n" +
		"// world. The trampolines below lift the parameters the host passed, call\n" +
		"// the method on guest and lower its result for the host. A result<T, string>\n" +
		"// is returned as (T, error), any other result<T, E> as (T, *E).\ntype guestExports interface {\n")
	var tramp strings.Builder
	for _, f := range w.exports {
		sg, err := coreSig(f, false)
		if err != nil {
			return err
		}
		decl, names := s.goParams(f)
		rt, res := resultOf(f)
		var goRes string
		switch {
		case rt == nil:
		case res != nil && isString(res.Err) && res.OK == nil:
			goRes = "error"
		case res != nil && isString(res.Err):
			goRes = "(" + s.goType(res.OK) + ", error)"
		case res != nil && res.OK == nil:
			goRes = "*" + s.goType(res.Err)
		case res != nil:
			goRes = "(" + s.goType(res.OK) + ", *" + s.goType(res.Err) + ")"
		default:
			goRes = s.goType(rt)
		}
		b.WriteString(docComment(f.Docs, "\t"))
		fmt.Fprintf(b, "\t%s(%s) %s\n", camel(f.Name), decl, goRes)
		if err := s.trampoline(&tramp, f, sg, names, rt, res); err != nil {
			return err
		}
	}
	b.WriteString("}\n\n")
	b.WriteString(tramp.String())
	for _, f := range w.imports {
		if err := s.sdkImport(b, w.importModule, f); err != nil {
			return err
		}
	}
	return nil
}

func flatGo(k fk) string {
	switch k {
	case fI64:
		return "uint64"
	case fPtr:
		return "unsafe.Pointer"
	}
	return "uint32"
}

func (s *side) trampoline(b *strings.Builder, f *wit.Function, sg sig, names []string, rt wit.Type, res *wit.Result) error {
	s.tmp = 0 // temporaries are numbered per function: a WIT change touches only its own glue
	var params []string
	for i, k := range sg.params {
		t := "uint32"
		if k == fI64 {
			t = "uint64"
		}
		params = append(params, fmt.Sprintf("a%d %s", i, t))
	}
	resType := ""
	if len(sg.result) == 1 {
		resType = " uint32"
		if sg.result[0] == fI64 {
			resType = " uint64"
		}
	}
	fn := "wasmexport" + camel(f.Name)
	fmt.Fprintf(b, "//go:wasmexport %s\nfunc %s(%s)%s {\n", f.Name, fn, strings.Join(params, ", "), resType)
	if sg.indirectIn {
		var ts []wit.Type
		for _, p := range f.Params {
			ts = append(ts, p.Type)
		}
		for i, off := range fieldOffsets(ts) {
			fmt.Fprintf(b, "\t%s := %s\n", names[i], s.liftMem(ts[i], at("a0", off)))
		}
	} else {
		i := 0
		slot := func(i int, _ fk) string { return fmt.Sprintf("a%d", i) }
		for j, p := range f.Params {
			st, ex := s.liftFlat(p.Type, slot, &i)
			fmt.Fprintf(b, "\t%s%s := %s\n", st, names[j], ex)
		}
	}
	b.WriteString("\trelease()\n")
	call := fmt.Sprintf("guest.%s(%s)", camel(f.Name), strings.Join(names, ", "))
	switch {
	case sg.retArea && res != nil:
		pay := payloadOffset(rt, 2)
		errCase := ""
		if isString(res.Err) {
			errCase = fmt.Sprintf("\t\te.u8(o, 1)\n\t\te.str(o+%d, err.Error())\n", pay)
		} else {
			errCase = fmt.Sprintf("\t\te.u8(o, 1)\n\t\t%s\n", s.lowerMem("e", res.Err, at("o", pay), "*err"))
		}
		cond := "err != nil"
		if res.OK != nil {
			fmt.Fprintf(b, "\tv, err := %s\n", call)
		} else {
			fmt.Fprintf(b, "\terr := %s\n", call)
		}
		fmt.Fprintf(b, "\tvar e enc\n\to := e.alloc(%d, %d)\n\tif %s {\n%s\t}", size(rt), align(rt), cond, errCase)
		if res.OK != nil {
			fmt.Fprintf(b, " else {\n\t\t%s\n\t}", s.lowerMem("e", res.OK, at("o", pay), "v"))
		}
		b.WriteString("\n\treturn ret(&e)\n}\n\n")
	case sg.retArea:
		fmt.Fprintf(b, "\tv := %s\n\tvar e enc\n\to := e.alloc(%d, %d)\n\t%s\n\treturn ret(&e)\n}\n\n", call, size(rt), align(rt), s.lowerMem("e", rt, "o", "v"))
	case len(sg.result) == 1:
		if _, ok := kind(rt).(*wit.Enum); !ok && prim(rt) == "" {
			return fmt.Errorf("export %s: only enums and scalars are supported as core-value results", f.Name)
		}
		fmt.Fprintf(b, "\treturn%s(%s)\n}\n\n", resType, call)
	default:
		return fmt.Errorf("export %s: exports without results are not supported", f.Name)
	}
	if hasPointer(rt) {
		fmt.Fprintf(b, "//go:wasmexport cabi_post_%s\nfunc wasmexportPost%s(uint32) { release() }\n\n", f.Name, camel(f.Name))
	}
	return nil
}

func (s *side) sdkImport(b *strings.Builder, module string, f *wit.Function) error {
	s.tmp = 0 // temporaries are numbered per function: a WIT change touches only its own glue
	sg, err := coreSig(f, true)
	if err != nil {
		return err
	}
	if sg.indirectIn {
		return fmt.Errorf("import %s: more than %d flat parameters are not supported", f.Name, maxFlatParams)
	}
	rt, res := resultOf(f)
	if rt != nil && !sg.retArea {
		return fmt.Errorf("import %s: results returned as core values are not supported", f.Name)
	}
	if res != nil && !isString(res.Err) {
		return fmt.Errorf("import %s: only result<_, string> is supported", f.Name)
	}
	imp := "wasmimport" + camel(f.Name)
	var ps []string
	for i, k := range sg.params {
		ps = append(ps, fmt.Sprintf("p%d %s", i, flatGo(k)))
	}
	fmt.Fprintf(b, "//go:wasmimport %s %s\nfunc %s(%s)\n\n", module, f.Name, imp, strings.Join(ps, ", "))
	decl, names := s.goParams(f)
	var results string
	switch {
	case rt == nil:
	case res != nil && res.OK == nil:
		results = " (err error)"
	case res != nil:
		results = " (v " + s.goType(res.OK) + ", err error)"
	default:
		results = " (v " + s.goType(rt) + ")"
	}
	name := "host" + camel(f.Name)
	fmt.Fprintf(b, "// %s calls the import %s.\n", name, f.Name)
	b.WriteString(docComment(f.Docs, ""))
	fmt.Fprintf(b, "func %s(%s)%s {\n", name, decl, results)
	if sg.retArea {
		s.imports["runtime"] = true
		b.WriteString("\tmark := len(pins)\n\tdefer done(mark)\n\tra, r := newRet()\n\tdefer runtime.KeepAlive(ra)\n")
	}
	var args, post []string
	for i, p := range f.Params {
		st, ex, keep := s.sdkLowerFlat(p.Type, names[i])
		b.WriteString(st)
		args = append(args, ex...)
		post = append(post, keep...)
	}
	if sg.retArea {
		args = append(args, "unsafe.Pointer(ra)")
	}
	fmt.Fprintf(b, "\t%s(%s)\n", imp, strings.Join(args, ", "))
	for _, k := range post {
		s.imports["runtime"] = true
		fmt.Fprintf(b, "\truntime.KeepAlive(%s)\n", k)
	}
	switch {
	case rt == nil:
	case res != nil:
		s.imports["errors"] = true
		pay := payloadOffset(rt, 2)
		fmt.Fprintf(b, "\tif ld8(r) != 0 {\n\t\terr = errors.New(ldStr(r + %d))\n\t\treturn\n\t}\n", pay)
		if res.OK != nil {
			fmt.Fprintf(b, "\tv = %s\n", s.liftMem(res.OK, at("r", pay)))
			if l, ok := kind(res.OK).(*wit.List); ok && !isBytes(res.OK) {
				fmt.Fprintf(b, "\tif v == nil {\n\t\tv = []%s{}\n\t}\n", s.goType(l.Type))
			}
		}
	default:
		fmt.Fprintf(b, "\tv = %s\n", s.liftMem(rt, "r"))
	}
	if rt != nil {
		b.WriteString("\treturn\n")
	}
	b.WriteString("}\n\n")
	return nil
}

// sdkLowerFlat lowers a parameter of an import to core values: strings and
// byte lists are passed where they are, other lists as an image built for
// the call; keep lists what must stay reachable until the call returns.
func (s *side) sdkLowerFlat(t wit.Type, v string) (stmts string, args, keep []string) {
	if pr := prim(t); pr != "" {
		switch pr {
		case "string":
			p, n := s.fresh("f"), s.fresh("f")
			return fmt.Sprintf("\t%s, %s := strRaw(%s)\n", p, n, v), []string{p, n}, nil
		case "bool":
			return "", []string{"boolU32(" + v + ")"}, nil
		case "u64":
			return "", []string{v}, nil
		case "s64":
			return "", []string{"uint64(" + v + ")"}, nil
		}
		return "", []string{"uint32(" + v + ")"}, nil
	}
	switch k := kind(t).(type) {
	case *wit.List:
		if isBytes(t) {
			p, n := s.fresh("f"), s.fresh("f")
			return fmt.Sprintf("\t%s, %s := bytesRaw(%s)\n", p, n, v), []string{p, n}, nil
		}
		e, p := s.fresh("e"), s.fresh("f")
		es := size(k.Type)
		stmts = fmt.Sprintf("\tvar %s enc\n\t%s.alloc(uint32(len(%s))*%d, %d)\n\tfor i := range %s {\n\t\t%s\n\t}\n\t%s := place(&%s)\n",
			e, e, v, es, align(k.Type), v, s.lowerMem(e, k.Type, fmt.Sprintf("uint32(i)*%d", es), v+"[i]"), p, e)
		return stmts, []string{p, fmt.Sprintf("uint32(len(%s))", v)}, []string{"&" + e}
	case *wit.Enum:
		s.goType(t)
		return "", []string{"uint32(" + v + ")"}, nil
	case *wit.Record, *wit.Tuple:
		ts, ns := s.elems(t)
		var b strings.Builder
		for i, et := range ts {
			st, a, kp := s.sdkLowerFlat(et, v+"."+ns[i])
			b.WriteString(st)
			args = append(args, a...)
			keep = append(keep, kp...)
		}
		return b.String(), args, keep
	case *wit.Variant, *wit.Option:
		ff, err := flat(t)
		if err != nil {
			panic(err)
		}
		var b strings.Builder
		for _, k := range ff {
			a := s.fresh("f")
			fmt.Fprintf(&b, "\tvar %s %s\n", a, flatGo(k))
			args = append(args, a)
		}
		var cases []struct {
			tag int
			t   wit.Type
			v   string
		}
		if vk, ok := k.(*wit.Variant); ok {
			fmt.Fprintf(&b, "\t%s = uint32(%s.Tag)\n\tswitch %s.Tag {\n", args[0], v, v)
			for i, c := range vk.Cases {
				if c.Type != nil {
					cases = append(cases, struct {
						tag int
						t   wit.Type
						v   string
					}{i, c.Type, v + "." + camel(c.Name)})
				}
			}
		} else {
			fmt.Fprintf(&b, "\tswitch {\n")
			cases = append(cases, struct {
				tag int
				t   wit.Type
				v   string
			}{1, k.(*wit.Option).Type, "*" + v})
		}
		for _, c := range cases {
			sameFlat(ff, c.t)
			if _, ok := k.(*wit.Option); ok {
				fmt.Fprintf(&b, "\tcase %s != nil:\n\t\t%s = 1\n", v, args[0])
			} else {
				fmt.Fprintf(&b, "\tcase %d:\n", c.tag)
			}
			st, a, kp := s.sdkLowerFlat(c.t, c.v)
			b.WriteString(st)
			for i, x := range a {
				fmt.Fprintf(&b, "\t\t%s = %s\n", args[1+i], x)
			}
			keep = append(keep, kp...)
		}
		b.WriteString("\t}\n")
		return b.String(), args, keep
	}
	panic(fmt.Sprintf("witgen: cannot lower flat %s", key(t)))
}

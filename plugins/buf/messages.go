package buf

import (
	"encoding/binary"
	"encoding/json"
)

// The request messages of buf.registry.module.v1 the plugin reads
// (https://github.com/bufbuild/registry-proto, buf/registry/module/v1),
// decoded from binary Protobuf (application/proto) or from Protobuf JSON
// (application/json, lowerCamelCase names) into the same structs.

type nameRef struct {
	Owner     string `json:"owner"`
	Module    string `json:"module"`
	LabelName string `json:"labelName,omitempty"`
	Ref       string `json:"ref,omitempty"`
	Label     string `json:"label,omitempty"`
}

// ref is a ModuleRef or a ResourceRef: an id, or a name (owner, module and
// for a resource optionally a label name or a ref).
type ref struct {
	ID   string   `json:"id,omitempty"`
	Name *nameRef `json:"name,omitempty"`
}

type protoFile struct {
	Path    string `json:"path"`
	Content []byte `json:"content"`
}

type labelRef struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

type uploadContent struct {
	ModuleRef        ref         `json:"moduleRef"`
	Files            []protoFile `json:"files"`
	ScopedLabelRefs  []labelRef  `json:"scopedLabelRefs"`
	SourceControlURL string      `json:"sourceControlUrl"`
}

type uploadRequest struct {
	Contents     []uploadContent `json:"contents"`
	DepCommitIDs []string        `json:"depCommitIds"`
}

type createValue struct {
	OwnerRef struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"ownerRef"`
	Name             string `json:"name"`
	Description      string `json:"description"`
	URL              string `json:"url"`
	DefaultLabelName string `json:"defaultLabelName"`
}

type downloadValue struct {
	ResourceRef        ref      `json:"resourceRef"`
	Paths              []string `json:"paths"`
	PathsAllowNotExist bool     `json:"pathsAllowNotExist"`
}

// refsRequest is every request whose field 1 is a list of refs
// (GetModules: moduleRefs; GetCommits, GetGraph, GetResources:
// resourceRefs).
type refsRequest struct {
	ModuleRefs   []ref `json:"moduleRefs"`
	ResourceRefs []ref `json:"resourceRefs"`
	LabelRefs    []ref `json:"labelRefs"`
}

func (r refsRequest) refs() []ref {
	return append(append(r.ModuleRefs, r.ResourceRefs...), r.LabelRefs...)
}

func decodeRef(b []byte) (ref, error) {
	fs, err := fields(b)
	if err != nil {
		return ref{}, err
	}
	var r ref
	for _, f := range fs {
		switch {
		case f.num == 1 && f.wire == 2:
			r.ID = string(f.b)
		case f.num == 2 && f.wire == 2:
			ns, err := fields(f.b)
			if err != nil {
				return ref{}, err
			}
			n := &nameRef{}
			for _, x := range ns {
				if x.wire != 2 {
					continue
				}
				switch x.num {
				case 1:
					n.Owner = string(x.b)
				case 2:
					n.Module = string(x.b)
				case 3:
					n.LabelName = string(x.b)
				case 4:
					n.Ref = string(x.b)
				}
			}
			r.Name = n
		}
	}
	return r, nil
}

// decode reads a request body of either codec into v, one of the request
// types above.
func decode(body []byte, binary bool, v any) error {
	if !binary {
		return json.Unmarshal(body, v)
	}
	fs, err := fields(body)
	if err != nil {
		return err
	}
	switch m := v.(type) {
	case *refsRequest:
		for _, f := range fs {
			if f.num == 1 && f.wire == 2 {
				r, err := decodeRef(f.b)
				if err != nil {
					return err
				}
				m.ResourceRefs = append(m.ResourceRefs, r)
			}
		}
	case *[]createValue:
		for _, f := range fs {
			if f.num != 1 || f.wire != 2 {
				continue
			}
			vs, err := fields(f.b)
			if err != nil {
				return err
			}
			var c createValue
			for _, x := range vs {
				if x.wire != 2 {
					continue
				}
				switch x.num {
				case 1:
					os, err := fields(x.b)
					if err != nil {
						return err
					}
					for _, of := range os {
						if of.num == 1 && of.wire == 2 {
							c.OwnerRef.ID = string(of.b)
						} else if of.num == 2 && of.wire == 2 {
							c.OwnerRef.Name = string(of.b)
						}
					}
				case 2:
					c.Name = string(x.b)
				case 4:
					c.Description = string(x.b)
				case 5:
					c.URL = string(x.b)
				case 6:
					c.DefaultLabelName = string(x.b)
				}
			}
			*m = append(*m, c)
		}
	case *uploadRequest:
		for _, f := range fs {
			if f.wire != 2 {
				continue
			}
			if f.num == 2 {
				m.DepCommitIDs = append(m.DepCommitIDs, string(f.b))
				continue
			}
			if f.num != 1 {
				continue
			}
			cs, err := fields(f.b)
			if err != nil {
				return err
			}
			var c uploadContent
			for _, x := range cs {
				if x.wire != 2 {
					continue
				}
				switch x.num {
				case 1:
					if c.ModuleRef, err = decodeRef(x.b); err != nil {
						return err
					}
				case 2:
					pf, err := decodeFile(x.b)
					if err != nil {
						return err
					}
					c.Files = append(c.Files, pf)
				case 3:
					ls, err := fields(x.b)
					if err != nil {
						return err
					}
					var l labelRef
					for _, lf := range ls {
						if lf.wire == 2 && lf.num == 1 {
							l.ID = string(lf.b)
						} else if lf.wire == 2 && lf.num == 2 {
							l.Name = string(lf.b)
						}
					}
					c.ScopedLabelRefs = append(c.ScopedLabelRefs, l)
				case 4:
					c.SourceControlURL = string(x.b)
				}
			}
			m.Contents = append(m.Contents, c)
		}
	case *[]downloadValue:
		for _, f := range fs {
			if f.num != 1 || f.wire != 2 {
				continue
			}
			vs, err := fields(f.b)
			if err != nil {
				return err
			}
			var d downloadValue
			for _, x := range vs {
				switch {
				case x.num == 1 && x.wire == 2:
					if d.ResourceRef, err = decodeRef(x.b); err != nil {
						return err
					}
				case x.num == 3 && x.wire == 2:
					d.Paths = append(d.Paths, string(x.b))
				case x.num == 4 && x.wire == 0:
					d.PathsAllowNotExist = x.v != 0
				}
			}
			*m = append(*m, d)
		}
	}
	return nil
}

func decodeFile(b []byte) (protoFile, error) {
	fs, err := fields(b)
	if err != nil {
		return protoFile{}, err
	}
	var pf protoFile
	for _, f := range fs {
		if f.wire == 2 && f.num == 1 {
			pf.Path = string(f.b)
		} else if f.wire == 2 && f.num == 2 {
			pf.Content = f.b
		}
	}
	return pf, nil
}

// encodeFiles is a commit's files as repeated File at field num (what is
// stored per commit, and DownloadResponse.Content's field 2).
func encodeFiles(b []byte, num uint64, files []protoFile) []byte {
	for _, f := range files {
		var fb []byte
		fb = appendString(fb, 1, f.Path)
		if len(f.Content) > 0 {
			fb = appendBytes(fb, 2, f.Content)
		}
		b = appendBytes(b, num, fb)
	}
	return b
}

// canonicalFiles reports whether the stored files raw are exactly what
// encodeFiles(nil, 2, decodeFiles(raw)) writes: only File messages at
// field 2, each a non-empty path at field 1 and an optional non-empty
// content at field 2, every length in its shortest varint. Download then
// copies raw instead of decoding and re-encoding every file (the wasm
// guest's allocations were most of a Download).
func canonicalFiles(raw []byte) bool {
	for len(raw) > 0 {
		msg, rest, ok := canonicalLen(raw, 2<<3|2)
		if !ok {
			return false
		}
		path, tail, ok := canonicalLen(msg, 1<<3|2)
		if !ok || len(path) == 0 {
			return false
		}
		if len(tail) > 0 {
			content, end, ok := canonicalLen(tail, 2<<3|2)
			if !ok || len(content) == 0 || len(end) > 0 {
				return false
			}
		}
		raw = rest
	}
	return true
}

// canonicalLen reads a length-delimited field with the one-byte tag and
// its length in the shortest varint: its bytes and what follows.
func canonicalLen(b []byte, tag byte) (v, rest []byte, ok bool) {
	if len(b) == 0 || b[0] != tag {
		return nil, nil, false
	}
	l, n := binary.Uvarint(b[1:])
	if n <= 0 || n != uvarintLen(l) || l > uint64(len(b)-1-n) {
		return nil, nil, false
	}
	return b[1+n : 1+n+int(l)], b[1+n+int(l):], true
}

// uvarintLen is the length of l's shortest varint.
func uvarintLen(l uint64) int {
	n := 1
	for ; l >= 0x80; l >>= 7 {
		n++
	}
	return n
}

package buf_test

// Binary Protobuf requests as the buf CLI sends them (application/proto),
// written field by field from buf/registry/module/v1/*.proto.

func varint(v uint64) []byte {
	var b []byte
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func lenField(num uint64, v []byte) []byte {
	return append(append(varint(num<<3|2), varint(uint64(len(v)))...), v...)
}

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// nameRefBin is ModuleRef/ResourceRef{name: {owner, module, [ref=4]}}.
func nameRefBin(owner, module, ref string) []byte {
	n := cat(lenField(1, []byte(owner)), lenField(2, []byte(module)))
	if ref != "" {
		n = cat(n, lenField(4, []byte(ref)))
	}
	return lenField(2, n)
}

// getModulesBin is GetModulesRequest{module_refs: [name]}: the first call
// of buf push (the bytes the CLI sent, seen on the wire).
func getModulesBin(owner, module string) []byte {
	return lenField(1, nameRefBin(owner, module, ""))
}

// uploadBin is UploadRequest{contents: [{module_ref, files: [{path, content}]}]}.
func uploadBin(owner, module, path, content string) []byte {
	file := cat(lenField(1, []byte(path)), lenField(2, []byte(content)))
	return lenField(1, cat(lenField(1, nameRefBin(owner, module, "")), lenField(2, file)))
}

// downloadBin is DownloadRequest{values: [{resource_ref: name+ref}]}.
func downloadBin(owner, module, ref string) []byte {
	return lenField(1, lenField(1, nameRefBin(owner, module, ref)))
}

package sdk

// SizesHost is implemented by hosts that offer the file-sizes import
// (contract 0.9.0).
type SizesHost interface {
	FileSizes(paths []string) ([]int64, error)
}

// FileSizes returns the sizes of the stored files at paths (at most
// 1,000), in their order, -1 for a path with no file, through h's
// file-sizes import: presence and size without the files' records
// entering the guest. A host without it gets GetFiles.
func FileSizes(h Host, paths []string) ([]int64, error) {
	if sh, ok := h.(SizesHost); ok {
		return sh.FileSizes(paths)
	}
	files, err := GetFiles(h, paths)
	if err != nil {
		return nil, err
	}
	size := make(map[string]int64, len(files))
	for _, f := range files {
		size[f.Path] = int64(f.Size)
	}
	out := make([]int64, len(paths))
	for i, p := range paths {
		if s, ok := size[p]; ok {
			out[i] = s
		} else {
			out[i] = -1
		}
	}
	return out, nil
}

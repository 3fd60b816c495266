//go:build wasip1

package sdk

func (pluginExports) RewriteHeld(path, doc string, size uint64, upstreamBase, localBase string) (out wHeldDocument, err error) {
	defer guard(&err)
	c, ok := plugin().(HeldRewriter)
	if !ok {
		return wHeldDocument{}, nil
	}
	held, err := c.RewriteHeld(wasmHost{}, path, Source{Assembled: doc}, size, upstreamBase, localBase)
	switch {
	case err != nil:
		return wHeldDocument{}, err
	case held.Unchanged:
		return wHeldDocument{Handle: doc, Headers: held.Headers}, nil
	}
	return wHeldDocument{Handle: held.Doc.Handle, Headers: held.Headers}, nil
}

func (wasmHost) JSONEdit(src Source, edits []StringEdit, conds []Require) (Edited, error) {
	w := make([]wStringEdit, len(edits))
	for i, e := range edits {
		w[i] = wStringEdit(e)
	}
	r := make([]wJsonRequire, len(conds))
	for i, c := range conds {
		r[i] = wJsonRequire(c)
	}
	res, err := hostJsonEdit(source(src), w, r)
	if err != nil {
		return Edited{}, err
	}
	return Edited{Doc: Assembled{Handle: res.Handle, Size: res.Size}, Edited: res.Edited, Found: res.Found}, nil
}

func (wasmHost) FileSizes(paths []string) ([]int64, error) { return hostFileSizes(paths) }

package sdk

// PageSize is how many entries one listing call asks the host for.
const PageSize = 1000

// Paginate reads a cursor-paginated host listing: list is called with the
// cursor "" and then with the cursor of the last entry of the previous page,
// each page going to each, until a page is shorter than PageSize or
// maxEntries entries have been read. An error from list or each stops it.
func Paginate[T any](maxEntries int, list func(after string) ([]T, error), cursor func(T) string, each func(T) error) error {
	after := ""
	for read := 0; read < maxEntries; {
		page, err := list(after)
		if err != nil {
			return err
		}
		for _, e := range page {
			if err := each(e); err != nil {
				return err
			}
		}
		read += len(page)
		if len(page) < PageSize {
			return nil
		}
		after = cursor(page[len(page)-1])
	}
	return nil
}

// EachVersion calls fn for every version of pkg, in version order, reading
// at most maxEntries.
func EachVersion(h Host, pkg string, maxEntries int, fn func(VersionInfo) error) error {
	return Paginate(maxEntries, func(after string) ([]VersionInfo, error) { return h.ListVersions(pkg, after, PageSize) },
		func(v VersionInfo) string { return v.Version }, fn)
}

// EachFile calls fn for every file under prefix (of package pkg when not
// empty), in path order, reading at most maxEntries.
func EachFile(h Host, prefix, pkg string, maxEntries int, fn func(File) error) error {
	return Paginate(maxEntries, func(after string) ([]File, error) { return h.ListFiles(prefix, after, PageSize, pkg) },
		func(f File) string { return f.Path }, fn)
}

// EachKV calls fn for every key-value of namespace ns whose key starts with
// prefix, in key order, reading at most maxEntries.
func EachKV(h Host, ns, prefix string, maxEntries int, fn func(KVEntry) error) error {
	return Paginate(maxEntries, func(after string) ([]KVEntry, error) { return h.KVList(ns, prefix, after, PageSize) },
		func(kv KVEntry) string { return kv.Key }, fn)
}

// EachPackage calls fn for every package whose name starts with prefix, in
// name order, reading at most maxEntries.
func EachPackage(h Host, prefix string, maxEntries int, fn func(PackageInfo) error) error {
	return Paginate(maxEntries, func(after string) ([]PackageInfo, error) { return h.ListPackages(prefix, after, PageSize) },
		func(p PackageInfo) string { return p.Name }, fn)
}

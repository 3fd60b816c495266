package rubygems

// StoredMetadata is the version metadata push stores (pieces included),
// for the benchmarks of package rubygems_test.
func StoredMetadata(name, version, platform, sha256 string, deps []Dep, ruby []Req) []byte {
	return encodeRecord(&record{Name: name, Version: version, Platform: platform, SHA256: sha256, Deps: deps, RequiredRuby: ruby})
}

package nuget

// StoredMetadata is the version metadata publish stores for m (pieces
// included), for the benchmarks of package nuget_test.
func StoredMetadata(m Manifest, size uint64, sha512 string) []byte {
	r := record{Manifest: m, Size: size, SHA512: sha512}
	b, err := encodeRecord(&r)
	if err != nil {
		panic(err)
	}
	return b
}

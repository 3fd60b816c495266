package pub

// RenderLocal and AssembledListing expose the two ways to a listing to
// the byte-for-byte tests.
var (
	RenderLocal      = renderLocal
	AssembledListing = assembledListing
)

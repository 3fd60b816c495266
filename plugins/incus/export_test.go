package incus

// RenderImages and AssembledImages expose the two ways to images.json to
// the byte-for-byte tests.
var (
	RenderImages    = renderImages
	AssembledImages = assembledImages
)

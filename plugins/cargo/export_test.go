package cargo

// WrapLine is wrapLine for the external tests: the stored metadata publish
// writes for a version and its index line.
var WrapLine = wrapLine

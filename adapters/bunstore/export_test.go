package bunstore

// WrapForTest is wrap, for tests of the driver-error mapping.
var WrapForTest = wrap

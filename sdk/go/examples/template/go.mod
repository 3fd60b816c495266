module example.com/myformat

go 1.26.8

require github.com/keeper-registry/keeper/sdk/go v0.0.0

// Outside this repository, point this at a checkout of the SDK (or drop it
// once the SDK is published): replace github.com/keeper-registry/keeper/sdk/go => /path/to/keeper/sdk/go
replace github.com/keeper-registry/keeper/sdk/go => ../..

module keeper-hostile-plugin

go 1.26.8

require github.com/keeper-registry/keeper/sdk/go v0.0.0

replace github.com/keeper-registry/keeper/sdk/go => ../../../sdk/go

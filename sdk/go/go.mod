module github.com/keeper-registry/keeper/sdk/go

go 1.26.8

module github.com/keeper-registry/keeper/tools/witcheck

go 1.26.8

require (
	github.com/tetratelabs/wazero v1.9.0
	go.bytecodealliance.org v0.7.0
)

require github.com/coreos/go-semver v0.3.1 // indirect

module github.com/keeper-registry/keeper/plugins/ivy

go 1.26.8

require (
	github.com/keeper-registry/keeper v0.0.0
	github.com/keeper-registry/keeper/plugins/plugintest v0.0.0-00010101000000-000000000000
	github.com/keeper-registry/keeper/sdk/go v0.0.0
)

require (
	github.com/ProtonMail/go-crypto v1.5.2 // indirect
	github.com/cloudflare/circl v1.6.3 // indirect
	github.com/dsnet/compress v0.0.1 // indirect
	github.com/klauspost/compress v1.20.1 // indirect
	github.com/tetratelabs/wazero v1.12.0 // indirect
	github.com/ulikunitz/xz v0.5.16 // indirect
	go.uber.org/dig v1.19.0 // indirect
	go.uber.org/fx v1.24.0 // indirect
	go.uber.org/multierr v1.10.0 // indirect
	go.uber.org/zap v1.26.0 // indirect
	golang.org/x/crypto v0.59.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
)

replace github.com/keeper-registry/keeper/sdk/go => ../../sdk/go

replace github.com/keeper-registry/keeper => ../..

replace github.com/keeper-registry/keeper/plugins/plugintest => ../plugintest

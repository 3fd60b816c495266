module github.com/keeper-registry/keeper/plugins/cargo

go 1.26.8

require github.com/keeper-registry/keeper/sdk/go v0.0.0

replace github.com/keeper-registry/keeper/sdk/go => ../../sdk/go

require github.com/keeper-registry/keeper v0.0.0

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

replace github.com/keeper-registry/keeper => ../..

require (
	github.com/BurntSushi/toml v1.4.1-0.20240526193622-a339e1f7089c
	github.com/keeper-registry/keeper/plugins/plugintest v0.0.0
)

replace github.com/keeper-registry/keeper/plugins/plugintest => ../plugintest

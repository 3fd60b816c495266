// Package vagrant is an example third-party Keeper format plugin: a Vagrant
// box catalog (https://developer.hashicorp.com/vagrant/docs/boxes/format),
// written against the SDK only, as a plugin author outside this repository
// would. It is built to WebAssembly and installed through the plugin API:
//
//	cd sdk/go/examples/vagrant
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o vagrant.wasm ./wasm
//	curl -X POST -H "Authorization: Bearer $TOKEN" --data-binary @vagrant.wasm $KEEPER/api/v1/plugins
//
// Routes under /vagrant/{repo}/:
//
//	PUT    /{org}/{box}/{version}/{provider}.box   upload a box (tar or tar.gz)
//	GET    /{org}/{box}                             box catalog JSON (what VAGRANT_SERVER_URL clients read)
//	GET    /{org}/{box}/{version}/{provider}.box   download (served by the host's fast path)
//	DELETE /{org}/{box}/{version}/{provider}.box   remove one provider of a version
package vagrant

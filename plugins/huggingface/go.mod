module github.com/keeper-registry/keeper/plugins/huggingface

go 1.26.8

require github.com/keeper-registry/keeper/sdk/go v0.0.0

replace github.com/keeper-registry/keeper/sdk/go => ../../sdk/go

replace github.com/keeper-registry/keeper => ../..

require gopkg.in/yaml.v3 v3.0.1

replace github.com/keeper-registry/keeper/plugins/plugintest => ../plugintest

package chef_test

import (
	"bytes"
	"encoding/json"

	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// metadataJSON is a cookbook's metadata.json as knife writes it from
// metadata.rb (Chef::Cookbook::Metadata#to_json) before sharing.
func metadataJSON(name, version string, deps map[string]string) string {
	if deps == nil {
		deps = map[string]string{}
	}
	b, _ := json.Marshal(map[string]any{
		"name": name, "description": "Installs and configures " + name, "long_description": "",
		"maintainer": "Keeper Team", "maintainer_email": "team@example.invalid", "license": "Apache-2.0",
		"platforms": map[string]string{"ubuntu": ">= 20.04", "debian": ">= 11.0"}, "dependencies": deps,
		"providing": map[string]string{}, "recipes": map[string]string{}, "version": version,
		"source_url": "https://example.invalid/" + name, "issues_url": "https://example.invalid/" + name + "/issues",
		"privacy": false, "chef_versions": [][]string{{">= 16.0"}}, "ohai_versions": []any{}, "gems": []any{},
	})
	return string(b)
}

// tgz builds a gzip-compressed tar in name order, as knife's
// Chef::Knife::SupermarketShare packs the cookbook folder (tar -czf
// NAME.tgz NAME: every entry under the cookbook's directory).
func tgz(files map[string]string) []byte {
	return plugintest.TarGz(files)
}

func cookbookTarball(name, version string, deps map[string]string) []byte {
	return tgz(map[string]string{
		name + "/metadata.json":         metadataJSON(name, version, deps),
		name + "/metadata.rb":           "name '" + name + "'\nversion '" + version + "'\n",
		name + "/README.md":             "# " + name + "\n",
		name + "/recipes/default.rb":    "package '" + name + "'\n",
		name + "/attributes/default.rb": "default['" + name + "']['port'] = 80\n",
	})
}

// boundary is the shape Chef::Knife::Core::CookbookSiteStreamingUploader uses.
const boundary = "----RubyMultipartClient424242ZZZZZ"

// multipartBody is what knife supermarket share POSTs: the "cookbook"
// field (JSON with the category) and the "tarball" file NAME.tgz.
func multipartBody(category, filename string, tarball []byte) (body []byte, contentType string) {
	var b bytes.Buffer
	if category != "" {
		b.WriteString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"cookbook\"\r\n\r\n")
		b.WriteString(`{"category":"` + category + `"}` + "\r\n")
	}
	if tarball != nil {
		b.WriteString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"tarball\"; filename=\"" + filename + "\"\r\n")
		b.WriteString("Content-Type: application/octet-stream\r\n\r\n")
		b.Write(tarball)
		b.WriteString("\r\n")
	}
	b.WriteString("--" + boundary + "--\r\n")
	return b.Bytes(), "multipart/form-data; boundary=" + boundary
}

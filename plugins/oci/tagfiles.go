package oci

import (
	"encoding/json"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Tag files: a pushed tag is kept twice, in the key-value namespace "tags"
// (the source of truth for resolution, tags/list, deletes) and as a stored
// file at NAME/manifests/TAG holding the manifest's blob, media type and
// recorded headers. The host's fast path serves a GET or HEAD of a stored
// path without calling the plugin, so a pull by tag costs no plugin call,
// exactly as a pull by digest. Every write that moves or drops a tag moves
// or drops its file in the same write set (one commit).
//
// The file's metadata names the manifest by digest it stands for
// ("alias_of", ports.File): the host's download gate judges the tag file
// by that manifest's scan, so a tag never bypasses a scan policy, and the
// tag file is not scanned on its own (it has no "scan" member).
//
// A tag pushed before tag files existed has no file: its GET reaches the
// plugin, which resolves it in "tags" as before; its next push writes the
// file. A tag cannot collide with a digest path (a tag has no ':').

// tagMeta is the metadata of a tag file.
type tagMeta struct {
	AliasOf string      `json:"alias_of"`
	Served  [][2]string `json:"served_headers"`
}

func (c *call) tagPath(tag string) string { return prefix(c.r.image) + "manifests/" + tag }

// putTag points tag at the manifest d (stored as blob, of mediaType): the
// key-value and the tag file.
func (c *call) putTag(tag, d, blob, mediaType string) error {
	if err := c.h.KVPut("tags", c.tagKey(tag), []byte(d)); err != nil {
		return err
	}
	mb, _ := json.Marshal(tagMeta{AliasOf: c.manifestPath(d), Served: servedHeaders(d)})
	return c.h.StageFile(sdk.StagedFile{Path: c.tagPath(tag), BlobDigest: blob, ContentType: mediaType,
		Package: c.name(), Metadata: mb, Overwrite: true})
}

// dropTag removes tag: the key-value and, when there is one, the tag file.
func (c *call) dropTag(tag string) error {
	if err := c.h.KVDelete("tags", c.tagKey(tag)); err != nil {
		return err
	}
	f, err := c.h.GetFile(c.tagPath(tag))
	if err != nil || f == nil {
		return err
	}
	return c.h.StageDelete(f.Path)
}

// dropTagsOf removes every tag of the image that names the manifest d.
func (c *call) dropTagsOf(d string) error {
	pre := c.r.image + ":"
	after := pre
	for {
		kvs, err := c.h.KVList("tags", pre, after, 1000)
		if err != nil {
			return err
		}
		for _, kv := range kvs {
			if string(kv.Value) == d {
				if err := c.dropTag(strings.TrimPrefix(kv.Key, pre)); err != nil {
					return err
				}
			}
		}
		if len(kvs) < 1000 {
			return nil
		}
		after = kvs[len(kvs)-1].Key
	}
}

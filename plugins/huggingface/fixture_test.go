package huggingface_test

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strconv"
)

// The requests below are what huggingface_hub (src/huggingface_hub of
// github.com/huggingface/huggingface_hub) sends with HF_ENDPOINT pointing
// at the repository and HF_HUB_DISABLE_XET=1, for
// HfApi().create_repo("alice/tiny") and upload_folder(…) of the files of
// tinyModel(), then hf_hub_download(…).

// modelCard is a README.md as the hub's model card template starts.
const modelCard = `---
license: apache-2.0
library_name: transformers
pipeline_tag: text-classification
tags:
  - keeper
  - tiny
datasets:
  - imdb
language: en
---

# tiny

A tiny text classifier for Keeper's tests.
`

// tinyModel is a small model repository: a card, a config and weights
// (.safetensors goes through LFS whatever its size).
func tinyModel() map[string][]byte {
	weights := bytes.Repeat([]byte{0, 1, 2, 3, 4, 5, 6, 7}, 4096)
	return map[string][]byte{
		"README.md":                  []byte(modelCard),
		"config.json":                []byte(`{"architectures":["TinyModel"],"hidden_size":8,"model_type":"tiny"}` + "\n"),
		"model.safetensors":          weights,
		"tokenizer/tokenizer.json":   []byte(`{"version":"1.0","model":{"type":"WordLevel","vocab":{"a":0}}}`),
		"tokenizer/special_map.json": []byte(`{"pad_token":"[PAD]"}`),
	}
}

func sha256Hex(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// gitHash is sha.git_hash of huggingface_hub (utils/sha.py).
func gitHash(b []byte) string {
	s := sha1.New()
	s.Write([]byte("blob " + strconv.Itoa(len(b)) + "\x00"))
	s.Write(b)
	return hex.EncodeToString(s.Sum(nil))
}

// preuploadBody is _fetch_upload_modes' payload: path, the first 512 bytes
// base64 ("sample") and size of each file.
func preuploadBody(files map[string][]byte, paths ...string) []byte {
	type f struct {
		Path   string `json:"path"`
		Sample string `json:"sample"`
		Size   int    `json:"size"`
	}
	var fs []f
	for _, p := range paths {
		s := files[p]
		if len(s) > 512 {
			s = s[:512]
		}
		fs = append(fs, f{p, base64.StdEncoding.EncodeToString(s), len(files[p])})
	}
	b, _ := json.Marshal(map[string]any{"files": fs})
	return b
}

// batchBody is post_lfs_batch_info's payload (lfs.py).
func batchBody(objs ...[]byte) []byte {
	var os []map[string]any
	for _, o := range objs {
		os = append(os, map[string]any{"oid": sha256Hex(o), "size": len(o)})
	}
	b, _ := json.Marshal(map[string]any{"operation": "upload", "transfers": []string{"basic", "multipart"},
		"objects": os, "hash_algo": "sha256", "ref": map[string]string{"name": "main"}})
	return b
}

// pyDumps is json.dumps of Python (", " and ": " separators), as
// _send_commit writes each NDJSON line.
func pyDumps(v any) []byte {
	b, _ := json.Marshal(v)
	var out bytes.Buffer
	inStr, esc := false, false
	for _, c := range b {
		out.WriteByte(c)
		switch {
		case esc:
			esc = false
		case c == '\\' && inStr:
			esc = true
		case c == '"':
			inStr = !inStr
		case !inStr && (c == ',' || c == ':'):
			out.WriteByte(' ')
		}
	}
	return out.Bytes()
}

type op struct {
	Key   string         `json:"key"`
	Value map[string]any `json:"value"`
}

// commitBody is _prepare_commit_payload: the header, then "file" lines
// (base64) for regular files and "lfsFile" lines for LFS ones.
func commitBody(summary, parent string, regular map[string][]byte, lfs map[string][]byte, deleted ...string) []byte {
	hdr := map[string]any{"summary": summary, "description": ""}
	if parent != "" {
		hdr["parentCommit"] = parent
	}
	var b bytes.Buffer
	line := func(o op) {
		// The key order of Python's dicts: key then value; value members as written.
		b.Write(pyDumps(o))
		b.WriteByte('\n')
	}
	line(op{"header", hdr})
	for _, p := range sortedKeys(regular) {
		line(op{"file", map[string]any{"content": base64.StdEncoding.EncodeToString(regular[p]), "path": p, "encoding": "base64"}})
	}
	for _, p := range sortedKeys(lfs) {
		line(op{"lfsFile", map[string]any{"path": p, "algo": "sha256", "oid": sha256Hex(lfs[p]), "size": len(lfs[p])}})
	}
	for _, p := range deleted {
		line(op{"deletedFile", map[string]any{"path": p}})
	}
	return b.Bytes()
}

func sortedKeys(m map[string][]byte) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	for i := range ks {
		for j := i + 1; j < len(ks); j++ {
			if ks[j] < ks[i] {
				ks[i], ks[j] = ks[j], ks[i]
			}
		}
	}
	return ks
}

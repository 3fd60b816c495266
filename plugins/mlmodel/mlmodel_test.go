package mlmodel

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// hfCard is a model card as the Hugging Face hub writes it
// (https://huggingface.co/docs/hub/model-cards#model-card-metadata).
const hfCard = `---
license: apache-2.0
language: en
library_name: transformers
pipeline_tag: text-classification
tags:
- sentiment
- keeper-demo
datasets:
- imdb
base_model: distilbert-base-uncased
model-index:
- name: sentiment
  results:
  - task:
      type: text-classification
    dataset:
      name: imdb
      type: imdb
    metrics:
    - type: accuracy
      value: 0.931
    - type: f1
      value: 0.92
---

# sentiment

A small sentiment classifier fine-tuned on IMDB reviews.

## Training
...
`

const mlflowModel = `artifact_path: model
flavors:
  python_function:
    loader_module: mlflow.sklearn
    python_version: 3.11.4
  sklearn:
    pickled_model: model.pkl
    sklearn_version: 1.3.0
model_uuid: 7d3c1e2a
run_id: 42
metadata:
  tags: [tabular, churn]
  license: mit
`

type env struct {
	t *testing.T
	h *porttest.MemHost
}

func newEnv(t *testing.T) *env {
	h := porttest.NewMemHost()
	h.RepoKey = "ml"
	return &env{t: t, h: h}
}

func (e *env) req(method, path string, body []byte) (int, []byte) {
	e.t.Helper()
	req := ports.FormatRequest{Method: method, Path: path, User: "alice", BaseURL: "http://k",
		Repo: &ports.RepoContext{Key: "ml", Type: "local", Format: "mlmodel", BaseURL: "http://k/mlmodel/ml"}}
	if method == "PUT" {
		req.Body = e.h.Body(body)
	}
	resp, err := plugintest.NativeHandle(Plugin{}, e.h, req)
	if err != nil {
		e.h.Discard()
		pe := sdk.AsError(err)
		return pe.Status, []byte(pe.Message)
	}
	if cerr := e.h.Commit(); cerr != nil {
		return 409, []byte(cerr.Error())
	}
	return resp.Status, resp.Body
}

func (e *env) must(method, path string, body []byte, want int) []byte {
	e.t.Helper()
	st, b := e.req(method, path, body)
	if st != want {
		e.t.Fatalf("%s %s: %d %s, want %d", method, path, st, b, want)
	}
	return b
}

// meta is the committed metadata of a model version.
func (e *env) meta(model, version string) []byte {
	e.t.Helper()
	vs, err := e.h.ListVersions(context.Background(), model, "", 100)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, v := range vs {
		if v.Version == version {
			return v.Metadata
		}
	}
	e.t.Fatalf("no version %s of %s", version, model)
	return nil
}

func published(t *testing.T) *env {
	e := newEnv(t)
	e.must("PUT", "/sentiment/1.0.0/README.md", []byte(hfCard), 201)
	e.must("PUT", "/sentiment/1.0.0/model.safetensors", []byte("weights-1"), 201)
	e.must("PUT", "/sentiment/1.0.0/tokenizer/vocab.txt", []byte("a\nb\n"), 201)
	e.must("PUT", "/churn/2/MLmodel", []byte(mlflowModel), 201)
	e.must("PUT", "/churn/2/model.pkl", []byte("pickle"), 201)
	e.must("PUT", "/tiny/0.1/model.json", []byte(`{"name":"tiny","version":"0.1","license":"mit","framework":"onnx","tags":["vision"],"metrics":{"top1":0.7},"description":"A tiny classifier."}`), 201)
	return e
}

func TestCardsAndListings(t *testing.T) {
	e := published(t)
	var c Card
	if err := json.Unmarshal(e.meta("sentiment", "1.0.0"), &c); err != nil {
		t.Fatalf("version metadata: %v", err)
	}
	if c.License != "apache-2.0" || c.Framework != "transformers" || c.Task != "text-classification" ||
		strings.Join(c.Tags, ",") != "sentiment,keeper-demo" || c.Metrics["accuracy"] != 0.931 || c.Metrics["f1"] != 0.92 ||
		c.Description != "A small sentiment classifier fine-tuned on IMDB reviews." || c.BaseModel != "distilbert-base-uncased" {
		t.Fatalf("card: %+v", c)
	}
	var m Card
	_ = json.Unmarshal(e.meta("churn", "2"), &m)
	if m.Framework != "sklearn" || m.License != "mit" || strings.Join(m.Tags, ",") != "tabular,churn" {
		t.Fatalf("MLmodel card: %+v", m)
	}
	plugintest.GoldenJSON(t, "golden/models.json", e.must("GET", "/", nil, 200))
	plugintest.GoldenJSON(t, "golden/versions.json", e.must("GET", "/sentiment/", nil, 200))
	plugintest.GoldenJSON(t, "golden/files.json", e.must("GET", "/sentiment/1.0.0/", nil, 200))
	plugintest.GoldenJSON(t, "golden/model.json.card", e.must("GET", "/tiny/", nil, 200))
	// A further file does not erase the card.
	e.must("PUT", "/sentiment/1.0.0/extra.bin", []byte("x"), 201)
	if !strings.Contains(string(e.meta("sentiment", "1.0.0")), "transformers") {
		t.Fatal("a file upload erased the version's card")
	}
}

func TestRefusals(t *testing.T) {
	cases := []struct {
		name, path, body, want string
	}{
		{"traversal", "/sentiment/1.0.0/../../etc/passwd", "x", "path traversal"},
		{"dot segment", "/sentiment/1.0.0/./x", "x", "bad path segment"},
		{"no version", "/sentiment/model.bin", "x", "write to"},
		{"bad front matter", "/m/1/README.md", "---\nlicense: [unclosed\n---\n", "invalid YAML"},
		{"open front matter", "/m/1/README.md", "---\nlicense: mit\n", "not closed"},
		{"name mismatch", "/other/0.1/model.json", `{"name":"tiny"}`, "names the model"},
		{"version mismatch", "/tiny/0.2/model.json", `{"version":"0.1"}`, "names the version"},
		{"bad json", "/tiny/0.3/model.json", `{"name":`, "invalid JSON"},
		{"not mlflow", "/m/1/MLmodel", "a: b\n", "no flavors"},
		{"card too large", "/m/1/README.md", strings.Repeat("x", maxCard+1), "larger than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := published(t)
			n := len(e.h.Files)
			st, b := e.req("PUT", c.path, []byte(c.body))
			if st != 400 || !strings.Contains(string(b), c.want) {
				t.Fatalf("got %d %s, want 400 containing %q", st, b, c.want)
			}
			if len(e.h.Files) != n {
				t.Fatal("a refused upload stored a file")
			}
		})
	}
}

func TestAuthConflictNotFoundDelete(t *testing.T) {
	e := published(t)
	req := ports.FormatRequest{Method: "PUT", Path: "/x/1/a.bin", Body: e.h.Body([]byte("a")), Repo: &ports.RepoContext{Key: "ml", Format: "mlmodel"}}
	if _, err := plugintest.NativeHandle(Plugin{}, e.h, req); sdk.AsError(err).Status != 401 {
		t.Fatalf("anonymous upload: %v", err)
	}
	e.h.Discard()
	e.must("PUT", "/sentiment/1.0.0/model.safetensors", []byte("other"), 409)
	for _, p := range []string{"/nope/", "/sentiment/9.9/", "/sentiment/1.0.0/none.bin"} {
		e.must("GET", p, nil, 404)
	}
	e.must("DELETE", "/tiny/0.1/model.json", nil, 204)
	e.must("DELETE", "/tiny/0.1/model.json", nil, 404)
	e.must("POST", "/tiny/0.1/x", nil, 405)
}

func TestParseMetadata(t *testing.T) {
	h := porttest.NewMemHost()
	b := plugintest.NewBridge(h, &sdk.RepoContext{Key: "ml", Format: "mlmodel"})
	d := h.AddBlob([]byte(hfCard))
	out, err := Plugin{}.ParseMetadata(b, d, "README.md")
	if err != nil {
		t.Fatal(err)
	}
	var pm struct {
		Licenses  []string `json:"licenses"`
		Framework string   `json:"framework"`
	}
	if json.Unmarshal(out, &pm) != nil || pm.Licenses[0] != "apache-2.0" || pm.Framework != "transformers" {
		t.Fatalf("parse-metadata: %s", out)
	}
	if _, err := (Plugin{}).ParseMetadata(b, d, "weights.bin"); sdk.AsError(err).Status != 400 {
		t.Fatalf("a non-card file: %v", err)
	}
}

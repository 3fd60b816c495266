package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// mlCard is a model card as the Hugging Face hub writes it
// (https://huggingface.co/docs/hub/model-cards#model-card-metadata).
const mlCard = `---
license: apache-2.0
library_name: transformers
pipeline_tag: text-classification
tags:
- keeperdemo
- sentiment
model-index:
- name: sentiment
  results:
  - task: {type: text-classification}
    metrics:
    - type: accuracy
      value: 0.931
---

# sentiment

A small reviewclassifier fine-tuned on movie reviews.
`

// TestMLModelRepository uploads a model card and weights with curl-style
// PUTs, finds the model through Keeper's search API by model-card fields
// (a tag, the framework, the description), lists the version's files with
// their SHA-256 and downloads the weights checking it; and checks the
// refusals (anonymous 401, republish 409, a forged card 400).
func TestMLModelRepository(t *testing.T) {
	t.Parallel()
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		k := harness.Start(t, harness.Options{DB: db})
		k.CreateRepo(harness.Repo{Key: "models", Format: "mlmodel"})
		auth := "Bearer " + k.APIToken("ml", "read:artifacts", "write:artifacts")
		weights := bytes.Repeat([]byte("keeper-weights"), 4096)
		const base = "/mlmodel/models/sentiment/1.0.0/"
		if r, _ := k.Call(http.MethodPut, base+"README.md", strings.NewReader(mlCard), "Authorization", ""); r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous upload: %s", r)
		}
		k.Expect(http.StatusCreated, http.MethodPut, base+"README.md", strings.NewReader(mlCard), "Authorization", auth)
		k.Expect(http.StatusCreated, http.MethodPut, base+"model.safetensors", bytes.NewReader(weights), "Authorization", auth)
		k.Expect(http.StatusConflict, http.MethodPut, base+"model.safetensors", bytes.NewReader(weights), "Authorization", auth)
		if r := k.Expect(http.StatusBadRequest, http.MethodPut, "/mlmodel/models/other/1/model.json", strings.NewReader(`{"name":"sentiment"}`), "Authorization", auth); !strings.Contains(string(r.Body), "names the model") {
			t.Fatalf("forged card: %s", r)
		}
		if r := k.Expect(http.StatusBadRequest, http.MethodPut, "/mlmodel/models/x/1/README.md", strings.NewReader("---\ntags: [x\n---\n"), "Authorization", auth); !strings.Contains(string(r.Body), "invalid YAML") {
			t.Fatalf("bad front matter: %s", r)
		}

		for _, q := range []string{"keeperdemo", "transformers", "reviewclassifier"} {
			var a searchAnswer
			for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
				if a = searchAs(t, k, k.Token, q); a.Total > 0 || time.Now().After(deadline) {
					break
				}
			}
			if a.Total != 1 || a.Hits[0].Package != "sentiment" || a.Hits[0].Format != "mlmodel" || a.Hits[0].Version != "1.0.0" {
				t.Fatalf("search %q: %+v", q, a)
			}
		}

		var list struct {
			Files []struct{ Path, SHA256 string } `json:"files"`
			Card  struct {
				License   string             `json:"license"`
				Framework string             `json:"framework"`
				Metrics   map[string]float64 `json:"metrics"`
			} `json:"card"`
		}
		if err := k.Expect(http.StatusOK, http.MethodGet, base, nil, "Authorization", auth).JSON(&list); err != nil {
			t.Fatal(err)
		}
		if list.Card.License != "apache-2.0" || list.Card.Framework != "transformers" || list.Card.Metrics["accuracy"] != 0.931 {
			t.Fatalf("card: %+v", list.Card)
		}
		want := ""
		for _, f := range list.Files {
			if f.Path == "model.safetensors" {
				want = f.SHA256
			}
		}
		got := k.Expect(http.StatusOK, http.MethodGet, base+"model.safetensors", nil, "Authorization", auth).Body
		sum := sha256.Sum256(got)
		if want == "" || hex.EncodeToString(sum[:]) != want || !bytes.Equal(got, weights) {
			t.Fatalf("download: sha256 %x, listed %q", sum, want)
		}
		k.Expect(http.StatusNotFound, http.MethodGet, "/mlmodel/models/sentiment/9.9/", nil, "Authorization", auth)
	})
}

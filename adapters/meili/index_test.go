package meili_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/keeper-registry/keeper/adapters/meili"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// Set KEEPER_TEST_MEILISEARCH_URL (and KEEPER_TEST_MEILISEARCH_KEY) to run
// the same suite against a real server; each test uses a fresh index and
// deletes it afterwards.
const (
	urlEnv = "KEEPER_TEST_MEILISEARCH_URL"
	keyEnv = "KEEPER_TEST_MEILISEARCH_KEY"
)

func server(t *testing.T) (url, key string) {
	if u := os.Getenv(urlEnv); u != "" {
		return u, os.Getenv(keyEnv)
	}
	srv := httptest.NewServer(newFakeMeili("test-master-key"))
	t.Cleanup(srv.Close)
	return srv.URL, "test-master-key"
}

func open(t *testing.T) ports.SearchIndex {
	url, key := server(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	uid := "keeper_test_" + hex.EncodeToString(b[:])
	ix, err := meili.New(t.Context(), meili.Config{URL: url, APIKey: key, Index: uid})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodDelete, url+"/indexes/"+uid, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_ = resp.Body.Close()
		}
	})
	return ix
}

func TestSearchIndex(t *testing.T) {
	porttest.SearchIndex(t, open)
}

func TestStartTwiceKeepsTheIndex(t *testing.T) {
	url, key := server(t)
	for range 2 {
		if _, err := meili.New(t.Context(), meili.Config{URL: url, APIKey: key, Index: "keeper_twice"}); err != nil {
			t.Fatalf("second start over an existing index: %v", err)
		}
	}
}

func TestWrongKeyFailsAtStart(t *testing.T) {
	url, _ := server(t)
	if _, err := meili.New(t.Context(), meili.Config{URL: url, APIKey: "wrong", Index: "keeper_key"}); err == nil {
		t.Fatal("a wrong API key started")
	}
}

func TestTypoTolerance(t *testing.T) {
	ix := open(t)
	doc := ports.SearchDocument{ID: ports.SearchDocumentID(1, "lodash"), RepositoryID: 1, Repository: "r", Format: "npm", Package: "lodash"}
	if err := ix.Upsert(t.Context(), []ports.SearchDocument{doc}); err != nil {
		t.Fatal(err)
	}
	r, err := ix.Search(t.Context(), ports.SearchQuery{Terms: []string{"lodahs"}, Scope: ports.SearchScope{All: true}, Limit: 5})
	if err != nil || r.Total != 1 {
		t.Fatalf("lodahs: %+v, %v", r, err)
	}
}

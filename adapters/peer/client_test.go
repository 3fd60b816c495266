package peer_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/egress"
	"github.com/keeper-registry/keeper/adapters/peer"
	"github.com/keeper-registry/keeper/ports"
)

func TestClientSpeaksTheReplicationAPI(t *testing.T) {
	var gotRange, gotSum, gotAuth string
	var gotBody []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth = r.Header.Get("Authorization")
		switch r.URL.Path {
		case "/api/v1/replication/announce":
			if gotAuth != "Bearer good" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.Write([]byte(`{"instance_id":"i-2","name":"west"}`))
		case "/api/v1/replication/uploads/u1":
			if r.Method == http.MethodGet {
				w.WriteHeader(http.StatusNotFound)
				w.Write([]byte(`{"error":{"code":"not_found","message":"upload session not found"}}`))
				return
			}
			gotRange, gotSum = r.Header.Get("Content-Range"), r.Header.Get("X-Chunk-Sha256")
			gotBody, _ = io.ReadAll(r.Body)
			w.Write([]byte(`{"id":"u1","offset":15}`))
		default:
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(`{"error":{"code":"internal","message":"boom"}}`))
		}
	}))
	defer srv.Close()
	c := peer.New(egress.Policy{AllowPrivateNetworks: true}.Client(5*time.Second), "keeper/test")
	conn := ports.PeerConn{EndpointURL: srv.URL, APIKey: "good"}

	id, err := c.Announce(t.Context(), conn, ports.InstanceIdentity{InstanceID: "i-1", Name: "hub"})
	if err != nil || id.InstanceID != "i-2" || id.Name != "west" {
		t.Fatalf("Announce = %+v, %v", id, err)
	}
	if _, err := c.Announce(t.Context(), ports.PeerConn{EndpointURL: srv.URL, APIKey: "bad"}, id); !errors.Is(err, peer.ErrRefused) {
		t.Fatalf("wrong key: %v, want ErrRefused", err)
	}
	if _, err := c.UploadOffset(t.Context(), conn, "u1"); !errors.Is(err, ports.ErrNotFound) {
		t.Fatalf("gone upload: %v, want ErrNotFound", err)
	}
	chunk := []byte("chunk of bytes!")
	off, err := c.AppendChunk(t.Context(), conn, "u1", 0, chunk)
	sum := sha256.Sum256(chunk)
	if err != nil || off != 15 || gotRange != "bytes 0-14/*" || gotSum != hex.EncodeToString(sum[:]) || string(gotBody) != string(chunk) {
		t.Fatalf("AppendChunk = %d, %v; range %q sum %q body %q", off, err, gotRange, gotSum, gotBody)
	}
	if err := c.Apply(t.Context(), conn, ports.ReplicaBatch{Repository: "r"}); err == nil || errors.Is(err, ports.ErrNotFound) {
		t.Fatalf("a 500 answer: %v", err)
	}
}

// TestClientGoesThroughTheEgressGuard: without the private-network
// allowance, a peer on loopback is never dialled.
func TestClientGoesThroughTheEgressGuard(t *testing.T) {
	called := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { called = true }))
	defer srv.Close()
	c := peer.New(egress.Policy{}.Client(5*time.Second), "keeper/test")
	_, err := c.Announce(t.Context(), ports.PeerConn{EndpointURL: srv.URL, APIKey: "k"}, ports.InstanceIdentity{InstanceID: "i"})
	if err == nil || called {
		t.Fatalf("loopback peer reached through the guard: err %v, called %v", err, called)
	}
}

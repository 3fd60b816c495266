package http

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/signing"
	"github.com/keeper-registry/keeper/ports"
)

// signingSchemas are the bodies of the signing-key API. No schema has a
// field for private key material on the way out: a key is only ever
// described by its public parts.
var signingSchemas = obj{
	"SigningKey": object(obj{"id": str(), "name": str(), "algorithm": str(), "fingerprint": str(), "user_id": str(),
		"status":      obj{"type": "string", "enum": []string{ports.KeyActive, ports.KeyRetired, ports.KeyRevoked}},
		"replaced_by": str(), "public_key": str(), "created_by": str(), "created_at": str(), "updated_at": str()}, "id"),
	"SigningKeyList": object(obj{"items": arr(ref("SigningKey"))}, "items"),
	"SigningKeyCreate": object(obj{"name": str(),
		"algorithm":   obj{"type": "string", "enum": []string{"rsa3072", "rsa4096", "ed25519"}},
		"email":       str(),
		"private_key": obj{"type": "string", "description": "an unprotected armored OpenPGP private key to import instead of generating one"}}, "name"),
	"RepoSigningConfig": object(obj{"key_id": str()}),
	"RepoSigningList":   object(obj{"items": arr(object(obj{"repository": str(), "key_id": str()}, "repository", "key_id"))}, "items"),
}

// SigningRoutes are the signing-key API (administrators only, but for the
// public key of a key); the wiring adds them to the fx group "routes".
func SigningRoutes(svc *signing.Service) []Route {
	const get, post, put, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete
	h := signingHandlers{svc: svc}
	return []Route{
		route(get, "/signing/keys", Admin, Doc{"signing", "List signing keys (public parts only)", "", "SigningKeyList", 200, nil}, h.list),
		route(post, "/signing/keys", Admin, Doc{"signing", "Generate a signing key (OpenPGP RSA 3072/4096 or Ed25519) or import an unprotected armored private key; the private key is sealed at rest and never returned", "SigningKeyCreate", "SigningKey", 201, nil}, h.create),
		route(get, "/signing/keys/:id", Admin, Doc{"signing", "Get a signing key (public parts only)", "", "SigningKey", 200, nil}, h.get),
		route(del, "/signing/keys/:id", Admin, Doc{"signing", "Delete a signing key; repositories it signed have none afterwards", "", "", 204, nil}, h.delete),
		route(post, "/signing/keys/:id/rotate", Admin, Doc{"signing", "Rotate: a new key of the same algorithm becomes active and signs every repository the old one signed; the old one is retired (its public key stays published until it is revoked)", "", "SigningKey", 201, []int{409}}, h.rotate),
		route(post, "/signing/keys/:id/revoke", Admin, Doc{"signing", "Revoke: the key signs nothing more, its public key is no longer published, repositories it signed have no key", "", "SigningKey", 200, nil}, h.revoke),
		route(get, "/signing/keys/:id/public", Public, Doc{"signing", "The armored OpenPGP public key of an active or retired key (anyone: it is public)", "", "binary", 200, nil}, h.public),
		route(get, "/signing/repositories", Admin, Doc{"signing", "Every repository that has a signing key, with the key's id", "", "RepoSigningList", 200, nil}, h.repositories),
		route(get, "/signing/repositories/:key/config", Admin, Doc{"signing", "Which key signs a repository (key_id \"\" when none)", "", "RepoSigningConfig", 200, nil}, h.repoConfig),
		route(put, "/signing/repositories/:key/config", Admin, Doc{"signing", "Choose the active key that signs a repository (key_id \"\" removes it)", "RepoSigningConfig", "RepoSigningConfig", 200, nil}, h.setRepoConfig),
	}
}

type signingHandlers struct{ svc *signing.Service }

type signingKeyJSON struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Algorithm   string `json:"algorithm"`
	Fingerprint string `json:"fingerprint"`
	UserID      string `json:"user_id"`
	Status      string `json:"status"`
	ReplacedBy  string `json:"replaced_by"`
	PublicKey   string `json:"public_key"`
	CreatedBy   string `json:"created_by"`
	CreatedAt   string `json:"created_at"`
	UpdatedAt   string `json:"updated_at"`
}

// keyJSON describes a key by its public parts; SealedPrivate is never copied.
func keyJSON(k ports.SigningKey) signingKeyJSON {
	return signingKeyJSON{ID: k.ID, Name: k.Name, Algorithm: k.Algorithm, Fingerprint: k.Fingerprint, UserID: k.UserID,
		Status: k.Status, ReplacedBy: k.ReplacedBy, PublicKey: string(k.PublicKey), CreatedBy: k.CreatedBy,
		CreatedAt: k.CreatedAt.UTC().Format(time.RFC3339), UpdatedAt: k.UpdatedAt.UTC().Format(time.RFC3339)}
}

func (h signingHandlers) list(c *gin.Context) {
	ks, err := h.svc.List(c.Request.Context())
	if err != nil {
		WriteError(c, err)
		return
	}
	out := make([]signingKeyJSON, len(ks))
	for i, k := range ks {
		out[i] = keyJSON(k)
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

func (h signingHandlers) create(c *gin.Context) {
	var req struct {
		Name       string `json:"name"`
		Algorithm  string `json:"algorithm"`
		Email      string `json:"email"`
		PrivateKey string `json:"private_key"`
	}
	if !bindJSON(c, &req) {
		return
	}
	if req.Algorithm == "" && req.PrivateKey == "" {
		req.Algorithm = "ed25519"
	}
	k, err := h.svc.Create(c.Request.Context(), subject(c), signing.Spec{Name: req.Name, Email: req.Email,
		Algorithm: req.Algorithm, Private: []byte(req.PrivateKey)})
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusCreated, keyJSON(k))
}

func (h signingHandlers) get(c *gin.Context) {
	k, err := h.svc.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, keyJSON(k))
}

func (h signingHandlers) delete(c *gin.Context) {
	if err := h.svc.Delete(c.Request.Context(), subject(c), c.Param("id")); err != nil {
		WriteError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (h signingHandlers) rotate(c *gin.Context) {
	k, err := h.svc.Rotate(c.Request.Context(), subject(c), c.Param("id"))
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusCreated, keyJSON(k))
}

func (h signingHandlers) revoke(c *gin.Context) {
	k, err := h.svc.Revoke(c.Request.Context(), subject(c), c.Param("id"))
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, keyJSON(k))
}

// public serves an active or retired key's armored public key; a revoked or
// unknown id is the same 404.
func (h signingHandlers) public(c *gin.Context) {
	k, err := h.svc.Get(c.Request.Context(), c.Param("id"))
	if err == nil && k.Status == ports.KeyRevoked {
		err = ports.ErrNotFound
	}
	if err != nil {
		if errors.Is(err, ports.ErrNotFound) {
			Fail(c, http.StatusNotFound, "not_found", "no such signing key")
			return
		}
		WriteError(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="`+k.Name+`.asc"`)
	c.Data(http.StatusOK, "application/pgp-keys", k.PublicKey)
}

func (h signingHandlers) repoConfig(c *gin.Context) {
	id, err := h.svc.RepoKey(c.Request.Context(), c.Param("key"))
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"key_id": id})
}

func (h signingHandlers) repositories(c *gin.Context) {
	as, err := h.svc.Assignments(c.Request.Context())
	if err != nil {
		WriteError(c, err)
		return
	}
	out := make([]gin.H, len(as))
	for i, a := range as {
		out[i] = gin.H{"repository": a.Repository, "key_id": a.KeyID}
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

func (h signingHandlers) setRepoConfig(c *gin.Context) {
	var req struct {
		KeyID string `json:"key_id"`
	}
	if !bindJSON(c, &req) {
		return
	}
	if err := h.svc.SetRepoKey(c.Request.Context(), subject(c), c.Param("key"), req.KeyID); err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"key_id": req.KeyID})
}

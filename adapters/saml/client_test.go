package saml_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	crewsaml "github.com/crewjam/saml"

	"github.com/keeper-registry/keeper/adapters/saml"
	"github.com/keeper-registry/keeper/adapters/saml/samltest"
	"github.com/keeper-registry/keeper/core/sso"
)

type fixture struct {
	idp  *samltest.IdP
	c    *saml.Client
	cfg  sso.SAMLConfig
	urls sso.SPURLs
}

func setup(t *testing.T) fixture {
	idp := samltest.Start(t)
	f := fixture{idp: idp, c: saml.New(nil)}
	cfg, err := sso.ParseSAML([]byte(`{"idp_metadata_url":"` + idp.MetadataURL + `","username_attribute":"uid",
		"email_attribute":"mail","display_name_attribute":"cn","groups_attribute":"eduPersonAffiliation"}`))
	if err != nil {
		t.Fatal(err)
	}
	f.cfg = cfg
	// Keeper's SP metadata, served where the IdP fetches it.
	sp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := f.c.Metadata(r.Context(), f.cfg, f.urls)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(sp.Close)
	f.urls = sso.SPURLs{MetadataURL: sp.URL + "/saml/metadata", ACSURL: sp.URL + "/saml/acs"}
	idp.SPMetadataURL = f.urls.MetadataURL
	idp.SignIn(&crewsaml.Session{NameID: "grace@corp.test", UserName: "grace", UserEmail: "grace@corp.test",
		UserCommonName: "Grace Hopper", Groups: []string{"eng", "admins"}})
	return f
}

func post(acs string, form url.Values) sso.ACSPost {
	u, err := url.Parse(acs)
	if err != nil {
		panic(err)
	}
	return sso.ACSPost{URL: *u, Form: form}
}

// login runs the SP-initiated flow up to the response the IdP POSTs back.
func (f fixture) login(t *testing.T) (url.Values, string) {
	t.Helper()
	authURL, reqID, err := f.c.AuthURL(context.Background(), f.cfg, f.urls, "relay-1")
	if err != nil {
		t.Fatal(err)
	}
	action, form := samltest.Login(t, authURL)
	if action != f.urls.ACSURL || form.Get("RelayState") != "relay-1" {
		t.Fatalf("IdP posts to %q with RelayState %q", action, form.Get("RelayState"))
	}
	return form, reqID
}

func TestMetadata(t *testing.T) {
	f := setup(t)
	md, err := f.c.Metadata(context.Background(), f.cfg, f.urls)
	if err != nil {
		t.Fatal(err)
	}
	s := string(md)
	for _, want := range []string{`entityID="` + f.urls.MetadataURL + `"`, `Location="` + f.urls.ACSURL + `"`, crewsaml.HTTPPostBinding} {
		if !strings.Contains(s, want) {
			t.Errorf("metadata lacks %s:\n%s", want, s)
		}
	}
}

func TestSPInitiatedLogin(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	form, reqID := f.login(t)
	id, err := f.c.ParseResponse(ctx, f.cfg, f.urls, post(f.urls.ACSURL, form), []string{reqID})
	if err != nil {
		t.Fatal(err)
	}
	if id.Subject != "grace@corp.test" || id.Username != "grace" || id.Email != "grace@corp.test" ||
		id.DisplayName != "Grace Hopper" || !slices.Equal(id.Groups, []string{"eng", "admins"}) {
		t.Fatalf("identity %+v", id)
	}
	// The same response again is a replay.
	if _, err := f.c.ParseResponse(ctx, f.cfg, f.urls, post(f.urls.ACSURL, form), []string{reqID}); err == nil {
		t.Error("replayed response accepted")
	}
	// A response to another request is refused.
	form, _ = f.login(t)
	if _, err := f.c.ParseResponse(ctx, f.cfg, f.urls, post(f.urls.ACSURL, form), []string{"id-other"}); err == nil {
		t.Error("response for another request accepted")
	}
	// So is one posted to another audience's ACS.
	form, reqID = f.login(t)
	other := f.urls
	other.MetadataURL = f.urls.MetadataURL + "-other"
	if _, err := f.c.ParseResponse(ctx, f.cfg, other, post(f.urls.ACSURL, form), []string{reqID}); err == nil {
		t.Error("response for another audience accepted")
	}
}

func TestSignatureWrappingIsRejected(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	form, reqID := f.login(t)
	genuine := samltest.Decode(t, form.Get("SAMLResponse"))
	forgeries := samltest.Forgeries(t, genuine, "root")
	if len(forgeries) < 5 {
		t.Fatalf("only %d forgeries", len(forgeries))
	}
	for name, forged := range forgeries {
		t.Run(name, func(t *testing.T) {
			fv := url.Values{"SAMLResponse": {samltest.Encode(forged)}, "RelayState": {form.Get("RelayState")}}
			id, err := f.c.ParseResponse(ctx, f.cfg, f.urls, post(f.urls.ACSURL, fv), []string{reqID})
			if err == nil {
				t.Fatalf("forged response accepted as %+v", id)
			}
			t.Logf("refused: %v", err)
		})
	}
	// The genuine response, even without the Response's own signature,
	// still works: the refusals above are not caused by a broken setup, and
	// the signed assertion alone is enough.
	fv := url.Values{"SAMLResponse": {samltest.Encode(samltest.WithoutResponseSignature(t, genuine))}}
	if id, err := f.c.ParseResponse(ctx, f.cfg, f.urls, post(f.urls.ACSURL, fv), []string{reqID}); err != nil || id.Username != "grace" {
		t.Fatalf("genuine response: %+v %v", id, err)
	}
}

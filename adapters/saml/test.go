package saml

import (
	"context"
	"errors"
	"net/url"
	"strconv"

	crewsaml "github.com/crewjam/saml"
	"github.com/crewjam/saml/samlsp"

	"github.com/keeper-registry/keeper/adapters/egress"
	"github.com/keeper-registry/keeper/core/sso"
)

var _ sso.SAMLTester = (*Client)(nil)

// TestSAML reads the identity provider's metadata (inline, or fetched
// afresh through the egress-guarded client) and checks what a login needs
// of it: an IdP descriptor with an HTTP-Redirect single sign-on service
// and a signing certificate (SAML 2.0 Metadata, §2.4.3,
// https://docs.oasis-open.org/security/saml/v2.0/saml-metadata-2.0-os.pdf).
func (c *Client) TestSAML(ctx context.Context, cfg sso.SAMLConfig) (string, error) {
	var md *crewsaml.EntityDescriptor
	var err error
	if cfg.IDPMetadataXML != "" {
		md, err = samlsp.ParseMetadata([]byte(cfg.IDPMetadataXML))
		if err != nil {
			return "", &sso.TestFailure{Msg: "the IdP metadata XML could not be parsed as SAML metadata"}
		}
	} else {
		u, perr := url.Parse(cfg.IDPMetadataURL)
		if perr != nil {
			return "", &sso.TestFailure{Msg: "idp_metadata_url is not a valid URL"}
		}
		md, err = samlsp.FetchMetadata(ctx, c.http, *u)
		switch {
		case errors.Is(err, egress.ErrRefused):
			return "", &sso.TestFailure{Msg: "refused by the egress policy: the metadata URL is a private, loopback or link-local address (allow it with egress.allowed_hosts)"}
		case err != nil:
			return "", &sso.TestFailure{Msg: "could not fetch SAML metadata from " + cfg.IDPMetadataURL}
		}
	}
	sso1, certs := 0, 0
	for _, d := range md.IDPSSODescriptors {
		for _, s := range d.SingleSignOnServices {
			if s.Binding == crewsaml.HTTPRedirectBinding {
				sso1++
			}
		}
		for _, k := range d.KeyDescriptors {
			if k.Use == "" || k.Use == "signing" {
				certs += len(k.KeyInfo.X509Data.X509Certificates)
			}
		}
	}
	switch {
	case len(md.IDPSSODescriptors) == 0:
		return "", &sso.TestFailure{Msg: "the metadata describes no identity provider (no IDPSSODescriptor)"}
	case sso1 == 0:
		return "", &sso.TestFailure{Msg: "the identity provider offers no HTTP-Redirect single sign-on service"}
	case certs == 0:
		return "", &sso.TestFailure{Msg: "the identity provider publishes no signing certificate"}
	}
	return "metadata of " + md.EntityID + " read: " + strconv.Itoa(certs) + " signing certificate(s)", nil
}

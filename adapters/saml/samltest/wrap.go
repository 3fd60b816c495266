package samltest

import (
	"testing"

	"github.com/beevik/etree"
)

// Forgeries returns XML-signature-wrapping variants of a genuine signed
// Response (the attacks of Somorovsky et al., "On Breaking SAML", 2012): an
// assertion for evilUser is what a naive parser reads, while the genuine
// signed assertion stays in the document for a naive verifier to find.
// Also a plain edit of the signed assertion and one with its signature
// removed. Every one must be refused.
func Forgeries(t testing.TB, genuine []byte, evilUser string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	build := func(name string, edit func(resp, signed, evil *etree.Element)) {
		doc := etree.NewDocument()
		if err := doc.ReadFromBytes(genuine); err != nil {
			t.Fatal(err)
		}
		resp := doc.Root()
		signed := resp.FindElement("./Assertion")
		if signed == nil {
			t.Fatalf("no Assertion in %s", genuine)
		}
		evil := signed.Copy()
		for _, el := range evil.FindElements(".//NameID") {
			el.SetText(evilUser)
		}
		for _, el := range evil.FindElements(".//Attribute[@FriendlyName='uid']/AttributeValue") {
			el.SetText(evilUser)
		}
		edit(resp, signed, evil)
		// An attacker drops the Response's own signature, so only the
		// assertion's signature protects the login.
		stripResponseSignature(resp)
		b, err := doc.WriteToBytes()
		if err != nil {
			t.Fatal(err)
		}
		out[name] = b
	}
	// The evil assertion (same ID, no signature) comes first; the signed one follows.
	build("evil first, signed sibling", func(resp, signed, evil *etree.Element) {
		if s := evil.FindElement("./Signature"); s != nil {
			evil.RemoveChild(s)
		}
		resp.InsertChildAt(signed.Index(), evil)
	})
	// The evil assertion replaces the signed one, which hides in its Signature/Object.
	build("signed inside evil signature object", func(resp, signed, evil *etree.Element) {
		resp.RemoveChild(signed)
		sig := evil.FindElement("./Signature")
		if sig == nil {
			t.Fatal("genuine assertion is not signed")
		}
		obj := sig.CreateElement("ds:Object")
		obj.AddChild(signed)
		resp.AddChild(evil)
	})
	// The signed assertion hides in the Response's Extensions.
	build("signed in extensions", func(resp, signed, evil *etree.Element) {
		resp.RemoveChild(signed)
		if s := evil.FindElement("./Signature"); s != nil {
			evil.RemoveChild(s)
		}
		ext := etree.NewElement("samlp:Extensions")
		ext.AddChild(signed)
		resp.InsertChildAt(1, ext)
		resp.AddChild(evil)
	})
	// The signed assertion itself is edited.
	build("edited signed assertion", func(resp, signed, evil *etree.Element) {
		resp.RemoveChild(signed)
		resp.AddChild(evil)
	})
	// The signature is removed from an edited assertion.
	build("unsigned assertion", func(resp, signed, evil *etree.Element) {
		resp.RemoveChild(signed)
		if s := evil.FindElement("./Signature"); s != nil {
			evil.RemoveChild(s)
		}
		resp.AddChild(evil)
	})
	return out
}

func stripResponseSignature(resp *etree.Element) {
	if s := resp.FindElement("./Signature"); s != nil {
		resp.RemoveChild(s)
	}
}

// WithoutResponseSignature returns a genuine Response without its own
// signature: still valid when its assertion is signed.
func WithoutResponseSignature(t testing.TB, genuine []byte) []byte {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(genuine); err != nil {
		t.Fatal(err)
	}
	stripResponseSignature(doc.Root())
	b, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

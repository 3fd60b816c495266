package sso

import (
	"slices"
	"testing"
)

func TestMappingApply(t *testing.T) {
	m := Mapping{AdminGroups: []string{"Ops"}, GroupMap: map[string]string{"eng": "developers"}, DefaultGroups: []string{"everyone"}}
	r := m.Apply([]string{"ENG", "ops", "misc"})
	if r.Admin == nil || !*r.Admin || !r.Allowed || !slices.Equal(r.Groups, []string{"everyone", "developers", "ops", "misc"}) {
		t.Fatalf("apply = %+v admin %v", r, r.Admin)
	}
	m.OnlyMapped, m.AllowedGroups = true, []string{"eng"}
	r = m.Apply([]string{"misc"})
	if r.Allowed || *r.Admin || !slices.Equal(r.Groups, []string{"everyone"}) {
		t.Fatalf("only mapped, not allowed = %+v", r)
	}
	if r := (Mapping{}).Apply(nil); r.Admin != nil || !r.Allowed || r.Groups == nil {
		t.Fatalf("empty mapping = %+v", r)
	}
}

func TestSecretsAreWriteOnly(t *testing.T) {
	merged, err := mergeSecrets("oidc", []byte(`{"client_secret":"s","issuer":"a"}`), []byte(`{"issuer":"b","client_secret":""}`))
	if err != nil || string(merged) != `{"client_secret":"s","issuer":"b"}` {
		t.Fatalf("merge = %s %v", merged, err)
	}
}

package plugin

import (
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

func TestCheckInfoCredentialsAndVersions(t *testing.T) {
	ok := ports.FormatInfo{Key: "x", ContractVersion: ports.ContractVersion, Mounts: []ports.Mount{{Prefix: "/x/"}},
		Credentials: ports.Credentials{Bearer: true, TokenHeaders: []string{"X-Fmt-ApiKey"}, Challenge: `Bearer realm="{base-url}/t"`}}
	if err := checkInfo(ok); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"0.3.0", "0.2.0", "0.1.0"} {
		legacy := ok
		legacy.ContractVersion = v
		if err := checkInfo(legacy); err != nil {
			t.Fatalf("%s: %v", v, err)
		}
	}
	for name, mutate := range map[string]func(*ports.FormatInfo){
		"unknown version":      func(i *ports.FormatInfo) { i.ContractVersion = "9.9.0" },
		"reserved header":      func(i *ports.FormatInfo) { i.Credentials.TokenHeaders = []string{"Content-Type"} },
		"not a header name":    func(i *ports.FormatInfo) { i.Credentials.TokenHeaders = []string{"X Key"} },
		"challenge line break": func(i *ports.FormatInfo) { i.Credentials.Challenge = "Basic\r\nSet-Cookie: x" },
	} {
		bad := ok
		bad.Credentials.TokenHeaders = append([]string(nil), ok.Credentials.TokenHeaders...)
		mutate(&bad)
		if err := checkInfo(bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	bad := ok
	bad.ContractVersion = "9.9.0"
	if err := checkInfo(bad); err == nil || !strings.Contains(err.Error(), "0.5.0, 0.4.0, 0.3.0, 0.2.0, 0.1.0") {
		t.Fatalf("version refusal names the versions: %v", err)
	}
}

package importer

import (
	"reflect"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

func TestMapPermission(t *testing.T) {
	allow := func(sub, obj, act string) ports.PolicyRule {
		return ports.PolicyRule{Kind: "p", Subject: sub, Object: obj, Action: act, Effect: "allow"}
	}
	tests := []struct {
		name    string
		p       SourcePermission
		rules   []ports.PolicyRule
		outcome string
		reason  string
	}{
		{"whole repositories, renamed, actions mapped", SourcePermission{Name: "dev", Repositories: []string{"libs-local", "ANY"},
			Include: []string{"**"}, Users: map[string][]string{"ci": {"write", "annotate"}}, Groups: map[string][]string{"devs": {"read"}}},
			[]ports.PolicyRule{allow("user:ci", "libs", "write"), allow("user:ci", "*", "write"),
				allow("group:devs", "libs", "read"), allow("group:devs", "*", "read")}, Imported, "annotate"},
		{"a path pattern is never widened to the repository", SourcePermission{Name: "p", Repositories: []string{"libs-local"},
			Include: []string{"org/acme/**"}, Users: map[string][]string{"ci": {"read"}}}, nil, Skipped, "org/acme/**"},
		{"exclude patterns", SourcePermission{Name: "x", Repositories: []string{"a"}, Exclude: []string{"secret/**"},
			Users: map[string][]string{"ci": {"read"}}}, nil, Skipped, "exclude"},
		{"repository types and other sections are reported", SourcePermission{Name: "t", Repositories: []string{"ANY LOCAL"},
			Users: map[string][]string{"ci": {"manage"}}, Other: []string{"build"}}, nil, Skipped, "ANY LOCAL"},
		{"manage and delete", SourcePermission{Name: "m", Repositories: []string{"r"}, Users: map[string][]string{"ops": {"delete", "manage"}}},
			[]ports.PolicyRule{allow("user:ops", "r", "delete"), allow("user:ops", "r", "admin")}, Imported, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rules, it := mapPermission(tc.p, map[string]string{"libs-local": "libs"})
			if !reflect.DeepEqual(rules, tc.rules) || it.Outcome != tc.outcome || !strings.Contains(it.Reason, tc.reason) {
				t.Fatalf("got %+v %+v", rules, it)
			}
		})
	}
}

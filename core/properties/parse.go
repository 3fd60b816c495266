package properties

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/keeper-registry/keeper/ports"
)

// keyPattern is what a property key may be: Artifactory's common keys
// ("build.name", "qa.status", "release-train") fit; ':' and '=' separate
// keys from values in queries and are therefore refused.
var keyPattern = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]*$`)

// MaxMatches bounds the conditions of one search.
const MaxMatches = 16

// ValidKey reports whether k may be a property key.
func ValidKey(k string) bool {
	return len(k) <= ports.PropertyMaxKeyBytes && keyPattern.MatchString(k)
}

func validValue(v string) bool {
	if len(v) > ports.PropertyMaxValueBytes || !utf8.ValidString(v) {
		return false
	}
	return strings.IndexFunc(v, unicode.IsControl) < 0
}

// Validate checks a change against the limits and returns it normalised
// (values of each key sorted and deduplicated). A key with no values is
// refused: remove it instead.
func Validate(ch ports.PropertyChange) (ports.PropertyChange, error) {
	if len(ch.Set) > ports.PropertyMaxKeys || len(ch.Remove) > ports.PropertyMaxKeys {
		return ch, ports.Invalidf("properties", "at most %d keys", ports.PropertyMaxKeys)
	}
	out := ports.PropertyChange{Set: ports.Properties{}}
	total := 0
	for k, vs := range ch.Set {
		if !ValidKey(k) {
			return ch, ports.Invalidf("properties", "key %q: letters, digits, '.', '_' and '-', at most %d bytes", clip(k), ports.PropertyMaxKeyBytes)
		}
		if len(vs) == 0 {
			return ch, ports.Invalidf("properties", "key %q: give at least one value (remove the key to drop it)", k)
		}
		for _, v := range vs {
			if !validValue(v) {
				return ch, ports.Invalidf("properties", "key %q: values are UTF-8 text without control characters, at most %d bytes", k, ports.PropertyMaxValueBytes)
			}
		}
		vs = slices.Clone(vs)
		slices.Sort(vs)
		out.Set[k] = slices.Compact(vs)
		total += len(out.Set[k])
	}
	if total > ports.PropertyMaxValues {
		return ch, ports.Invalidf("properties", "at most %d values in all", ports.PropertyMaxValues)
	}
	for _, k := range ch.Remove {
		if !ValidKey(k) {
			return ch, ports.Invalidf("remove", "key %q is not a property key", clip(k))
		}
		out.Remove = append(out.Remove, k)
	}
	return out, nil
}

// ParseMatches reads search conditions written "key:value" (the key holds
// that value) or "key" (the key is present). Conditions on one key are
// alternatives; conditions on different keys must all hold.
func ParseMatches(conds []string) ([]ports.PropertyMatch, error) {
	if len(conds) == 0 {
		return nil, ports.Invalidf("property", "give at least one key:value")
	}
	if len(conds) > MaxMatches {
		return nil, ports.Invalidf("property", "at most %d conditions", MaxMatches)
	}
	var out []ports.PropertyMatch
	index := map[string]int{}
	anyValue := map[string]bool{}
	for _, c := range conds {
		k, v, hasValue := strings.Cut(c, ":")
		if !ValidKey(k) {
			return nil, ports.Invalidf("property", "%q: write key:value or key", clip(c))
		}
		if hasValue && !validValue(v) {
			return nil, ports.Invalidf("property", "%q: the value is not valid", clip(k))
		}
		i, seen := index[k]
		if !seen {
			i = len(out)
			index[k] = i
			out = append(out, ports.PropertyMatch{Key: k})
		}
		if !hasValue {
			anyValue[k] = true // any value: the key's listed values add nothing
		} else if !slices.Contains(out[i].Values, v) {
			out[i].Values = append(out[i].Values, v)
		}
	}
	for i := range out {
		if anyValue[out[i].Key] {
			out[i].Values = nil
		}
	}
	return out, nil
}

// Satisfies reports whether p meets every match (the rule FindArtifacts applies).
func Satisfies(p ports.Properties, ms []ports.PropertyMatch) bool {
	for _, m := range ms {
		vs, ok := p[m.Key]
		if !ok || len(m.Values) > 0 && !slices.ContainsFunc(m.Values, func(v string) bool { return slices.Contains(vs, v) }) {
			return false
		}
	}
	return true
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

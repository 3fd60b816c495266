package replication

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/keeper-registry/keeper/core/properties"
	"github.com/keeper-registry/keeper/ports"
)

// Limits of a peer's labels (keys and values follow the property rules).
const maxPeerLabels = 64

// labelTerm is one parsed entry of a label selector: the key is set
// (hasValue false) or holds value.
type labelTerm struct {
	key, value string
	hasValue   bool
}

func validLabelValue(v string) bool {
	return v != "" && len(v) <= ports.PropertyMaxValueBytes && utf8.ValidString(v) && strings.IndexFunc(v, unicode.IsControl) < 0
}

// parseLabelTerm reads "key=value" or "key".
func parseLabelTerm(s string) (labelTerm, error) {
	k, v, hasValue := strings.Cut(s, "=")
	if !properties.ValidKey(k) {
		return labelTerm{}, fmt.Errorf("%q: a label key is letters, digits, '.', '_' and '-', at most %d bytes", clipText(s), ports.PropertyMaxKeyBytes)
	}
	if hasValue && !validLabelValue(v) {
		return labelTerm{}, fmt.Errorf("%q: a label value is 1 to %d bytes of text without control characters", clipText(s), ports.PropertyMaxValueBytes)
	}
	return labelTerm{key: k, value: v, hasValue: hasValue}, nil
}

func clipText(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// checkLabelSelector validates every entry of a label selector.
func checkLabelSelector(field string, terms []string) error {
	if len(terms) > maxSelectorItems {
		return ports.Invalidf(field, "at most %d labels", maxSelectorItems)
	}
	for _, t := range terms {
		if _, err := parseLabelTerm(t); err != nil {
			return ports.Invalidf(field, "label %v", err)
		}
	}
	return nil
}

// matchLabels reports whether every term holds for get (which answers the
// values of a key, none when unset). An empty selector matches nothing.
func matchLabels(terms []string, get func(key string) []string) bool {
	if len(terms) == 0 {
		return false
	}
	for _, s := range terms {
		t, err := parseLabelTerm(s)
		if err != nil {
			return false
		}
		vs := get(t.key)
		if len(vs) == 0 {
			return false
		}
		if t.hasValue && !containsString(vs, t.value) {
			return false
		}
	}
	return true
}

func containsString(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// checkPeerLabels validates a peer's labels.
func checkPeerLabels(ls map[string]string) error {
	if len(ls) > maxPeerLabels {
		return ports.Invalidf("labels", "at most %d labels", maxPeerLabels)
	}
	for k, v := range ls {
		if !properties.ValidKey(k) {
			return ports.Invalidf("labels", "key %q: letters, digits, '.', '_' and '-', at most %d bytes", clipText(k), ports.PropertyMaxKeyBytes)
		}
		if !validLabelValue(v) {
			return ports.Invalidf("labels", "key %q: a value is 1 to %d bytes of text without control characters", k, ports.PropertyMaxValueBytes)
		}
	}
	return nil
}

// repoTarget is a repository as routing sees it: its key, format and
// labels (its properties; nil when no policy selects by label).
type repoTarget struct {
	ID     int64
	Key    string
	Format string
	Labels ports.Properties
}

// usesRepoLabels reports whether any enabled policy selects repositories by label.
func usesRepoLabels(policies []ports.SyncPolicy) bool {
	for _, p := range policies {
		if p.Enabled && len(p.RepoSelector.Labels) > 0 {
			return true
		}
	}
	return false
}

// labelBook looks up repositories' labels once per pass.
type labelBook struct {
	s    *Service
	need bool
	seen map[int64]ports.Properties
}

func (s *Service) newLabelBook(policies []ports.SyncPolicy) *labelBook {
	return &labelBook{s: s, need: usesRepoLabels(policies) && s.d.Props != nil, seen: map[int64]ports.Properties{}}
}

// target is the repository (id, key, format) with its labels when a policy needs them.
func (b *labelBook) target(ctx context.Context, id int64, key, format string) (repoTarget, error) {
	t := repoTarget{ID: id, Key: key, Format: format}
	if !b.need || id == 0 {
		return t, nil
	}
	if ls, ok := b.seen[id]; ok {
		t.Labels = ls
		return t, nil
	}
	ls, err := b.s.d.Props.RepositoryProperties(ctx, id)
	if err != nil {
		return t, fmt.Errorf("replication: labels of %q: %w", key, err)
	}
	b.seen[id] = ls
	t.Labels = ls
	return t, nil
}

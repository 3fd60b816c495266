package porttest

import (
	"reflect"
	"sync"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

// PolicyStore runs the conformance suite for ports.PolicyStore. open must
// return a store over a fresh, migrated, empty database and register its
// cleanup with t.
func PolicyStore(t *testing.T, open func(t *testing.T) ports.PolicyStore) {
	rules := []ports.PolicyRule{
		{Kind: "p", Subject: "role:dev", Object: "libs-*", Action: "write", Effect: "allow"},
		{Kind: "g", Subject: "user:ann", Object: "role:dev"},
		{Kind: "p", Subject: "group:ops", Object: "*", Action: "delete", Effect: "deny"},
		{Kind: "p", Subject: "role:anonymous", Object: "@public", Action: "read", Effect: "allow"},
	}
	t.Run("empty store is version 0", func(t *testing.T) {
		s := open(t)
		v, err := s.PolicyVersion(t.Context())
		mdOK(t, err, "PolicyVersion")
		got, lv, err := s.LoadRules(t.Context())
		mdOK(t, err, "LoadRules")
		if v != 0 || lv != 0 || len(got) != 0 {
			t.Fatalf("fresh store: version %d/%d, %d rules; want 0, 0, none", v, lv, len(got))
		}
	})
	t.Run("replace round-trips in order and bumps the version", func(t *testing.T) {
		s := open(t)
		v1, err := s.ReplaceRules(t.Context(), rules)
		mdOK(t, err, "ReplaceRules")
		got, v, err := s.LoadRules(t.Context())
		mdOK(t, err, "LoadRules")
		if !reflect.DeepEqual(got, rules) || v != v1 || v1 <= 0 {
			t.Fatalf("LoadRules = %+v at %d, want %+v at %d (> 0)", got, v, rules, v1)
		}
		v2, err := s.ReplaceRules(t.Context(), rules[:1])
		mdOK(t, err, "ReplaceRules again")
		got, _, _ = s.LoadRules(t.Context())
		if v2 <= v1 || !reflect.DeepEqual(got, rules[:1]) {
			t.Fatalf("after a second replace: %+v at %d, want %+v above %d", got, v2, rules[:1], v1)
		}
		if pv, _ := s.PolicyVersion(t.Context()); pv != v2 {
			t.Fatalf("PolicyVersion = %d, want %d", pv, v2)
		}
		v3, err := s.ReplaceRules(t.Context(), nil)
		mdOK(t, err, "ReplaceRules(nil)")
		got, _, _ = s.LoadRules(t.Context())
		if v3 <= v2 || len(got) != 0 {
			t.Fatalf("after replacing with nothing: %d rules at %d", len(got), v3)
		}
	})
	t.Run("seed only once", func(t *testing.T) {
		s := open(t)
		seeded, err := s.SeedDefaults(t.Context(), rules)
		mdOK(t, err, "SeedDefaults")
		v, _ := s.PolicyVersion(t.Context())
		if !seeded || v == 0 {
			t.Fatalf("first seed: seeded %v, version %d", seeded, v)
		}
		seeded, err = s.SeedDefaults(t.Context(), rules[:1])
		mdOK(t, err, "SeedDefaults again")
		got, v2, _ := s.LoadRules(t.Context())
		if seeded || v2 != v || !reflect.DeepEqual(got, rules) {
			t.Fatalf("second seed changed the policy: seeded %v, %d rules at %d (was %d)", seeded, len(got), v2, v)
		}
	})
	t.Run("an emptied policy is not seeded again", func(t *testing.T) {
		s := open(t)
		_, err := s.ReplaceRules(t.Context(), nil)
		mdOK(t, err, "ReplaceRules(nil)")
		if seeded, err := s.SeedDefaults(t.Context(), rules); err != nil || seeded {
			t.Fatalf("SeedDefaults over a written (empty) policy: seeded %v, %v", seeded, err)
		}
	})
	t.Run("concurrent seeds seed once", func(t *testing.T) {
		s := open(t)
		var wg sync.WaitGroup
		var mu sync.Mutex
		count := 0
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				seeded, err := s.SeedDefaults(t.Context(), rules)
				if err != nil {
					t.Errorf("SeedDefaults: %v", err)
				}
				if seeded {
					mu.Lock()
					count++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		got, _, _ := s.LoadRules(t.Context())
		if count != 1 || len(got) != len(rules) {
			t.Fatalf("%d seeds succeeded, %d rules stored; want 1 and %d", count, len(got), len(rules))
		}
	})
}

package bunstore

import (
	"context"
	"fmt"
)

// Sealer encrypts values at rest (implemented by core/secret.Box); context
// names the row so a sealed value cannot be moved to another one. Open
// returns current false for a value sealed with an older key or not sealed
// at all (written before encryption at rest): the store re-seals those.
type Sealer interface {
	Seal(plain []byte, context string) (string, error)
	Open(sealed, context string) (plain []byte, current bool, err error)
}

// UseSealer turns on encryption at rest for settings (signing keys) and
// single sign-on provider settings (client secrets, bind passwords, SAML
// keys). Call it before the store is used.
func (s *Store) UseSealer(sl Sealer) { s.sealer = sl }

func settingContext(key string) string { return "setting:" + key }

func (s *Store) seal(plain []byte, context string) (string, error) {
	if s.sealer == nil {
		return string(plain), nil
	}
	v, err := s.sealer.Seal(plain, context)
	if err != nil {
		return "", fmt.Errorf("seal %s: %w", context, err)
	}
	return v, nil
}

func (s *Store) open(v, context string) ([]byte, bool, error) {
	if s.sealer == nil {
		return []byte(v), true, nil
	}
	p, cur, err := s.sealer.Open(v, context)
	if err != nil {
		return nil, false, fmt.Errorf("open %s: %w", context, err)
	}
	return p, cur, nil
}

// GetOrCreateSetting stores def under key unless a value exists, then returns
// the stored value: INSERT … ON CONFLICT DO NOTHING makes concurrent callers
// (across replicas too) agree on the first writer's value. With a Sealer the
// value is stored sealed; a value sealed with an older key (or not at all)
// is re-sealed with the current one.
func (s *Store) GetOrCreateSetting(ctx context.Context, key string, def []byte) ([]byte, error) {
	const op = "get or create setting"
	if def == nil {
		def = []byte{}
	}
	stored, err := s.seal(def, settingContext(key))
	if err != nil {
		return nil, wrap(op, err)
	}
	row := settingRow{Key: key, Value: []byte(stored)}
	if _, err := s.db.NewInsert().Model(&row).On("CONFLICT (key) DO NOTHING").Exec(ctx); err != nil {
		return nil, wrap(op, err)
	}
	var got settingRow
	if err := s.db.NewSelect().Model(&got).Where("key = ?", key).Scan(ctx); err != nil {
		return nil, wrap(op, err)
	}
	plain, current, err := s.open(string(got.Value), settingContext(key))
	if err != nil {
		return nil, wrap(op, err)
	}
	if !current {
		if err := s.resealSetting(ctx, key, string(got.Value), plain); err != nil {
			return nil, wrap(op, err)
		}
	}
	if plain == nil {
		plain = []byte{}
	}
	return plain, nil
}

// resealSetting replaces old with plain sealed under the current key, unless
// another writer changed the row meanwhile.
func (s *Store) resealSetting(ctx context.Context, key, old string, plain []byte) error {
	v, err := s.seal(plain, settingContext(key))
	if err != nil {
		return err
	}
	_, err = s.db.NewUpdate().Model((*settingRow)(nil)).Set("value = ?", []byte(v)).
		Where("key = ? AND value = ?", key, []byte(old)).Exec(ctx)
	return err
}

// ResealSecrets re-seals every setting and provider configuration with the
// current key (after a key rotation, or when encryption at rest is turned
// on for an existing database) and returns how many values it rewrote.
// Values are opened with the primary or a previous key.
func (s *Store) ResealSecrets(ctx context.Context) (int, error) {
	const op = "reseal secrets"
	if s.sealer == nil {
		return 0, nil
	}
	var settings []settingRow
	if err := s.db.NewSelect().Model(&settings).Scan(ctx); err != nil {
		return 0, wrap(op, err)
	}
	n := 0
	for _, r := range settings {
		plain, current, err := s.open(string(r.Value), settingContext(r.Key))
		if err != nil {
			return n, wrap(op, err)
		}
		if !current {
			if err := s.resealSetting(ctx, r.Key, string(r.Value), plain); err != nil {
				return n, wrap(op, err)
			}
			n++
		}
	}
	var providers []ssoProviderRow
	if err := s.db.NewSelect().Model(&providers).Scan(ctx); err != nil {
		return n, wrap(op, err)
	}
	for _, r := range providers {
		plain, current, err := s.open(r.Config, ssoContext(r.Kind, r.Name))
		if err != nil {
			return n, wrap(op, err)
		}
		if current {
			continue
		}
		v, err := s.seal(plain, ssoContext(r.Kind, r.Name))
		if err != nil {
			return n, wrap(op, err)
		}
		if _, err := s.db.NewUpdate().Model((*ssoProviderRow)(nil)).Set("config = ?", v).
			Where("id = ? AND config = ?", r.ID, r.Config).Exec(ctx); err != nil {
			return n, wrap(op, err)
		}
		n++
	}
	m, err := s.resealTwoFactor(ctx)
	if err != nil {
		return n + m, wrap(op, err)
	}
	r, err := s.resealRepositories(ctx)
	if err != nil {
		return n + m + r, wrap(op, err)
	}
	k, err := s.resealColumns(ctx)
	return n + m + r + k, wrap(op, err)
}

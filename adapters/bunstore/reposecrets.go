package bunstore

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

// Repository credentials are sealed at rest when the store has a Sealer:
// the values of secret config keys (ports.SecretConfigKey: upstream
// passwords and tokens) and an upstream URL that carries user information.
// Each is bound to its repository and field, so a sealed value copied
// elsewhere fails to open.

// sealedPrefix starts every sealed value (core/secret's format).
const sealedPrefix = "keeper-sealed:"

func repoSecretContext(key, field string) string { return "repository:" + key + ":" + field }

// hasUserinfo reports whether raw is a URL with credentials in it.
func hasUserinfo(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.User != nil
}

// sealRepo seals row's secrets in place (row was built from a plain repository).
func (s *Store) sealRepo(row *repositoryRow, cfg map[string]string) error {
	if s.sealer == nil {
		return nil
	}
	if hasUserinfo(row.UpstreamURL) {
		v, err := s.seal([]byte(row.UpstreamURL), repoSecretContext(row.Key, "upstream_url"))
		if err != nil {
			return err
		}
		row.UpstreamURL = v
	}
	sealed := make(map[string]string, len(cfg))
	for k, v := range cfg {
		if ports.SecretConfigKey.MatchString(k) && v != "" {
			sv, err := s.seal([]byte(v), repoSecretContext(row.Key, "config."+k))
			if err != nil {
				return err
			}
			v = sv
		}
		sealed[k] = v
	}
	row.Config = encodeMap(sealed)
	return nil
}

// openRepo opens the secrets of r (read from row) in place; stale reports
// a value sealed with an older key or not at all.
func (s *Store) openRepo(r *ports.Repository) (stale bool, err error) {
	if s.sealer == nil {
		return false, nil
	}
	if hasUserinfo(r.UpstreamURL) || strings.HasPrefix(r.UpstreamURL, sealedPrefix) {
		p, cur, err := s.open(r.UpstreamURL, repoSecretContext(r.Key, "upstream_url"))
		if err != nil {
			return false, fmt.Errorf("repository %q: %w", r.Key, err)
		}
		r.UpstreamURL, stale = string(p), stale || !cur
	}
	for k, v := range r.Config {
		if !ports.SecretConfigKey.MatchString(k) || v == "" {
			continue
		}
		p, cur, err := s.open(v, repoSecretContext(r.Key, "config."+k))
		if err != nil {
			return false, fmt.Errorf("repository %q: %w", r.Key, err)
		}
		r.Config[k], stale = string(p), stale || !cur
	}
	return stale, nil
}

// resealRepositories seals repository secrets written before encryption at
// rest or with a previous key.
func (s *Store) resealRepositories(ctx context.Context) (int, error) {
	var rows []repositoryRow
	if err := s.db.NewSelect().Model(&rows).Scan(ctx); err != nil {
		return 0, err
	}
	n := 0
	for i := range rows {
		r, err := rowToRepo(&rows[i])
		if err != nil {
			return n, err
		}
		stale, err := s.openRepo(&r)
		if err != nil {
			return n, err
		}
		if !stale {
			continue
		}
		row := repoToRow(&r)
		if err := s.sealRepo(&row, r.Config); err != nil {
			return n, err
		}
		if _, err := s.db.NewUpdate().Model(&row).Column("upstream_url", "config").
			Where("id = ? AND config = ? AND upstream_url = ?", rows[i].ID, rows[i].Config, rows[i].UpstreamURL).Exec(ctx); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// rowToRepo is the repository of row with its secrets opened.
func (s *Store) rowToRepo(row *repositoryRow) (ports.Repository, error) {
	r, err := rowToRepo(row)
	if err != nil {
		return r, err
	}
	if _, err := s.openRepo(&r); err != nil {
		return ports.Repository{}, err
	}
	return r, nil
}

// repoRow is the row of r with its secrets sealed.
func (s *Store) repoRow(r *ports.Repository) (repositoryRow, error) {
	row := repoToRow(r)
	return row, s.sealRepo(&row, r.Config)
}

package sso

import (
	"context"
	"errors"
	"fmt"

	"github.com/keeper-registry/keeper/ports"
)

// ApplyConfigured makes the stored providers match the ones the configuration
// file names: each is created, or replaced when it exists (the file wins over
// changes made through the API for those providers; others are left alone).
// Every replica may run it at start: the outcome is the same.
func (s *Service) ApplyConfigured(ctx context.Context, ps []ports.SSOProvider) error {
	for _, p := range ps {
		if err := Validate(p); err != nil {
			return fmt.Errorf("sso: configured provider %s/%s: %w", p.Kind, p.Name, err)
		}
		_, err := s.Replace(ctx, p.Kind, p.Name, p.DisplayName, p.Enabled, p.Config)
		if errors.Is(err, ports.ErrNotFound) {
			_, err = s.Create(ctx, p)
			if errors.Is(err, ports.ErrConflict) { // another replica created it meanwhile
				_, err = s.Replace(ctx, p.Kind, p.Name, p.DisplayName, p.Enabled, p.Config)
			}
		}
		if err != nil {
			return fmt.Errorf("sso: configured provider %s/%s: %w", p.Kind, p.Name, err)
		}
	}
	return nil
}

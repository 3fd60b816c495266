package sso

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

// StoreGroups keeps Keeper group memberships in step with the groups a
// provider maps a user to: it joins the user to each mapped group (creating
// missing groups) and removes it from groups an earlier login of the same
// identity mapped but this one does not. Groups given by hand are left alone.
type StoreGroups struct{ Groups ports.GroupStore }

var _ GroupSync = StoreGroups{}

// SyncGroups implements GroupSync.
func (g StoreGroups) SyncGroups(ctx context.Context, userID int64, previous, current []string) error {
	byName, err := g.index(ctx)
	if err != nil {
		return err
	}
	for _, name := range current {
		grp, ok := byName[strings.ToLower(name)]
		if !ok {
			grp = ports.Group{Name: name, Description: "created by single sign-on"}
			if err := g.Groups.CreateGroup(ctx, &grp); err != nil && !errors.Is(err, ports.ErrConflict) {
				return fmt.Errorf("sso: create group %s: %w", name, err)
			}
			if grp.ID == 0 { // another login created it meanwhile
				if byName, err = g.index(ctx); err != nil {
					return err
				}
				grp = byName[strings.ToLower(name)]
			}
		}
		if err := g.member(ctx, grp.ID, userID, true); err != nil {
			return err
		}
	}
	for _, name := range previous {
		if slices.ContainsFunc(current, func(c string) bool { return strings.EqualFold(c, name) }) {
			continue
		}
		if grp, ok := byName[strings.ToLower(name)]; ok {
			if err := g.member(ctx, grp.ID, userID, false); err != nil {
				return err
			}
		}
	}
	return nil
}

func (g StoreGroups) index(ctx context.Context) (map[string]ports.Group, error) {
	out := map[string]ports.Group{}
	for off := 0; ; {
		page, total, err := g.Groups.ListGroups(ctx, ports.Page{Offset: off, Limit: 500})
		if err != nil {
			return nil, fmt.Errorf("sso: list groups: %w", err)
		}
		for _, grp := range page {
			out[strings.ToLower(grp.Name)] = grp
		}
		off += len(page)
		if len(page) == 0 || off >= total {
			return out, nil
		}
	}
}

func (g StoreGroups) member(ctx context.Context, groupID, userID int64, in bool) error {
	ids, err := g.Groups.GroupMembers(ctx, groupID)
	if err != nil {
		return fmt.Errorf("sso: group members: %w", err)
	}
	has := slices.Contains(ids, userID)
	switch {
	case in && !has:
		ids = append(ids, userID)
	case !in && has:
		ids = slices.DeleteFunc(ids, func(id int64) bool { return id == userID })
	default:
		return nil
	}
	if err := g.Groups.SetGroupMembers(ctx, groupID, ids); err != nil {
		return fmt.Errorf("sso: set group members: %w", err)
	}
	return nil
}

package ports

import (
	"context"
	"time"
)

// Group is a named set of users; policies grant rights to groups.
type Group struct {
	ID          int64
	Name        string
	Description string
	CreatedAt   time.Time
}

// GroupStore persists groups and their members.
type GroupStore interface {
	// CreateGroup inserts g and sets g.ID; a duplicate name is ErrConflict.
	CreateGroup(ctx context.Context, g *Group) error
	// GetGroup returns the group with id, or ErrNotFound.
	GetGroup(ctx context.Context, id int64) (Group, error)
	// ListGroups returns one page ordered by name and the total count.
	ListGroups(ctx context.Context, p Page) ([]Group, int, error)
	// DeleteGroup removes a group and its memberships, or returns ErrNotFound.
	DeleteGroup(ctx context.Context, id int64) error
	// SetGroupMembers replaces the members of a group (user ids); an unknown
	// group or user is ErrNotFound.
	SetGroupMembers(ctx context.Context, groupID int64, userIDs []int64) error
	// GroupMembers lists the user ids in a group, ascending.
	GroupMembers(ctx context.Context, groupID int64) ([]int64, error)
	// UserGroups lists the names of the groups userID belongs to, sorted.
	UserGroups(ctx context.Context, userID int64) ([]string, error)
}

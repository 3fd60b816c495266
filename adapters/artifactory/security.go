package artifactory

import (
	"context"
	"net/http"
	"sort"

	"github.com/keeper-registry/keeper/core/importer"
)

var _ importer.SecuritySource = (*Client)(nil)

// named is a list entry of the Security API: [{"name","uri"}].
type named struct {
	Name string `json:"name"`
}

func (c *Client) names(ctx context.Context, path, what string) ([]string, error) {
	var list []named
	if err := c.getJSON(ctx, http.MethodGet, path, "", nil, what, &list); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(list))
	for _, n := range list {
		if n.Name != "" {
			out = append(out, n.Name)
		}
	}
	sort.Strings(out)
	return out, nil
}

// Users is Get Users then Get User Details for each
// (https://jfrog.com/help/r/jfrog-rest-apis/get-users,
// https://jfrog.com/help/r/jfrog-rest-apis/get-user-details):
// {"name","email","admin","realm","groups":[…]}; passwords are never served.
func (c *Client) Users(ctx context.Context) ([]importer.SourceUser, error) {
	names, err := c.names(ctx, "/api/security/users", "list users")
	if err != nil {
		return nil, err
	}
	out := make([]importer.SourceUser, 0, len(names))
	for _, n := range names {
		var u struct {
			Name   string   `json:"name"`
			Email  string   `json:"email"`
			Admin  bool     `json:"admin"`
			Realm  string   `json:"realm"`
			Groups []string `json:"groups"`
		}
		if err := c.getJSON(ctx, http.MethodGet, "/api/security/users/"+escape(n), "", nil, "user "+n, &u); err != nil {
			return nil, err
		}
		out = append(out, importer.SourceUser{Name: n, Email: u.Email, Admin: u.Admin, Realm: u.Realm, Groups: u.Groups})
	}
	return out, nil
}

// Groups is Get Groups then Get Group Details
// (https://jfrog.com/help/r/jfrog-rest-apis/get-groups,
// https://jfrog.com/help/r/jfrog-rest-apis/get-group-details):
// {"name","description","adminPrivileges","realm"}.
func (c *Client) Groups(ctx context.Context) ([]importer.SourceGroup, error) {
	names, err := c.names(ctx, "/api/security/groups", "list groups")
	if err != nil {
		return nil, err
	}
	out := make([]importer.SourceGroup, 0, len(names))
	for _, n := range names {
		var g struct {
			Description string `json:"description"`
			Admin       bool   `json:"adminPrivileges"`
			Realm       string `json:"realm"`
		}
		if err := c.getJSON(ctx, http.MethodGet, "/api/security/groups/"+escape(n), "", nil, "group "+n, &g); err != nil {
			return nil, err
		}
		out = append(out, importer.SourceGroup{Name: n, Description: g.Description, Admin: g.Admin, Realm: g.Realm})
	}
	return out, nil
}

// permissionV2 is the Permission Target JSON v2
// (https://jfrog.com/help/r/jfrog-rest-apis/permission-target-json-v2).
type permissionV2 struct {
	Name string `json:"name"`
	Repo *struct {
		Repositories []string `json:"repositories"`
		Include      []string `json:"include-patterns"`
		Exclude      []string `json:"exclude-patterns"`
		Actions      struct {
			Users  map[string][]string `json:"users"`
			Groups map[string][]string `json:"groups"`
		} `json:"actions"`
	} `json:"repo"`
	Build         *struct{} `json:"build"`
	ReleaseBundle *struct{} `json:"releaseBundle"`
}

// Permissions is Get Permission Targets v2 then each target
// (https://jfrog.com/help/r/jfrog-rest-apis/get-permission-targets-v2,
// https://jfrog.com/help/r/jfrog-rest-apis/get-permission-target-details-v2).
func (c *Client) Permissions(ctx context.Context) ([]importer.SourcePermission, error) {
	names, err := c.names(ctx, "/api/v2/security/permissions", "list permission targets")
	if err != nil {
		return nil, err
	}
	out := make([]importer.SourcePermission, 0, len(names))
	for _, n := range names {
		var p permissionV2
		if err := c.getJSON(ctx, http.MethodGet, "/api/v2/security/permissions/"+escape(n), "", nil, "permission target "+n, &p); err != nil {
			return nil, err
		}
		sp := importer.SourcePermission{Name: n}
		if p.Repo != nil {
			sp.Repositories, sp.Include, sp.Exclude = p.Repo.Repositories, p.Repo.Include, p.Repo.Exclude
			sp.Users, sp.Groups = p.Repo.Actions.Users, p.Repo.Actions.Groups
		}
		if p.Build != nil {
			sp.Other = append(sp.Other, "build")
		}
		if p.ReleaseBundle != nil {
			sp.Other = append(sp.Other, "releaseBundle")
		}
		out = append(out, sp)
	}
	return out, nil
}

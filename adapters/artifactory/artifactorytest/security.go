package artifactorytest

import (
	"net/http"
	"strings"
)

// User is a user of the Security API.
type User struct {
	Name, Email, Realm string
	Admin              bool
	Groups             []string
}

// Group is a group of the Security API.
type Group struct {
	Name, Description string
	Admin             bool
}

// Security is what the Security API answers. Permissions are Permission
// Target JSON v2 documents
// (https://jfrog.com/help/r/jfrog-rest-apis/permission-target-json-v2),
// each with a "name".
type Security struct {
	Users       []User
	Groups      []Group
	Permissions []map[string]any
}

// security answers Get Users / Get User Details
// (https://jfrog.com/help/r/jfrog-rest-apis/get-users), Get Groups / Get
// Group Details (https://jfrog.com/help/r/jfrog-rest-apis/get-groups) and
// the permission targets v2
// (https://jfrog.com/help/r/jfrog-rest-apis/get-permission-targets-v2).
func (s *Server) security(w http.ResponseWriter, r *http.Request, p string) {
	if r.Method != http.MethodGet {
		fail(w, http.StatusMethodNotAllowed, "Method Not Allowed")
		return
	}
	sec := s.Security
	list := func(prefix string, names []string) {
		out := []map[string]string{}
		for _, n := range names {
			out = append(out, map[string]string{"name": n, "uri": s.Base() + "/" + prefix + "/" + n})
		}
		writeJSON(w, out)
	}
	switch {
	case p == "api/security/users":
		var names []string
		for _, u := range sec.Users {
			names = append(names, u.Name)
		}
		list("api/security/users", names)
		return
	case p == "api/security/groups":
		var names []string
		for _, g := range sec.Groups {
			names = append(names, g.Name)
		}
		list("api/security/groups", names)
		return
	case p == "api/v2/security/permissions":
		var names []string
		for _, pt := range sec.Permissions {
			names = append(names, pt["name"].(string))
		}
		list("api/v2/security/permissions", names)
		return
	}
	if n, ok := strings.CutPrefix(p, "api/security/users/"); ok {
		for _, u := range sec.Users {
			if u.Name == n {
				realm := u.Realm
				if realm == "" {
					realm = "internal"
				}
				writeJSON(w, map[string]any{"name": u.Name, "email": u.Email, "admin": u.Admin, "profileUpdatable": true,
					"internalPasswordDisabled": false, "realm": realm, "groups": u.Groups})
				return
			}
		}
	}
	if n, ok := strings.CutPrefix(p, "api/security/groups/"); ok {
		for _, g := range sec.Groups {
			if g.Name == n {
				writeJSON(w, map[string]any{"name": g.Name, "description": g.Description, "autoJoin": false,
					"realm": "internal", "adminPrivileges": g.Admin})
				return
			}
		}
	}
	if n, ok := strings.CutPrefix(p, "api/v2/security/permissions/"); ok {
		for _, pt := range sec.Permissions {
			if pt["name"] == n {
				writeJSON(w, pt)
				return
			}
		}
	}
	fail(w, http.StatusNotFound, "Not Found")
}

package npm

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// login answers `PUT /-/user/org.couchdb.user:NAME`, npm's legacy login
// (npm login --auth-type=legacy, npm adduser): the host checks the password
// and mints an API token that npm stores as _authToken. The mount declares
// this path anonymous, so the host lets it through without credentials and
// commits nothing it might stage.
// https://github.com/npm/cli/blob/latest/workspaces/npm-profile/lib/index.js
func login(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	user, err := url.PathUnescape(strings.TrimPrefix(req.Path, "/-/user/org.couchdb.user:"))
	if err != nil || user == "" {
		return npmError(400, "invalid user name"), nil
	}
	switch req.Method {
	case "GET":
		if req.User == "" || req.User != user {
			return npmError(401, "not logged in as "+user), nil
		}
		b, _ := json.Marshal(map[string]string{"_id": "org.couchdb.user:" + user, "name": user, "type": "user"})
		return jsonResp(200, b), nil
	case "PUT":
	default:
		return npmError(405, "method "+req.Method+" not allowed"), nil
	}
	body, err := readBody(h, req, 64<<10)
	if err != nil {
		return bodyError(err)
	}
	var doc struct {
		Name     string `json:"name"`
		Password string `json:"password"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return npmError(400, "login document is not valid JSON"), nil
	}
	if doc.Name == "" {
		doc.Name = user
	}
	if doc.Name != user {
		return npmError(400, "document name "+doc.Name+" does not match the URL's user "+user), nil
	}
	if doc.Password == "" {
		return npmError(400, "password required"), nil
	}
	token, err := sdk.Login(h, user, doc.Password)
	if err != nil {
		return npmError(401, "login failed for "+user+": "+err.Error()), nil
	}
	b, _ := json.Marshal(map[string]any{"ok": true, "id": "org.couchdb.user:" + user, "rev": "1", "token": token})
	return jsonResp(201, b), nil
}

// search answers `GET /-/v1/search?text=&size=&from=` by package name.
// https://github.com/npm/registry/blob/main/docs/REGISTRY-API.md#get-v1search
func search(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	q, _ := url.ParseQuery(req.RawQuery)
	text := strings.ToLower(strings.TrimSpace(q.Get("text")))
	size, _ := strconv.Atoi(q.Get("size"))
	if size <= 0 || size > 250 {
		size = 20
	}
	from, _ := strconv.Atoi(q.Get("from"))
	from = max(from, 0)
	type pkg struct {
		Name        string              `json:"name"`
		Version     string              `json:"version"`
		Description string              `json:"description"`
		Keywords    []string            `json:"keywords"`
		Date        string              `json:"date"`
		Links       map[string]string   `json:"links"`
		Publisher   map[string]string   `json:"publisher"`
		Maintainers []map[string]string `json:"maintainers"`
	}
	type object struct {
		Package     pkg            `json:"package"`
		Score       map[string]any `json:"score"`
		SearchScore float64        `json:"searchScore"`
	}
	objects := []object{}
	total, after := 0, ""
	for scanned := 0; scanned < 10000; {
		page, err := h.ListPackages("", after, 1000)
		if err != nil {
			return nil, err
		}
		for _, p := range page {
			if text != "" && !strings.Contains(strings.ToLower(p.Name), text) {
				continue
			}
			total++
			if total <= from || len(objects) >= size {
				continue
			}
			tags, err := loadTags(h, p.Name)
			if err != nil {
				return nil, err
			}
			objects = append(objects, object{
				Package: pkg{Name: p.Name, Version: tags["latest"], Keywords: []string{}, Date: isoMs(p.UpdatedMs),
					Links: map[string]string{}, Publisher: map[string]string{}, Maintainers: []map[string]string{}},
				Score:       map[string]any{"final": 1, "detail": map[string]float64{"quality": 1, "popularity": 1, "maintenance": 1}},
				SearchScore: 1,
			})
		}
		scanned += len(page)
		if len(page) < 1000 {
			break
		}
		after = page[len(page)-1].Name
	}
	b, _ := json.Marshal(map[string]any{"objects": objects, "total": total, "time": isoMs(0)})
	return jsonResp(200, b), nil
}

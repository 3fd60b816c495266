package apiclient

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// ImportItem is one file's (or repository's) outcome of an import.
type ImportItem struct {
	Repository string `json:"repository"`
	Path       string `json:"path,omitempty"`
	Outcome    string `json:"outcome"`
	Reason     string `json:"reason,omitempty"`
}

// ImportJob is an import running in the server.
type ImportJob struct {
	ID       string       `json:"id"`
	URL      string       `json:"url"`
	State    string       `json:"state"`
	Error    string       `json:"error,omitempty"`
	Imported int          `json:"imported"`
	Skipped  int          `json:"skipped"`
	Failed   int          `json:"failed"`
	Bytes    int64        `json:"bytes"`
	Items    []ImportItem `json:"items,omitempty"`
}

// ImportStart asks the server to import from a live Artifactory instance.
type ImportStart struct {
	URL          string            `json:"url"`
	Token        string            `json:"token,omitempty"`
	User         string            `json:"user,omitempty"`
	Password     string            `json:"password,omitempty"`
	Map          map[string]string `json:"map,omitempty"`
	Repositories []string          `json:"repositories,omitempty"`
	Security     bool              `json:"security,omitempty"`
}

// StartImport starts an import (POST /admin/imports).
func (c *Client) StartImport(ctx context.Context, s ImportStart) (ImportJob, error) {
	var j ImportJob
	r, err := jsonBody(http.MethodPost, "/admin/imports", s)
	if err != nil {
		return j, err
	}
	_, err = c.do(ctx, r, &j)
	return j, err
}

// GetImport returns an import with its items.
func (c *Client) GetImport(ctx context.Context, id string) (ImportJob, error) {
	var j ImportJob
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/admin/imports/" + url.PathEscape(id)}, &j)
	return j, err
}

// FollowImport reads the import's server-sent events, calling item for
// each, until the final report, which it returns. A stream cut before the
// end is resumed with Last-Event-ID.
func (c *Client) FollowImport(ctx context.Context, id string, item func(ImportItem)) (ImportJob, error) {
	last := ""
	for attempt := 0; attempt < 5; attempt++ {
		done, ok, err := c.followOnce(ctx, id, &last, item)
		if err != nil || ok {
			return done, err
		}
		if ctx.Err() != nil {
			return done, ctx.Err()
		}
	}
	return ImportJob{}, fmt.Errorf("apiclient: the event stream of import %s keeps ending early", id)
}

func (c *Client) followOnce(ctx context.Context, id string, last *string, item func(ImportItem)) (ImportJob, bool, error) {
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + "/api/v1/admin/imports/" + url.PathEscape(id) + "/events"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return ImportJob{}, false, fmt.Errorf("apiclient: %w", err)
	}
	req.Header.Set("Accept", "text/event-stream")
	if *last != "" {
		req.Header.Set("Last-Event-ID", *last)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return ImportJob{}, false, nil // retried
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return ImportJob{}, false, decodeError(resp)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var evID, event string
	var data strings.Builder
	for sc.Scan() {
		line := sc.Text()
		if line != "" {
			field, value, _ := strings.Cut(line, ":")
			value = strings.TrimPrefix(value, " ")
			switch field {
			case "id":
				evID = value
			case "event":
				event = value
			case "data":
				data.WriteString(value)
			}
			continue
		}
		switch event {
		case "item":
			var it ImportItem
			if err := json.Unmarshal([]byte(data.String()), &it); err != nil {
				return ImportJob{}, false, fmt.Errorf("apiclient: import event: %w", err)
			}
			*last = evID
			item(it)
		case "done":
			var j ImportJob
			if err := json.Unmarshal([]byte(data.String()), &j); err != nil {
				return ImportJob{}, false, fmt.Errorf("apiclient: import report: %w", err)
			}
			return j, true, nil
		}
		evID, event = "", ""
		data.Reset()
	}
	return ImportJob{}, false, nil
}

// ImportFile imports one file of an export directory (PUT
// /admin/imports/files/{repo}/{path}) with the checksums the export
// recorded; the answer says whether it was imported or skipped and why.
func (c *Client) ImportFile(ctx context.Context, repo, path string, body io.Reader, size int64, sums map[string]string) (ImportItem, error) {
	it := ImportItem{Repository: repo, Path: path}
	h := map[string]string{}
	for k, v := range sums {
		if v != "" {
			h["X-Checksum-"+k] = v
		}
	}
	r := request{method: http.MethodPut, path: "/admin/imports/files/" + url.PathEscape(repo) + "/" + escapePath(path),
		body: body, size: size, contentType: "application/octet-stream", headers: h}
	_, err := c.do(ctx, r, &it)
	return it, err
}

package artifactory

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/keeper-registry/keeper/core/importer"
)

// Files walks repo's files: with AQL in pages when the instance allows it,
// else with the Storage API's deep file list (one answer: that API does not
// page).
func (c *Client) Files(ctx context.Context, repo string, each func(importer.SourceFile) error) error {
	if c.aql {
		err := c.filesAQL(ctx, repo, each)
		var st *ErrStatus
		if !errors.As(err, &st) || (st.Status != http.StatusForbidden && st.Status != http.StatusNotFound && st.Status != http.StatusMethodNotAllowed) {
			return err
		}
		c.aql = false // not allowed for this user or not offered: the Storage API lists
	}
	return c.filesStorage(ctx, repo, each)
}

// aqlPage is one answer of POST /api/search/aql: {"results":[…],"range":{…}}
// (https://jfrog.com/help/r/jfrog-artifactory-documentation/aql-execution;
// paging with .offset() and .limit(), fields of the items domain:
// https://jfrog.com/help/r/jfrog-artifactory-documentation/artifactory-query-language).
type aqlPage struct {
	Results []struct {
		Path   string  `json:"path"`
		Name   string  `json:"name"`
		Size   flexInt `json:"size"`
		SHA1   string  `json:"actual_sha1"`
		MD5    string  `json:"actual_md5"`
		SHA256 string  `json:"sha256"`
	} `json:"results"`
	Range struct {
		Total flexInt `json:"total"`
	} `json:"range"`
}

func (c *Client) filesAQL(ctx context.Context, repo string, each func(importer.SourceFile) error) error {
	key, err := jsonString(repo)
	if err != nil {
		return err
	}
	for offset := 0; ; offset += c.cfg.PageSize {
		q := fmt.Sprintf(`items.find({"repo":%s,"type":"file"}).include("repo","path","name","size","actual_sha1","actual_md5","sha256")`+
			`.sort({"$asc":["path","name"]}).offset(%d).limit(%d)`, key, offset, c.cfg.PageSize)
		var page aqlPage
		if err := c.getJSON(ctx, http.MethodPost, "/api/search/aql", "", []byte(q), "list files of "+repo, &page); err != nil {
			return err
		}
		for _, r := range page.Results {
			p := r.Name
			if r.Path != "" && r.Path != "." {
				p = r.Path + "/" + r.Name
			}
			if !cleanPath(p) {
				continue
			}
			if err := each(importer.SourceFile{Path: p, Size: int64(r.Size),
				Checksums: importer.Checksums{SHA256: r.SHA256, SHA1: r.SHA1, MD5: r.MD5}}); err != nil {
				return err
			}
		}
		if len(page.Results) < c.cfg.PageSize {
			return nil
		}
	}
}

// fileList is the File List answer, GET /api/storage/{repoKey}/?list&deep=1&listFolders=0
// → {"files":[{"uri":"/a/b.txt","size":"12","folder":"false","sha1":…,"sha2":…}]}
// (https://jfrog.com/help/r/jfrog-rest-apis/file-list).
type fileList struct {
	Files []struct {
		URI    string   `json:"uri"`
		Size   flexInt  `json:"size"`
		Folder flexBool `json:"folder"`
		SHA1   string   `json:"sha1"`
		SHA2   string   `json:"sha2"`
	} `json:"files"`
}

func (c *Client) filesStorage(ctx context.Context, repo string, each func(importer.SourceFile) error) error {
	var list fileList
	if err := c.getJSON(ctx, http.MethodGet, "/api/storage/"+escape(repo)+"/", "list&deep=1&listFolders=0", nil, "list files of "+repo, &list); err != nil {
		return err
	}
	for _, f := range list.Files {
		p := strings.TrimPrefix(f.URI, "/")
		if bool(f.Folder) || !cleanPath(p) {
			continue
		}
		if err := each(importer.SourceFile{Path: p, Size: int64(f.Size), Checksums: importer.Checksums{SHA256: f.SHA2, SHA1: f.SHA1}}); err != nil {
			return err
		}
	}
	return nil
}

// cleanPath refuses paths that would leave the repository.
func cleanPath(p string) bool {
	return p != "" && !strings.HasPrefix(p, "/") && path.Clean(p) == p && p != ".." && !strings.HasPrefix(p, "../")
}

func jsonString(s string) (string, error) {
	if strings.ContainsAny(s, "\"\\\x00\n\r") {
		return "", fmt.Errorf("artifactory: repository key %q: %w", s, importer.ErrBadSource)
	}
	return strconv.Quote(s), nil
}

package artifactorytest

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Repo is one repository the server holds.
type Repo struct {
	Key         string
	Type        string // LOCAL, REMOTE, VIRTUAL
	PackageType string // e.g. "Generic", "Npm", "Pypi"
	Files       map[string][]byte
}

// Server answers like an Artifactory instance. Fields may be changed
// between runs (not while a request is served).
type Server struct {
	*httptest.Server
	// Token, when set, is the access token every call must carry as Bearer.
	Token string
	Repos []Repo
	// NoAQL answers AQL with 403 (a user without the right): clients list
	// through the Storage API instead.
	NoAQL bool
	// Fail500 answers the next N requests whose path has this suffix with 500.
	Fail500 map[string]int
	// Corrupt serves other bytes for these "repo/path" downloads while the
	// headers announce the stored checksums.
	Corrupt map[string]bool
	// Security is what the Security API answers (security.go).
	Security Security

	mu        sync.Mutex
	Downloads map[string]int // "repo/path" → count
	AQLPages  int
}

// New starts a server; Close it when done.
func New(repos ...Repo) *Server {
	s := &Server{Repos: repos, Fail500: map[string]int{}, Corrupt: map[string]bool{}, Downloads: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the instance's base, like https://host/artifactory.
func (s *Server) Base() string { return s.Server.URL + "/artifactory" }

// Downloaded returns how often repo/path was downloaded.
func (s *Server) Downloaded(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Downloads[key]
}

func (s *Server) repo(key string) *Repo {
	for i := range s.Repos {
		if s.Repos[i].Key == key {
			return &s.Repos[i]
		}
	}
	return nil
}

// fail writes Artifactory's error body
// (https://jfrog.com/help/r/jfrog-rest-apis/error-responses).
func fail(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{"status": status, "message": msg}}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if s.Token != "" && r.Header.Get("Authorization") != "Bearer "+s.Token {
		fail(w, http.StatusUnauthorized, "Bad credentials")
		return
	}
	p, ok := strings.CutPrefix(r.URL.Path, "/artifactory/")
	if !ok {
		fail(w, http.StatusNotFound, "Not Found")
		return
	}
	s.mu.Lock()
	for suffix, n := range s.Fail500 {
		if n > 0 && strings.HasSuffix(r.URL.Path, suffix) {
			s.Fail500[suffix] = n - 1
			s.mu.Unlock()
			fail(w, http.StatusInternalServerError, "Internal Server Error")
			return
		}
	}
	s.mu.Unlock()
	switch {
	case p == "api/repositories" && r.Method == http.MethodGet:
		s.repositories(w)
	case p == "api/search/aql" && r.Method == http.MethodPost:
		s.aql(w, r)
	case strings.HasPrefix(p, "api/storage/") && r.URL.Query().Has("list"):
		s.fileList(w, strings.TrimSuffix(strings.TrimPrefix(p, "api/storage/"), "/"))
	case strings.HasPrefix(p, "api/security/") || strings.HasPrefix(p, "api/v2/security/"):
		s.security(w, r, p)
	case r.Method == http.MethodGet:
		s.download(w, p)
	default:
		fail(w, http.StatusNotFound, "Not Found")
	}
}

// repositories answers Get Repositories
// (https://jfrog.com/help/r/jfrog-rest-apis/get-repositories):
// [{"key","type","description","url","packageType"}].
func (s *Server) repositories(w http.ResponseWriter) {
	out := []map[string]string{}
	for _, r := range s.Repos {
		out = append(out, map[string]string{"key": r.Key, "type": r.Type, "description": "",
			"url": s.Base() + "/" + r.Key, "packageType": r.PackageType})
	}
	writeJSON(w, out)
}

type sums struct{ sha256, sha1, md5 string }

func checksums(b []byte) sums {
	a, c, d := sha256.Sum256(b), sha1.Sum(b), md5.Sum(b)
	return sums{hex.EncodeToString(a[:]), hex.EncodeToString(c[:]), hex.EncodeToString(d[:])}
}

func (r *Repo) paths() []string {
	var ps []string
	for p := range r.Files {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	return ps
}

var (
	aqlRepo   = regexp.MustCompile(`"repo"\s*:\s*"([^"]+)"`)
	aqlOffset = regexp.MustCompile(`\.offset\((\d+)\)`)
	aqlLimit  = regexp.MustCompile(`\.limit\((\d+)\)`)
)

// aql answers the items queries the importer sends
// (https://jfrog.com/help/r/jfrog-artifactory-documentation/aql-execution):
// {"results":[{"repo","path","name","size","actual_sha1","actual_md5","sha256"}],
// "range":{"start_pos","end_pos","total","limit"}}, a page at a time.
func (s *Server) aql(w http.ResponseWriter, r *http.Request) {
	if s.NoAQL {
		fail(w, http.StatusForbidden, "Forbidden")
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	q := string(body)
	m := aqlRepo.FindStringSubmatch(q)
	if m == nil || !strings.HasPrefix(q, "items.find(") {
		fail(w, http.StatusBadRequest, "Failed to parse query")
		return
	}
	offset, limit := 0, 1<<30
	if o := aqlOffset.FindStringSubmatch(q); o != nil {
		offset, _ = strconv.Atoi(o[1])
	}
	if l := aqlLimit.FindStringSubmatch(q); l != nil {
		limit, _ = strconv.Atoi(l[1])
	}
	s.mu.Lock()
	s.AQLPages++
	s.mu.Unlock()
	results := []map[string]any{}
	total := 0
	if repo := s.repo(m[1]); repo != nil {
		ps := repo.paths()
		total = len(ps)
		for i := offset; i < len(ps) && i < offset+limit; i++ {
			dir, name := ".", ps[i]
			if j := strings.LastIndex(ps[i], "/"); j >= 0 {
				dir, name = ps[i][:j], ps[i][j+1:]
			}
			c := checksums(repo.Files[ps[i]])
			results = append(results, map[string]any{"repo": repo.Key, "path": dir, "name": name, "type": "file",
				"size": len(repo.Files[ps[i]]), "actual_sha1": c.sha1, "actual_md5": c.md5, "sha256": c.sha256})
		}
	}
	writeJSON(w, map[string]any{"results": results,
		"range": map[string]int{"start_pos": offset, "end_pos": offset + len(results), "total": total, "limit": limit}})
}

// fileList answers File List with deep=1
// (https://jfrog.com/help/r/jfrog-rest-apis/file-list); sizes and the
// folder flag as strings, as the documented sample writes them.
func (s *Server) fileList(w http.ResponseWriter, key string) {
	repo := s.repo(key)
	if repo == nil {
		fail(w, http.StatusNotFound, "Unable to find item")
		return
	}
	files := []map[string]any{}
	for _, p := range repo.paths() {
		c := checksums(repo.Files[p])
		files = append(files, map[string]any{"uri": "/" + p, "size": strconv.Itoa(len(repo.Files[p])),
			"lastModified": "2026-01-01T00:00:00.000Z", "folder": "false", "sha1": c.sha1, "sha2": c.sha256})
	}
	writeJSON(w, map[string]any{"uri": s.Base() + "/api/storage/" + key, "created": "2026-01-01T00:00:00.000Z", "files": files})
}

// download answers Retrieve Artifact
// (https://jfrog.com/help/r/jfrog-rest-apis/retrieve-artifact) with the
// X-Checksum-* headers Artifactory sends.
func (s *Server) download(w http.ResponseWriter, p string) {
	key, rest, _ := strings.Cut(p, "/")
	repo := s.repo(key)
	if repo == nil {
		fail(w, http.StatusNotFound, "Not Found")
		return
	}
	b, ok := repo.Files[rest]
	if !ok {
		fail(w, http.StatusNotFound, "Not Found")
		return
	}
	s.mu.Lock()
	s.Downloads[p]++
	s.mu.Unlock()
	c := checksums(b)
	w.Header().Set("X-Checksum-Sha256", c.sha256)
	w.Header().Set("X-Checksum-Sha1", c.sha1)
	w.Header().Set("X-Checksum-Md5", c.md5)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	if s.Corrupt[p] && len(b) > 0 {
		b = append([]byte{b[0] ^ 0xff}, b[1:]...)
	}
	_, _ = w.Write(b)
}

package artifactorytest

import "net/http"

// Security is what the Security API answers (item 2 of the import).
type Security struct{}

func (s *Server) security(w http.ResponseWriter, _ *http.Request, _ string) {
	fail(w, http.StatusNotFound, "Not Found")
}

package http

import "net/http"

// routes are this package's API routes (the identity, SSO and GC routes
// are listed in their own files): each with who may call it, its OpenAPI
// entry and its handler.
func (s *Server) routes() []Route {
	const get, post, put, patch, del, head = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodHead
	return []Route{
		route(get, "/openapi.json", Public, Doc{"meta", "This OpenAPI description", "", "object", 200, nil}, s.openapi),
		route(post, "/auth/login", Public, Doc{"auth", "Log in with username and password", "Login", "Session", 200, nil}, s.login),
		route(post, "/auth/refresh", Public, Doc{"auth", "Exchange a refresh token for a new session", "Refresh", "Session", 200, nil}, s.refresh),

		route(get, "/repositories", Public, Doc{"repositories", "List repositories (filters: format, type, q = substring of key, name or description; offset/limit or page/per_page)", "", "RepositoryList", 200, nil}, s.listRepos),
		route(post, "/repositories", User, Doc{"repositories", "Create a repository", "RepositoryCreate", "Repository", 201, nil}, s.createRepo),
		route(get, "/repositories/:key", Public, Doc{"repositories", "Get a repository", "", "Repository", 200, nil}, s.getRepo),
		route(patch, "/repositories/:key", User, Doc{"repositories", "Change a repository", "RepositoryPatch", "Repository", 200, nil}, s.patchRepo),
		route(del, "/repositories/:key", User, Doc{"repositories", "Delete a repository and its contents; one that holds files needs ?force=true (409 naming the count otherwise)", "", "", 204, nil}, s.deleteRepo),
		route(get, "/repositories/:key/members", Public, Doc{"repositories", "List the members of a virtual repository", "", "MemberList", 200, nil}, s.listMembers),
		route(post, "/repositories/:key/members", User, Doc{"repositories", "Add or re-prioritise one member", "Member", "MemberList", 200, nil}, s.addMember),
		route(put, "/repositories/:key/members", User, Doc{"repositories", "Replace all members", "Members", "MemberList", 200, nil}, s.setMembers),

		route(get, "/repositories/:key/artifacts", Public, Doc{"artifacts", "List artifacts (prefix, after, limit)", "", "ArtifactList", 200, nil}, s.listArtifacts),
		route(get, "/repositories/:key/artifacts/*path", Public, Doc{"artifacts", "Artifact metadata", "", "Artifact", 200, nil}, s.getArtifact),
		route(put, "/repositories/:key/artifacts/*path", User, Doc{"artifacts", "Upload an artifact (streamed; X-Checksum-Sha256/Sha1/Md5 verified; checked by the format's validate capability, refused for formats without one: use the format's own protocol)", "binary", "Artifact", 201, []int{405, 413}}, s.putArtifact),
		route(del, "/repositories/:key/artifacts/*path", User, Doc{"artifacts", "Delete an artifact", "", "", 204, nil}, s.deleteArtifact),
		route(get, "/repositories/:key/download/*path", Public, Doc{"artifacts", "Download an artifact (Range, ETag, If-None-Match)", "", "binary", 200, []int{206, 304, 416}}, s.download),
		route(head, "/repositories/:key/download/*path", Public, Doc{"artifacts", "Artifact headers", "", "", 200, []int{304}}, s.download),

		route(post, "/uploads", User, Doc{"uploads", "Start a resumable upload", "UploadStart", "Upload", 201, []int{405, 413}}, s.startUpload),
		route(get, "/uploads/:id", User, Doc{"uploads", "Upload status (offset so far)", "", "Upload", 200, nil}, s.uploadStatus),
		route(patch, "/uploads/:id", User, Doc{"uploads", "Send a chunk (Content-Range: bytes START-END/TOTAL)", "binary", "Upload", 200, []int{413, 416}}, s.appendUpload),
		route(put, "/uploads/:id/complete", User, Doc{"uploads", "Finish: verify size and sha256, store the artifact", "", "Artifact", 201, nil}, s.completeUpload),
		route(del, "/uploads/:id", User, Doc{"uploads", "Cancel an upload", "", "", 204, nil}, s.cancelUpload),
	}
}

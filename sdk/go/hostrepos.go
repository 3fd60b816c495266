package sdk

// RepoHost is implemented by hosts that offer the list-repos and
// list-repo-packages imports: a plugin sees the other repositories of its
// format that the caller may read (e.g. OCI's `/v2/_catalog` on a root
// mount). It is kept apart from Host so existing Host implementations keep
// compiling.
type RepoHost interface {
	// ListRepos lists the keys of repositories of the plugin's format the
	// caller may read, in key order after `after`, at most limit (the host
	// caps it; 0 asks for the cap).
	ListRepos(after string, limit uint32) ([]string, error)
	// ListRepoPackages lists the packages of repository repo (of the
	// plugin's format, readable by the caller) whose name starts with
	// prefix, in name order after `after`, at most limit; an error when the
	// repository is missing or hidden from the caller.
	ListRepoPackages(repo, prefix, after string, limit uint32) ([]PackageInfo, error)
}

// ListRepos calls h's list-repos import.
func ListRepos(h Host, after string, limit uint32) ([]string, error) {
	rh, ok := h.(RepoHost)
	if !ok {
		return nil, ErrNoImport
	}
	return rh.ListRepos(after, limit)
}

// ListRepoPackages calls h's list-repo-packages import.
func ListRepoPackages(h Host, repo, prefix, after string, limit uint32) ([]PackageInfo, error) {
	rh, ok := h.(RepoHost)
	if !ok {
		return nil, ErrNoImport
	}
	return rh.ListRepoPackages(repo, prefix, after, limit)
}

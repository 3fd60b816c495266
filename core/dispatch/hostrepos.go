package dispatch

import (
	"context"
	"fmt"
	"sort"

	"github.com/keeper-registry/keeper/ports"
)

// repoScanPage is the page size used to walk repositories of one format.
const repoScanPage = 500

// maxRepoScan bounds the repositories one list-repos call walks.
const maxRepoScan = 100000

// ListRepos lists keys of the repositories of the calling plugin's format
// that the caller may read, in byte order after `after`, at most limit
// (capped like every listing). Repositories are few (an admin list), so the
// format's keys are collected and sorted here, whatever the store's
// collation, and authorized one by one until the page is full.
func (h *hostCall) ListRepos(ctx context.Context, after string, limit int) ([]string, error) {
	if h.format == "" {
		return nil, fmt.Errorf("dispatch: list repos: the calling plugin has no format: %w", ports.ErrInvalid)
	}
	limit = clampLimit(limit)
	var cands []ports.Repository
	for off := 0; off < maxRepoScan; off += repoScanPage {
		page, total, err := h.d.repos.ListRepositories(ctx, ports.RepositoryFilter{Format: h.format}, ports.Page{Offset: off, Limit: repoScanPage})
		if err != nil {
			return nil, fmt.Errorf("dispatch: list repos: %w", err)
		}
		for _, r := range page {
			if r.Key > after && r.Format == h.format {
				cands = append(cands, r)
			}
		}
		if len(page) < repoScanPage || off+len(page) >= total {
			break
		}
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].Key < cands[j].Key })
	out := make([]string, 0, min(limit, len(cands)))
	for i := range cands {
		if len(out) == limit {
			break
		}
		ok, err := h.d.allowed(ctx, h.subject, ports.ActionRead, &cands[i])
		if err != nil {
			return nil, fmt.Errorf("dispatch: list repos: authorize: %w", err)
		}
		if ok {
			out = append(out, cands[i].Key)
		}
	}
	return out, nil
}

// ListRepoPackages lists packages of repository key, which must have the
// calling plugin's format and be readable by the caller; a repository the
// caller may not read is reported exactly like a missing one.
func (h *hostCall) ListRepoPackages(ctx context.Context, key, prefix, after string, limit int) ([]ports.Package, error) {
	notFound := fmt.Errorf("dispatch: list repo packages: repository %q not found: %w", key, ports.ErrNotFound)
	if h.format == "" {
		return nil, notFound
	}
	repo, err := h.d.repos.GetRepository(ctx, key)
	if isNotFound(err) || (err == nil && repo.Format != h.format) {
		return nil, notFound
	}
	if err != nil {
		return nil, fmt.Errorf("dispatch: list repo packages: %w", err)
	}
	ok, err := h.d.allowed(ctx, h.subject, ports.ActionRead, &repo)
	if err != nil {
		return nil, fmt.Errorf("dispatch: list repo packages: authorize: %w", err)
	}
	if !ok {
		return nil, notFound
	}
	return h.d.files.ListPackages(ctx, repo.ID, prefix, after, clampLimit(limit))
}

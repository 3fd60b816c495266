package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"

	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/ports"
)

// Mounts is the format dispatcher: it routes a request to the plugin that
// mounts its path, authorizing the subject in its context.
type Mounts interface {
	Table() *dispatch.Table
	Serve(ctx context.Context, req *dispatch.Request) (*dispatch.Response, error)
}

// NativeDeployer deploys files into a repository through its format's own
// mount: a PUT of the file at its path (Artifactory's deploy by path), so
// the plugin reads the package's metadata and indexes it as its native
// publish does. The host knows no format: it only finds the mount of the
// repository's format and reports what the plugin answers.
type NativeDeployer struct {
	Mounts Mounts
	// By is the administrator who started the import: the request is
	// authorized and audited as theirs.
	By ports.Subject
}

// ErrNoMount: no plugin mount serves the repository's format.
var ErrNoMount = errors.New("importer: no mount serves this format")

// rootDeploy is where a root mount takes deploys by path, below the
// repository's key: a plugin that claims a root mount serves every name
// below it, so a file's path there could also be one of its own routes;
// "-" starts no repository or image name (the contract of sdk.Mount.Root).
const rootDeploy = "/-/deploy"

// maxAnswer caps the plugin's answer quoted in a report.
const maxAnswer = 300

// RefusedError: the repository's plugin answered a deploy with an error;
// Message quotes its answer.
type RefusedError struct {
	Message string
	Err     error // the dispatcher's error, when it gave one
}

func (e *RefusedError) Error() string { return e.Message }
func (e *RefusedError) Unwrap() error { return e.Err }

// Deploy PUTs body at path below the repository's mount. A plugin's 409
// (the version is stored already) is a *ports.ConflictError, its
// StatusPending an error wrapping ErrPending, any other refusal an error
// quoting the plugin's answer. A root-mounted format (one mount for every
// repository, the repository key first in the name) gets it below
// rootDeploy instead, where the plugin keeps deploys apart from its names.
func (n NativeDeployer) Deploy(ctx context.Context, repo ports.Repository, path string, body io.Reader) error {
	var route *dispatch.Route
	for _, r := range n.Mounts.Table().Routes() {
		if r.Format == repo.Format && (route == nil || route.Root && !r.Root) {
			route = &r
		}
	}
	if route == nil {
		return fmt.Errorf("importer: format %q: %w", repo.Format, ErrNoMount)
	}
	segs := strings.Split(path, "/")
	for _, s := range segs {
		if s == "" || s == "." || s == ".." {
			return fmt.Errorf("importer: path %q has an empty, . or .. segment: %w", path, ErrBadSource)
		}
	}
	base := strings.TrimSuffix(route.Prefix, "/") + "/" + url.PathEscape(repo.Key)
	if route.Root {
		base += rootDeploy
	}
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	_, err := n.send(ctx, repo, &dispatch.Request{Method: "PUT", EscapedPath: base + "/" + strings.Join(segs, "/"),
		Header: map[string][]string{"Content-Type": {"application/octet-stream"}}, Body: body}, 200, 201, 202, 204)
	return err
}

// send serves req as the importing administrator. A 409 is a
// *ports.ConflictError, any other status not in ok a *RefusedError quoting
// the plugin's answer.
func (n NativeDeployer) send(ctx context.Context, repo ports.Repository, req *dispatch.Request, ok ...int) (*dispatch.Response, error) {
	resp, err := n.Mounts.Serve(auth.WithSubject(ctx, n.By), req)
	if err != nil {
		var de *dispatch.Error
		if errors.As(err, &de) && de.Status == 409 {
			return nil, &ports.ConflictError{Message: "the repository refused it: " + de.Message}
		}
		return nil, &RefusedError{Message: fmt.Sprintf("the %s repository refused it: %v", repo.Format, err), Err: err}
	}
	if resp.Stored != nil {
		resp.Stored.Content.Close()
	}
	switch {
	case resp.Status == 409:
		return nil, &ports.ConflictError{Message: "the repository refused it: " + answer(resp.Body)}
	case resp.Status == StatusPending:
		return nil, fmt.Errorf("the %s repository answered %d: %s: %w", repo.Format, resp.Status, answer(resp.Body), ErrPending)
	case !slices.Contains(ok, resp.Status):
		return nil, &RefusedError{Message: fmt.Sprintf("the %s repository answered %d: %s", repo.Format, resp.Status, answer(resp.Body))}
	}
	return resp, nil
}

// answer is the message of a plugin's error body: a JSON error field as the
// clients print it, else the text, bounded.
func answer(b []byte) string {
	var e struct {
		Error   any    `json:"error"`
		Message string `json:"message"`
		Detail  string `json:"detail"`
		Errors  []struct {
			Message string `json:"message"`
			Detail  string `json:"detail"`
		} `json:"errors"`
	}
	msg := strings.TrimSpace(string(b))
	if json.Unmarshal(b, &e) == nil {
		switch {
		case e.Error != nil:
			if s, ok := e.Error.(string); ok {
				msg = s
			}
		case e.Message != "":
			msg = e.Message
		case e.Detail != "":
			msg = e.Detail
		case len(e.Errors) > 0:
			msg = e.Errors[0].Message + e.Errors[0].Detail
		}
	}
	if len(msg) > maxAnswer {
		msg = msg[:maxAnswer] + "…"
	}
	return msg
}

// SkipError is a Target's answer for a file it leaves out on purpose
// (reported as skipped with Reason, not failed).
type SkipError struct{ Reason string }

func (e *SkipError) Error() string { return e.Reason }

// Deployer deploys one file into a repository through its format's mount.
type Deployer interface {
	Deploy(ctx context.Context, repo ports.Repository, path string, body io.Reader) error
}

var _ Deployer = NativeDeployer{}

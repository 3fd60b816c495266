package porttest

import (
	"reflect"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

// PropertyStores is a metadata adapter that also keeps properties.
type PropertyStores struct {
	Repos ports.RepositoryStore
	Files ports.FileStore
	Props ports.PropertyStore
}

// PropertyStore runs the conformance suite for ports.PropertyStore. open
// must return stores over a fresh, migrated, empty database.
func PropertyStore(t *testing.T, open func(t *testing.T) PropertyStores) {
	t.Run("artifact set, multi-value, remove", func(t *testing.T) { propArtifact(t, open(t)) })
	t.Run("follow the path: delete drops, overwrite keeps", func(t *testing.T) { propLifetime(t, open(t)) })
	t.Run("repository properties", func(t *testing.T) { propRepository(t, open(t)) })
	t.Run("find: and over keys, or over values, scope, cursor", func(t *testing.T) { propFind(t, open(t)) })
	t.Run("limits", func(t *testing.T) { propLimits(t, open(t)) })
}

func propRepo(t *testing.T, s PropertyStores, key string, paths ...string) ports.Repository {
	t.Helper()
	r := mdNewRepo(t, MetadataStores{Repos: s.Repos}, key)
	var ws ports.WriteSet
	for _, p := range paths {
		ws.Puts = append(ws.Puts, mdPut(p, "sha256:"+p, false))
	}
	if len(paths) > 0 {
		_, err := s.Files.Apply(mdCtx(t), r.ID, ws)
		mdOK(t, err, "apply "+key)
	}
	return r
}

func propEqual(t *testing.T, got, want ports.Properties, what string) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
}

func propArtifact(t *testing.T, s PropertyStores) {
	ctx := mdCtx(t)
	r := propRepo(t, s, "libs", "a/1.jar", "a/2.jar")
	got, err := s.Props.ArtifactProperties(ctx, r.ID, "a/1.jar")
	mdOK(t, err, "empty")
	propEqual(t, got, nil, "fresh artifact")
	_, err = s.Props.ArtifactProperties(ctx, r.ID, "missing")
	mdIs(t, err, ports.ErrNotFound, "missing path")
	_, err = s.Props.ChangeArtifactProperties(ctx, r.ID, "missing", ports.PropertyChange{Set: ports.Properties{"k": {"v"}}})
	mdIs(t, err, ports.ErrNotFound, "change missing path")

	got, err = s.Props.ChangeArtifactProperties(ctx, r.ID, "a/1.jar", ports.PropertyChange{
		Set: ports.Properties{"qa.status": {"passed"}, "os": {"linux", "darwin", "linux"}}})
	mdOK(t, err, "set")
	propEqual(t, got, ports.Properties{"os": {"darwin", "linux"}, "qa.status": {"passed"}}, "after set")
	// Set replaces every value of the key it names and leaves others alone.
	got, err = s.Props.ChangeArtifactProperties(ctx, r.ID, "a/1.jar", ports.PropertyChange{Set: ports.Properties{"os": {"windows"}}})
	mdOK(t, err, "replace")
	propEqual(t, got, ports.Properties{"os": {"windows"}, "qa.status": {"passed"}}, "after replace")
	got, err = s.Props.ChangeArtifactProperties(ctx, r.ID, "a/1.jar", ports.PropertyChange{Remove: []string{"os", "absent"}})
	mdOK(t, err, "remove")
	propEqual(t, got, ports.Properties{"qa.status": {"passed"}}, "after remove")
	got, err = s.Props.ArtifactProperties(ctx, r.ID, "a/1.jar")
	mdOK(t, err, "read back")
	propEqual(t, got, ports.Properties{"qa.status": {"passed"}}, "read back")
	got, err = s.Props.ArtifactProperties(ctx, r.ID, "a/2.jar")
	mdOK(t, err, "other artifact")
	propEqual(t, got, nil, "other artifact untouched")
}

func propLifetime(t *testing.T, s PropertyStores) {
	ctx := mdCtx(t)
	r := propRepo(t, s, "libs", "a/1.jar")
	_, err := s.Props.ChangeArtifactProperties(ctx, r.ID, "a/1.jar", ports.PropertyChange{Set: ports.Properties{"k": {"v"}}})
	mdOK(t, err, "set")
	_, err = s.Files.Apply(ctx, r.ID, ports.WriteSet{Puts: []ports.FilePut{mdPut("a/1.jar", "sha256:other", true)}})
	mdOK(t, err, "overwrite")
	got, err := s.Props.ArtifactProperties(ctx, r.ID, "a/1.jar")
	mdOK(t, err, "after overwrite")
	propEqual(t, got, ports.Properties{"k": {"v"}}, "overwrite keeps properties")
	_, err = s.Files.Apply(ctx, r.ID, ports.WriteSet{Deletes: []string{"a/1.jar"}})
	mdOK(t, err, "delete")
	_, err = s.Files.Apply(ctx, r.ID, ports.WriteSet{Puts: []ports.FilePut{mdPut("a/1.jar", "sha256:x", false)}})
	mdOK(t, err, "put again")
	got, err = s.Props.ArtifactProperties(ctx, r.ID, "a/1.jar")
	mdOK(t, err, "after delete and put")
	propEqual(t, got, nil, "a deleted path's properties are gone")
	hits, err := s.Props.FindArtifacts(ctx, ports.PropertyQuery{All: true, Limit: 10, Matches: []ports.PropertyMatch{{Key: "k"}}})
	mdOK(t, err, "find")
	if len(hits) != 0 {
		t.Fatalf("find after delete: %v", hits)
	}
}

func propRepository(t *testing.T, s PropertyStores) {
	ctx := mdCtx(t)
	r := propRepo(t, s, "libs")
	other := propRepo(t, s, "other")
	got, err := s.Props.ChangeRepositoryProperties(ctx, r.ID, ports.PropertyChange{Set: ports.Properties{"team": {"core", "ops"}}})
	mdOK(t, err, "set")
	propEqual(t, got, ports.Properties{"team": {"core", "ops"}}, "after set")
	got, err = s.Props.RepositoryProperties(ctx, other.ID)
	mdOK(t, err, "other")
	propEqual(t, got, nil, "other repository untouched")
	_, err = s.Props.ChangeRepositoryProperties(ctx, 999999, ports.PropertyChange{Set: ports.Properties{"k": {"v"}}})
	mdIs(t, err, ports.ErrNotFound, "missing repository")
	mdOK(t, s.Repos.DeleteRepository(ctx, "libs"), "delete repository")
	got, err = s.Props.RepositoryProperties(ctx, r.ID)
	mdOK(t, err, "after delete")
	propEqual(t, got, nil, "deleted repository's properties are gone")
}

func propFind(t *testing.T, s PropertyStores) {
	ctx := mdCtx(t)
	a := propRepo(t, s, "a", "x/1", "x/2", "x/3")
	b := propRepo(t, s, "b", "y/1")
	set := func(r ports.Repository, path string, p ports.Properties) {
		_, err := s.Props.ChangeArtifactProperties(ctx, r.ID, path, ports.PropertyChange{Set: p})
		mdOK(t, err, "set "+path)
	}
	set(a, "x/1", ports.Properties{"qa": {"passed"}, "os": {"linux"}})
	set(a, "x/2", ports.Properties{"qa": {"failed"}, "os": {"linux", "darwin"}})
	set(a, "x/3", ports.Properties{"qa": {"passed"}})
	set(b, "y/1", ports.Properties{"qa": {"passed"}, "os": {"darwin"}})
	find := func(q ports.PropertyQuery) []string {
		t.Helper()
		if q.Limit == 0 {
			q.Limit = 10
		}
		hits, err := s.Props.FindArtifacts(ctx, q)
		mdOK(t, err, "find")
		var out []string
		for _, h := range hits {
			key := map[int64]string{a.ID: "a", b.ID: "b"}[h.RepositoryID]
			out = append(out, key+":"+h.Path)
		}
		return out
	}
	m := func(k string, vs ...string) ports.PropertyMatch { return ports.PropertyMatch{Key: k, Values: vs} }
	mdEqualStrings(t, find(ports.PropertyQuery{All: true, Matches: []ports.PropertyMatch{m("qa", "passed")}}), []string{"a:x/1", "a:x/3", "b:y/1"}, "qa=passed")
	mdEqualStrings(t, find(ports.PropertyQuery{All: true, Matches: []ports.PropertyMatch{m("qa", "passed"), m("os", "linux")}}), []string{"a:x/1"}, "qa=passed and os=linux")
	mdEqualStrings(t, find(ports.PropertyQuery{All: true, Matches: []ports.PropertyMatch{m("os", "linux", "darwin")}}), []string{"a:x/1", "a:x/2", "b:y/1"}, "os in linux,darwin")
	mdEqualStrings(t, find(ports.PropertyQuery{All: true, Matches: []ports.PropertyMatch{m("os")}}), []string{"a:x/1", "a:x/2", "b:y/1"}, "os present")
	mdEqualStrings(t, find(ports.PropertyQuery{Repositories: []int64{b.ID}, Matches: []ports.PropertyMatch{m("qa", "passed")}}), []string{"b:y/1"}, "scoped to b")
	mdEqualStrings(t, find(ports.PropertyQuery{Matches: []ports.PropertyMatch{m("qa", "passed")}}), nil, "empty scope finds nothing")
	mdEqualStrings(t, find(ports.PropertyQuery{All: true, Matches: []ports.PropertyMatch{m("qa", "PASSED")}}), nil, "values match exactly")
	first := find(ports.PropertyQuery{All: true, Limit: 2, Matches: []ports.PropertyMatch{m("qa", "passed")}})
	mdEqualStrings(t, first, []string{"a:x/1", "a:x/3"}, "first page")
	mdEqualStrings(t, find(ports.PropertyQuery{All: true, AfterRepo: a.ID, AfterPath: "x/3", Matches: []ports.PropertyMatch{m("qa", "passed")}}), []string{"b:y/1"}, "second page")
	hits, err := s.Props.FindArtifacts(ctx, ports.PropertyQuery{All: true, Limit: 1, Matches: []ports.PropertyMatch{m("qa", "failed")}})
	mdOK(t, err, "find with properties")
	if len(hits) != 1 {
		t.Fatalf("hits = %v", hits)
	}
	propEqual(t, hits[0].Properties, ports.Properties{"os": {"darwin", "linux"}, "qa": {"failed"}}, "hit carries its properties")
}

func propLimits(t *testing.T, s PropertyStores) {
	ctx := mdCtx(t)
	r := propRepo(t, s, "libs", "f")
	many := ports.Properties{}
	for i := 0; i <= ports.PropertyMaxKeys; i++ {
		many["k"+string(rune('a'+i/26))+string(rune('a'+i%26))] = []string{"v"}
	}
	_, err := s.Props.ChangeArtifactProperties(ctx, r.ID, "f", ports.PropertyChange{Set: many})
	mdIs(t, err, ports.ErrInvalid, "too many keys")
	got, err := s.Props.ArtifactProperties(ctx, r.ID, "f")
	mdOK(t, err, "after refused change")
	propEqual(t, got, nil, "a refused change writes nothing")
}

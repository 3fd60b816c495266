package dbsearch

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/ports"
)

// filter is the WHERE clause every part of one search shares: the match,
// the caller's scope and the format. Terms hold only letters and digits
// (core/search.Terms), so the engine syntax built from them cannot be
// escaped; every value is still passed as an argument. name/nargs replace
// the match's where and args for the second set of ranking candidates
// (every term a whole word of the name); nrank is that set's score.
type filter struct {
	from  string
	where []string
	args  []any
	rank  string
	rargs []any
	name  []string
	nargs []any
	nrank string
}

func prefix(t string) bool { return utf8.RuneCountInString(t) >= ports.SearchMinPrefix }

func (ix *Index) filter(q ports.SearchQuery) filter {
	var f filter
	q.Terms = foldAll(q.Terms)
	switch {
	case len(q.Terms) == 0:
		f.from, f.rank = "search_documents AS d", "0.0"
	case ix.pg:
		// Every term must match: a word starting with it (a whole word if
		// it is short), or (with pg_trgm) a word of the name it resembles
		// (word_similarity, typo tolerance).
		tsq, name := make([]string, len(q.Terms)), make([]string, len(q.Terms))
		for i, t := range q.Terms {
			tsq[i], name[i] = t, t+":A"
			if prefix(t) {
				tsq[i] += ":*"
			}
			cond, args := "d.words @@ to_tsquery('simple', ?)", []any{tsq[i]}
			if ix.trigram && prefix(t) {
				cond, args = "("+cond+" OR ? <% lower(d.package))", append(args, t)
			}
			f.where = append(f.where, cond)
			f.args = append(f.args, args...)
		}
		f.from = "search_documents AS d"
		f.rank, f.rargs = "ts_rank_cd(d.words, to_tsquery('simple', ?))", []any{strings.Join(tsq, " & ")}
		if ix.trigram {
			f.rank += " + similarity(lower(d.package), ?)"
			f.rargs = append(f.rargs, strings.Join(q.Terms, " "))
		}
		// Weight A is the name: every term a whole word of it. The planner
		// cannot tell how many names hold a word (its estimate ignores
		// weights), so with pg_trgm the name's trigram index finds the
		// names containing each term first: terms hold only letters and
		// digits, never a LIKE wildcard.
		f.name, f.nargs, f.nrank = []string{"d.words @@ to_tsquery('simple', ?)"}, []any{strings.Join(name, " & ")}, f.rank
		if ix.trigram {
			for _, t := range q.Terms {
				f.name, f.nargs = append(f.name, "lower(d.package) LIKE ?"), append(f.nargs, "%"+t+"%")
			}
		}
	default:
		m, name := make([]string, len(q.Terms)), make([]string, len(q.Terms))
		for i, t := range q.Terms {
			m[i], name[i] = `"`+t+`"`, `"`+t+`"`
			if prefix(t) {
				m[i] += "*"
			}
		}
		match := strings.Join(m, " ")
		f.from = "search_fts JOIN search_documents AS d ON d.id = search_fts.rowid"
		f.where = append(f.where, "search_fts MATCH ?")
		f.args = append(f.args, match)
		// bm25 is lower for better matches; weights follow the columns:
		// package, keywords, description, versions, body.
		f.rank = "-bm25(search_fts, 10.0, 5.0, 2.0, 1.0, 0.5)"
		// The name set matches every term as a whole word of the package
		// column (which implies the prefix match above). The package column
		// alone keeps its doclist walk short: matching the terms in every
		// column as well cost a walk of every match (23 ms against 3 ms for
		// a word in all of 100,000 packages). Its bm25 weighs how rare the
		// word is among names, so a name match ranks above matches in other
		// columns of a word that most packages hold.
		f.name, f.nargs, f.nrank = []string{"search_fts MATCH ?"}, []any{"{package} : (" + strings.Join(name, " ") + ")"}, f.rank
	}
	f.scope(q.Scope, q.Format)
	return f
}

// scope adds the caller's repositories and the format to the match and,
// when there is one, to the name set's match.
func (f *filter) scope(s ports.SearchScope, format string) {
	add := func(cond string, arg any) {
		f.where, f.args = append(f.where, cond), append(f.args, arg)
		if f.name != nil {
			f.name, f.nargs = append(f.name, cond), append(f.nargs, arg)
		}
	}
	if !s.All {
		add("d.repository_id IN (?)", bun.List(s.Repositories))
	}
	if format != "" {
		add("d.format = ?", format)
	}
}

func (f filter) sql() string {
	s := " FROM " + f.from
	if len(f.where) > 0 {
		s += " WHERE " + strings.Join(f.where, " AND ")
	}
	return s
}

// maxCounted bounds how many matches are counted for the total and the
// facets (ports.SearchMaxTotal): an unselective query costs a bounded count,
// and pages end there (core/search.MaxWindow).
const maxCounted = ports.SearchMaxTotal

// ranked is the query of one page by relevance, then name, given the
// counted matches; its args lack the final LIMIT and OFFSET. The ranking is
// bounded: it scores the first maxCounted matches in index order, plus, when
// that many were counted, the first maxCounted whose name holds every term
// as a whole word, so an exact name is ranked however many packages match.
// A query matching more than that (one or two letters, a word nearly every
// package contains) costs a bounded ranking; anything more selective is
// ranked whole. The scope is inside each candidate set, before its LIMIT.
func (f filter) ranked(counted int) (string, []any) {
	n := maxCounted
	set := func(where []string, rank string) string {
		return "SELECT * FROM (SELECT d.id AS id, " + rank + " AS score FROM " + f.from +
			" WHERE " + strings.Join(where, " AND ") + " LIMIT ?) AS s"
	}
	sets := set(f.where, f.rank)
	var args []any
	args = append(append(append(args, f.rargs...), f.args...), n)
	if counted >= n {
		sets += " UNION ALL " + set(f.name, f.nrank)
		args = append(append(append(args, f.rargs...), f.nargs...), n)
	}
	query := "SELECT c.id, max(c.score) AS score FROM (" + sets +
		") AS c JOIN search_documents AS d ON d.id = c.id GROUP BY c.id, d.package, d.repository" +
		" ORDER BY score DESC, d.package, d.repository LIMIT ? OFFSET ?"
	return query, args
}

// Search returns one page of documents by relevance (then name), the
// count by format and repository of what matches (at most maxCounted), and
// the total.
func (ix *Index) Search(ctx context.Context, q ports.SearchQuery) (ports.SearchResult, error) {
	res := ports.SearchResult{Formats: map[string]int{}, Repositories: map[string]int{}}
	if q.Scope.Empty() {
		return res, nil
	}
	f := ix.filter(q)
	var facets []struct {
		Format     string `bun:"format"`
		Repository string `bun:"repository"`
		N          int    `bun:"n"`
	}
	count := "SELECT m.format, m.repository, count(*) AS n FROM (SELECT d.format, d.repository" + f.sql() +
		" LIMIT ?) AS m GROUP BY m.format, m.repository"
	args := append(slices.Clone(f.args), maxCounted)
	if err := ix.db.NewRaw(count, args...).Scan(ctx, &facets); err != nil {
		return res, wrap("search facets", err)
	}
	for _, c := range facets {
		res.Formats[c.Format] += c.N
		res.Repositories[c.Repository] += c.N
		res.Total += c.N
	}
	if res.Total == 0 || q.Offset >= res.Total {
		return res, nil
	}
	// Rank ids only, then read the page's documents: the sort never
	// carries whole documents.
	var page []struct {
		ID    int64   `bun:"id"`
		Score float64 `bun:"score"`
	}
	var query string
	if len(q.Terms) == 0 {
		from := f.sql()
		if !ix.pg {
			// Walk the name index in order and filter, rather than sort
			// every document of the scope (the unary + keeps SQLite off
			// the repository index for this query).
			from = strings.Replace(from, "d.repository_id IN", "+d.repository_id IN", 1)
		}
		query, args = "SELECT d.id, 0.0 AS score"+from+" ORDER BY d.package, d.repository LIMIT ? OFFSET ?", append(slices.Clone(f.args), q.Limit, q.Offset)
	} else {
		query, args = f.ranked(res.Total)
		args = append(args, q.Limit, q.Offset)
	}
	if err := ix.db.NewRaw(query, args...).Scan(ctx, &page); err != nil {
		return res, wrap("search", err)
	}
	if len(page) == 0 {
		return res, nil
	}
	ids := make([]int64, len(page))
	for i, p := range page {
		ids[i] = p.ID
	}
	var rows []struct {
		ID       int64  `bun:"id"`
		Document string `bun:"document"`
	}
	if err := ix.db.NewRaw("SELECT id, document FROM search_documents WHERE id IN (?)", bun.List(ids)).Scan(ctx, &rows); err != nil {
		return res, wrap("search documents", err)
	}
	byID := make(map[int64]string, len(rows))
	for _, r := range rows {
		byID[r.ID] = r.Document
	}
	for _, p := range page {
		var d ports.SearchDocument
		if err := json.Unmarshal([]byte(byID[p.ID]), &d); err != nil {
			return res, wrap("decode document", err)
		}
		res.Hits = append(res.Hits, ports.SearchHit{Document: d, Score: p.Score})
	}
	return res, nil
}

// ByChecksum lists files in scope with the given SHA-256.
func (ix *Index) ByChecksum(ctx context.Context, sum string, scope ports.SearchScope, limit int) ([]ports.ChecksumHit, error) {
	if scope.Empty() {
		return nil, nil
	}
	f := filter{from: "search_checksums AS c JOIN search_documents AS d ON d.doc_id = c.doc_id",
		where: []string{"c.sha256 = ?"}, args: []any{strings.ToLower(sum)}}
	f.scope(scope, "")
	var out []ports.ChecksumHit
	err := ix.db.NewRaw("SELECT d.repository, d.format, d.package, c.version, c.path"+f.sql()+
		" ORDER BY d.repository, c.path LIMIT ?", append(f.args, max(limit, 1))...).Scan(ctx, &out)
	return out, wrap("by checksum", err)
}

package dbsearch

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/core/search"
	"github.com/keeper-registry/keeper/ports"
)

// Index is ports.SearchIndex over the tables of migration 0011.
type Index struct {
	db *bun.DB
	pg bool
	// trigram is true when pg_trgm's index exists (PostgreSQL only): the
	// package name then also matches by similarity, tolerating typos.
	trigram bool
}

var _ ports.SearchIndex = (*Index)(nil)

// New returns the index in db, a migrated Keeper database of dialect
// "postgres" or "sqlite".
func New(ctx context.Context, db *bun.DB, dialect string) (*Index, error) {
	ix := &Index{db: db, pg: dialect == "postgres"}
	if ix.pg {
		err := db.NewRaw("SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'search_documents_package_trgm')").
			Scan(ctx, &ix.trigram)
		if err != nil {
			return nil, fmt.Errorf("dbsearch: check trigram index: %w", err)
		}
	}
	return ix, nil
}

// Trigram reports whether typo tolerance by trigram similarity is on.
func (ix *Index) Trigram() bool { return ix.trigram }

// row fields: the document as stored for hits (no files, no text).
func stored(d ports.SearchDocument) (string, error) {
	d.Files, d.Text = nil, ""
	b, err := json.Marshal(d)
	return string(b), err
}

// nameWords are the words of a package name plus the name run together,
// so "left-pad" is found by "left", "pad" and "leftpad".
func nameWords(name string) string {
	w := search.Words(name)
	if joined := strings.ReplaceAll(w, " ", ""); joined != w {
		w += " " + joined
	}
	return w
}

// Upsert adds or replaces documents, each with its words and checksums, in one transaction.
func (ix *Index) Upsert(ctx context.Context, docs []ports.SearchDocument) error {
	if len(docs) == 0 {
		return nil
	}
	err := ix.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for _, d := range docs {
			if err := ix.upsert(ctx, tx, d); err != nil {
				return err
			}
		}
		return nil
	})
	return wrap("upsert", err)
}

func (ix *Index) upsert(ctx context.Context, tx bun.Tx, d ports.SearchDocument) error {
	body, err := stored(d)
	if err != nil {
		return err
	}
	name, kw, desc := fold(nameWords(d.Package)), fold(search.Words(strings.Join(d.Keywords, " "))), fold(search.Words(d.Description))
	vers, rest := search.Words(strings.Join(d.Versions, " ")), fold(d.Text)
	text := vers + " " + rest
	updated := d.UpdatedAt.UnixNano()
	var id int64
	if ix.pg {
		err = tx.NewRaw(`INSERT INTO search_documents (doc_id, repository_id, repository, format, package, words, document, updated_at)
VALUES (?, ?, ?, ?, ?, setweight(to_tsvector('simple', ?), 'A') || setweight(to_tsvector('simple', ?), 'B') ||
 setweight(to_tsvector('simple', ?), 'C') || setweight(to_tsvector('simple', ?), 'D'), ?, ?)
ON CONFLICT (doc_id) DO UPDATE SET repository = EXCLUDED.repository, format = EXCLUDED.format, package = EXCLUDED.package,
 words = EXCLUDED.words, document = EXCLUDED.document, updated_at = EXCLUDED.updated_at RETURNING id`,
			d.ID, d.RepositoryID, d.Repository, d.Format, d.Package, name, kw, desc, text, body, updated).Scan(ctx, &id)
		if err != nil {
			return err
		}
	} else {
		err = tx.NewRaw(`INSERT INTO search_documents (doc_id, repository_id, repository, format, package, document, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (doc_id) DO UPDATE SET repository = excluded.repository, format = excluded.format, package = excluded.package,
 document = excluded.document, updated_at = excluded.updated_at RETURNING id`,
			d.ID, d.RepositoryID, d.Repository, d.Format, d.Package, body, updated).Scan(ctx, &id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM search_fts WHERE rowid = ?", id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO search_fts (rowid, package, keywords, description, versions, body) VALUES (?, ?, ?, ?, ?, ?)",
			id, name, kw, desc, vers, rest); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM search_checksums WHERE doc_id = ?", d.ID); err != nil {
		return err
	}
	type sumRow struct {
		bun.BaseModel `bun:"table:search_checksums"`
		DocID         string `bun:"doc_id"`
		SHA256        string `bun:"sha256"`
		Path          string `bun:"path"`
		Version       string `bun:"version"`
	}
	var sums []sumRow
	for _, f := range d.Files {
		if f.SHA256 != "" {
			sums = append(sums, sumRow{DocID: d.ID, SHA256: strings.ToLower(f.SHA256), Path: f.Path, Version: f.Version})
		}
	}
	if len(sums) > 0 {
		if _, err := tx.NewInsert().Model(&sums).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Delete removes documents by ID.
func (ix *Index) Delete(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	return wrap("delete", ix.remove(ctx, "doc_id IN (?)", bun.List(ids)))
}

// DeleteRepository removes every document of a repository.
func (ix *Index) DeleteRepository(ctx context.Context, repositoryID int64) error {
	return wrap("delete repository", ix.remove(ctx, "repository_id = ?", repositoryID))
}

// remove deletes the documents matching where, with their words and checksums.
func (ix *Index) remove(ctx context.Context, where string, arg any) error {
	return ix.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		stmts := []string{
			"DELETE FROM search_checksums WHERE doc_id IN (SELECT doc_id FROM search_documents WHERE " + where + ")",
			"DELETE FROM search_documents WHERE " + where,
		}
		if !ix.pg {
			stmts = append([]string{"DELETE FROM search_fts WHERE rowid IN (SELECT id FROM search_documents WHERE " + where + ")"}, stmts...)
		}
		for _, s := range stmts {
			if _, err := tx.NewRaw(s, arg).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}

// wrap prefixes errors with the room.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("dbsearch: %s: %w", op, err)
}

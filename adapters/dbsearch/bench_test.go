package dbsearch_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/dbsearch"
	"github.com/keeper-registry/keeper/core/search"
	"github.com/keeper-registry/keeper/ports"
)

// Benchmarks of the built-in index on 100,000 packages (SQLite always,
// PostgreSQL with KEEPER_TEST_POSTGRES_URL): query latency p50/p99 over a
// mix of queries, and indexing throughput. Figures go to bench/README.md.
//
//	go test ./adapters/dbsearch/ -run '^$' -bench Search100k -benchtime 180x -timeout 60m -v

const benchPackages = 100_000

// benchWords is a fixed vocabulary of pronounceable words.
func benchWords(n int) []string {
	r := rand.New(rand.NewPCG(1, 2))
	cons, vows := "bcdfghjklmnprstvz", "aeiou"
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		var b strings.Builder
		for range 2 + r.IntN(2) {
			b.WriteByte(cons[r.IntN(len(cons))])
			b.WriteByte(vows[r.IntN(len(vows))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

func benchDocs(words []string) []ports.SearchDocument {
	r := rand.New(rand.NewPCG(3, 4))
	formats := []string{"npm", "pypi", "maven", "cargo", "generic"}
	pick := func(k int) []string {
		out := make([]string, k)
		for i := range out {
			out[i] = words[r.IntN(len(words))]
		}
		return out
	}
	docs := make([]ports.SearchDocument, benchPackages)
	for i := range docs {
		repo := int64(i%100 + 1)
		name := strings.Join(pick(2), "-") + fmt.Sprint(i)
		docs[i] = ports.SearchDocument{ID: ports.SearchDocumentID(repo, name), RepositoryID: repo,
			Repository: fmt.Sprintf("repo-%03d", repo), Format: formats[repo%5], Package: name, Version: "1.0.0",
			Versions: []string{"1.0.0", "0.9.0"}, Description: strings.Join(pick(8), " "), Keywords: pick(3),
			Text: "license mit " + strings.Join(pick(4), " "), UpdatedAt: time.Unix(int64(i), 0).UTC(),
			Files: []ports.SearchFile{{Path: name + "-1.0.0.tgz", Version: "1.0.0", SHA256: fmt.Sprintf("%064x", i)}}}
	}
	return docs
}

// seed indexes every document in batches and reports documents per second.
func seed(b *testing.B, ix *dbsearch.Index, docs []ports.SearchDocument) {
	start := time.Now()
	for i := 0; i < len(docs); i += 500 {
		if err := ix.Upsert(b.Context(), docs[i:min(i+500, len(docs))]); err != nil {
			b.Fatal(err)
		}
	}
	took := time.Since(start)
	b.Logf("indexed %d packages in %v: %.0f packages/s", len(docs), took.Round(time.Millisecond), float64(len(docs))/took.Seconds())
}

// benchQuery is one kind of query of the mix, named for the figures.
type benchQuery struct {
	name string
	q    ports.SearchQuery
}

func benchQueries(words []string, docs []ports.SearchDocument) []benchQuery {
	half := make([]int64, 50)
	for i := range half {
		half[i] = int64(2*i + 1)
	}
	all, some := ports.SearchScope{All: true}, ports.SearchScope{Repositories: half}
	return []benchQuery{
		{"word", ports.SearchQuery{Terms: []string{words[7]}, Scope: all, Limit: 20}},
		{"two-words", ports.SearchQuery{Terms: []string{words[11], words[12]}, Scope: all, Limit: 20}},
		{"prefix2", ports.SearchQuery{Terms: []string{words[21][:2]}, Scope: all, Limit: 20}},
		{"every-doc", ports.SearchQuery{Terms: []string{"mit"}, Scope: all, Limit: 20}},
		{"half-repos", ports.SearchQuery{Terms: []string{words[31]}, Scope: some, Limit: 20}},
		{"format-page3", ports.SearchQuery{Terms: []string{words[41]}, Format: "npm", Scope: some, Limit: 20, Offset: 40}},
		{"exact-name", ports.SearchQuery{Terms: strings.Fields(search.Words(docs[4242].Package)), Scope: all, Limit: 20}},
		{"browse", ports.SearchQuery{Scope: some, Limit: 20, Offset: 200}},
		// Since the 2-letter term above matches whole words only, a
		// 3-letter prefix is the unselective prefix of the mix.
		{"prefix3", ports.SearchQuery{Terms: []string{words[21][:3]}, Scope: all, Limit: 20}},
	}
}

// cpuTime is the CPU time (user + system) this process has used so far: on
// a shared machine a query's CPU time, unlike its wall time, does not grow
// with the time spent waiting for a core. (The database of the PostgreSQL
// run works in another process: there only wall time is meaningful.)
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func percentile(lat []time.Duration, q float64) time.Duration {
	s := slices.Clone(lat)
	slices.Sort(s)
	return s[int(q*float64(len(s)-1))]
}

func benchSearch(b *testing.B, ix *dbsearch.Index) {
	words := benchWords(3000)
	docs := benchDocs(words)
	seed(b, ix, docs)
	queries := benchQueries(words, docs)
	var lat, cpuAll []time.Duration
	kinds := make([][]time.Duration, len(queries))
	cpus := make([][]time.Duration, len(queries))
	for i := 0; b.Loop(); i++ {
		k := i % len(queries)
		cpu0, start := cpuTime(), time.Now()
		r, err := ix.Search(b.Context(), queries[k].q)
		if err != nil {
			b.Fatal(err)
		}
		took, cpu := time.Since(start), cpuTime()-cpu0
		lat, cpuAll = append(lat, took), append(cpuAll, cpu)
		kinds[k], cpus[k] = append(kinds[k], took), append(cpus[k], cpu)
		if i < len(queries) {
			b.Logf("%-13s matches %6d", queries[k].name, r.Total)
		}
	}
	for k, q := range queries {
		if len(kinds[k]) > 0 {
			b.Logf("%-13s p50 %7.2f ms  p99 %7.2f ms   cpu p50 %7.2f ms  p99 %7.2f ms", q.name,
				ms(percentile(kinds[k], 0.5)), ms(percentile(kinds[k], 0.99)), ms(percentile(cpus[k], 0.5)), ms(percentile(cpus[k], 0.99)))
		}
	}
	b.ReportMetric(ms(percentile(lat, 0.50)), "p50-ms")
	b.ReportMetric(ms(percentile(lat, 0.99)), "p99-ms")
	b.ReportMetric(ms(percentile(cpuAll, 0.50)), "cpu-p50-ms")
	b.ReportMetric(ms(percentile(cpuAll, 0.99)), "cpu-p99-ms")
	b.ReportMetric(0, "ns/op")
}

func BenchmarkSearch100kSQLite(b *testing.B) {
	benchSearch(b, index(b, openSQLite(b)))
}

func BenchmarkSearch100kPostgres(b *testing.B) {
	if os.Getenv(postgresEnv) == "" {
		b.Skipf("%s is not set; skipping the PostgreSQL run", postgresEnv)
	}
	benchSearch(b, index(b, openPostgres(b)))
}

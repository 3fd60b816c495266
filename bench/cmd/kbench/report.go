package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// row is one line of the table: a metric of keeper against a reference.
type row struct {
	label, figure, metric string
	ref                   string // subject of the reference column ("" for none); "subject@figure" for another figure's
	kind                  string // ratio>= ratio<= abs>= abs<= info
	target                float64
}

func rows() []row {
	var out []row
	for _, s := range []string{"1", "4"} {
		f := "download-" + s
		out = append(out,
			row{"download 100 MiB x" + s + " stream, MiB/s", f, "mibps", "nginx", "ratio>=", 0.9},
			row{"download 100 MiB x" + s + " stream, CPU-s/GiB", f, "cpu_per_gib", "nginx", "ratio<=", 1.5},
			row{"download 100 MiB x" + s + " stream, RSS MiB after", f, "rss_mib", "nginx", "info", 0})
	}
	out = append(out,
		row{"upload 100 MiB, MiB/s", "upload", "mibps", "write+sha256", "ratio>=", 0.6},
		row{"upload 100 MiB, CPU-s/GiB", "upload", "cpu_per_gib", "write+sha256", "abs<=", 1.3},
		row{"upload 100 MiB, peak RSS MiB (since start)", "upload", "hwm_mib", "", "info", 0})
	for _, v := range []struct{ fig, name string }{
		{"get1k-c32", "1 KiB GET c32"}, {"get1k-c64", "1 KiB GET c64"},
		{"get1k-pin-c32", "1 KiB GET pinned c32"}, {"get1k-pin-c64", "1 KiB GET pinned c64"},
	} {
		pinned := strings.Contains(v.fig, "pin")
		rpsKind, rpsTarget := "info", 0.0
		if pinned { // one server core: req/s is req/s per core
			rpsKind, rpsTarget = "abs>=", 10000
		}
		out = append(out,
			row{v.name + ", req/s", v.fig, "rps", "nginx", rpsKind, rpsTarget},
			row{v.name + ", req/s per server core", v.fig, "rps_per_core", "nginx", "abs>=", 10000},
			row{v.name + ", server CPU µs/req", v.fig, "cpu_us_per_req", "nginx", "abs<=", 100},
			row{v.name + ", p50 ms", v.fig, "p50_ms", "nginx", "info", 0},
			row{v.name + ", p99 ms", v.fig, "p99_ms", "nginx", "abs<", 20},
			row{v.name + ", RSS MiB", v.fig, "rss_mib", "nginx", "info", 0})
	}
	out = append(out, formatRows()...)
	out = append(out, ociRows()...)
	return append(out, proxyRows()...)
}

func metric(r Record, m string) float64 {
	switch m {
	case "mibps":
		return r.MiBps
	case "seconds":
		return r.Seconds
	case "cpu_per_gib":
		return r.CPUperGiB
	case "hwm_mib":
		return r.HWMMiB
	case "rss_mib":
		return r.RSSMiB
	case "rps":
		return r.RPS
	case "rps_per_core":
		return r.RPSCore
	case "cpu_us_per_req":
		return r.CPUusReq
	case "p50_ms":
		return r.P50ms
	case "p99_ms":
		return r.P99ms
	}
	return 0
}

type stat struct {
	med, lo, hi    float64
	valid, invalid int
}

func summarize(rs []Record, m string) stat {
	var s stat
	var vs []float64
	for _, r := range rs {
		if !r.Valid {
			s.invalid++
			continue
		}
		vs = append(vs, metric(r, m))
	}
	s.valid = len(vs)
	if len(vs) == 0 {
		return s
	}
	sort.Float64s(vs)
	s.lo, s.hi = vs[0], vs[len(vs)-1]
	if len(vs)%2 == 1 {
		s.med = vs[len(vs)/2]
	} else {
		s.med = (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2
	}
	return s
}

func (s stat) String() string {
	if s.valid == 0 {
		if s.invalid > 0 {
			return fmt.Sprintf("invalid(%d)", s.invalid)
		}
		return "-"
	}
	out := fmt.Sprintf("%s [%s–%s]", num(s.med), num(s.lo), num(s.hi))
	if s.invalid > 0 {
		out += fmt.Sprintf(" +%d invalid", s.invalid)
	}
	return out
}

func num(v float64) string {
	switch {
	case v >= 1000:
		return fmt.Sprintf("%.0f", v)
	case v >= 100:
		return fmt.Sprintf("%.1f", v)
	case v >= 1:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.3f", v)
}

// cmdReport prints the table of every figure present in the results file.
func cmdReport(args []string) error {
	fs := flag.NewFlagSet("report", flag.ExitOnError)
	_ = fs.Parse(args)
	if fs.NArg() != 1 {
		return errors.New("report: give the results file")
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	recs, err := readRecords(f)
	if err != nil {
		return err
	}
	by := map[string][]Record{}
	for _, r := range recs {
		by[r.Figure+"|"+r.Subject] = append(by[r.Figure+"|"+r.Subject], r)
	}
	fmt.Printf("%-52s | %-28s | %-28s | %-13s | %-7s | %s\n", "figure", "keeper median [min–max]", "reference median [min–max]", "ratio", "target", "result")
	fmt.Println(strings.Repeat("-", 52) + "-+-" + strings.Repeat("-", 28) + "-+-" + strings.Repeat("-", 28) + "-+-" + strings.Repeat("-", 13) + "-+-" + strings.Repeat("-", 7) + "-+-------")
	failed := 0
	for _, rw := range rows() {
		ks := by[rw.figure+"|keeper"]
		if len(ks) == 0 || (rw.ref == "base" && len(by[rw.figure+"|base"]) == 0) {
			continue
		}
		k := summarize(ks, rw.metric)
		refCol, ratioCol := "", ""
		var ref stat
		if rw.ref != "" {
			subj, rf, ok := strings.Cut(rw.ref, "@")
			if !ok {
				rf = rw.figure
			}
			ref = summarize(by[rf+"|"+subj], rw.metric)
			refCol = subj + " " + ref.String()
			if k.valid > 0 && ref.valid > 0 && ref.med != 0 {
				ratioCol = ratio(k.med / ref.med)
			}
		}
		target, result := verdict(rw, k, ref)
		if result == "FAIL" || result == "invalid" {
			failed++
		}
		fmt.Printf("%-52s | %-28s | %-28s | %-13s | %-7s | %s\n", rw.label, k.String(), refCol, ratioCol, target, result)
	}
	fmt.Printf("\n%d figure(s) missed their target or had no valid run.\n", failed)
	return nil
}

func verdict(rw row, k, ref stat) (string, string) {
	if rw.kind == "info" {
		return "", ""
	}
	var target string
	var v float64
	switch rw.kind {
	case "ratio>=", "ratio<=":
		target = strings.TrimPrefix(rw.kind, "ratio") + num(rw.target) + "x"
		if ref.valid == 0 || ref.med == 0 {
			return target, "invalid"
		}
		v = k.med / ref.med
	default:
		target = strings.TrimPrefix(rw.kind, "abs") + num(rw.target)
		v = k.med
	}
	if k.valid == 0 || k.invalid > 0 {
		return target, "invalid"
	}
	ok := false
	switch strings.TrimPrefix(strings.TrimPrefix(rw.kind, "ratio"), "abs") {
	case ">=":
		ok = v >= rw.target
	case "<=":
		ok = v <= rw.target
	case "<":
		ok = v < rw.target
	}
	if ok {
		return target, "pass"
	}
	return target, "FAIL"
}

func readRecords(r io.Reader) ([]Record, error) {
	var out []Record
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var rec Record
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			return nil, fmt.Errorf("report: %q: %w", line, err)
		}
		out = append(out, rec)
	}
	return out, sc.Err()
}

// ratio prints a keeper/reference ratio with at least two significant digits.
func ratio(v float64) string {
	if v < 0.1 {
		return fmt.Sprintf("%.4fx", v)
	}
	return fmt.Sprintf("%.2fx", v)
}

package main

// Documents of bench/formats.sh: figure prefix, label, and whether Verdaccio serves it.
var formatDocs = []struct {
	fig, name string
	npm       bool
}{
	{"npm-full", "npm packument 200 v", true},
	{"npm-abbr", "npm packument abbreviated 200 v", true},
	{"pypi-html", "PyPI simple HTML 200 v", false},
	{"pypi-json", "PyPI simple JSON 200 v", false},
}

// formatRows are the rows of bench/formats.sh: cached GETs under wrk against
// Verdaccio and nginx serving keeper's bytes, and uncached GETs (write+GET loop).
func formatRows() []row {
	var out []row
	for _, d := range formatDocs {
		c := d.fig + "-c32"
		refs := []string{"nginx"}
		if d.npm {
			refs = []string{"verdaccio", "nginx"}
		}
		for _, ref := range refs {
			out = append(out,
				row{d.name + " cached c32 req/s", c, "rps", ref, "info", 0},
				row{d.name + " cached c32 CPU µs/req", c, "cpu_us_per_req", ref, "abs<=", 100},
				row{d.name + " cached c32 p50 ms", c, "p50_ms", ref, "info", 0},
				row{d.name + " cached c32 p99 ms", c, "p99_ms", ref, "abs<", 20})
		}
		u := d.fig + "-uncached"
		out = append(out,
			row{d.name + " UNCACHED GET p50 ms", u, "p50_ms", "", "info", 0},
			row{d.name + " UNCACHED GET p99 ms", u, "p99_ms", "", "info", 0},
			row{d.name + " UNCACHED CPU µs/GET", u, "cpu_us_per_req", "keeper@" + c, "info", 0})
		if d.npm {
			out = append(out, row{d.name + " UNCACHED CPU µs/GET", u, "cpu_us_per_req", "verdaccio@" + c, "info", 0})
		}
		// Against a second keeper of the same run (BENCH_BASE_BIN), when there is one.
		out = append(out, row{d.name + " UNCACHED CPU µs/GET", u, "cpu_us_per_req", "base", "info", 0})
	}
	// PyPI right after a publish of the same project (writes alternate an
	// upload to the measured project and its DELETE): issue 9 target 1,
	// at most half Verdaccio's CPU per request.
	for _, d := range []struct{ fig, name string }{
		{"pypi-html-same", "PyPI simple HTML 200 v, same project"},
		{"pypi-json-same", "PyPI simple JSON 200 v, same project"},
	} {
		u := d.fig + "-uncached"
		out = append(out,
			row{d.name + " UNCACHED GET p50 ms", u, "p50_ms", "", "info", 0},
			row{d.name + " UNCACHED CPU µs/GET", u, "cpu_us_per_req", "verdaccio@npm-full-c32", "ratio<=", 0.5},
			row{d.name + " UNCACHED CPU µs/GET", u, "cpu_us_per_req", "verdaccio@npm-abbr-c32", "ratio<=", 0.5},
			row{d.name + " UNCACHED CPU µs/GET", u, "cpu_us_per_req", "base", "info", 0})
	}
	return out
}

// ociRows are the rows of bench/oci.sh against CNCF distribution.
func ociRows() []row {
	var out []row
	for _, v := range []struct{ fig, name string }{
		{"oci-push-1x200m", "OCI push 1 layer 200 MiB"},
		{"oci-pull-1x200m", "OCI pull 1 layer 200 MiB"},
		{"oci-push-50x1m", "OCI push 50 layers x 1 MiB"},
		{"oci-pull-50x1m", "OCI pull 50 layers x 1 MiB"},
	} {
		mibKind, mibTarget := "info", 0.0
		if v.fig == "oci-push-1x200m" {
			mibKind, mibTarget = "ratio>=", 2.5 // BENCH.md: upload ≥ 2.5 × distribution
		}
		out = append(out,
			row{v.name + ", s", v.fig, "seconds", "distribution", "info", 0},
			row{v.name + ", MiB/s", v.fig, "mibps", "distribution", mibKind, mibTarget},
			row{v.name + ", server CPU-s/GiB", v.fig, "cpu_per_gib", "distribution", "info", 0})
	}
	f := "oci-manifest-c32"
	return append(out,
		row{"OCI manifest GET c32, req/s", f, "rps", "distribution", "info", 0},
		row{"OCI manifest GET c32, CPU µs/req", f, "cpu_us_per_req", "distribution", "abs<=", 100},
		row{"OCI manifest GET c32, p50 ms", f, "p50_ms", "distribution", "info", 0},
		row{"OCI manifest GET c32, p99 ms", f, "p99_ms", "distribution", "abs<", 20},
		row{"OCI manifest GET c32, RSS MiB", f, "rss_mib", "distribution", "info", 0},
		row{"OCI manifest GET c32 with Bearer token, req/s", "oci-manifest-bearer-c32", "rps", "distribution@" + f, "info", 0},
		row{"OCI manifest GET c32 with Bearer token, CPU µs/req", "oci-manifest-bearer-c32", "cpu_us_per_req", "distribution@" + f, "abs<=", 100},
		row{"OCI manifest GET c32 with Bearer token, p99 ms", "oci-manifest-bearer-c32", "p99_ms", "distribution@" + f, "abs<", 20})
}

package main

// proxyRows are the rows of bench/remote.sh (issue 10). Subject "keeper" is
// the request through keeper's npm remote (or virtual) repository; the
// references are the same request to a local repository of the same keeper,
// a direct download from the upstream keeper, and Verdaccio 6.8's own uplink
// to the same upstream keeper.
func proxyRows() []row {
	var out []row
	for _, d := range []struct{ fig, name string }{
		{"proxy-pkm-c32", "npm remote packument warm c32"},
		{"proxy-tgz-c32", "npm remote tarball warm c32"},
	} {
		out = append(out,
			row{d.name + " req/s", d.fig, "rps", "local", "ratio>=", 0.9},
			row{d.name + " p99 ms", d.fig, "p99_ms", "local", "ratio<=", 1 / 0.9},
			row{d.name + " CPU µs/req", d.fig, "cpu_us_per_req", "local", "info", 0},
			row{d.name + " req/s", d.fig, "rps", "verdaccio", "ratio>=", 1},
			row{d.name + " CPU µs/req", d.fig, "cpu_us_per_req", "verdaccio", "ratio<=", 1},
			row{d.name + " p99 ms", d.fig, "p99_ms", "verdaccio", "info", 0})
	}
	// BENCH_BEFORE_BIN: the same figures on a second proxy run from another
	// build (before a change), measured in the same run.
	for _, d := range []struct{ fig, name string }{
		{"proxy-pkm-c32-before", "npm remote packument warm c32"},
		{"proxy-tgz-c32-before", "npm remote tarball warm c32"},
	} {
		out = append(out,
			row{d.name + " req/s (before)", d.fig, "rps", "local", "ratio>=", 0.9},
			row{d.name + " p99 ms (before)", d.fig, "p99_ms", "local", "ratio<=", 1 / 0.9},
			row{d.name + " CPU µs/req (before)", d.fig, "cpu_us_per_req", "local", "info", 0})
	}
	v := "virtual-pkm-c32"
	return append(out,
		row{"generic 50 MiB cold fetch via remote, s", "cold-50m", "seconds", "direct", "ratio<=", 1.1},
		row{"generic 50 MiB cold fetch via remote, MiB/s", "cold-50m", "mibps", "direct", "info", 0},
		row{"generic 50 MiB cold fetch via remote, s (before)", "cold-50m-before", "seconds", "direct@cold-50m", "ratio<=", 1.1},
		row{"generic 50 MiB cold fetch via remote, MiB/s (before)", "cold-50m-before", "mibps", "direct@cold-50m", "info", 0},
		row{"npm virtual (2 members) merged packument c32 p50 ms", v, "p50_ms", "local@proxy-pkm-c32", "info", 0},
		row{"npm virtual (2 members) merged packument c32 p99 ms", v, "p99_ms", "local@proxy-pkm-c32", "info", 0},
		row{"npm virtual (2 members) merged packument c32 req/s", v, "rps", "local@proxy-pkm-c32", "info", 0},
		row{"npm virtual (2 members) merged packument CPU µs/req", v, "cpu_us_per_req", "local@proxy-pkm-c32", "info", 0})
}

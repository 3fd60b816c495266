package e2e

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// rscript returns Rscript and R, skipping when R is not installed.
func rscript(t *testing.T) (rscript, r string) {
	t.Helper()
	rs, err1 := exec.LookPath("Rscript")
	r, err2 := exec.LookPath("R")
	if err1 != nil || err2 != nil {
		harness.MissingClient(t, "cran e2e: R is not installed (e2e/install-clients.sh cran)")
	}
	return rs, r
}

// rEnv is R's environment: an isolated HOME and library, no site or user
// profile or environment file, and none of the machine's R_* settings.
func rEnv(home string, vars ...string) []string {
	var env []string
	for _, kv := range harness.BaseEnv() {
		if !strings.HasPrefix(kv, "R_") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	return append(append(env, "HOME="+home, "R_PROFILE_USER=/dev/null", "R_ENVIRON_USER=/dev/null",
		"R_LIBS_USER="+filepath.Join(home, "lib"), "R_LIBS_SITE=", "TMPDIR="+home), vars...)
}

// rPackage writes a pure-R package whose marker() returns "NAME VERSION"
// and builds it with R CMD build; it returns the tarball's path.
func rPackage(t *testing.T, r, dir, name, version string, env []string) string {
	t.Helper()
	src := filepath.Join(dir, version, name)
	mkdirs(t, filepath.Join(src, "R"))
	files := map[string]string{
		"DESCRIPTION": "Package: " + name + "\nVersion: " + version + "\nTitle: Keeper Test Package\n" +
			"Description: Used by Keeper's end-to-end tests.\nAuthors@R: person(\"Keeper\", \"Tests\", email = \"t@example.org\", role = c(\"aut\", \"cre\"))\n" +
			"License: MIT + file LICENSE\nDepends: R (>= 3.5.0)\n",
		"LICENSE":    "YEAR: 2026\nCOPYRIGHT HOLDER: Keeper\n",
		"NAMESPACE":  "export(marker)\n",
		"R/marker.R": "marker <- function() \"" + name + " " + version + "\"\n",
	}
	for p, c := range files {
		gomodWrite(t, filepath.Join(src, p), c)
	}
	cmd := exec.Command(r, "CMD", "build", "--no-build-vignettes", "--no-manual", name)
	cmd.Dir, cmd.Env = filepath.Dir(src), env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("R CMD build: %v\n%s", err, out)
	}
	return filepath.Join(filepath.Dir(src), name+"_"+version+".tar.gz")
}

// rInstall installs pkgs with install.packages from repos (type source)
// into lib and returns what each installed package's marker() says.
func rInstall(t *testing.T, rs string, env []string, repos, lib string, pkgs ...string) string {
	t.Helper()
	mkdirs(t, lib)
	expr := `args <- commandArgs(TRUE); lib <- args[2]; pkgs <- args[-(1:2)]
options(warn = 2)
install.packages(pkgs, repos = args[1], type = "source", lib = lib, quiet = TRUE)
for (p in pkgs) cat(get("marker", envir = asNamespace(loadNamespace(p, lib.loc = lib)))(), "\n", sep = "")`
	cmd := exec.Command(rs, append([]string{"-e", expr, repos, lib}, pkgs...)...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("install.packages(%v) from %s: %v\n%s", pkgs, repos, err, out)
	}
	return string(out)
}

func putFile(t *testing.T, k *harness.Keeper, path, file, user, pass string) *harness.Response {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPut, k.URL+path, bytes.NewReader(b))
	req.Header["Authorization"] = []string{""} // anonymous unless user is given
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	r, err := k.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestCRANClients publishes packages built by R CMD build and installs
// them with install.packages from an empty library, Keeper the only
// repository, on every database.
func TestCRANClients(t *testing.T) {
	t.Parallel()
	rs, r := rscript(t)
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		k := harness.Start(t, harness.Options{DB: db})
		k.CreateRepo(harness.Repo{Key: "rpkgs", Format: "cran"})
		token := k.APIToken("r")
		dir := t.TempDir()
		home := filepath.Join(dir, "home")
		mkdirs(t, home)
		env := rEnv(home)
		v1 := rPackage(t, r, dir, "keeperdemo", "1.0.0", env)
		v11 := rPackage(t, r, dir, "keeperdemo", "1.1.0", env)

		if got := putFile(t, k, "/cran/rpkgs/src/contrib/keeperdemo_1.0.0.tar.gz", v1, "", ""); got.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous upload: %s", got)
		}
		for _, f := range []string{v1, v11} {
			if got := putFile(t, k, "/cran/rpkgs/src/contrib/"+filepath.Base(f), f, "admin", token); got.Status != http.StatusCreated {
				t.Fatalf("upload %s: %s", f, got)
			}
		}
		if got := putFile(t, k, "/cran/rpkgs/src/contrib/keeperdemo_1.1.0.tar.gz", v11, "admin", token); got.Status != http.StatusConflict {
			t.Fatalf("republish: %s", got)
		}
		if got := putFile(t, k, "/cran/rpkgs/src/contrib/other_1.1.0.tar.gz", v11, "admin", token); got.Status != http.StatusBadRequest ||
			!strings.Contains(string(got.Body), "outside the package directory") {
			t.Fatalf("a package under another name: %s", got)
		}
		k.Expect(http.StatusNotFound, "GET", "/cran/rpkgs/src/contrib/keeperdemo_9.9.tar.gz", nil)
		if got, _ := k.Call("GET", "/cran/rpkgs/src/contrib/PACKAGES", nil, "Authorization", ""); got == nil || got.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous read of a private repository: %v", got)
		}

		repos := "http://admin:" + token + "@" + strings.TrimPrefix(k.URL, "http://") + "/cran/rpkgs"
		if out := rInstall(t, rs, env, repos, filepath.Join(dir, "lib"), "keeperdemo"); !strings.Contains(out, "keeperdemo 1.1.0") {
			t.Fatalf("installed: %s", out)
		}
		// The bytes R downloaded are the published ones; the older version is under Archive/.
		for path, file := range map[string]string{"/cran/rpkgs/src/contrib/keeperdemo_1.1.0.tar.gz": v11,
			"/cran/rpkgs/src/contrib/Archive/keeperdemo/keeperdemo_1.0.0.tar.gz": v1} {
			want, _ := os.ReadFile(file)
			if got := k.Expect(http.StatusOK, "GET", path, nil); !bytes.Equal(got.Body, want) {
				t.Fatalf("%s: %d bytes, published %d", path, len(got.Body), len(want))
			}
		}
		// R reads PACKAGES.rds itself (available.packages prefers it).
		rds := filepath.Join(dir, "PACKAGES.rds")
		_ = os.WriteFile(rds, k.Expect(http.StatusOK, "GET", "/cran/rpkgs/src/contrib/PACKAGES.rds", nil).Body, 0o644)
		out, err := exec.Command(rs, "-e", `m <- readRDS(commandArgs(TRUE)[1]); cat(m[, "Package"], m[, "Version"], m[, "MD5sum"])`, rds).CombinedOutput()
		if err != nil || string(out) != "keeperdemo 1.1.0 "+fileMD5(t, v11) {
			t.Fatalf("readRDS: %v %s", err, out)
		}

		// The README's blocks, as written, against a second private repository.
		k.CreateRepo(harness.Repo{Key: "rreadme", Format: "cran"})
		work := filepath.Join(dir, "readme")
		mkdirs(t, filepath.Join(work, "home"))
		copyTree(t, filepath.Join(filepath.Dir(v11), "keeperdemo"), filepath.Join(work, "keeperdemo"))
		vars := []string{"K=" + strings.TrimPrefix(k.URL, "http://"), "REPO=rreadme", "T=" + k.APIToken("readme-r"),
			"PKG=keeperdemo", "VERSION=1.1.0"}
		runSnippet(t, "cran-publish", work, rEnv(filepath.Join(work, "home"), vars...))
		runSnippet(t, "cran-consume", work, rEnv(filepath.Join(work, "home"), vars...))
		if b, err := os.ReadFile(filepath.Join(work, "lib", "keeperdemo", "DESCRIPTION")); err != nil || !strings.Contains(string(b), "Version: 1.1.0") {
			t.Fatalf("the README's install: %v %s", err, b)
		}
	})
}

func fileMD5(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

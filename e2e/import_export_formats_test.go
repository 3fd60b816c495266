package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestImportArtifactoryExportFormats imports a Helm, a RubyGems, a NuGet
// and a Cargo repository from an Artifactory export directory, laid out as
// Artifactory keeps them, with packages the real clients made:
//
//	helm create keeper-import; helm package keeper-import
//	make_gem.sh DIR keeper_import 1.0.0   (gem build)
//	nuget pack Keeper.Import.nuspec
//	cargo package --allow-dirty --no-verify
//
// Each package goes through the import route to its plugin's deploy by
// path; the source's own indexes are skipped (the plugins render theirs)
// and its hidden folders left out. Then helm pull, gem install, nuget
// install and cargo fetch, each with Keeper as its only source, get the
// bytes that were exported. A rerun skips every package.
func TestImportArtifactoryExportFormats(t *testing.T) {
	t.Parallel()
	helmBin := helmClient(t)
	makeGem := gemTools(t)
	if _, err := exec.LookPath("nuget"); err != nil {
		harness.MissingClient(t, "nuget is not on PATH (apt-get install nuget)")
	}
	cargo := cargoBin(t)
	work := t.TempDir()
	run := func(dir string, env []string, name string, args ...string) {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = dir, env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
	}

	// The packages, made by the real clients.
	helmEnv := append(harness.BaseEnv(), "HOME="+filepath.Join(work, "helm-home"),
		"HELM_CACHE_HOME="+filepath.Join(work, "helm-cache"), "HELM_CONFIG_HOME="+filepath.Join(work, "helm-config"),
		"HELM_DATA_HOME="+filepath.Join(work, "helm-data"), "HELM_NO_PLUGINS=1")
	charts := filepath.Join(work, "charts")
	mkdirs(t, charts)
	run(charts, helmEnv, helmBin, "create", "keeper-import")
	run(charts, helmEnv, helmBin, "package", "keeper-import")
	chart := readFile(t, filepath.Join(charts, "keeper-import-0.1.0.tgz"))

	gems := filepath.Join(work, "gems")
	mkdirs(t, gems)
	gemPub := newGemRun(t, filepath.Join(work, "gem-pub"))
	gemPub.must(gems, "sh", makeGem, gems, "keeper_import", "1.0.0")
	gem := readFile(t, filepath.Join(gems, "keeper_import-1.0.0.gem"))

	nupkgs := filepath.Join(work, "nupkgs")
	mkdirs(t, nupkgs)
	if err := os.WriteFile(filepath.Join(nupkgs, "readme.txt"), []byte("Keeper.Import 1.0.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(nupkgs, "Keeper.Import.nuspec"), []byte(`<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2010/07/nuspec.xsd">
  <metadata>
    <id>Keeper.Import</id>
    <version>1.0.0</version>
    <authors>Keeper Tests</authors>
    <description>A package imported from an Artifactory export</description>
  </metadata>
  <files><file src="readme.txt" target="content" /></files>
</package>
`), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := runNuget(t, nupkgs, nugetEnv(t, filepath.Join(work, "nuget-pack")), "pack", "Keeper.Import.nuspec"); err != nil {
		t.Fatalf("nuget pack: %v\n%s", err, out)
	}
	nupkg := readFile(t, filepath.Join(nupkgs, "Keeper.Import.1.0.0.nupkg"))

	crateSrc := writeCrate(t, map[string]string{
		"Cargo.toml": `[package]
name = "keeper-import"
version = "0.1.0"
edition = "2021"
description = "A crate imported from an Artifactory export"
license = "MIT"
`,
		"src/lib.rs": `pub fn marker() -> &'static str { "keeper-import 0.1.0" }` + "\n",
	})
	pack := newCargoEnv(t, cargo, "http://127.0.0.1:1/unused/", "")
	pack.must(crateSrc, "package", "--allow-dirty", "--no-verify")
	crate := readFile(t, filepath.Join(pack.target, "package", "keeper-import-0.1.0.crate"))

	// The export: Artifactory's layouts, with the source's own indexes.
	export := t.TempDir()
	repos := filepath.Join(export, "repositories")
	writeExportFile(t, filepath.Join(repos, "helm-local", "keeper-import-0.1.0.tgz"), chart)
	writeExportFile(t, filepath.Join(repos, "helm-local", "index.yaml"), []byte("apiVersion: v1\nentries: {}\n"))
	writeExportFile(t, filepath.Join(repos, "gems-local", "gems", "keeper_import-1.0.0.gem"), gem)
	writeExportFile(t, filepath.Join(repos, "gems-local", "specs.4.8.gz"), []byte("not the source's index"))
	writeExportFile(t, filepath.Join(repos, "gems-local", "quick", "Marshal.4.8", "keeper_import-1.0.0.gemspec.rz"), []byte("x"))
	writeExportFile(t, filepath.Join(repos, "nuget-local", "Keeper.Import", "Keeper.Import.1.0.0.nupkg"), nupkg)
	writeExportFile(t, filepath.Join(repos, "cargo-local", "crates", "keeper-import", "keeper-import-0.1.0.crate"), crate)
	writeExportFile(t, filepath.Join(repos, "cargo-local", ".index", "ke", "ep", "keeper-import"), []byte(`{"name":"keeper-import"}`))

	k := harness.Start(t, harness.Options{})
	for _, r := range []harness.Repo{{Key: "charts", Format: "helm"}, {Key: "gems", Format: "rubygems"},
		{Key: "nu", Format: "nuget"}, {Key: "crates", Format: "cargo"}} {
		r.Public = true
		k.CreateRepo(r)
	}
	env := []string{"KEEPER_URL=" + k.URL, "KEEPER_TOKEN=" + k.APIToken("import", "admin"), "HOME=" + t.TempDir(), "XDG_CONFIG_HOME=" + t.TempDir()}
	args := []string{"import", "artifactory", "--from", export, "--map", "helm-local=charts", "--map", "gems-local=gems",
		"--map", "nuget-local=nu", "--map", "cargo-local=crates", "--json"}
	rep := importReport(t, env, 4, 0, args...)
	if rep.Skipped != 3 {
		t.Fatalf("the source's indexes (index.yaml, specs.4.8.gz, quick/…) are not the skipped files: %+v", rep)
	}
	for _, it := range rep.Items {
		if strings.HasPrefix(it.Path, ".") {
			t.Fatalf("a hidden file was imported: %+v", it)
		}
	}

	// helm pull from Keeper only.
	run(work, helmEnv, helmBin, "repo", "add", "k", k.URL+"/helm/charts")
	pulled := filepath.Join(work, "pulled")
	mkdirs(t, pulled)
	run(work, helmEnv, helmBin, "pull", "k/keeper-import", "--version", "0.1.0", "-d", pulled)
	sameBytes(t, "helm pull", readFile(t, filepath.Join(pulled, "keeper-import-0.1.0.tgz")), chart)

	// gem install from Keeper only, into an empty GEM_HOME.
	host := strings.TrimPrefix(k.URL, "http://")
	inst := newGemRun(t, filepath.Join(work, "gem-inst"))
	inst.must(inst.dir, "gem", "install", "--clear-sources", "--source", "http://"+host+"/gems/gems/", "keeper_import")
	sameBytes(t, "gem install", readFile(t, filepath.Join(inst.dir, "gemhome", "cache", "keeper_import-1.0.0.gem")), gem)

	// nuget install from Keeper only (v2), into an empty directory.
	nuInst := filepath.Join(work, "nuget-inst")
	mkdirs(t, nuInst)
	if out, err := runNuget(t, nuInst, nugetEnv(t, filepath.Join(work, "nuget-consumer")), "install", "Keeper.Import",
		"-Source", k.URL+"/nuget/nu/api/v2/"); err != nil {
		t.Fatalf("nuget install: %v\n%s", err, out)
	}
	sameBytes(t, "nuget install", readFile(t, filepath.Join(nuInst, "Keeper.Import.1.0.0", "Keeper.Import.1.0.0.nupkg")), nupkg)

	// cargo fetch from Keeper only, with an empty registry cache.
	use := newCargoEnv(t, cargo, k.URL+"/cargo/crates/", "")
	consumer := writeCrate(t, map[string]string{
		"Cargo.toml": `[package]
name = "consumer"
version = "0.1.0"
edition = "2021"

[dependencies]
keeper-import = { version = "0.1.0", registry = "k" }
`,
		"src/main.rs": "fn main() { println!(\"{}\", keeper_import::marker()); }\n",
	})
	use.must(consumer, "fetch")
	cached, err := filepath.Glob(filepath.Join(use.home, "registry", "cache", "*", "keeper-import-0.1.0.crate"))
	if err != nil || len(cached) != 1 {
		t.Fatalf("cargo fetch cached %v (%v)", cached, err)
	}
	sameBytes(t, "cargo fetch", readFile(t, cached[0]), crate)

	// A rerun: every package is stored already.
	rep = importReport(t, env, 0, 0, args...)
	if rep.Skipped != 7 {
		t.Fatalf("rerun: %+v", rep)
	}
}

// sameBytes fails when a client got other bytes than were exported.
func sameBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if harness.SHA256(got) != harness.SHA256(want) {
		t.Fatalf("%s got sha256 %s (%d bytes), the export had %s (%d bytes)", what, harness.SHA256(got), len(got),
			harness.SHA256(want), len(want))
	}
}

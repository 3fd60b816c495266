package e2e

import (
	"bytes"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// chartDir is the Helm chart of docs/deploy.md.
func chartDir(t *testing.T) string {
	t.Helper()
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(root, "docs", "deploy", "helm", "keeper")
}

// helmOut runs helm and returns stdout, stderr and whether it succeeded.
func helmOut(t *testing.T, helm string, args ...string) (string, string, bool) {
	t.Helper()
	cmd := exec.Command(helm, args...)
	home := t.TempDir()
	cmd.Env = append(harness.BaseEnv(), "HOME="+home, "XDG_CONFIG_HOME="+home, "XDG_CACHE_HOME="+home, "XDG_DATA_HOME="+home)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err == nil
}

// renderedDocs splits helm template output into its objects, by kind.
func renderedDocs(t *testing.T, out string) map[string]map[string]any {
	t.Helper()
	docs := map[string]map[string]any{}
	dec := yaml.NewDecoder(strings.NewReader(out))
	for {
		var d map[string]any
		if err := dec.Decode(&d); err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatalf("helm template printed YAML that does not parse: %v\n%s", err, out)
		}
		if d != nil {
			docs[d["kind"].(string)] = d
		}
	}
	return docs
}

// dig walks maps and lists ("spec", "template", 0, …).
func dig(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("at %v: %v is not a map", path, v)
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("at %v: %v is not a list of more than %d", path, v, k)
			}
			v = l[k]
		}
	}
	return v
}

// TestDeployHelmChart: the chart passes helm lint, renders replicas on
// PostgreSQL and S3 with secrets, probes, resources and a non-root security
// context, and refuses an install missing the database, the bucket or a
// shared secrets key.
func TestDeployHelmChart(t *testing.T) {
	t.Parallel()
	helm := helmClient(t)
	chart := chartDir(t)
	key := strings.Repeat("ab", 32)
	values := []string{"--set", "database.url=postgres://keeper:pw@db:5432/keeper", "--set", "s3.bucket=artifacts",
		"--set", "s3.endpoint=https://s3.internal:9000", "--set", "s3.accessKey=akid-e2e-77", "--set", "s3.secretKey=s3-secret-e2e-42",
		"--set", "secretsKey.value=" + key, "--set", "replicaCount=4"}
	if out, errOut, ok := helmOut(t, helm, append([]string{"lint", "--strict", chart}, values...)...); !ok {
		t.Fatalf("helm lint: %s%s", out, errOut)
	}
	out, errOut, ok := helmOut(t, helm, append([]string{"template", "reg", chart}, values...)...)
	if !ok {
		t.Fatalf("helm template: %s", errOut)
	}
	docs := renderedDocs(t, out)
	for _, kind := range []string{"Deployment", "Service", "Secret", "PodDisruptionBudget"} {
		if docs[kind] == nil {
			t.Fatalf("helm template rendered no %s:\n%s", kind, out)
		}
	}
	dep := docs["Deployment"]
	if got := dig(t, dep, "spec", "replicas"); got != 4 {
		t.Errorf("replicas = %v, want 4", got)
	}
	pod := dig(t, dep, "spec", "template", "spec")
	c := dig(t, pod, "containers", 0).(map[string]any)
	if got := dig(t, c, "readinessProbe", "httpGet", "path"); got != "/ready" {
		t.Errorf("readiness probe path %v, want /ready", got)
	}
	if got := dig(t, c, "livenessProbe", "httpGet", "path"); got != "/health" {
		t.Errorf("liveness probe path %v, want /health", got)
	}
	if dig(t, c, "resources", "requests", "memory") == nil || dig(t, c, "resources", "limits", "memory") == nil {
		t.Errorf("no memory request and limit: %v", c["resources"])
	}
	psc := dig(t, pod, "securityContext")
	if dig(t, psc, "runAsNonRoot") != true || dig(t, psc, "runAsUser") != 65532 {
		t.Errorf("pod security context %v: want non-root uid 65532", psc)
	}
	if dig(t, c, "securityContext", "readOnlyRootFilesystem") != true || dig(t, c, "securityContext", "allowPrivilegeEscalation") != false {
		t.Errorf("container security context %v", c["securityContext"])
	}
	if dig(t, pod, "automountServiceAccountToken") != false {
		t.Error("the service account token is mounted")
	}
	env := map[string]map[string]any{}
	for _, e := range dig(t, c, "env").([]any) {
		m := e.(map[string]any)
		env[m["name"].(string)] = m
	}
	if env["KEEPER_STORAGE_BACKEND"]["value"] != "s3" || env["KEEPER_S3_BUCKET"]["value"] != "artifacts" || env["KEEPER_S3_ENDPOINT"]["value"] != "https://s3.internal:9000" {
		t.Errorf("S3 settings: %v %v %v", env["KEEPER_STORAGE_BACKEND"], env["KEEPER_S3_BUCKET"], env["KEEPER_S3_ENDPOINT"])
	}
	// Every secret comes from the Secret, never inline in the pod spec.
	secret := docs["Secret"]
	secretName := dig(t, secret, "metadata", "name")
	data := dig(t, secret, "data").(map[string]any)
	want := map[string]string{"KEEPER_DATABASE_URL": "postgres://keeper:pw@db:5432/keeper", "KEEPER_S3_ACCESS_KEY": "akid-e2e-77",
		"KEEPER_S3_SECRET_KEY": "s3-secret-e2e-42", "KEEPER_SECRETS_KEY": key}
	for name, value := range want {
		ref := dig(t, env[name], "valueFrom", "secretKeyRef").(map[string]any)
		if ref["name"] != secretName {
			t.Errorf("%s from secret %v, want %v", name, ref["name"], secretName)
		}
		raw, _ := base64.StdEncoding.DecodeString(data[ref["key"].(string)].(string))
		if string(raw) != value {
			t.Errorf("%s: the Secret holds %q under %v, want %q", name, raw, ref["key"], value)
		}
		if strings.Contains(out, value) {
			t.Errorf("%s appears in clear in the rendered manifests", name)
		}
	}
	if env["KEEPER_ADMIN_PASSWORD"] != nil {
		t.Error("KEEPER_ADMIN_PASSWORD set without an admin password value")
	}
	if !regexp.MustCompile(`checksum/secret: [0-9a-f]{64}`).MatchString(out) {
		t.Error("pods do not roll when the Secret changes (no checksum annotation)")
	}

	// Existing Secrets: the chart makes none and points at them.
	out, errOut, ok = helmOut(t, helm, "template", "reg", chart, "--set", "database.existingSecret=db", "--set", "s3.bucket=b",
		"--set", "s3.existingSecret=s3", "--set", "secretsKey.existingSecret=sealing")
	if !ok {
		t.Fatalf("helm template with existing secrets: %s", errOut)
	}
	docs = renderedDocs(t, out)
	if docs["Secret"] != nil {
		t.Errorf("a Secret was rendered although every value comes from existing ones")
	}
	for name, secret := range map[string]string{"KEEPER_DATABASE_URL": "db", "KEEPER_S3_ACCESS_KEY": "s3", "KEEPER_SECRETS_KEY": "sealing"} {
		if !regexp.MustCompile(`- name: ` + name + `\n\s+valueFrom:\n\s+secretKeyRef:\n\s+name: ` + secret + `\n`).MatchString(out) {
			t.Errorf("%s not taken from Secret %s:\n%s", name, secret, out)
		}
	}

	// Missing shared state or key: refused with the reason.
	for _, c := range []struct {
		drop, want string
	}{
		{"database.url", "database.url or database.existingSecret is required"},
		{"s3.bucket", "s3.bucket is required"},
		{"secretsKey.value", "same key"},
	} {
		var args []string
		for i := 0; i < len(values); i += 2 {
			if !strings.HasPrefix(values[i+1], c.drop+"=") {
				args = append(args, values[i], values[i+1])
			}
		}
		if _, errOut, ok := helmOut(t, helm, append([]string{"template", "reg", chart}, args...)...); ok || !strings.Contains(errOut, c.want) {
			t.Errorf("without %s: ok=%v %s", c.drop, ok, errOut)
		}
	}
	if _, errOut, ok := helmOut(t, helm, append([]string{"template", "reg", chart}, append(values, "--set", "secretsKey.value=short")...)...); ok || !strings.Contains(errOut, "64 hex digits") {
		t.Errorf("a short secrets key: ok=%v %s", ok, errOut)
	}
}

// TestDeploySystemdUnit: the unit is hardened (a dynamic user, a read-only
// system, a state directory) and systemd-analyze verify finds nothing wrong.
func TestDeploySystemdUnit(t *testing.T) {
	t.Parallel()
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	unit, err := os.ReadFile(filepath.Join(root, "docs", "deploy", "systemd", "keeper.service"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"DynamicUser=yes", "ProtectSystem=strict", "StateDirectory=keeper", "NoNewPrivileges=yes",
		"ExecStart=/usr/local/bin/keeper serve", "Environment=KEEPER_DATA_DIR=/var/lib/keeper"} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(line)).Match(unit) {
			t.Errorf("unit lacks %q", line)
		}
	}
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	// verify needs the ExecStart binary: point it at a real keeper.
	path := filepath.Join(t.TempDir(), "keeper.service")
	if err := os.WriteFile(path, bytes.ReplaceAll(unit, []byte("/usr/local/bin/keeper"), []byte(harness.Build(t))), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	// The exposure score, where this systemd can score a unit file offline.
	sec, err := exec.Command(analyze, "security", "--offline=yes", path).CombinedOutput()
	m := regexp.MustCompile(`Overall exposure level for keeper\.service: ([0-9.]+)`).FindSubmatch(sec)
	if err != nil || m == nil {
		t.Logf("systemd-analyze security --offline: %v (not scored)", err)
		return
	}
	score, _ := strconv.ParseFloat(string(m[1]), 64)
	t.Logf("systemd-analyze security: exposure %.1f", score)
	if score > 2.0 {
		t.Errorf("exposure %.1f, want at most 2.0 (OK):\n%s", score, sec)
	}
}

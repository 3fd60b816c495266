package main

import (
	"os/exec"

	"go.uber.org/fx"

	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/core/config"
)

// settingsModule serves the system settings page: the effective
// configuration (secrets redacted), the version and the scanners found.
var settingsModule = fx.Options(
	fx.Provide(httpapi.AsRoutes(func(cfg config.Config) []httpapi.Route {
		return httpapi.SettingsRoutes(httpapi.SystemInfo{Config: cfg, Version: versionLine(), Scanners: func() []httpapi.Scanner {
			return scannersFound(cfg.Scan)
		}})
	})),
)

// scannersFound says which program each scanner runs (its configured path,
// else its name on PATH) and whether it is there now.
func scannersFound(sc config.Scan) []httpapi.Scanner {
	out := []httpapi.Scanner{{Name: "trivy", Program: sc.TrivyPath}, {Name: "grype", Program: sc.GrypePath}}
	for i := range out {
		if out[i].Program == "" {
			out[i].Program = out[i].Name
		}
		if p, err := exec.LookPath(out[i].Program); err == nil {
			out[i].Program, out[i].Found = p, true
		}
	}
	return out
}

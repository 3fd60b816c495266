package terraform

import (
	"regexp"

	"github.com/keeper-registry/keeper/sdk/go/semver"
)

var (
	// Module names and target systems: letters, digits, '-' and '_' (the
	// registry's own rule, https://developer.hashicorp.com/terraform/registry/modules/publish#requirements).
	moduleNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)
	// Provider types: lower-case letters, digits and '-', starting with a letter
	// (https://developer.hashicorp.com/terraform/language/providers/requirements#source-addresses).
	typeRe = regexp.MustCompile(`^[a-z][a-z0-9-]{0,63}$`)
	// Operating systems and architectures as Go names them (linux, amd64).
	platformRe = regexp.MustCompile(`^[a-z0-9]{1,32}$`)
	// Plugin protocol versions ("5.0", "6.0").
	protocolRe = regexp.MustCompile(`^[0-9]{1,2}\.[0-9]{1,2}$`)
)

func validModuleName(s string) bool { return moduleNameRe.MatchString(s) }
func validType(s string) bool       { return typeRe.MatchString(s) }
func validPlatform(s string) bool   { return platformRe.MatchString(s) }

// validVersion: registry versions are SemVer 2.0.0 without a leading "v".
func validVersion(s string) bool { return len(s) <= 128 && semver.Valid(s) }

// modulePackage and providerPackage are the Keeper package names.
func modulePackage(name, system string) string { return "module/" + name + "/" + system }
func providerPackage(typ string) string        { return "provider/" + typ }

// moduleFile is where a module version's archive is stored.
func moduleFile(name, system, version string) string {
	return "-/modules/" + name + "/" + system + "/" + version + "/" + name + "-" + system + "-" + version + ".tar.gz"
}

// providerDir is the folder of a provider version's packages and checksums.
func providerDir(typ, version string) string { return "-/providers/" + typ + "/" + version + "/" }

// sumsName is the file name of a provider version's checksums.
func sumsName(typ, version string) string {
	return "terraform-provider-" + typ + "_" + version + "_SHA256SUMS"
}

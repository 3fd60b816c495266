package conan

import (
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// remove deletes what a DELETE addresses, as RestV2Methods.remove_recipe,
// remove_all_packages and remove_packages call it: every revision of a
// reference, one recipe revision with its packages, every package of a
// recipe revision, or one package revision. Files and recorded revisions
// go together.
func (r route) remove(h sdk.Host) (*sdk.Response, error) {
	vs, err := versions(h, r.ref)
	if err != nil {
		return nil, err
	}
	var folder string
	var drop func(version string) bool
	switch r.kind {
	case kRecipe:
		if len(recipeRevs(vs)) == 0 {
			return recipeNotFound(r.ref, ""), nil
		}
		folder, drop = r.ref.urlPath()+"/", func(string) bool { return true }
	case kRecipeRev:
		if !has(vs, r.rrev) {
			return recipeNotFound(r.ref, r.rrev), nil
		}
		folder = r.recipeRevPath() + "/"
		drop = func(v string) bool { return v == r.rrev || strings.HasPrefix(v, r.rrev+":") }
	case kPackages:
		if !has(vs, r.rrev) {
			return recipeNotFound(r.ref, r.rrev), nil
		}
		folder = r.recipeRevPath() + "/packages/"
		drop = func(v string) bool { return strings.HasPrefix(v, r.rrev+":") }
	default: // kPackageRev
		if !has(vs, r.versionKey()) {
			return r.packageNotFound(), nil
		}
		folder = r.packageRevPath() + "/"
		drop = func(v string) bool { return v == r.versionKey() }
	}
	err = sdk.EachFile(h, folder, "", maxEntries, func(f sdk.File) error { return h.StageDelete(f.Path) })
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		if drop(v.Version) {
			if err := h.StageVersion(sdk.VersionPut{Package: r.ref.String(), Version: v.Version, Delete: true}); err != nil {
				return nil, err
			}
		}
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes}, nil
}

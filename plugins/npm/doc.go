// Package npm is Keeper's npm format plugin: packuments, tarballs, publish,
// dist-tags, deprecate/unpublish and the login and whoami endpoints npm,
// yarn and pnpm use.
package npm

// Package composer is Keeper's Composer (PHP) repository plugin: zip
// upload, packages.json, the composer 2 p2 metadata and search.
package composer

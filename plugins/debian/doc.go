// Package debian is Keeper's Debian/APT format plugin: .deb uploads, signed
// dists/ indexes (Packages, Release, InRelease, Release.gpg, by-hash) built
// from per-package fragments.
package debian

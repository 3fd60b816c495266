// Package cran is the CRAN-like R package repository format plugin: source and binary package uploads, the PACKAGES indexes (text, gzip and R serialization) and the archive of older versions.
package cran

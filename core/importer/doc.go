// Package importer reads an Artifactory export (or a plain directory per repository) and re-uploads its files and properties through Keeper's API, resumably, with a report of what was imported, skipped and why.
package importer

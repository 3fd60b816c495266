// Package artifactory reads a live Artifactory instance through its REST API (repositories, files, security) for core/importer, over the egress guard.
package artifactory

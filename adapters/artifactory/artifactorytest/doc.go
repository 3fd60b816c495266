// Package artifactorytest is a test server answering the documented responses of Artifactory's REST API (repositories, storage, AQL, download, security), with injected failures.
package artifactorytest

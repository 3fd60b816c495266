// Package conan is the Conan v2 format plugin: ping with capabilities, token authentication, recipe and package revisions, file upload and download, recipe search.
package conan

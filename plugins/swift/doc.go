// Package swift is the Swift package registry format plugin (SE-0292, registry API version 1): release lists, release metadata, manifests, source archives, identifier lookup and publishing.
package swift

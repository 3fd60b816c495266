// Package pub is the Dart pub hosted-repository format plugin (repository spec v2): package listings, version pages, archives and the publish flow.
package pub

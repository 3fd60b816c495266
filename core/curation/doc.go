// Package curation decides which packages a remote repository may take into its cache from its upstream.
package curation

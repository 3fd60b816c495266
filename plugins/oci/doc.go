// Package oci is Keeper's OCI distribution (container registry) format plugin.
package oci

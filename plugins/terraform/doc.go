// Package terraform is Keeper's Terraform (and OpenTofu) format: the module
// and provider registry protocols, service discovery and the provider
// network mirror protocol.
package terraform

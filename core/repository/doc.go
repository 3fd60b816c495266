// Package repository holds the rules for creating, changing and deleting
// repositories (local, remote, virtual, staging) and virtual members.
package repository

// Package policy holds the domain rules of authorization policies: the
// subjects, roles and actions they may name, how they are validated, the
// default rule set, and how repository patterns match.
package policy

// Package p2 is Keeper's Eclipse p2 software repository format plugin.
package p2

// Package alpine is Keeper's Alpine Linux (apk) repository format plugin.
package alpine

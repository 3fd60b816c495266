// Package grype runs the Grype CLI offline as a ports.Scanner.
package grype

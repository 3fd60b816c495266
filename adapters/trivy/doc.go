// Package trivy runs the Trivy CLI offline as a ports.Scanner.
package trivy

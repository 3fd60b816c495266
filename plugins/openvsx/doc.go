// Package openvsx is the VS Code extension registry format plugin: the Open VSX API that the ovsx CLI publishes to and downloads from.
package openvsx

// Package helm is the Helm classic chart repository plugin: index.yaml, chart downloads and the ChartMuseum upload API.
package helm

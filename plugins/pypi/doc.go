// Package pypi is the Python package index format plugin: twine uploads, PEP 503/691 simple pages, PEP 658 metadata, the JSON API and PEP 592 yanking.
package pypi

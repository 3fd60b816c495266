// Package scan runs vulnerability scanners over stored artifacts: it lays
// an artifact out as its plugin asked, merges the scanners' findings, grades
// them, and decides what the scan policies allow.
package scan

// Package control parses Debian-style control paragraphs (deb822 stanzas,
// also called DCF records): the format of Debian and opkg control files and
// Packages indexes, and of R's DESCRIPTION and PACKAGES files.
package control

// Package maven is the Maven repository format plugin: layout paths, generated maven-metadata.xml and checksum sidecars.
package maven

// Package jetbrains serves a JetBrains IDE custom plugin repository (updatePlugins.xml, plugins/list).
package jetbrains

// Package conda is the Keeper format plugin for conda channels.
package conda

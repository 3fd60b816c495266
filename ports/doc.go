// Package ports holds the interfaces the Keeper domain needs from the outside
// world, and the plain data types that cross them.
package ports

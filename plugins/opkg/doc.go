// Package opkg is Keeper's opkg (OpenWrt, Yocto .ipk) package feed format plugin.
package opkg

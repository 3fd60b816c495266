// Package rpm is Keeper's RPM (dnf/yum rpm-md) format plugin.
package rpm

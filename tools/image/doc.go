// Command image builds Keeper's container image without a container engine:
// a statically linked keeper binary appended as one layer to an empty OCI
// base (what `crane append --oci-empty-base` does), with the config a
// registry image needs (non-root user 65532, entrypoint, /data volume),
// written as an OCI image layout and as a tar of it.
package main

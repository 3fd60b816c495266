// Package buf serves Protobuf modules over the Buf Schema Registry's module API (Connect RPC), as `buf push` and `buf export` call it.
package buf

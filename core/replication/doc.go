// Package replication keeps chosen repositories of several Keeper instances in sync: peers, sync policies, the durable task queue that sends changes to peers, and the receiving side that verifies and commits them.
package replication

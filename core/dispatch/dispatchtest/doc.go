// Package dispatchtest holds in-memory fakes of the ports the dispatcher and
// the plugin manager use, for tests.
package dispatchtest

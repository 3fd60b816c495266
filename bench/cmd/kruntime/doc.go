// Command kruntime measures the plugin runtime of a real keeper process:
// start-up to /ready (empty and warm compilation cache), resident memory idle
// with the built-ins, with 45 installed plugins idle and while all 45 serve,
// and the first request to a plugin that is not loaded yet. Run it through
// bench/runtime.sh, which builds keeper and the plugins.
package main

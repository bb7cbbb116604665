//go:build !linux

package main

import "runtime"

// pinThread locks the goroutine to its thread; this OS has no affinity call here, so the
// two goroutines may share a core (lineTransfer then leaves those rounds out).
func pinThread(cpu int) bool {
	runtime.LockOSThread()
	return false
}

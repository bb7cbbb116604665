package main

import (
	"runtime"
	"syscall"
	"unsafe"
)

// pinThread locks the calling goroutine to its thread and that thread to one CPU, so that
// two goroutines measure a transfer between two cores and never share one. The thread is
// not reused: the goroutine must exit without unlocking (the runtime then ends the thread).
func pinThread(cpu int) bool {
	runtime.LockOSThread()
	if cpu < 0 || cpu >= 64 {
		return false
	}
	mask := uint64(1) << cpu
	_, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, 0, unsafe.Sizeof(mask),
		uintptr(unsafe.Pointer(&mask)))
	return errno == 0
}

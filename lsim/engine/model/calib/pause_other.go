//go:build !amd64 && !arm64

package main

var pauseSink uint32

// pause stands in for runtime.procyield where lsim has no assembly for it: a plain loop,
// so the figure it gives is only a rough one (the result says so).
func pause(n uint32) {
	for i := uint32(0); i < n; i++ {
		pauseSink += i
	}
}

const pauseExact = false

//go:build amd64 || arm64

package main

// pause runs n spin-wait hints, the body of runtime.procyield (assembly beside this file).
func pause(n uint32)

const pauseExact = true

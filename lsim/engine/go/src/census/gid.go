package census

import (
	"bytes"
	"runtime"
	"strconv"
)

// CurrentGID returns the calling goroutine's id, read once from its own stack header
// ("goroutine 18 [running]:"); runtime.Stack(buf, false) does not stop the world.
func CurrentGID() int64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		if id, err := strconv.ParseInt(string(b[:i]), 10, 64); err == nil {
			return id
		}
	}
	return 0
}

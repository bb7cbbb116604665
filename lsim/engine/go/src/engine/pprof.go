package engine

import (
	"os"
	"path/filepath"
	"runtime/pprof"
)

// ProfileFiles are what WriteProfiles writes: runtime/pprof's own output, untouched.
var ProfileFiles = []struct {
	Name, File string
	Debug      int
}{
	{"block", "block.pb.gz", 0},
	{"mutex", "mutex.pb.gz", 0},
	{"goroutine", "goroutine.pb.gz", 0},
	{"goroutine", "goroutine-debug1.txt", 1},
}

// WriteProfiles writes the block, mutex and goroutine profiles (gzipped profile.proto, as
// /debug/pprof/NAME serves them) and the goroutine profile's debug=1 text into dir, at the
// end of the window: the block and mutex profiles hold the window only (their rates are 0
// before it), the goroutine profile is the moment the window ended, workers still running.
func WriteProfiles(dir string) error {
	for _, p := range ProfileFiles {
		path := filepath.Join(dir, p.File)
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		err = pprof.Lookup(p.Name).WriteTo(f, p.Debug)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

package plan

import (
	"encoding/binary"
	"io"
)

// words reads int64 words from the file in 1 MiB chunks, counting what is left.
type words struct {
	r    io.Reader
	left int64 // words not yet returned
	buf  []byte
	pos  int
}

func (w *words) next(what string) (int64, error) {
	if w.left <= 0 {
		return 0, errorf("words end inside %s", what)
	}
	if w.pos+8 > len(w.buf) {
		if err := w.refill(); err != nil {
			return 0, errorf("truncated inside %s", what)
		}
	}
	v := int64(binary.LittleEndian.Uint64(w.buf[w.pos:]))
	w.pos += 8
	w.left--
	return v, nil
}

func (w *words) refill() error {
	rest := copy(w.buf[:cap(w.buf)], w.buf[w.pos:])
	want := int64(cap(w.buf))
	if want == 0 {
		want = 1 << 20
		w.buf = make([]byte, want)
	}
	if max := w.left * 8; max < want {
		want = max
	}
	w.buf = w.buf[:want]
	n, err := io.ReadFull(w.r, w.buf[rest:want])
	w.buf, w.pos = w.buf[:rest+n], 0
	if rest+n < 8 {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	return nil
}

// count reads a non-negative count that cannot exceed the words left (times per).
func (w *words) count(what string, per int64) (int, error) {
	n, err := w.next(what)
	if err != nil {
		return 0, err
	}
	if n < 0 || (per > 0 && n > w.left/per) {
		return 0, errorf("%s: count %d is impossible with %d words left", what, n, w.left)
	}
	return int(n), nil
}

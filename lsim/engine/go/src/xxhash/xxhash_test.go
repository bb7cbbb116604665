package xxhash

import (
	"bytes"
	"testing"
)

func TestSum64Vectors(t *testing.T) {
	seq := make([]byte, 200)
	for i := range seq {
		seq[i] = byte(i)
	}
	// Expected values from the Python xxhash package (xxh64_intdigest, seed 0).
	cases := []struct {
		in   []byte
		want uint64
	}{
		{[]byte(""), 0xef46db3751d8e999},
		{[]byte("a"), 0xd24ec4f1a98c6e5b},
		{[]byte("abc"), 0x44bc2cf5ad770999},
		{[]byte("hello world"), 0x45ab6734b21e6968},
		{[]byte("0123456789abcdef0123456789abcdef"), 0x642a94958e71e6c5},
		{seq, 0x50dc1079b99e879c},
		{bytes.Repeat([]byte("x"), 37), 0x1e580c475bdc5381},
	}
	for _, c := range cases {
		if got := Sum64(c.in); got != c.want {
			t.Errorf("Sum64(%q) = %#x, want %#x", c.in, got, c.want)
		}
	}
}

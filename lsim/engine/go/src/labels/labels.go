// Package labels holds Prometheus label sets and their 64-bit hash in both byte layouts
// (the same as lsim/labels.py, so Go and Python agree on every id and every collision):
//
//   - stringlabels (Prometheus >= 3.5): per label sorted by name, a length prefix + name +
//     length prefix + value; the prefix is one byte when the length is < 255, else 0xFF and
//     3 bytes little-endian. Prometheus' stringlabels Labels *is* this byte string and its
//     Hash() is xxhash.Sum64 of it, so the encoding is built once per label set.
//   - slicelabels (older): name 0xFF value 0xFF per label. Prometheus' Hash() appends these
//     into a 1 KiB stack buffer on every call; Labels.Hash does the same.
package labels

import (
	"errors"
	"fmt"
	"sort"
	"unsafe"

	"lsim/xxhash"
)

// Layout selects the byte layout a label set is hashed over.
type Layout uint8

const (
	StringLabels Layout = iota
	SliceLabels
)

// ParseLayout maps the plan header's name to a Layout.
func ParseLayout(name string) (Layout, error) {
	switch name {
	case "stringlabels":
		return StringLabels, nil
	case "slicelabels":
		return SliceLabels, nil
	}
	return 0, fmt.Errorf("unknown layout %q (stringlabels or slicelabels)", name)
}

func (l Layout) String() string {
	if l == SliceLabels {
		return "slicelabels"
	}
	return "stringlabels"
}

const sep = 0xFF

// Labels is an immutable label set, sorted by name (byte order), names unique. Like
// Prometheus' stringlabels Labels it is just the encoded string (a plan may hold half a
// million label sets: no per-label slices).
type Labels struct {
	data string // the stringlabels encoding
	n    int    // number of labels
}

// MaxLen is the longest name or value stringlabels can encode (3-byte length).
const MaxLen = 1<<24 - 1

// New builds a label set from name/value pairs in any order; duplicate names are an error,
// as in lsim.labels.Labels.
func New(pairs [][2]string) (*Labels, error) {
	sorted := make([][2]string, len(pairs))
	copy(sorted, pairs)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i][0] < sorted[j][0] })
	for i := 1; i < len(sorted); i++ {
		if sorted[i][0] == sorted[i-1][0] {
			return nil, fmt.Errorf("duplicate label name %q", sorted[i][0])
		}
	}
	return FromSorted(sorted)
}

// FromSorted builds a label set from pairs already sorted by name with unique names.
func FromSorted(pairs [][2]string) (*Labels, error) {
	size := 0
	for i, p := range pairs {
		if i > 0 && !(pairs[i-1][0] < p[0]) {
			return nil, errors.New("label names not sorted and unique")
		}
		if len(p[0]) > MaxLen || len(p[1]) > MaxLen {
			return nil, fmt.Errorf("label %q: longer than stringlabels allows (16 MiB)", p[0])
		}
		size += len(p[0]) + len(p[1]) + 8
	}
	enc := make([]byte, 0, size)
	for _, p := range pairs {
		enc = appendPrefixed(enc, p[0])
		enc = appendPrefixed(enc, p[1])
	}
	return &Labels{data: string(enc), n: len(pairs)}, nil
}

func appendPrefixed(b []byte, s string) []byte {
	n := len(s)
	if n < 255 {
		b = append(b, byte(n))
	} else {
		b = append(b, 0xFF, byte(n), byte(n>>8), byte(n>>16))
	}
	return append(b, s...)
}

// next decodes the string at data[i:]: it and the index after it.
func next(data string, i int) (string, int) {
	n := int(data[i])
	i++
	if n == 0xFF {
		n = int(data[i]) | int(data[i+1])<<8 | int(data[i+2])<<16
		i += 3
	}
	return data[i : i+n], i + n
}

// IsEmpty reports a set with no labels (the store gives it id 0).
func (ls *Labels) IsEmpty() bool { return ls.n == 0 }

// Len is the number of labels.
func (ls *Labels) Len() int { return ls.n }

// Range calls f for each (name, value) in order.
func (ls *Labels) Range(f func(name, value string)) {
	for i := 0; i < len(ls.data); {
		var name, value string
		name, i = next(ls.data, i)
		value, i = next(ls.data, i)
		f(name, value)
	}
}

// Key identifies the label set: equal keys, equal sets.
func (ls *Labels) Key() string { return ls.data }

// Equal compares two sets by content.
func (ls *Labels) Equal(o *Labels) bool { return ls == o || ls.data == o.data }

// Encode returns the bytes hashed for layout.
func (ls *Labels) Encode(layout Layout) []byte {
	if layout == StringLabels {
		return []byte(ls.data)
	}
	var b []byte
	ls.Range(func(name, value string) {
		b = append(b, name...)
		b = append(b, sep)
		b = append(b, value...)
		b = append(b, sep)
	})
	return b
}

// Hash is XXH64 (seed 0) of the layout's bytes, computed on every call like Prometheus.
func (ls *Labels) Hash(layout Layout) uint64 {
	if layout == StringLabels {
		return xxhash.Sum64(yoloBytes(ls.data))
	}
	return ls.sliceHash()
}

// yoloBytes views a string as bytes without copying (Prometheus' stringlabels does the
// same; written for Go 1.19, which has no unsafe.StringData).
func yoloBytes(s string) []byte {
	return *(*[]byte)(unsafe.Pointer(&struct {
		string
		int
	}{s, len(s)}))
}

// sliceHash follows Prometheus' slicelabels Labels.Hash: a 1 KiB buffer that stays on the
// stack; a larger set is hashed from a heap copy (Prometheus streams it: same result).
func (ls *Labels) sliceHash() uint64 {
	b := make([]byte, 0, 1024)
	for i := 0; i < len(ls.data); {
		var name, value string
		name, i = next(ls.data, i)
		value, i = next(ls.data, i)
		if len(b)+len(name)+len(value)+2 >= cap(b) {
			return xxhash.Sum64(ls.Encode(SliceLabels))
		}
		b = append(b, name...)
		b = append(b, sep)
		b = append(b, value...)
		b = append(b, sep)
	}
	return xxhash.Sum64(b)
}

// String renders {a="1", b="2"} like lsim.labels.Labels.__repr__.
func (ls *Labels) String() string {
	b := []byte{'{'}
	ls.Range(func(name, value string) {
		if len(b) > 1 {
			b = append(b, ", "...)
		}
		b = append(b, name...)
		b = append(b, '=', '"')
		b = append(b, value...)
		b = append(b, '"')
	})
	return string(append(b, '}'))
}

// ReplayName is the label a replayed plan adds to a new series so that each pass of the
// loop brings a label set the store has not seen ("__" sorts it before ordinary names).
const ReplayName = "__lsim_replay__"

// WithReplay returns ls plus ReplayName=pass: the same series, seen again as a new one.
func (ls *Labels) WithReplay(pass int) *Labels {
	pairs := make([][2]string, 0, ls.n+1)
	ls.Range(func(name, value string) { pairs = append(pairs, [2]string{name, value}) })
	pairs = append(pairs, [2]string{ReplayName, fmt.Sprint(pass)})
	out, err := New(pairs)
	if err != nil { // the workload's own label names never start with "__lsim"
		panic(err)
	}
	return out
}

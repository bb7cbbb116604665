package labels

import (
	"strings"
	"testing"
)

func mustNew(t *testing.T, kv ...string) *Labels {
	t.Helper()
	var pairs [][2]string
	for i := 0; i < len(kv); i += 2 {
		pairs = append(pairs, [2]string{kv[i], kv[i+1]})
	}
	ls, err := New(pairs)
	if err != nil {
		t.Fatal(err)
	}
	return ls
}

// Expected values: lsim.labels.Labels(...).hash(HashLayout.X) in Python.
func TestHashBothLayouts(t *testing.T) {
	cases := []struct {
		kv         []string
		str, slice uint64
	}{
		{nil, 0xef46db3751d8e999, 0xef46db3751d8e999},
		{[]string{"hello", "world"}, 0x69c0684e519bcec4, 0x347c8ee7a9e29708},
		{[]string{"label", "value", "__name__", "metric"}, 0xbc49f7d3a647b9b5, 0xcbab40540f26097d},
		{[]string{"__name__", "http_requests_total", "job", "api-server-7", "instance", "10.0.0.7",
			"path", "/api/v1/query_7", "method", "PUT", "status", "207"}, 0x4fd85ddd802cf8c9, 0xe4bd81c7bd14b7c7},
		{[]string{"a", strings.Repeat("x", 300), "b", strings.Repeat("y", 254), "c", strings.Repeat("z", 255)},
			0x1445224a4748a413, 0x91645a776cde88ac},
		{[]string{"long", strings.Repeat("q", 2000)}, 0xd16e227e566f5dce, 0xe6c0b43ba09cd9e3},
		{[]string{"ünï", "cödé"}, 0x43b0c3775881546a, 0x2c14616e592c6d01},
	}
	for _, c := range cases {
		ls := mustNew(t, c.kv...)
		if got := ls.Hash(StringLabels); got != c.str {
			t.Errorf("%v stringlabels = %#x, want %#x", ls, got, c.str)
		}
		if got := ls.Hash(SliceLabels); got != c.slice {
			t.Errorf("%v slicelabels = %#x, want %#x", ls, got, c.slice)
		}
	}
}

func TestLengthPrefix(t *testing.T) {
	ls := mustNew(t, "n", strings.Repeat("v", 255))
	enc := ls.Encode(StringLabels)
	if enc[0] != 1 || enc[1] != 'n' || enc[2] != 0xFF || enc[3] != 255 || enc[4] != 0 || enc[5] != 0 {
		t.Fatalf("prefix bytes %v", enc[:6])
	}
	if got := mustNew(t, "n", strings.Repeat("v", 254)).Encode(StringLabels)[2]; got != 254 {
		t.Fatalf("254 prefix = %d", got)
	}
}

func TestDuplicatesAndOrder(t *testing.T) {
	if _, err := New([][2]string{{"a", "1"}, {"a", "2"}}); err == nil {
		t.Fatal("duplicate accepted")
	}
	if _, err := FromSorted([][2]string{{"b", "1"}, {"a", "2"}}); err == nil {
		t.Fatal("unsorted accepted")
	}
	a, b := mustNew(t, "x", "1", "y", "2"), mustNew(t, "y", "2", "x", "1")
	if !a.Equal(b) || a.String() != `{x="1", y="2"}` {
		t.Fatalf("%v vs %v", a, b)
	}
}

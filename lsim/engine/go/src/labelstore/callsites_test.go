package labelstore

import (
	"bufio"
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Every textual lock call in the designs' sources is a parsed call site with a field, and
// every field a design uses names one of its locks (or a known non-lock such as an atomic).
func TestEveryLockCallIsAParsedSite(t *testing.T) {
	sites := CallSites()
	call := regexp.MustCompile(`\.(R?Lock|R?Unlock)\(\)`)
	for _, name := range []string{"service.go", "rwmutex.go", "finegrained.go", "sharded.go", "syncmap.go", "percomponent.go", "lockfree.go", "state.go"} {
		src, err := sources.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(src))
		for line := 1; sc.Scan(); line++ {
			text := strings.TrimSpace(sc.Text())
			if strings.HasPrefix(text, "//") || !call.MatchString(text) {
				continue
			}
			site, ok := sites[name+":"+itoa(line)]
			if !ok || site.Field == "" {
				t.Errorf("%s:%d %q not parsed", name, line, text)
			}
		}
	}
	s, ok := sites["service.go:"+itoa(findLine(t, "service.go", "func (s *Service) GetOrAddGlobalRefID")+5)]
	if !ok || s.Func != "lsim/labelstore.(*Service).GetOrAddGlobalRefID" || s.Field != "mut" || s.Method != "Lock" {
		t.Fatalf("GetOrAddGlobalRefID lock site: %+v", s)
	}
}

func TestFieldsNameDesignLocks(t *testing.T) {
	files := map[string]string{"mutex": "service.go", "rwmutex": "rwmutex.go", "finegrained": "finegrained.go",
		"syncmap": "syncmap.go", "percomponent": "percomponent.go", "lockfree": "lockfree.go"}
	// fields that are called with a lock-like method name but are not locks
	notLocks := map[string]bool{"collid": true, "mappings@percomponent": true, "nextLock": true, "globalRefID": true, "c": true}
	for name, file := range files {
		s := build(t, design{name, 0}, nil)
		g := s.GetOrAddGlobalRefID(s.w, series(1))
		s.AddLocalLink(s.w, comp0, g, 1)
		fields := map[string]bool{}
		for _, l := range s.Locks() {
			fields[l.Field] = true
		}
		for _, site := range SiteList() {
			if site.File != file {
				continue
			}
			if !fields[site.Field] && !notLocks[site.Field] && !notLocks[site.Field+"@"+name] {
				t.Errorf("%s: %s calls %s.%s, which is no lock of the design", name, site.Key(), site.Field, site.Method)
			}
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func findLine(t *testing.T, file, prefix string) int {
	src, _ := sources.ReadFile(file)
	for i, l := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(l, prefix) {
			return i + 1
		}
	}
	t.Fatalf("%s: no %q", file, prefix)
	return 0
}

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"lsim/engine"
	"lsim/labels"
)

// The hash and known commands.

type hashLine struct {
	Layout string      `json:"layout"`
	Labels [][2]string `json:"labels"`
}

func cmdHash(in io.Reader, out io.Writer) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<16), 1<<26)
	bw := bufio.NewWriter(out)
	defer bw.Flush()
	for n := 1; sc.Scan(); n++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		var hl hashLine
		if err := json.Unmarshal([]byte(text), &hl); err != nil {
			return bad("stdin line %d: %v", n, err)
		}
		layout, err := labels.ParseLayout(hl.Layout)
		if err != nil {
			return bad("stdin line %d: %v", n, err)
		}
		ls, err := labels.New(hl.Labels)
		if err != nil {
			return bad("stdin line %d: %v", n, err)
		}
		fmt.Fprintln(bw, strconv.FormatUint(ls.Hash(layout), 10))
	}
	return sc.Err()
}

// duration reads "10ms" (Go syntax) or a number of seconds ("0.01").
func duration(name, v string) (time.Duration, error) {
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return d, nil
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * 1e9), nil
	}
	return 0, bad("-%s: %q is not a duration (e.g. 10ms or 0.01)", name, v)
}

func cmdKnown(args []string) error {
	values := map[string]bool{"waiters": true, "hold": true, "gap": true, "duration": true, "gomaxprocs": true,
		"budget": true, "min-interval": true}
	pos, flags, err := parseArgs(args, nil, values)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return bad("known takes flags only")
	}
	o := engine.KnownOptions{Budget: 0.05, MinInterval: 10 * time.Millisecond}
	for _, req := range []string{"waiters", "hold", "gap", "duration"} {
		if _, ok := flags[req]; !ok {
			return bad("known needs -%s", req)
		}
	}
	if o.Waiters, err = strconv.Atoi(flags["waiters"]); err != nil || o.Waiters < 1 {
		return bad("-waiters: must be an integer >= 1, got %q", flags["waiters"])
	}
	for name, dst := range map[string]*time.Duration{"hold": &o.Hold, "gap": &o.Gap, "duration": &o.Duration} {
		if *dst, err = duration(name, flags[name]); err != nil {
			return err
		}
	}
	if v, ok := flags["min-interval"]; ok {
		if o.MinInterval, err = duration("min-interval", v); err != nil {
			return err
		}
	}
	if v, ok := flags["gomaxprocs"]; ok {
		if o.Gomaxprocs, err = strconv.Atoi(v); err != nil || o.Gomaxprocs < 1 {
			return bad("-gomaxprocs: must be an integer >= 1, got %q", v)
		}
	}
	if v, ok := flags["budget"]; ok {
		if o.Budget, err = strconv.ParseFloat(v, 64); err != nil || !(o.Budget > 0 && o.Budget <= 1) {
			return bad("-budget: must be in (0, 1], got %q", v)
		}
	}
	if o.Hold <= 0 || o.Duration <= 0 {
		return bad("-hold and -duration must be > 0")
	}
	return json.NewEncoder(os.Stdout).Encode(engine.Known(o))
}

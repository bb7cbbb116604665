// Command lsimgo is the Go half of lsim's go engine (PROTOCOL.md beside this directory):
//
//	lsimgo run PLANFILE [-census] [-out FILE] [-pprof-dir DIR]   one experiment; result JSON to stdout or FILE
//	lsimgo trace PLANFILE                        the plan's first cycles on one goroutine, one line per store call
//	lsimgo hash                                  stdin JSON lines {"layout": L, "labels": [[n, v], ...]} -> hashes
//	lsimgo known -waiters W -hold D -gap D -duration D [-gomaxprocs P]   the census known-answer case
//	lsimgo version                               runtime.Version()
//
// Exit status: 0 success; 2 bad input (one line on stderr naming what is wrong); 1 an
// internal failure.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"time"

	"lsim/engine"
	"lsim/plan"
)

// usageError is bad input: exit 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func bad(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func main() {
	err := dispatch(os.Args[1:])
	if err == nil {
		os.Exit(0)
	}
	msg := strings.ReplaceAll(err.Error(), "\n", "; ")
	fmt.Fprintln(os.Stderr, "lsimgo: "+msg)
	var ue usageError
	var pe *plan.Error
	if errors.As(err, &ue) || errors.As(err, &pe) {
		os.Exit(2)
	}
	os.Exit(1)
}

func dispatch(args []string) error {
	if len(args) == 0 {
		return bad("usage: lsimgo run|trace|hash|known|version ...")
	}
	switch args[0] {
	case "run":
		return cmdRun(args[1:])
	case "trace":
		return cmdTrace(args[1:])
	case "hash":
		return cmdHash(os.Stdin, os.Stdout)
	case "known":
		return cmdKnown(args[1:])
	case "version":
		fmt.Println(runtime.Version())
		return nil
	}
	return bad("unknown command %q (run, trace, hash, known, version)", args[0])
}

// parseArgs accepts flags before and after positionals (lsimgo run PLAN -census), as
// "-name value" or "-name=value"; boolean flags take no value.
func parseArgs(args []string, bools map[string]bool, values map[string]bool) (pos []string, flags map[string]string, err error) {
	flags = map[string]string{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			continue
		}
		name := strings.TrimLeft(a, "-")
		value, hasValue := "", false
		if eq := strings.IndexByte(name, '='); eq >= 0 {
			name, value, hasValue = name[:eq], name[eq+1:], true
		}
		switch {
		case bools[name]:
			if hasValue && value != "true" && value != "false" {
				return nil, nil, bad("-%s takes no value", name)
			}
			if !hasValue {
				value = "true"
			}
		case values[name]:
			if !hasValue {
				if i+1 >= len(args) {
					return nil, nil, bad("-%s needs a value", name)
				}
				i++
				value = args[i]
			}
		default:
			return nil, nil, bad("unknown flag -%s", name)
		}
		flags[name] = value
	}
	return pos, flags, nil
}

func readPlan(pos []string, cmd string) (*plan.File, error) {
	if len(pos) != 1 {
		return nil, bad("usage: lsimgo %s PLANFILE", cmd)
	}
	return plan.ReadFile(pos[0])
}

func cmdRun(args []string) error {
	pos, flags, err := parseArgs(args, map[string]bool{"census": true}, map[string]bool{"out": true, "pprof-dir": true})
	if err != nil {
		return err
	}
	t0 := time.Now()
	pf, err := readPlan(pos, "run")
	if err != nil {
		return err
	}
	readS := time.Since(t0).Seconds()
	var out io.Writer = os.Stdout
	if path := flags["out"]; path != "" {
		f, err := os.Create(path)
		if err != nil {
			return bad("-out: %v", err)
		}
		defer f.Close()
		out = f
	}
	if dir := flags["pprof-dir"]; dir != "" {
		if flags["census"] != "true" {
			return bad("-pprof-dir needs -census (the profiles are on in the census run only)")
		}
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return bad("-pprof-dir: %s is not a directory", dir)
		}
	}
	interrupt := make(chan os.Signal, 1)
	signal.Notify(interrupt, os.Interrupt)
	progress := engine.NewProgress(os.Stderr)
	res, err := engine.Run(pf, engine.Options{Census: flags["census"] == "true", PprofDir: flags["pprof-dir"], Progress: progress, Interrupt: interrupt, PlanReadS: readS})
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(out, 1<<20)
	if err := json.NewEncoder(bw).Encode(res); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	progress.Phase("finished", -1)
	return nil // main exits at once: sleeping workers are not waited for
}

func cmdTrace(args []string) error {
	pos, flags, err := parseArgs(args, map[string]bool{"locks": true}, nil)
	if err != nil {
		return err
	}
	pf, err := readPlan(pos, "trace")
	if err != nil {
		return err
	}
	return engine.Trace(pf, os.Stdout, flags["locks"] == "true")
}

// Command lsimcalib measures the Go runtime costs the lsim model needs on this machine and
// prints them as one JSON object (nanoseconds): for each figure the min, p10, median and p90
// over repeated rounds (CPU-bound loops: the best round is the least disturbed by other load)
// or over single events (wake-ups and sleeps, whose spread is the figure).
//
// Each figure copies the runtime mechanism it stands for (Go 1.19 runtime/proc.go):
//
//	spin_ns           runtime_doSpin = procyield(active_spin_cnt = 30): 30 PAUSE (YIELD)
//	line_transfer_ns  one atomic add on a cache line the other core wrote last, minus the same on
//	                  a line of its own (a dependent chain: no prefetch)
//	lock_ns           sync.Mutex Lock+Unlock, one goroutine
//	switch_ns         an unbuffered channel ping-pong at GOMAXPROCS=1, per hop (gopark+goready+schedule)
//	futex_wake_ns     a send to a parked receiver while the other P is idle (wakep -> futex wake),
//	                  minus the same send with no P to wake
//	wakep_ns          that wake: from the send until the woken M runs the receiver, stolen from
//	                  the sender's local run queue
//	steal_backoff_ns  usleep(3), which runqgrab sleeps before taking a running P's runnext
//	spawn_ns          wg.Add(1) + a go statement, in the spawning goroutine (GOMAXPROCS=1)
//	exit_ns           the rest of such a goroutine's life: wg.Done + goexit0, its switch excluded
//	map_hit_ns        a map[uint64]uint64 lookup that hits, 10,000 entries, random keys
//	map_insert_ns     a delete + insert pair in a warm 20,000-entry map, per operation
//	switch_ring       per ring size (2 to 32,768 goroutines parked in sync.Mutex.Lock, each
//	                  unlocking the next one's mutex): one switch at GOMAXPROCS=1
//	map_chain         per map size (1,024 to 4 million entries): a lookup in a map[uint64]uint64
//	                  whose values form one random cycle through its keys, chased (each lookup
//	                  needs the last one's value, so no two overlap): the caches' reach
//
// Usage: lsimcalib [-quick]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var sink uint64

const reps = 8 // rounds per figure, times the scale (10, or 1 with -quick)

type figure struct {
	Min    float64 `json:"min"`
	Median float64 `json:"median"`
	P10    float64 `json:"p10"`
	P90    float64 `json:"p90"`
	N      int     `json:"n"`
}

func quantiles(xs []float64) figure {
	sort.Float64s(xs)
	n := len(xs)
	return figure{Min: xs[0], Median: xs[n/2], P10: xs[n/10], P90: xs[(9*n)/10], N: n}
}

// rounds runs f `reps` times and returns the per-round results' quantiles. Rounds are short
// (about a millisecond) and many, so that on a shared machine some of them run undisturbed:
// the minimum is the figure for CPU-bound loops.
func rounds(reps int, f func() float64) figure {
	xs := make([]float64, 0, reps)
	for i := 0; i < reps; i++ {
		xs = append(xs, f())
	}
	return quantiles(xs)
}

func perOp(n int, f func(int)) float64 {
	t := time.Now()
	f(n)
	return float64(time.Since(t).Nanoseconds()) / float64(n)
}

func spin(scale int) figure {
	return rounds(reps*scale, func() float64 {
		return perOp(1000, func(n int) {
			for i := 0; i < n; i++ {
				pause(30)
			}
		})
	})
}

// chainLine is one cache line of lineTransfer's chain: its counter and the next line's index.
type chainLine struct {
	v    int64
	next int64
	_    [48]byte
}

// lineTransfer: one atomic add on a cache line that the other core wrote last, minus the
// same add on a line this core holds. A goroutine on the other P (spinning, so it keeps a
// core) writes 4,096 lines; this one then adds to each along a random chain whose next line
// is read from the current one, so no fetch starts before the last has finished (prefetch
// and overlapping misses would hide the cost), and walks the chain again on lines now its
// own. An atomic word ping-ponged between two cores measures two such transfers per one-way
// trip (the writer's and the reader's) plus the spin loop's own reaction. The two threads
// are pinned to CPUs 0 and 1 where the OS allows it (Linux); elsewhere rounds in which both
// ran on one core show no transfer and are left out; none at all gives an empty figure.
func lineTransfer(scale int) figure {
	runtime.GOMAXPROCS(2)
	const n = 4096 // 256 KiB: in either core's L2
	lines := make([]chainLine, n)
	order := rand.Perm(n)
	for k := range order {
		lines[order[k]].next = int64(order[(k+1)%n])
	}
	var phase int64
	quit := int64(-1)
	go func() {
		pinThread(1)
		for k := int64(0); ; k++ {
			for {
				ph := atomic.LoadInt64(&phase)
				if ph == quit {
					return
				}
				if ph == 2*k+1 {
					break
				}
			}
			for i := range lines {
				atomic.AddInt64(&lines[i].v, 1)
			}
			atomic.StoreInt64(&phase, 2*k+2)
		}
	}()
	walk := func() float64 {
		i := int64(order[0])
		t := time.Now()
		for range order {
			atomic.AddInt64(&lines[i].v, 1)
			i = lines[i].next
		}
		return float64(time.Since(t).Nanoseconds()) / n
	}
	xs := make(chan []float64)
	go func() { // on a thread of its own, pinned to the other CPU, discarded afterwards
		pinThread(0)
		var got []float64
		for k := int64(0); k < int64(reps*scale*4); k++ {
			atomic.StoreInt64(&phase, 2*k+1)
			for atomic.LoadInt64(&phase) != 2*k+2 {
			}
			remote := walk()
			if d := remote - walk(); d > 5 { // the lines came from another core
				got = append(got, d)
			}
		}
		atomic.StoreInt64(&phase, quit)
		xs <- got
	}()
	got := <-xs
	if len(got) == 0 {
		return figure{}
	}
	return quantiles(got)
}

func lock(scale int) figure {
	runtime.GOMAXPROCS(1)
	var m sync.Mutex
	return rounds(reps*scale, func() float64 {
		return perOp(50000, func(n int) {
			for i := 0; i < n; i++ {
				m.Lock()
				m.Unlock()
			}
		})
	})
}

func switchCost(scale int) figure {
	runtime.GOMAXPROCS(1)
	return rounds(reps*scale, func() float64 {
		a, b := make(chan int), make(chan int)
		n := 5000
		go func() {
			for i := 0; i < n; i++ {
				<-a
				b <- 1
			}
		}()
		t := time.Now()
		for i := 0; i < n; i++ {
			a <- 1
			<-b
		}
		return float64(time.Since(t).Nanoseconds()) / float64(2*n)
	})
}

func spinFor(d time.Duration) {
	t := time.Now()
	for time.Since(t) < d {
	}
}

// sendCost: the sender's time for a send to a parked receiver; with procs=2 the other P has
// gone idle first, so the send's goready calls wakep, which wakes an M with a futex.
func sendCost(procs, events int) figure {
	runtime.GOMAXPROCS(procs)
	ch := make(chan int)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-ch:
			case <-done:
				return
			}
		}
	}()
	xs := make([]float64, 0, events)
	for k := 0; k < events; k++ {
		if procs == 1 {
			runtime.Gosched() // the receiver parks again
		} else {
			spinFor(100 * time.Microsecond) // the other P finds nothing and goes idle
		}
		t := time.Now()
		ch <- 1
		xs = append(xs, float64(time.Since(t).Nanoseconds()))
	}
	close(done)
	return quantiles(xs)
}

// wakeLatency: the receiver is kicked out of runnext into the local queue by a second
// receiver readied after it; the sender then keeps its P busy, so the receiver runs only once
// the woken M has stolen it.
func wakeLatency(events int) figure {
	runtime.GOMAXPROCS(2)
	ch, ch2 := make(chan int64), make(chan int64)
	var got int64
	done := make(chan struct{})
	go func() {
		for {
			select {
			case t := <-ch:
				atomic.StoreInt64(&got, time.Now().UnixNano()-t)
			case <-done:
				return
			}
		}
	}()
	go func() {
		for {
			select {
			case <-ch2:
			case <-done:
				return
			}
		}
	}()
	xs := make([]float64, 0, events)
	for k := 0; k < events; k++ {
		spinFor(100 * time.Microsecond)
		atomic.StoreInt64(&got, 0)
		ch <- time.Now().UnixNano()
		ch2 <- 0
		deadline := time.Now().Add(5 * time.Millisecond)
		for atomic.LoadInt64(&got) == 0 && time.Now().Before(deadline) {
		}
		if v := atomic.LoadInt64(&got); v > 0 {
			xs = append(xs, float64(v))
		}
	}
	close(done)
	if len(xs) == 0 {
		xs = append(xs, 5e6)
	}
	return quantiles(xs)
}

func usleep3(events int) figure {
	ts := syscall.Timespec{Sec: 0, Nsec: 3000}
	xs := make([]float64, 0, events)
	for k := 0; k < events; k++ {
		t := time.Now()
		_ = syscall.Nanosleep(&ts, nil)
		xs = append(xs, float64(time.Since(t).Nanoseconds()))
	}
	return quantiles(xs)
}

// spawn: per goroutine, the spawner's loop (wg.Add + go) and the whole iteration (until Wait
// returns), at GOMAXPROCS=1 so that nothing overlaps.
func spawn(scale int) (figure, figure) {
	runtime.GOMAXPROCS(1)
	var loop, whole []float64
	for k := 0; k < reps*scale/2+1; k++ {
		n := 20000 // as many as Alloy's benchmark starts per iteration (the run queues overflow)
		var wg sync.WaitGroup
		t := time.Now()
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() { wg.Done() }()
		}
		s := time.Since(t)
		wg.Wait()
		whole = append(whole, float64(time.Since(t).Nanoseconds())/float64(n))
		loop = append(loop, float64(s.Nanoseconds())/float64(n))
	}
	return quantiles(loop), quantiles(whole)
}

func maps(scale int) (figure, figure) {
	runtime.GOMAXPROCS(1)
	m := make(map[uint64]uint64)
	keys := make([]uint64, 10000)
	for i := range keys {
		keys[i] = rand.Uint64()
		m[keys[i]] = uint64(i)
	}
	idx := make([]int, 1<<16)
	for i := range idx {
		idx[i] = rand.Intn(len(keys))
	}
	hit := rounds(reps*scale, func() float64 {
		return perOp(50000, func(n int) {
			for i := 0; i < n; i++ {
				sink += m[keys[idx[i&(1<<16-1)]]]
			}
		})
	})
	m3 := make(map[uint64]uint64)
	for i := 0; i < 20000; i++ {
		m3[uint64(i)] = 1
	}
	insert := rounds(reps*scale, func() float64 {
		return perOp(25000, func(n int) {
			for i := 0; i < n; i++ {
				k := uint64(i % 20000)
				delete(m3, k)
				m3[k] = 2
			}
		}) / 2
	})
	return hit, insert
}

// ringPoint is switch_ring's figure at one ring size.
type ringPoint struct {
	Goroutines int    `json:"goroutines"`
	Ns         figure `json:"ns"`
}

// switchRing times one switch at GOMAXPROCS=1 between goroutines parked in sync.Mutex.Lock,
// with 2 .. 2^maxShift of them in a ring: goroutine i waits for its own mutex and then
// unlocks the next one's, so each switch resumes the goroutine that ran n switches before
// (its g, sudog and stack frames as far from the caches as n goroutines push them). Per ring
// size: the time per switch of a few rounds of about hops switches each.
func switchRing(maxShift, hops, rounds int) []ringPoint {
	runtime.GOMAXPROCS(1)
	ringRound(4, hops/4) // warm-up, not kept: the first round also pays for the heap's growth
	var out []ringPoint
	for shift := 1; shift <= maxShift; shift++ {
		n := 1 << shift
		per := hops / n
		if per < 2 {
			per = 2
		}
		xs := make([]float64, 0, rounds)
		for r := 0; r < rounds; r++ {
			xs = append(xs, ringRound(n, per))
		}
		out = append(out, ringPoint{Goroutines: n, Ns: quantiles(xs)})
	}
	return out
}

func ringRound(n, per int) float64 {
	mus := make([]sync.Mutex, n)
	for i := range mus {
		mus[i].Lock()
	}
	var parked, done sync.WaitGroup
	parked.Add(n)
	done.Add(n)
	for i := 0; i < n; i++ {
		go func(i int) {
			defer done.Done()
			next := &mus[(i+1)%n]
			parked.Done()
			for k := 0; k < per; k++ {
				mus[i].Lock()
				next.Unlock()
			}
		}(i)
	}
	parked.Wait()
	runtime.Gosched() // at GOMAXPROCS=1: every goroutine has run up to its first Lock
	t := time.Now()
	mus[0].Unlock()
	done.Wait()
	return float64(time.Since(t).Nanoseconds()) / float64(per*n)
}

// chainPoint is map_chain's figure at one map size.
type chainPoint struct {
	Entries int    `json:"entries"`
	Ns      figure `json:"ns"`
}

// mapChain chases a random cycle through maps of 2^10 .. 2^maxShift entries: at each size the
// time of one lookup whose key is the last lookup's value, best of a few rounds.
func mapChain(maxShift, rounds int) []chainPoint {
	runtime.GOMAXPROCS(1)
	var out []chainPoint
	for shift := 10; shift <= maxShift; shift++ {
		n := 1 << shift
		keys := make([]uint64, n)
		for i := range keys {
			keys[i] = rand.Uint64()
		}
		m := make(map[uint64]uint64, 0) // grown by inserts, as the store's maps are
		for i, k := range keys {
			m[k] = keys[(i+1)%n] // keys are in random order: the cycle visits them at random
		}
		start := keys[0]
		keys = nil
		xs := make([]float64, 0, rounds)
		for r := 0; r < rounds; r++ {
			x := start
			const steps = 100000
			t := time.Now()
			for i := 0; i < steps; i++ {
				x = m[x]
			}
			xs = append(xs, float64(time.Since(t).Nanoseconds())/steps)
			start = x
		}
		out = append(out, chainPoint{Entries: n, Ns: quantiles(xs)})
	}
	return out
}

func main() {
	quick := flag.Bool("quick", false, "fewer events per figure (for tests)")
	flag.Parse()
	scale, events := 10, 2000
	if *quick {
		scale, events = 1, 200
	}
	out := map[string]interface{}{
		"go_version":  runtime.Version(),
		"goarch":      runtime.GOARCH,
		"num_cpu":     runtime.NumCPU(),
		"pause_exact": pauseExact,
	}
	fig := map[string]figure{}
	fig["spin_ns"] = spin(scale)
	fig["lock_ns"] = lock(scale)
	fig["switch_ns"] = switchCost(scale)
	fig["map_hit_ns"], fig["map_insert_ns"] = maps(scale)
	loop, whole := spawn(scale)
	fig["spawn_ns"] = loop
	fig["spawn_whole_ns"] = whole
	fig["steal_backoff_ns"] = usleep3(events)
	if runtime.NumCPU() >= 2 {
		fig["line_transfer_ns"] = lineTransfer(scale)
		fig["send_parked_p1_ns"] = sendCost(1, events)
		fig["send_parked_idle_p_ns"] = sendCost(2, events)
		fig["wakep_ns"] = wakeLatency(events)
	}
	out["figures"] = fig
	if *quick {
		out["map_chain"] = mapChain(15, 3)
		out["switch_ring"] = switchRing(13, 20000, 2)
	} else {
		out["map_chain"] = mapChain(22, 5)
		out["switch_ring"] = switchRing(15, 400000, 3)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

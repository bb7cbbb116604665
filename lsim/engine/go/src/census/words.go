package census

import (
	"sync/atomic"
	"time"

	"lsim/labelstore"
)

// WordSampler reads every store lock's waiter count from the lock's own words
// (labelstore.LockInfo.Waiters) at a fixed interval, without stopping the world: a second
// census of goroutines parked on store locks, cheap enough for the clean run, and one that
// a stop-the-world dump cannot disturb. It sees only goroutines parked in Lock/RLock (not
// spinning, not woken and runnable), and not sync.Map's internal locks. Each read also notes
// whether the lock is in starvation mode: a lock that hands off from Unlock to the queue's
// head (one goroutine switch per acquisition) runs a different convoy from one whose waiters
// are woken to compete.
type WordSampler struct {
	Interval time.Duration
	Locks    []labelstore.LockInfo // the locks at the window's start

	stop   chan struct{}
	done   chan struct{}
	taken  atomic.Int64 // samples so far (tests wait on it)
	result WordResult
}

const bucket = 10 * time.Millisecond

// WordResult is the lock-word census of one window.
type WordResult struct {
	Samples     int                `json:"samples"`
	IntervalS   float64            `json:"interval_s"`
	WaitersMean float64            `json:"waiters_mean"` // mean goroutines parked on store locks
	WaitersMax  int                `json:"waiters_max"`
	PerLock     map[string]float64 `json:"per_lock_mean"`
	// Starving is, per lock, the share of reads that found it in starvation mode.
	Starving map[string]float64 `json:"per_lock_starving"`
	// Series is the mean waiters of each 10 ms of the window, in order (a convoy that forms
	// and breaks shows as a swing between about 0 and all goroutines); -1: no sample.
	Series []float64 `json:"series_10ms"`
	Unread []string  `json:"unread"` // locks whose words cannot be read
	// Skipped says why this run did not read the words at all (Samples is then 0).
	Skipped string `json:"skipped,omitempty"`
}

// Start begins sampling in a goroutine of its own.
func (s *WordSampler) Start() {
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	go s.loop()
}

// Stop ends sampling and returns what it saw.
func (s *WordSampler) Stop() WordResult {
	if s == nil || s.stop == nil {
		return WordResult{PerLock: map[string]float64{}, Starving: map[string]float64{}, Unread: []string{}}
	}
	close(s.stop)
	<-s.done
	return s.result
}

func (s *WordSampler) loop() {
	defer close(s.done)
	var read []labelstore.LockInfo
	unread := []string{}
	for _, l := range s.Locks {
		if l.Waiters != nil {
			read = append(read, l)
		} else {
			unread = append(unread, l.Name)
		}
	}
	sums := make([]int64, len(read))
	starving := make([]int64, len(read))
	var total int64
	samples, most := 0, 0
	series := []float64{}
	began := time.Now()
	var bucketSum, bucketN int64
	tick := time.NewTicker(s.Interval)
	defer tick.Stop()
	for {
		select {
		case <-s.stop:
			per, starved := map[string]float64{}, map[string]float64{}
			for i, l := range read {
				if samples > 0 {
					per[l.Name] += float64(sums[i]) / float64(samples)
					if l.Starving != nil {
						starved[l.Name] = float64(starving[i]) / float64(samples)
					}
				}
			}
			mean := 0.0
			if samples > 0 {
				mean = float64(total) / float64(samples)
			}
			s.result = WordResult{Samples: samples, IntervalS: s.Interval.Seconds(),
				WaitersMean: mean, WaitersMax: most, PerLock: per, Starving: starved, Unread: unread,
				Series: series}
			return
		case <-tick.C:
		}
		now := 0
		for i, l := range read {
			n := l.Waiters()
			sums[i] += int64(n)
			now += n
			if l.Starving != nil && l.Starving() {
				starving[i]++
			}
		}
		total += int64(now)
		for int64(time.Since(began)/bucket) > int64(len(series)) { // close finished buckets
			m := -1.0 // no sample in it: the world was stopped (a census dump, a GC phase)
			if bucketN > 0 {
				m = float64(bucketSum) / float64(bucketN)
			}
			series = append(series, m)
			bucketSum, bucketN = 0, 0
		}
		bucketSum += int64(now)
		bucketN++
		samples++
		s.taken.Store(int64(samples))
		if now > most {
			most = now
		}
	}
}

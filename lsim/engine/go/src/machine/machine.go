// Package machine reads how busy the machine and this process were over the measured
// window, so a result can say how much of the CPU other processes took (the machine is
// shared): /proc/stat's aggregate cpu line (busy = total - idle - iowait jiffies) and this
// process's own user+system time (getrusage).
package machine

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTick is USER_HZ, the unit of /proc/stat (100 on every Linux lsim runs on).
const clockTick = 100

// Snapshot is one reading.
type Snapshot struct {
	At        time.Time
	BusyTicks uint64 // machine-wide, jiffies
	OK        bool   // /proc/stat was readable
	SelfCPU   time.Duration
}

// Take reads the machine and this process now.
func Take() Snapshot {
	s := Snapshot{At: time.Now()}
	s.BusyTicks, s.OK = busyTicks()
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.SelfCPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return s
}

func busyTicks() (uint64, bool) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return 0, false
	}
	fields := strings.Fields(sc.Text())
	if len(fields) < 5 || fields[0] != "cpu" {
		return 0, false
	}
	var total, idle uint64
	// user nice system idle iowait irq softirq steal (guest time is already in user)
	for i, f := range fields[1:] {
		if i >= 8 {
			break
		}
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return 0, false
		}
		total += v
		if i == 3 || i == 4 {
			idle += v
		}
	}
	return total - idle, true
}

// Usage is the window's mean busy cores (whole machine) and this process's cores.
type Usage struct {
	CPUBusyCores float64 `json:"cpu_busy_cores"`
	SelfCores    float64 `json:"self_cores"`
}

// Between computes the usage from a to b.
func Between(a, b Snapshot) Usage {
	el := b.At.Sub(a.At).Seconds()
	if el <= 0 {
		return Usage{}
	}
	u := Usage{SelfCores: (b.SelfCPU - a.SelfCPU).Seconds() / el}
	if a.OK && b.OK && b.BusyTicks >= a.BusyTicks {
		u.CPUBusyCores = float64(b.BusyTicks-a.BusyTicks) / clockTick / el
	}
	return u
}

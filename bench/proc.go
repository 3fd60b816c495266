package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ClockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat (100 on Linux).
const ClockTicks = 100

// Family returns pids and their direct children (nginx workers under a master).
func Family(pids []int) []int {
	want := map[int]bool{}
	for _, p := range pids {
		want[p] = true
	}
	out := append([]int(nil), pids...)
	entries, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, e := range entries {
		f, err := readStat(e)
		if err != nil {
			continue
		}
		if want[f.ppid] && !want[f.pid] {
			out = append(out, f.pid)
		}
	}
	return out
}

type statFields struct {
	pid, ppid    int
	utime, stime int64
	// cutime and cstime are the CPU of waited-for children that have exited.
	cutime, cstime int64
}

func readStat(path string) (statFields, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return statFields{}, err
	}
	s := string(b)
	// comm may hold spaces and parentheses: fields start after the last ')'.
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return statFields{}, fmt.Errorf("bench: malformed %s", path)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(s[:strings.IndexByte(s, '(')]))
	f := strings.Fields(s[i+1:])
	// f[0] is state (field 3); ppid is field 4, utime 14, stime 15, cutime 16, cstime 17.
	if len(f) < 15 {
		return statFields{}, fmt.Errorf("bench: short %s", path)
	}
	ppid, _ := strconv.Atoi(f[1])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	cut, _ := strconv.ParseInt(f[13], 10, 64)
	cst, _ := strconv.ParseInt(f[14], 10, 64)
	return statFields{pid: pid, ppid: ppid, utime: ut, stime: st, cutime: cut, cstime: cst}, nil
}

// CPUSeconds sums the CPU of pids, of their live direct children and of the
// children that have exited (a database's backends come and go): a child
// that exits while it is read is skipped, its time moves to its parent's.
func CPUSeconds(pids []int) (float64, error) {
	var ticks int64
	for i, p := range Family(pids) {
		f, err := readStat(fmt.Sprintf("/proc/%d/stat", p))
		if err != nil {
			if i >= len(pids) {
				continue
			}
			return 0, err
		}
		ticks += f.utime + f.stime
		if i < len(pids) {
			ticks += f.cutime + f.cstime
		}
	}
	return float64(ticks) / ClockTicks, nil
}

// RSS returns the summed resident set and peak resident set (VmHWM), in bytes,
// of pids and their direct children.
func RSS(pids []int) (rss, hwm int64, err error) {
	for _, p := range Family(pids) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p))
		if err != nil {
			return 0, 0, err
		}
		for _, line := range strings.Split(string(b), "\n") {
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			fs := strings.Fields(v)
			if len(fs) == 0 {
				continue
			}
			n, _ := strconv.ParseInt(fs[0], 10, 64)
			switch k {
			case "VmRSS":
				rss += n * 1024
			case "VmHWM":
				hwm += n * 1024
			}
		}
	}
	return rss, hwm, nil
}

// ParsePIDs reads a comma-separated pid list.
func ParsePIDs(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("bench: pid %q: %w", f, err)
		}
		out = append(out, n)
	}
	return out, nil
}

package replication

import (
	"fmt"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// parseWindow reads "HH:MM-HH:MM" (UTC) into minutes of the day; an empty
// window is the whole day (0, 0).
func parseWindow(w string) (from, to int, err error) {
	if w == "" {
		return 0, 0, nil
	}
	var h1, m1, h2, m2 int
	n, _ := fmt.Sscanf(w, "%d:%d-%d:%d", &h1, &m1, &h2, &m2)
	if n != 4 || len(w) != len("00:00-00:00") || h1 > 23 || h2 > 23 || m1 > 59 || m2 > 59 || h1 < 0 || h2 < 0 || m1 < 0 || m2 < 0 {
		return 0, 0, ports.Invalidf("sync_window", "must look like 22:00-06:00 (UTC)")
	}
	from, to = h1*60+m1, h2*60+m2
	if from == to {
		return 0, 0, ports.Invalidf("sync_window", "must not be empty")
	}
	return from, to, nil
}

// inWindow is t if it falls inside the window, else the window's next start.
func inWindow(w string, t time.Time) time.Time {
	from, to, err := parseWindow(w)
	if w == "" || err != nil {
		return t
	}
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	m := t.Hour()*60 + t.Minute()
	inside := (from < to && m >= from && m < to) || (from > to && (m >= from || m < to))
	if inside {
		return t
	}
	start := day.Add(time.Duration(from) * time.Minute)
	if !start.After(t) {
		start = start.Add(24 * time.Hour)
	}
	return start
}

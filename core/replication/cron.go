package replication

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// maxCronLen bounds a cron expression.
const maxCronLen = 200

// cronSpec is a parsed standard 5-field cron expression (minute, hour,
// day of month, month, day of week), evaluated in UTC. The syntax is the
// one crontab(5) describes (https://man7.org/linux/man-pages/man5/crontab.5.html):
// "*", numbers, ranges "a-b", steps "*/n" and "a-b/n", lists "a,b", month
// and weekday names, 7 for Sunday, and the macros @yearly, @monthly,
// @weekly, @daily and @hourly. When both day fields are restricted, a day
// matching either runs (as cron does).
type cronSpec struct {
	minute, hour, dom, month, dow uint64
	domStar, dowStar              bool
}

var cronMacros = map[string]string{
	"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
	"@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}

var (
	monthNames = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
	dayNames   = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}
)

// parseCron reads a cron expression.
func parseCron(expr string) (cronSpec, error) {
	if len(expr) > maxCronLen {
		return cronSpec{}, fmt.Errorf("longer than %d characters", maxCronLen)
	}
	expr = strings.TrimSpace(expr)
	if m, ok := cronMacros[strings.ToLower(expr)]; ok {
		expr = m
	}
	f := strings.Fields(expr)
	if len(f) != 5 {
		return cronSpec{}, fmt.Errorf("needs 5 fields (minute hour day-of-month month day-of-week), got %d", len(f))
	}
	var c cronSpec
	var err error
	if c.minute, err = cronField(f[0], 0, 59, nil, 0); err != nil {
		return c, fmt.Errorf("minute: %w", err)
	}
	if c.hour, err = cronField(f[1], 0, 23, nil, 0); err != nil {
		return c, fmt.Errorf("hour: %w", err)
	}
	if c.dom, err = cronField(f[2], 1, 31, nil, 0); err != nil {
		return c, fmt.Errorf("day of month: %w", err)
	}
	if c.month, err = cronField(f[3], 1, 12, monthNames, 1); err != nil {
		return c, fmt.Errorf("month: %w", err)
	}
	if c.dow, err = cronField(f[4], 0, 7, dayNames, 0); err != nil {
		return c, fmt.Errorf("day of week: %w", err)
	}
	if c.dow&(1<<7) != 0 { // 7 is Sunday too
		c.dow |= 1
	}
	c.domStar, c.dowStar = f[2] == "*" || strings.HasPrefix(f[2], "*/"), f[4] == "*" || strings.HasPrefix(f[4], "*/")
	if c.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return c, fmt.Errorf("never runs")
	}
	return c, nil
}

// cronField reads one field into a bit set of the values lo..hi; names
// (if any) stand for base, base+1, ….
func cronField(s string, lo, hi int, names []string, base int) (uint64, error) {
	var bits uint64
	for _, part := range strings.Split(s, ",") {
		rng, stepText, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepText)
			if err != nil || n < 1 || n > hi {
				return 0, fmt.Errorf("bad step %q", stepText)
			}
			step = n
		}
		var from, to int
		switch {
		case rng == "*":
			from, to = lo, hi
		default:
			a, b, isRange := strings.Cut(rng, "-")
			var err error
			if from, err = cronValue(a, lo, hi, names, base); err != nil {
				return 0, err
			}
			to = from
			if isRange {
				if to, err = cronValue(b, lo, hi, names, base); err != nil {
					return 0, err
				}
			} else if hasStep {
				to = hi // "a/n" runs from a to the end
			}
			if to < from {
				return 0, fmt.Errorf("range %q runs backwards", rng)
			}
		}
		for v := from; v <= to; v += step {
			bits |= 1 << uint(v)
		}
	}
	return bits, nil
}

func cronValue(s string, lo, hi int, names []string, base int) (int, error) {
	for i, n := range names {
		if strings.EqualFold(s, n) {
			return base + i, nil
		}
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("%q is not a value from %d to %d", s, lo, hi)
	}
	return v, nil
}

func (c cronSpec) dayMatches(t time.Time) bool {
	dom := c.dom&(1<<uint(t.Day())) != 0
	dow := c.dow&(1<<uint(t.Weekday())) != 0
	if c.domStar || c.dowStar {
		return dom && dow
	}
	return dom || dow
}

// Next is the first minute strictly after t (in UTC) the spec matches;
// the zero time when none within five years. Every replica computes the
// same instant, with no jitter.
func (c cronSpec) Next(t time.Time) time.Time {
	t = t.UTC().Truncate(time.Minute).Add(time.Minute)
	end := t.AddDate(5, 0, 0)
	for t.Before(end) {
		switch {
		case c.month&(1<<uint(t.Month())) == 0:
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		case !c.dayMatches(t):
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC)
		case c.hour&(1<<uint(t.Hour())) == 0:
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour()+1, 0, 0, 0, time.UTC)
		case c.minute&(1<<uint(t.Minute())) == 0:
			t = t.Add(time.Minute)
		default:
			return t
		}
	}
	return time.Time{}
}

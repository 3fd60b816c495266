package webhook

import "time"

// Backoff is the wait before attempt n+1 after n failed attempts: base
// doubled per failure, capped at max, with "equal jitter" (a random point in
// the upper half), so receivers that failed together are not all retried
// in the same instant. rnd returns a number in [0, 1).
func Backoff(n int, base, max time.Duration, rnd func() float64) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	half := d / 2
	return half + time.Duration(rnd()*float64(d-half))
}

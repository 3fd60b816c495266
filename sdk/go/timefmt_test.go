package sdk

import (
	"testing"
	"time"
)

func TestAppendUTC(t *testing.T) {
	for _, ms := range []int64{0, 1, -1, 999, 1767225600000, 951782400000, -62135596800000, 253402300799999,
		4102444799999, -86400000 * 365 * 300, 1<<40 + 12345, 1700000000123} {
		got, frac, ok := AppendUTC([]byte("x"), ms)
		tm := time.UnixMilli(ms).UTC()
		if want := "x" + tm.Format("2006-01-02T15:04:05"); !ok || string(got) != want || frac != int64(tm.Nanosecond()/1e6) {
			t.Errorf("AppendUTC(%d) = %s, %d, %v; want %s, %d", ms, got, frac, ok, want, tm.Nanosecond()/1e6)
		}
	}
	for _, ms := range []int64{253402300800000, -62135596800001} {
		if got, _, ok := AppendUTC(nil, ms); ok || len(got) != 0 {
			t.Errorf("AppendUTC(%d) = %s, %v; want nothing", ms, got, ok)
		}
	}
}

package bench

import (
	"os"
	"testing"
)

// TestProcSampling reads this process's own CPU and RSS from /proc.
func TestProcSampling(t *testing.T) {
	pids := []int{os.Getpid()}
	before, err := CPUSeconds(pids)
	if err != nil {
		t.Fatal(err)
	}
	x := 0
	for i := range 200_000_000 { // burn well over one clock tick
		x ^= i * 31
	}
	after, err := CPUSeconds(pids)
	if err != nil {
		t.Fatal(err)
	}
	if after <= before {
		t.Fatalf("CPU seconds did not grow: %v -> %v (x=%d)", before, after, x)
	}
	rss, hwm, err := RSS(pids)
	if err != nil || rss <= 0 || hwm < rss {
		t.Fatalf("RSS = %d, HWM = %d, err %v", rss, hwm, err)
	}
}

func TestParsePIDs(t *testing.T) {
	got, err := ParsePIDs("12, 34,")
	if err != nil || len(got) != 2 || got[0] != 12 || got[1] != 34 {
		t.Fatalf("ParsePIDs = %v, %v", got, err)
	}
	if _, err := ParsePIDs("x"); err == nil {
		t.Fatal("ParsePIDs accepted a non-number")
	}
}

package main

import (
	"github.com/keeper-registry/keeper/bench"
)

// probe samples the server processes given by pids (and their children).
type probe struct{ pids []int }

func newProbe(s string) (probe, error) {
	p, err := bench.ParsePIDs(s)
	return probe{pids: p}, err
}

func (p probe) cpu() (float64, error) {
	if len(p.pids) == 0 {
		return 0, nil
	}
	return bench.CPUSeconds(p.pids)
}

// memory fills the RSS fields of r.
func (p probe) memory(r *Record) {
	if len(p.pids) == 0 {
		return
	}
	rss, hwm, err := bench.RSS(p.pids)
	if err == nil {
		r.RSSMiB, r.HWMMiB = float64(rss)/mib, float64(hwm)/mib
	}
}

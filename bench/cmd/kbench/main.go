package main

import (
	"encoding/json"
	"fmt"
	"os"
)

// Record is one run of one figure against one subject (keeper, nginx, reference).
type Record struct {
	Figure  string `json:"figure"`
	Subject string `json:"subject"`
	Valid   bool   `json:"valid"`
	Err     string `json:"err,omitempty"`

	Seconds  float64 `json:"seconds"`
	Bytes    int64   `json:"bytes,omitempty"`
	Requests int64   `json:"requests,omitempty"`
	CPUs     float64 `json:"cpu_s"`
	// ClientCPUs is the load generator's own CPU (kbench spread).
	ClientCPUs float64 `json:"client_cpu_s,omitempty"`
	// DBCPUs is the database server's CPU (kbench spread -db-pids).
	DBCPUs    float64 `json:"db_cpu_s,omitempty"`
	MiBps     float64 `json:"mibps,omitempty"`
	CPUperGiB float64 `json:"cpu_per_gib,omitempty"`
	RPS       float64 `json:"rps,omitempty"`
	P50ms     float64 `json:"p50_ms,omitempty"`
	P99ms     float64 `json:"p99_ms,omitempty"`
	CPUusReq  float64 `json:"cpu_us_per_req,omitempty"`
	RPSCore   float64 `json:"rps_per_core,omitempty"`
	RSSMiB    float64 `json:"rss_mib,omitempty"`
	HWMMiB    float64 `json:"hwm_mib,omitempty"`
}

const (
	mib = 1 << 20
	gib = 1 << 30
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "get":
		err = cmdGet(os.Args[2:])
	case "put":
		err = cmdPut(os.Args[2:])
	case "hashwrite":
		err = cmdHashWrite(os.Args[2:])
	case "wrk":
		err = cmdWrk(os.Args[2:])
	case "spread":
		err = cmdSpread(os.Args[2:])
	case "report":
		err = cmdReport(os.Args[2:])
	case "npmpublish":
		err = cmdNpmPublish(os.Args[2:])
	case "pypiupload":
		err = cmdPypiUpload(os.Args[2:])
	case "uncached":
		err = cmdUncached(os.Args[2:])
	case "timed":
		err = cmdTimed(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kbench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: kbench get|put|hashwrite|wrk|spread|uncached|timed|npmpublish|pypiupload|report [flags]")
	os.Exit(2)
}

// emit prints r on stdout and appends it to path.
func emit(path string, r Record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	status := "ok"
	if !r.Valid {
		status = "INVALID: " + r.Err
	}
	fmt.Fprintf(os.Stderr, "  %-22s %-10s %s\n", r.Figure, r.Subject, summary(r, status))
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.Write(append(b, '\n'))
	return err
}

func summary(r Record, status string) string {
	if r.Requests > 0 && r.RPS > 0 {
		return fmt.Sprintf("%.0f req/s p50 %.2fms p99 %.2fms cpu %.1fµs/req  [%s]", r.RPS, r.P50ms, r.P99ms, r.CPUusReq, status)
	}
	return fmt.Sprintf("%.0f MiB/s cpu %.3f s/GiB (%.2fs cpu, %.2fs wall) rss %.0f MiB  [%s]", r.MiBps, r.CPUperGiB, r.CPUs, r.Seconds, r.RSSMiB, status)
}

package main

// This file summarises the rounds into a table and writes the report.

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"
)

// The targets for the Go tutorial2, relative to the C reference. They
// are reported, not enforced.
const (
	targetRPS = 0.98 // throughput at least
	targetCPU = 1.02 // CPU per request at most
	targetP99 = 1.05 // p99 latency at most
	targetPSS = 3072 // KiB more PSS per worker (with its libkcgi children) at most

	// The http.Handler adapter's throughput against the raw loop.
	targetAdapter = 0.97
	// The confined tutorial2's CPU per request against the unconfined.
	targetConfined = 1.02
)

func report(servers [][]*server) error {
	var b strings.Builder
	stamp := time.Now().UTC()
	fmt.Fprintf(&b, "%s, %s, %d CPUs, %s; wrk -t%d -c%d, %d rounds of %v per program\n\n",
		stamp.Format(time.RFC3339), kernel(), runtime.NumCPU(), runtime.Version(),
		*flagThreads, *flagConns, *flagRounds, *flagDur)
	b.WriteString("| pool | program | req/s | ×C | p50 µs | p99 µs | p99 ×C | CPU µs/req | CPU ×C | PSS MiB | PSS end | RSS MiB | binary MiB | errors |\n")
	b.WriteString("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	var notes []string
	for _, ss := range servers {
		base := ss[0]
		if base.Name != contenders[0].Name {
			base = nil
		}
		for _, s := range ss {
			col := func(f func(round) float64) (float64, string) {
				if base == nil {
					return med(s.Rounds, f), "–"
				}
				r := ratio(s, base, f)
				return med(s.Rounds, f), fmt.Sprintf("%.2f", r)
			}
			rps, rpsX := col(rpsOf)
			p99, p99X := col(p99Of)
			cpu, cpuX := col(cpuOf)
			p50 := med(s.Rounds, func(r round) float64 { return r.P50 })
			var errs int64
			for _, r := range s.Rounds {
				errs += r.Errors
			}
			fmt.Fprintf(&b, "| %s | %s | %.0f | %s | %.0f | %.0f | %s | %.1f | %s | %s | %s | %s | %.1f | %d |\n",
				s.Pool, s.Name, rps, rpsX, p50, p99, p99X, cpu, cpuX,
				mib(maxOf(s.PSSWarm)), mib(maxOf(s.PSSEnd)), mib(maxOf(s.RSSWarm)), float64(s.Binary)/(1<<20), errs)
			if s.Err != "" {
				notes = append(notes, fmt.Sprintf("%s, %s pool: stopped: %s", s.Name, s.Pool, firstLine(s.Err)))
			}
			if base != nil && s != base && s.Name == "Go tutorial2" {
				notes = append(notes, targets(s, base))
			}
			if raw := find(ss, "Go tutorial2"); raw != nil && s.Name == "Go confined" {
				notes = append(notes, fmt.Sprintf("%s vs %s, %s pool: %s", s.Name, raw.Name, s.Pool,
					versus(s, raw, "CPU/request", cpuOf, targetConfined, false)))
			}
			if raw := find(ss, "Go tutorial2"); raw != nil && strings.HasPrefix(s.Name, "Go handlerhello") {
				notes = append(notes, fmt.Sprintf("%s vs %s, %s pool: %s, CPU/request %.3f", s.Name, raw.Name, s.Pool,
					versus(s, raw, "throughput", rpsOf, targetAdapter, true), ratio(s, raw, cpuOf)))
			}
		}
	}
	b.WriteString("\nMedians over the rounds; ×C is the median of per-round ratios to the C reference in the same pool.\n")
	b.WriteString("CPU: kfcgi's process tree (workers, libkcgi's sandboxed children, kfcgi), not nginx or wrk.\n")
	b.WriteString("PSS: the largest sum of a worker's and its libkcgi children's proportional set size, after warm-up and after the last round.\n")
	b.WriteString("RSS: the largest worker's VmRSS after warm-up; its children share most of its pages.\n")
	for _, n := range notes {
		b.WriteString("\n" + n + "\n")
	}
	fmt.Print(b.String())

	if err := os.MkdirAll(*flagOut, 0o755); err != nil {
		return err
	}
	name := filepath.Join(*flagOut, "bench-"+stamp.Format("20060102-150405"))
	raw, err := json.MarshalIndent(struct {
		Time     time.Time
		Settings map[string]any
		Servers  [][]*server
	}{stamp, map[string]any{
		"rounds": *flagRounds, "duration": flagDur.String(), "warmup": flagWarm.String(),
		"wrkThreads": *flagThreads, "wrkConns": *flagConns, "cpus": runtime.NumCPU(),
		"kernel": kernel(),
	}, servers}, "", "\t")
	if err != nil {
		return err
	}
	if err := os.WriteFile(name+".md", []byte(b.String()), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(name+".json", append(raw, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s.md and %s.json\n", name, name)
	return nil
}

// targets says how s compares with the targets against base.
func targets(s, base *server) string {
	pss := maxOf(s.PSSWarm) - maxOf(base.PSSWarm)
	return fmt.Sprintf("%s vs %s, %s pool: %s, %s, %s, PSS %+.1f MiB (≤+%.0f MiB: %s)",
		s.Name, base.Name, s.Pool,
		versus(s, base, "throughput", rpsOf, targetRPS, true),
		versus(s, base, "CPU/request", cpuOf, targetCPU, false),
		versus(s, base, "p99", p99Of, targetP99, false),
		float64(pss)/1024, float64(targetPSS)/1024, met(pss <= targetPSS))
}

func rpsOf(r round) float64 { return r.RPS }
func cpuOf(r round) float64 { return r.CPU }
func p99Of(r round) float64 { return r.P99 }

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

// find returns the server named name in ss, or nil.
func find(ss []*server, name string) *server {
	for _, s := range ss {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// ratio is the median over the rounds both ran of f(s)/f(base).
func ratio(s, base *server, f func(round) float64) float64 {
	return median(ratios(s, base, f))
}

// ratios is f(s)/f(base) in each round both ran.
func ratios(s, base *server, f func(round) float64) []float64 {
	var v []float64
	for _, r := range s.Rounds {
		for _, b := range base.Rounds {
			if b.Round == r.Round && f(b) != 0 {
				v = append(v, f(r)/f(b))
			}
		}
	}
	return v
}

// versus says how f of s compares with f of base, against a target: the
// median of the per-round ratios, whether it meets the target (at least
// the target if atLeast, else at most), and the rounds' spread, which is
// the machine's noise.
func versus(s, base *server, what string, f func(round) float64, target float64, atLeast bool) string {
	v := ratios(s, base, f)
	if len(v) == 0 {
		return what + ": no round in common"
	}
	m := median(v)
	ok, sign := m <= target, "≤"
	if atLeast {
		ok, sign = m >= target, "≥"
	}
	return fmt.Sprintf("%s %.3f (%s%.2f: %s; rounds %.2f to %.2f)", what, m, sign, target, met(ok), slices.Min(v), slices.Max(v))
}

// med is the median of f over the rounds.
func med(rs []round, f func(round) float64) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	return median(v)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	v = append([]float64(nil), v...)
	sort.Float64s(v)
	n := len(v)
	return (v[(n-1)/2] + v[n/2]) / 2
}

func maxOf(v []int64) int64 {
	var m int64
	for _, x := range v {
		m = max(m, x)
	}
	return m
}

func mib(kb int64) string { return fmt.Sprintf("%.1f", float64(kb)/1024) }

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func kernel() string {
	b, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return "Linux " + strings.TrimSpace(string(b))
}

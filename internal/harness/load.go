package harness

// This file generates load: a checking load generator in Go and a
// wrapper around wrk(1).

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// LoadConfig describes a load run. The run stops when both Duration
// and Requests are reached, when MaxDuration is reached, or when the
// context ends.
type LoadConfig struct {
	URL         string        // GET this URL
	Expect      []byte        // every response must be 200 with this body
	Conns       int           // concurrent keep-alive connections; default 4
	Duration    time.Duration // run at least this long
	Requests    int64         // and send at least this many requests
	MaxDuration time.Duration // but stop after this long; default 2*Duration + 1 min
	Timeout     time.Duration // per request; default 10s
	// Check, if set, replaces Expect: it judges each response and
	// returns a label, such as the body or a header, which the result
	// counts. Its body is the whole body, already read.
	Check func(resp *http.Response, body []byte) (string, error)
	// Dial, if set, makes the connections, say into a network namespace.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// LoadResult counts the outcome of a load run.
type LoadResult struct {
	OK, Failed int64
	Elapsed    time.Duration
	Errors     []string         // the first few failures, with the time of day
	Counts     map[string]int64 // successful responses by Check's label
	Slowest    time.Duration    // the longest a successful request took
}

// RPS returns the successful requests per second.
func (r LoadResult) RPS() float64 { return float64(r.OK) / r.Elapsed.Seconds() }

// String summarises the result.
func (r LoadResult) String() string {
	return fmt.Sprintf("%d ok, %d failed in %.1fs (%.0f/s)", r.OK, r.Failed, r.Elapsed.Seconds(), r.RPS())
}

// StartLoad runs [Load] in the background until stop, which cancels it
// and returns its result, the same result if called again (as deferred).
func StartLoad(cfg LoadConfig) (stop func() LoadResult) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan LoadResult, 1)
	go func() { done <- Load(ctx, cfg) }()
	return sync.OnceValue(func() LoadResult {
		cancel()
		return <-done
	})
}

// Load sends GET requests to cfg.URL from cfg.Conns goroutines and
// checks each response.
func Load(ctx context.Context, cfg LoadConfig) LoadResult {
	if cfg.Conns <= 0 {
		cfg.Conns = 4
	}
	if cfg.MaxDuration <= 0 {
		cfg.MaxDuration = 2*cfg.Duration + time.Minute
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.MaxDuration)
	defer cancel()
	tr := &http.Transport{
		MaxIdleConnsPerHost: cfg.Conns,
		DisableCompression:  true,
		DialContext:         cfg.Dial,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: cfg.Timeout}

	var (
		ok, failed atomic.Int64
		mu         sync.Mutex
		errs       []string
		counts     = make(map[string]int64)
		slowest    time.Duration
		wg         sync.WaitGroup
	)
	start := time.Now()
	done := func() bool {
		return ctx.Err() != nil ||
			time.Since(start) >= cfg.Duration && ok.Load()+failed.Load() >= cfg.Requests
	}
	for i := 0; i < cfg.Conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Counted here, merged at the end: no lock per request.
			mine := make(map[string]int64)
			var myslowest time.Duration
			defer func() {
				mu.Lock()
				for k, v := range mine {
					counts[k] += v
				}
				slowest = max(slowest, myslowest)
				mu.Unlock()
			}()
			for !done() {
				t0 := time.Now()
				label, err := get(ctx, client, cfg)
				if err == nil {
					ok.Add(1)
					myslowest = max(myslowest, time.Since(t0))
					if cfg.Check != nil {
						mine[label]++
					}
					continue
				}
				if ctx.Err() != nil {
					return // stopped, not failed
				}
				failed.Add(1)
				mu.Lock()
				if len(errs) < 10 {
					errs = append(errs, fmt.Sprintf("%s: %v", time.Now().Format("15:04:05.000"), err))
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return LoadResult{OK: ok.Load(), Failed: failed.Load(), Elapsed: time.Since(start),
		Errors: errs, Counts: counts, Slowest: slowest}
}

func get(ctx context.Context, c *http.Client, cfg LoadConfig) (string, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", cfg.URL, nil)
	if err != nil {
		return "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	switch {
	case err != nil:
		return "", err
	case cfg.Check != nil:
		return cfg.Check(resp, body)
	case resp.StatusCode != 200:
		return "", fmt.Errorf("status %s, body %q", resp.Status, Clip(body, 80))
	case !bytes.Equal(body, cfg.Expect):
		return "", fmt.Errorf("body %q, want %q", Clip(body, 80), cfg.Expect)
	}
	return "", nil
}

// WrkResult is what wrk(1) reported.
type WrkResult struct {
	Requests   int64   // completed requests
	RPS        float64 // requests per second
	LatencyAvg time.Duration
	Latency50  time.Duration
	Latency99  time.Duration
	Errors     int64 // socket errors: connect, read, write and timeout
	Non2xx     int64 // responses with other status codes
	Output     string
}

// Wrk runs "wrk --latency -t threads -c conns -d d url" and parses its
// report.
func Wrk(ctx context.Context, url string, threads, conns int, d time.Duration) (WrkResult, error) {
	cmd := exec.CommandContext(ctx, "wrk", "--latency", "-t", strconv.Itoa(threads),
		"-c", strconv.Itoa(conns), "-d", fmt.Sprintf("%ds", int(d.Seconds()+0.5)), url)
	out, err := cmd.CombinedOutput()
	r := WrkResult{Output: string(out)}
	if err != nil {
		return r, fmt.Errorf("wrk: %v\n%s", err, out)
	}
	return r, parseWrk(&r)
}

var (
	wrkRequests = regexp.MustCompile(`(\d+) requests in`)
	wrkRPS      = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	wrkAvg      = regexp.MustCompile(`Latency\s+([\d.]+\w+)`)
	wrk50       = regexp.MustCompile(`\s50%\s+([\d.]+\w+)`)
	wrk99       = regexp.MustCompile(`\s99%\s+([\d.]+\w+)`)
	wrkSocket   = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	wrkNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
)

func parseWrk(r *WrkResult) error {
	find := func(re *regexp.Regexp) []string {
		if m := re.FindStringSubmatch(r.Output); m != nil {
			return m[1:]
		}
		return nil
	}
	m := find(wrkRequests)
	m2 := find(wrkRPS)
	if m == nil || m2 == nil {
		return fmt.Errorf("wrk: cannot parse:\n%s", r.Output)
	}
	r.Requests, _ = strconv.ParseInt(m[0], 10, 64)
	r.RPS, _ = strconv.ParseFloat(m2[0], 64)
	if m := find(wrkAvg); m != nil {
		r.LatencyAvg, _ = time.ParseDuration(m[0])
	}
	if m := find(wrk50); m != nil {
		r.Latency50, _ = time.ParseDuration(m[0])
	}
	if m := find(wrk99); m != nil {
		r.Latency99, _ = time.ParseDuration(m[0])
	}
	for _, v := range find(wrkSocket) {
		n, _ := strconv.ParseInt(v, 10, 64)
		r.Errors += n
	}
	if m := find(wrkNon2xx); m != nil {
		r.Non2xx, _ = strconv.ParseInt(strings.TrimSpace(m[0]), 10, 64)
	}
	return nil
}

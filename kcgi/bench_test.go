package kcgi

// Benchmarks of the binding's per-request calls. The calls need a live
// libkcgi request, so the test binary runs as a FastCGI worker
// (KCGI_BENCH_WORKER) and the benchmark sends it requests: the worker
// times the call under test in a loop, or once per request, and
// answers with the nanoseconds spent, which become ns/op. Run with
//
//	go test -run '^$' -bench . ./kcgi/
//
// The end-to-end comparison with kcgi's C tutorial is internal/bench.

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/kcgi-go/kcgi-go/internal/harness"
)

// Each page of the bench worker times one call; query n is the number
// of calls in the request for the pages that loop.
var benchPages = []string{"hello", "head", "write", "write64k", "body", "free", "build"}

var benchBlock = bytes.Repeat([]byte("x"), 64<<10)

func benchWorker() {
	srv, err := Init(&Config{Pages: benchPages})
	if err != nil {
		fmt.Fprintln(os.Stderr, "init:", err)
		os.Exit(2)
	}
	var lastFree time.Duration // the time the previous Free took
	for {
		r, err := srv.Parse()
		if err != nil {
			break
		}
		n, _ := strconv.Atoi(r.Getenv("QUERY_STRING"))
		var d time.Duration
		start := time.Now()
		switch r.PageName() {
		case "head":
			for i := 0; i < n; i++ {
				r.Head("X-Bench", "some value")
			}
			d = time.Since(start)
		case "build":
			for i := 0; i < n; i++ {
				readAll(r)
			}
			d = time.Since(start)
		case "body":
			r.Body()
			d = time.Since(start)
		}
		if r.PageName() != "body" {
			r.Body()
		}
		start = time.Now()
		switch r.PageName() {
		case "write":
			for i := 0; i < n; i++ {
				r.Write(benchBlock[:14])
			}
			d = time.Since(start)
		case "write64k":
			for i := 0; i < n; i++ {
				r.Write(benchBlock)
			}
			d = time.Since(start)
		case "free":
			d = lastFree
		case "hello":
			r.Puts("Hello, world!\n")
		}
		fmt.Fprintf(r, "\nns=%d\n", d.Nanoseconds())
		start = time.Now()
		r.Free()
		lastFree = time.Since(start)
	}
	srv.Free()
}

// benchParams are the FastCGI parameters nginx sends for a simple GET
// with its stock fastcgi_params, plus PATH_INFO and a few headers.
var benchParams = []harness.Param{
	{Name: "QUERY_STRING"}, // set per request
	{Name: "REQUEST_METHOD", Value: "GET"},
	{Name: "CONTENT_TYPE"}, {Name: "CONTENT_LENGTH"},
	{Name: "SCRIPT_NAME", Value: "/app"},
	{Name: "REQUEST_URI", Value: "/app/page"},
	{Name: "DOCUMENT_URI", Value: "/app/page"},
	{Name: "DOCUMENT_ROOT", Value: "/usr/share/nginx/html"},
	{Name: "SERVER_PROTOCOL", Value: "HTTP/1.1"},
	{Name: "REQUEST_SCHEME", Value: "http"},
	{Name: "GATEWAY_INTERFACE", Value: "CGI/1.1"},
	{Name: "SERVER_SOFTWARE", Value: "nginx/1.22.1"},
	{Name: "REMOTE_ADDR", Value: "127.0.0.1"},
	{Name: "REMOTE_PORT", Value: "54321"},
	{Name: "SERVER_ADDR", Value: "127.0.0.1"},
	{Name: "SERVER_PORT", Value: "8080"},
	{Name: "SERVER_NAME", Value: ""},
	{Name: "REDIRECT_STATUS", Value: "200"},
	{Name: "PATH_INFO"}, // set per request
	{Name: "HTTP_HOST", Value: "127.0.0.1:8080"},
	{Name: "HTTP_USER_AGENT", Value: "wrk"},
	{Name: "HTTP_ACCEPT", Value: "*/*"},
}

// get requests page with query n and returns the nanoseconds the
// worker reported.
func benchGet(b *testing.B, w *harness.Worker, page string, n int) time.Duration {
	params := append([]harness.Param(nil), benchParams...)
	params[0].Value = strconv.Itoa(n)
	params[len(params)-4].Value = "/" + page
	stdout, _, err := w.DoRequest(harness.FCGIRequest{Params: params})
	if err != nil {
		b.Fatalf("%s: %v", page, err)
	}
	out := []byte(stdout)
	i := bytes.LastIndex(out, []byte("\nns="))
	if i < 0 {
		b.Fatalf("%s: no time in %q\n%s", page, harness.Clip(out, 200), w.Stderr())
	}
	ns, err := strconv.ParseInt(string(bytes.TrimSpace(out[i+4:])), 10, 64)
	if err != nil {
		b.Fatalf("%s: %v", page, err)
	}
	return time.Duration(ns)
}

// benchLoop runs b.N calls of page's operation, at most per calls in
// one request, and reports the time measured in the worker as ns/op.
func benchLoop(b *testing.B, page string, per int) {
	w := harness.StartWorker(b, "KCGI_BENCH_WORKER=1")
	benchGet(b, w, page, 1) // warm up
	b.ResetTimer()
	var d time.Duration
	for n := b.N; n > 0; n -= per {
		d += benchGet(b, w, page, min(n, per))
	}
	b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "ns/op")
}

// BenchmarkHead is Request.Head: checks, two C strings, khttp_head.
func BenchmarkHead(b *testing.B) { benchLoop(b, "head", 10000) }

// BenchmarkWrite is Request.Write of 14 bytes, into libkcgi's buffer.
func BenchmarkWrite(b *testing.B) { benchLoop(b, "write", 10000) }

// BenchmarkWrite64K is Request.Write of 64 KiB: a FastCGI record each.
func BenchmarkWrite64K(b *testing.B) {
	b.SetBytes(64 << 10)
	benchLoop(b, "write64k", 64)
}

// BenchmarkBuild is the copy of a parsed request into Go values that
// Parse makes (newRequest), for nginx's usual parameters.
func BenchmarkBuild(b *testing.B) { benchLoop(b, "build", 1000) }

// BenchmarkBody is Request.Body: it sends the buffered headers.
func BenchmarkBody(b *testing.B) { benchLoop(b, "body", 1) }

// BenchmarkFree is Request.Free: it flushes the body, ends the request
// and tells libkcgi's control process.
func BenchmarkFree(b *testing.B) {
	w := harness.StartWorker(b, "KCGI_BENCH_WORKER=1")
	benchGet(b, w, "free", 0)
	b.ResetTimer()
	var d time.Duration
	for i := 0; i < b.N; i++ {
		d += benchGet(b, w, "free", 0) // the previous request's Free
	}
	b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "ns/op")
}

// BenchmarkRequest is a whole request as the client sees it: connect,
// libkcgi's parse in its sandboxed child, the tutorial's response,
// Free. This ns/op is wall time; worker-cpu-ns/op is the CPU time of
// the worker and its libkcgi children.
func BenchmarkRequest(b *testing.B) {
	w := harness.StartWorker(b, "KCGI_BENCH_WORKER=1")
	benchGet(b, w, "hello", 0)
	cpu0 := treeCPU(w.Pid())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		benchGet(b, w, "hello", 0)
	}
	b.StopTimer()
	cpu := treeCPU(w.Pid()) - cpu0
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "worker-cpu-ns/op")
}

// BenchmarkCheckHeader is the header validation Head does, in Go.
func BenchmarkCheckHeader(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if err := CheckHeader("Content-Type", "text/plain; charset=utf-8"); err != nil {
			b.Fatal(err)
		}
	}
}

// treeCPU returns the user and system time of pid and its children,
// from /proc (Linux; 0 elsewhere).
func treeCPU(pid int) time.Duration {
	pids := append([]int{pid}, harness.Children(pid)...)
	return harness.CPUTime(pids...)
}

// readAll reads every value of r, copied anew each time.
func readAll(r *Request) {
	r.read = 0
	r.PageName()
	r.Path()
	r.FullPath()
	r.Suffix()
	r.Host()
	r.RemoteAddr()
	r.ScriptName()
	r.Headers()
	r.Env()
	r.Fields()
	r.Cookies()
	r.Authorization()
	r.Field(0)
}

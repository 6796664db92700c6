package kcgi

// The tests run libkcgi for real. TestMain turns the test binary into a
// FastCGI worker (KCGI_TEST_WORKER) or a CGI program (KCGI_TEST_CGI) when
// the tests start it; the tests talk to it with a raw FastCGI client or
// through net/http/cgi.

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"net/http/cgi"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/metrics"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kcgi-go/kcgi-go/internal/harness"
)

func TestMain(m *testing.M) {
	switch {
	case os.Getenv("KCGI_TEST_WORKER") != "":
		worker()
		os.Exit(0)
	case os.Getenv("KCGI_TEST_CGI") != "":
		cgiProgram()
		os.Exit(0)
	case os.Getenv("KCGI_TEST_ALLOCS") != "":
		allocWorker()
		os.Exit(0)
	case os.Getenv("KCGI_BENCH_WORKER") != "":
		benchWorker()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// testConfig has a key of each validator, for the field tests.
var testConfig = &Config{
	Pages: []string{"index", "misuse", "sigpipe", "flags", "stdin", "saved", "fields"},
	Keys: []Key{
		{"none", ValidNone}, {"bit", ValidBit}, {"date", ValidDate},
		{"double", ValidDouble}, {"email", ValidEmail}, {"int", ValidInt},
		{"string", ValidString}, {"stringne", ValidStringNE},
		{"udouble", ValidUDouble}, {"uint", ValidUint},
	},
}

// worker is a FastCGI worker whose answer depends on the page.
func worker() {
	cfg := testConfig
	if p := os.Getenv("KCGI_TEST_CONFINE"); p != "" {
		c := *testConfig
		c.Confine, _ = ParsePromises(p)
		cfg = &c
		startOldThread()
	}
	srv, err := Init(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "init:", err)
		os.Exit(2)
	}
	if os.Getenv("KCGI_TEST_CHURN") != "" {
		go churn()
	}
	var saved *view
loop:
	for {
		r, err := srv.Parse()
		if err != nil {
			fmt.Fprintf(os.Stderr, "parse: %v exit=%v\n", err, errors.Is(err, ErrExit))
			break
		}
		r.Head(RespStatus.String(), Status200.String())
		r.Head(RespContentType.String(), MIMETextPlain.String())
		if r.PageName() == "misuse" {
			misuse(srv, r)
			continue
		}
		r.Body()
		switch r.PageName() {
		case "sigpipe":
			r.Puts(brokenPipe())
		case "flags":
			fmt.Fprintf(r, "onstack=%v urg=%v term=%v locked=%v\n",
				sigOnStack(syscall.SIGTERM), sigBlocked(syscall.SIGURG),
				sigBlocked(syscall.SIGTERM), lockedThread())
		case "stdin":
			r.Puts(stdinState())
		case "saved":
			if saved != nil {
				saved.dump(r)
			}
		case "fields":
			saved = viewOf(r)
			saved.dump(r)
		case "confine":
			confined(r)
		case "narrow":
			fmt.Fprintf(r, "narrow: %v\n", Confine(PromiseStdio))
		case "quit": // the request is left for Server.Free to free
			r.Puts("bye\n")
			break loop
		default:
			r.Puts("Hello, world!\n")
		}
		r.Free()
	}
	if err := srv.Free(); err != nil {
		fmt.Fprintln(os.Stderr, "free:", err)
	}
	fmt.Fprintf(os.Stderr, "after Free: urg=%v term=%v goterm=%v\n",
		sigBlocked(syscall.SIGURG), sigBlocked(syscall.SIGTERM), sigGoHandler(syscall.SIGTERM))
}

// allocWorker answers as tutorial2 does, counting the heap allocations
// of the whole process from before each Parse to after each Free; page
// "report" answers with the count, and page "read" with the
// allocations of reading values a second time.
func allocWorker() {
	srv, err := Init(&Config{Pages: []string{"hello", "report", "read"}})
	if err != nil {
		fmt.Fprintln(os.Stderr, "init:", err)
		return
	}
	defer srv.Free()
	sample := []metrics.Sample{{Name: "/gc/heap/allocs:objects"}}
	var allocs, n uint64
	for {
		metrics.Read(sample)
		before := sample[0].Value.Uint64()
		r, err := srv.Parse()
		if err != nil {
			return
		}
		r.Head(RespStatus.String(), Status200.String())
		r.Head(RespContentType.String(), MIMETextPlain.String())
		r.Body()
		switch r.Page {
		case 0:
			r.Puts("Hello, world!\n")
			r.Free()
			metrics.Read(sample)
			allocs += sample[0].Value.Uint64() - before
			n++
			continue
		case 1:
			fmt.Fprintf(r, "allocs=%d requests=%d\n", allocs, n)
		case 2:
			fields, name := r.Fields(), r.PageName()
			again := testing.AllocsPerRun(100, func() {
				r.PageName()
				r.Fields()
				r.Headers()
				r.Field(0)
			})
			f := r.Fields()
			fmt.Fprintf(r, "again=%v same=%v name=%s\n", again, len(f) > 0 && &f[0] == &fields[0], name)
		}
		r.Free()
	}
}

// churn keeps the garbage collector and the scheduler busy, so that the
// Go runtime signals the worker's threads.
func churn() {
	var keep [][]byte
	for i := 0; ; i++ {
		keep = append(keep, make([]byte, 4096))
		if len(keep) > 256 {
			keep = keep[:0]
		}
		if i%1000 == 0 {
			runtime.Gosched()
		}
	}
}

// brokenPipe writes from Go to a pipe nobody reads: libkcgi has already
// saved and restored the SIGPIPE handler with signal(3) for this
// response, so without the binding's fix the process dies here.
func brokenPipe() string {
	pr, pw, err := os.Pipe()
	if err != nil {
		return err.Error()
	}
	pr.Close()
	_, err = pw.Write([]byte("x"))
	pw.Close()
	return fmt.Sprintf("write: %v\n", err)
}

func lockedThread() bool {
	// LockOSThread nests: if Init locked the thread, one unlock leaves
	// it locked, which a second LockOSThread would hide.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return true
}

// stdinState says what standard input is after Init closed the
// listening socket in the fixed pool.
func stdinState() string {
	n, err := os.Stdin.Read(make([]byte, 1))
	f, ferr := os.Open(os.Args[0])
	if ferr != nil {
		return ferr.Error()
	}
	defer f.Close()
	return fmt.Sprintf("read=%d err=%v newfd0=%v\n", n, err, f.Fd() == 0)
}

// misuse tries each call out of order and reports what it returned.
func misuse(srv *Server, r *Request) {
	var out []string
	note := func(name string, err error) {
		out = append(out, fmt.Sprintf("%s: %v", name, err))
	}
	_, err := r.Write([]byte("early"))
	note("write-before-body", err)
	note("head-injection", r.Head("X-Bad", "a\r\nSet-Cookie: x=1"))
	note("head-nul", r.Head("X-Bad", "a\x00b"))
	note("head-colon", r.Head("X:Bad", "a"))
	_, err = srv.Parse()
	note("parse-before-free", err)
	note("body", r.Body())
	note("head-after-body", r.Head("X-Late", "1"))
	note("body-twice", r.Body())
	note("setstatus-bad", r.SetStatus(StatusMax))
	r.Puts(strings.Join(out, "\n") + "\n")
	note("free", r.Free())
	note("free-twice", r.Free())
	note("puts-after-free", r.Puts("x"))
	note("head-after-free", r.Head("X-Late", "1"))
	_, err = r.CheckBasic("a", "b")
	note("auth-after-free", err)
	fmt.Fprintln(os.Stderr, strings.Join(out, "\n"))
}

// A view is what the tests read of a Request, kept after Free.
type view struct {
	method                           Method
	page                             int
	pageName, path, fullPath, suffix string
	mime                             MIME
	fields                           []Pair
	valid, invalid                   [][]*Pair
	userAgent                        string
}

func viewOf(q *Request) *view {
	v := &view{method: q.Method, page: q.Page, pageName: q.PageName(), path: q.Path(),
		fullPath: q.FullPath(), suffix: q.Suffix(), mime: q.MIME, fields: q.Fields(),
		userAgent: q.HeaderValue("user-agent")}
	for k := range testConfig.Keys {
		v.valid = append(v.valid, q.Field(k))
		v.invalid = append(v.invalid, q.InvalidField(k))
	}
	return v
}

// dump writes v as text to r.
func (v *view) dump(r *Request) {
	fmt.Fprintf(r, "method=%v page=%d pagename=%q path=%q fullpath=%q suffix=%q mime=%v\n",
		v.method, v.page, v.pageName, v.path, v.fullPath, v.suffix, v.mime)
	for _, p := range v.fields {
		fmt.Fprintf(r, "field %q=%q key=%d state=%d type=%d int=%d float=%g str=%q\n",
			p.Key, p.Value, p.KeyIndex, p.State, p.Type, p.Int, p.Float, p.String())
	}
	for k := range testConfig.Keys {
		for _, p := range v.valid[k] {
			fmt.Fprintf(r, "valid %s=%q\n", testConfig.Keys[k].Name, p.Value)
		}
		for _, p := range v.invalid[k] {
			fmt.Fprintf(r, "invalid %s=%q\n", testConfig.Keys[k].Name, p.Value)
		}
	}
	fmt.Fprintf(r, "header user-agent=%q\n", v.userAgent)
}

// cgiProgram serves one request as a CGI program.
func cgiProgram() {
	r, err := ParseCGI(testConfig)
	if err != nil {
		fmt.Fprintln(os.Stderr, "parse:", err)
		os.Exit(2)
	}
	r.Head(RespStatus.String(), Status200.String())
	r.Head(RespContentType.String(), MIMETextPlain.String())
	r.Body()
	fmt.Fprintf(r, "fastcgi=%v\n", IsFastCGI())
	viewOf(r).dump(r)
	r.Free()
}

// A testWorker is the test binary running as a FastCGI worker
// (KCGI_TEST_WORKER) on a listening socket as its standard input, as
// kfcgi's fixed pool does.
type testWorker struct{ *harness.Worker }

func startWorker(t *testing.T, env ...string) testWorker {
	t.Helper()
	return testWorker{harness.StartWorker(t, append(env, "KCGI_TEST_WORKER=1")...)}
}

// do sends one FastCGI request for path and returns the STDOUT stream
// and the raw record stream.
func (w testWorker) do(t *testing.T, path, query string, params ...harness.Param) (string, []byte) {
	t.Helper()
	out, raw, err := w.Do(path, query, params...)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out, raw
}

// alive fails the test if the worker exited.
func (w testWorker) alive(t *testing.T) {
	t.Helper()
	if err, ok := w.Exited(); ok {
		t.Fatalf("worker exited: %v\n%s", err, w.Stderr())
	}
}

// stop sends SIGTERM and returns how long the worker took to exit.
func (w testWorker) stop(t *testing.T) time.Duration {
	t.Helper()
	d, err := w.Stop()
	if err != nil {
		t.Error(err)
	}
	return d
}

func noCrash(t *testing.T, log string) {
	t.Helper()
	if l := harness.GoCrash(log); l != "" {
		t.Fatalf("Go runtime message %q in:\n%s", l, log)
	}
}

// The 104 bytes libkcgi writes for kcgi's tutorial.
const tutorialStream = "\x01\x06\x00\x01\x00\x2c\x04\x00" +
	"Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n\x00\x00\x00\x00" +
	"\x01\x06\x00\x01\x00\x0e\x02\x00Hello, world!\n\x00\x00" +
	"\x01\x06\x00\x01\x00\x00\x00\x00" +
	"\x01\x03\x00\x01\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"

func TestTutorialStream(t *testing.T) {
	w := startWorker(t)
	_, raw := w.do(t, "", "")
	if string(raw) != tutorialStream {
		t.Fatalf("got %q\nwant %q", raw, tutorialStream)
	}
}

// H4: libkcgi's signal(3) save and restore of SIGPIPE must not leave Go's
// handler without SA_ONSTACK: a later broken pipe in Go code is an
// error, not a crash.
func TestBrokenPipeAfterResponse(t *testing.T) {
	w := startWorker(t)
	w.do(t, "", "")
	for i := 0; i < 3; i++ {
		out, _ := w.do(t, "/sigpipe", "")
		if !strings.Contains(out, "broken pipe") {
			t.Fatalf("got %q, want a broken pipe error", out)
		}
	}
	w.alive(t)
	noCrash(t, w.Stderr())
}

// The raw loop allocates nothing per request when it reads nothing,
// and a value read twice is copied once.
func TestNoAllocs(t *testing.T) {
	w := testWorker{harness.StartWorker(t, "KCGI_TEST_ALLOCS=1")}
	const n = 1000
	for i := 0; i < n; i++ {
		if out, _ := w.do(t, "/hello", ""); !strings.HasSuffix(out, "Hello, world!\n") {
			t.Fatalf("got %q", out)
		}
	}
	out, _ := w.do(t, "/report", "")
	var allocs, reqs int
	if _, err := fmt.Sscanf(out[strings.Index(out, "allocs="):], "allocs=%d requests=%d", &allocs, &reqs); err != nil || reqs != n {
		t.Fatalf("%q: %v", out, err)
	}
	t.Logf("%d heap allocations in %d requests", allocs, reqs)
	// The count is the process's: the runtime and other goroutines
	// allocate now and then too. One allocation per request would
	// count n.
	if allocs > n/10 {
		t.Errorf("%d heap allocations in %d requests", allocs, reqs)
	}
	out, _ = w.do(t, "/read/x", "a=1&b=2", harness.Param{Name: "HTTP_USER_AGENT", Value: "t"})
	if !strings.HasSuffix(out, "again=0 same=true name=read\n") {
		t.Errorf("reading again: %q", out)
	}
}

// H2, H3, H10: libkcgi's SIGTERM handler gets SA_ONSTACK; Init locked
// the thread; between libkcgi's calls, where the handler runs and may
// start programs, the thread has the mask Go set, libkcgi's blocked
// SIGTERM included; and Free gives SIGTERM back to the Go runtime.
func TestSignalState(t *testing.T) {
	w := startWorker(t)
	out, _ := w.do(t, "/flags", "")
	if want := "onstack=true urg=false term=false locked=true"; !strings.Contains(out, want) {
		t.Fatalf("got %q, want %q", out, want)
	}
	w.stop(t)
	if want := "after Free: urg=false term=false goterm=true"; !strings.Contains(w.Stderr(), want) {
		t.Fatalf("no %q in:\n%s", want, w.Stderr())
	}
}

// H2, H3: SIGTERM ends the loop with ErrExit within about a second
// (libkcgi polls with a one-second timeout), without a Go crash.
func TestSIGTERM(t *testing.T) {
	w := startWorker(t, "KCGI_TEST_CHURN=1")
	w.do(t, "", "")
	d := w.stop(t)
	t.Logf("exit after SIGTERM: %v", d)
	if d > 1500*time.Millisecond {
		t.Errorf("exit took %v", d)
	}
	log := w.Stderr()
	noCrash(t, log)
	if !strings.Contains(log, "exit=true") {
		t.Errorf("Parse did not return ErrExit:\n%s", log)
	}
}

// H10: signals that reach the worker while libkcgi polls must not end
// the loop. SIGURG is the Go runtime's preemption signal; sent to the
// process, the kernel may deliver it to the thread inside libkcgi.
func TestSignalStorm(t *testing.T) {
	w := startWorker(t, "KCGI_TEST_CHURN=1")
	stop := make(chan struct{})
	sent := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				sent <- n
				return
			default:
			}
			syscall.Kill(w.Pid(), syscall.SIGURG)
			n++
			time.Sleep(50 * time.Microsecond)
		}
	}()
	requests := 2000
	if testing.Short() {
		requests = 200
	}
	for i := 0; i < requests; i++ {
		if out, _ := w.do(t, "", ""); out != "Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nHello, world!\n" {
			t.Fatalf("request %d: %q", i, out)
		}
	}
	close(stop)
	t.Logf("%d requests, %d SIGURG sent", requests, <-sent)
	w.alive(t)
	noCrash(t, w.Stderr())
}

// H7: in the fixed pool Init closes the listening socket on fd 0; the
// binding puts an empty pipe there, so os.Stdin reads EOF and new files
// never get fd 0.
func TestStdinAfterInit(t *testing.T) {
	w := startWorker(t)
	out, _ := w.do(t, "/stdin", "")
	if want := "read=0 err=EOF newfd0=false"; !strings.Contains(out, want) {
		t.Fatalf("got %q, want %q", out, want)
	}
}

// Server.Free frees a request not yet freed, which then reaches the
// client whole, and the worker ends cleanly.
func TestFreeUnfreedRequest(t *testing.T) {
	w := startWorker(t)
	if out, _ := w.do(t, "/quit", ""); !strings.HasSuffix(out, "bye\n") {
		t.Fatalf("got %q", out)
	}
	log := w.WaitStderr(func(s string) bool { return strings.Contains(s, "after Free") }, 5*time.Second)
	if strings.Contains(log, "free:") || !strings.Contains(log, "after Free") {
		t.Errorf("worker log:\n%s", log)
	}
	noCrash(t, log)
}

// Misuse returns errors and leaves the worker serving: libkcgi's
// asserts are never reached.
func TestMisuse(t *testing.T) {
	w := startWorker(t)
	out, _ := w.do(t, "/misuse", "")
	for _, want := range []string{
		"write-before-body: kcgi: Write: call out of order",
		"head-injection: kcgi: Head: invalid header",
		"head-nul: kcgi: Head: invalid header",
		"head-colon: kcgi: Head: invalid header",
		"parse-before-free: kcgi: Parse: call out of order (previous request not freed)",
		"body: <nil>",
		"head-after-body: kcgi: Head: call out of order",
		"body-twice: kcgi: Body: call out of order",
		"setstatus-bad: kcgi: SetStatus: invalid header",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "Set-Cookie") || strings.Contains(out, "X-Late") {
		t.Errorf("a refused header was written:\n%s", out)
	}
	if out, _ := w.do(t, "", ""); !strings.HasSuffix(out, "Hello, world!\n") {
		t.Fatalf("after misuse: %q", out)
	}
	log := w.WaitStderr(func(s string) bool { return strings.Contains(s, "auth-after-free: ") }, 5*time.Second)
	for _, want := range []string{
		"free: <nil>", "free-twice: <nil>",
		"puts-after-free: kcgi: Write: already freed",
		"head-after-free: kcgi: Head: already freed",
		"auth-after-free: kcgi: CheckBasic: already freed",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("missing %q in\n%s", want, log)
		}
	}
}

// H6: a request's values are Go copies: they survive Free and the next
// request reusing libkcgi's memory.
func TestValuesOutliveFree(t *testing.T) {
	w := startWorker(t)
	first, _ := w.do(t, "/fields/a.txt", "int=42&string=hello&int=x",
		harness.Param{Name: "HTTP_USER_AGENT", Value: "first-agent"})
	w.do(t, "/other/b.html", "string=overwritten-by-a-longer-value&int=7",
		harness.Param{Name: "HTTP_USER_AGENT", Value: "second"})
	saved, _ := w.do(t, "/saved", "")
	body := first[strings.Index(first, "\r\n\r\n")+4:]
	if !strings.HasSuffix(saved, body) {
		t.Fatalf("saved request changed after Free:\nthen %q\nnow  %q", body, saved)
	}
	for _, want := range []string{`pagename="fields"`, `suffix="txt"`, `field "int"="42"`, `valid int="42"`, `invalid int="x"`, `user-agent="first-agent"`} {
		if !strings.Contains(body, want) {
			t.Errorf("missing %s in\n%s", want, body)
		}
	}
}

// H1, H8: libkcgi's children run sandboxed, with every asynchronous
// signal blocked (no Go handler can run there), and without the Go
// runtime's poller descriptors.
func TestChildren(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	w := startWorker(t)
	w.do(t, "", "")
	kids := harness.Children(w.Pid())
	if len(kids) != 2 {
		t.Fatalf("worker has %d children, want libkcgi's 2", len(kids))
	}
	for _, pid := range kids {
		st, err := harness.Status(pid)
		if err != nil {
			t.Fatal(err)
		}
		if st["Seccomp"] != "2" {
			t.Errorf("child %d: Seccomp %q, want 2", pid, st["Seccomp"])
		}
		var blk uint64
		fmt.Sscanf(st["SigBlk"], "%x", &blk)
		for _, sig := range []syscall.Signal{syscall.SIGURG, syscall.SIGPROF, syscall.SIGCHLD, syscall.SIGHUP, syscall.SIGINT} {
			if blk&(1<<(sig-1)) == 0 {
				t.Errorf("child %d: %v not blocked (SigBlk %s)", pid, sig, st["SigBlk"])
			}
		}
		fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
		for _, fd := range fds {
			link, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
			if strings.Contains(link, "eventpoll") || strings.Contains(link, "eventfd") {
				t.Errorf("child %d inherited the Go poller: fd %s -> %s", pid, fd.Name(), link)
			}
		}
	}
}

func TestCGI(t *testing.T) {
	h := &cgi.Handler{Path: os.Args[0], Args: []string{"-test.run=^$"}, Env: []string{"KCGI_TEST_CGI=1"}}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/app/fields/x.json?uint=12", strings.NewReader("email=%20%20Ab@C.d&double=2.5&bit=65"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "cgi-test")
	h.ServeHTTP(rec, req)
	body := rec.Body.String()
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, body)
	}
	for _, want := range []string{
		"fastcgi=false", "method=POST", `suffix="json"`, fmt.Sprintf("mime=%v", MIMEAppJSON),
		`valid uint="12"`, `valid double="2.5"`, `invalid bit="65"`,
		// kvalid_email trims and lowercases in place; String() is
		// derived from Value, never from libkcgi's parsed.s.
		`field "email"="  ab@c.d" key=4 state=1 type=1 int=0 float=0 str="ab@c.d"`,
		`user-agent="cgi-test"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("missing %s in\n%s", want, body)
		}
	}
}

// In CGI libkcgi compresses when the client accepts gzip.
func TestCGIGzip(t *testing.T) {
	h := &cgi.Handler{Path: os.Args[0], Args: []string{"-test.run=^$"}, Env: []string{"KCGI_TEST_CGI=1"}}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/app/index", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	h.ServeHTTP(rec, req)
	if rec.Header().Get("Content-Encoding") != "gzip" || !bytes.HasPrefix(rec.Body.Bytes(), []byte{0x1f, 0x8b}) {
		t.Fatalf("not compressed: %v %q", rec.Header(), rec.Body.Bytes()[:min(8, rec.Body.Len())])
	}
}

func TestNames(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{Status200.String(), "200 OK"},
		{Status404.String(), "404 Not Found"},
		{RespContentType.String(), "Content-Type"},
		{RespStatus.String(), "Status"},
		{MIMETextPlain.String(), "text/plain"},
		{MIMETextPlain.Suffix(), "txt"},
		{MethodGet.String(), "GET"},
		{SchemeHTTPS.String(), "https"},
		{StatusMax.String(), fmt.Sprintf("Status(%d)", int(StatusMax))},
		{Method(-1).String(), "Method(-1)"},
		{ValidEmail.String(), "email"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if Status503.Code() != 503 {
		t.Errorf("Status503.Code() = %d", Status503.Code())
	}
	if s, ok := StatusOf(418); ok {
		t.Errorf("StatusOf(418) = %v", s)
	}
	if s, ok := StatusOf(404); !ok || s != Status404 {
		t.Errorf("StatusOf(404) = %v, %v", s, ok)
	}
}

func TestErrors(t *testing.T) {
	var err error = fmt.Errorf("loop: %w", ErrExit)
	if !errors.Is(err, ErrExit) || errors.Is(err, ErrHup) {
		t.Fatal("errors.Is does not tell kcgi errors apart")
	}
	var ke Error
	if !errors.As(err, &ke) || ke != ErrExit {
		t.Fatal("errors.As")
	}
	for _, e := range []Error{ErrNoMem, ErrExit, ErrHup, ErrNFile, ErrAgain, ErrForm, ErrSystem, ErrWriter} {
		if s := e.Error(); !strings.HasPrefix(s, "kcgi: ") || s == "kcgi: unknown error" {
			t.Errorf("Error(%d) = %q", int(e), s)
		}
	}
	for _, e := range []Error{0, -1, 99} {
		if e.Error() != "kcgi: unknown error" {
			t.Errorf("Error(%d) = %q", int(e), e.Error())
		}
	}
}

func TestCheckHeader(t *testing.T) {
	for _, c := range []struct {
		k, v string
		ok   bool
	}{
		{"Content-Type", "text/plain", true},
		{"X-Empty", "", true},
		{"X-Tab", "a\tb", true},
		{"", "v", false},
		{"Bad Name", "v", false},
		{"Bad:Name", "v", false},
		{"X", "a\rb", false},
		{"X", "a\nb", false},
		{"X", "a\x00b", false},
		{"X\n", "v", false},
	} {
		err := CheckHeader(c.k, c.v)
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrHeader)) {
			t.Errorf("CheckHeader(%q, %q) = %v", c.k, c.v, err)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []*Config{
		{Pages: []string{"a"}, DefaultPage: 1},
		{DefaultPage: -1},
		{Keys: []Key{{"k", Validator(99)}}},
		{Keys: []Key{{"a\x00b", ValidInt}}},
		{Pages: []string{"a\x00"}},
		{SendBuffer: -2},
		{SendBuffer: 1<<30 + 1},
	} {
		if _, err := Init(cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("Init(%+v) = %v, want ErrConfig", cfg, err)
		}
	}
}

var _ io.StringWriter = (*Request)(nil)

// H2: a SIGTERM that comes while Init forks libkcgi's children, before
// the binding gives libkcgi's handler SA_ONSTACK, or at any moment of
// the start: the worker ends, by the signal (before Init, the Go
// runtime's default) or with ErrExit (after it), without a Go runtime
// message, whenever it comes, and within Stop's 5 s (libkcgi looks at
// its flag once a second). The delays span both outcomes, so the
// moments in between are crossed too.
func TestTermAtStart(t *testing.T) {
	// How long a worker takes to answer its first request, here and now.
	start := time.Now()
	w := harness.StartWorker(t, "KCGI_TEST_WORKER=1")
	if _, _, err := w.Do("/", ""); err != nil {
		t.Fatal(err)
	}
	ready := time.Since(start)
	w.Stop()
	var slowest time.Duration
	var killed, exited int
	for i := range 40 {
		w := harness.StartWorker(t, "KCGI_TEST_WORKER=1")
		delay := ready * time.Duration(i) / 30 // 0 to 1.3 times ready
		time.Sleep(delay)
		d, err := w.Stop()
		if err != nil {
			t.Fatalf("SIGTERM %v after the start: %v", delay, err)
		}
		noCrash(t, w.Stderr())
		slowest = max(slowest, d)
		switch err, _ := w.Exited(); {
		case err == nil:
			exited++
		case strings.Contains(err.Error(), "terminated"):
			killed++
		default:
			t.Errorf("SIGTERM %v after the start: %v\n%s", delay, err, w.Stderr())
		}
	}
	t.Logf("40 workers, SIGTERM 0 to %v after their start: %d died of it, %d ended with ErrExit, the slowest in %v",
		(ready * 13 / 10).Round(time.Microsecond), killed, exited, slowest.Round(time.Millisecond))
	if killed == 0 || exited == 0 {
		t.Errorf("the delays did not span Init")
	}
}

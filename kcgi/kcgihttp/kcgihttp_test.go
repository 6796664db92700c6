package kcgihttp

// TestMain turns the test binary into a FastCGI worker or CGI program
// serving testHandler when KCGI_TEST_HANDLER is set.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kcgi-go/kcgi-go/internal/harness"
	"github.com/kcgi-go/kcgi-go/kcgi"
)

func TestMain(m *testing.M) {
	if os.Getenv("KCGI_TEST_HANDLER") != "" {
		h := testHandler()
		if name := os.Getenv("KCGI_TEST_EXAMPLE"); name != "" {
			h = ExampleHandlers[name]
		}
		var cfg *kcgi.Config
		if os.Getenv("KCGI_TEST_BUFFERED") != "" {
			cfg = &kcgi.Config{SendBuffer: 65535}
		}
		if err := Serve(cfg, h); err != nil {
			fmt.Fprintln(os.Stderr, "serve:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// testHandler is served by the test binary with KCGI_TEST_HANDLER set.
func testHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/panic", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	mux.HandleFunc("/abort", func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) })
	mux.HandleFunc("/late-panic", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "partial")
		panic("late")
	})
	mux.HandleFunc("/twice", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "tea")
	})
	mux.HandleFunc("/sniff", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "%PDF-1.4 not really")
	})
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/headers", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Split", "a\r\nSet-Cookie: evil=1")
		w.Header().Set("X-Nul", "a\x00b")
		w.Header()["Bad Name"] = []string{"x"}
		w.Header()["X-Multi"] = []string{"1", "2"}
		io.WriteString(w, "ok")
	})
	mux.HandleFunc("/method", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "method="+r.Method)
	})
	mux.HandleFunc("/request", func(w http.ResponseWriter, r *http.Request) {
		kr, ok := FromContext(r.Context())
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "method=%s uri=%s path=%s proto=%s host=%s tls=%v kcgi=%v fields=%d\n",
			r.Method, r.RequestURI, r.URL.Path, r.Proto, r.Host, r.TLS != nil, ok, len(kr.Fields()))
		fmt.Fprintf(w, "length=%d type=%q body=%q\n", r.ContentLength, r.Header.Get("Content-Type"), body)
	})
	mux.HandleFunc("/form", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "a=%q q=%q", r.FormValue("a"), r.Form["q"])
		fmt.Fprintf(w, " postform=%q\n", r.PostForm)
		if f, h, err := r.FormFile("up"); err == nil {
			b, _ := io.ReadAll(f)
			fmt.Fprintf(w, "file %s %q %q\n", h.Filename, h.Header.Get("Content-Type"), b)
		}
	})
	mux.HandleFunc("/parts", func(w http.ResponseWriter, r *http.Request) {
		mr, err := r.MultipartReader()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			b, _ := io.ReadAll(p)
			fmt.Fprintf(w, "%s %q %q %q\n", p.FormName(), p.FileName(), p.Header.Get("Content-Type"), b)
		}
	})
	mux.HandleFunc("/flush", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		rc := http.NewResponseController(w)
		for i := 0; i < 3; i++ {
			fmt.Fprintf(w, "data: %d\n\n", i)
			if err := rc.Flush(); err != nil {
				panic(err)
			}
		}
		_, _, hijack := rc.Hijack()
		fmt.Fprintf(w, "unsupported=%v\n", errors.Is(rc.SetReadDeadline(time.Time{}), http.ErrNotSupported) &&
			errors.Is(rc.SetWriteDeadline(time.Time{}), http.ErrNotSupported) &&
			errors.Is(rc.EnableFullDuplex(), http.ErrNotSupported) && errors.Is(hijack, http.ErrNotSupported))
	})
	mux.HandleFunc("/try-flush", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "one ")
		err := http.NewResponseController(w).Flush()
		fmt.Fprintf(w, "two unsupported=%v", errors.Is(err, http.ErrNotSupported))
	})
	mux.HandleFunc("/goroutine", func(w http.ResponseWriter, r *http.Request) {
		done := make(chan struct{})
		go func() { // off the server's thread
			defer close(done)
			for i := 0; i < 64; i++ {
				w.Write(bytes.Repeat([]byte{'a' + byte(i%26)}, 16<<10))
				http.NewResponseController(w).Flush()
			}
		}()
		<-done
	})
	mux.HandleFunc("/early", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</a.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "created")
	})
	// /keep keeps its ResponseWriter; /stale writes to it, after its
	// handler returned, and reports what the write said.
	var kept http.ResponseWriter
	mux.HandleFunc("/keep", func(w http.ResponseWriter, r *http.Request) {
		kept = w
		io.WriteString(w, "kept")
	})
	mux.HandleFunc("/stale", func(w http.ResponseWriter, r *http.Request) {
		_, err := io.WriteString(kept, "LEAKED")
		fmt.Fprintf(w, "stale=%v", err)
	})
	mux.HandleFunc("/late-header", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Before", "1")
		w.WriteHeader(http.StatusAccepted)
		w.Header().Set("X-After", "1")
		io.WriteString(w, "late")
	})
	mux.HandleFunc("/length", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "5")
		_, err := io.WriteString(w, "12345")
		_, err2 := io.WriteString(w, "6")
		fmt.Fprintf(os.Stderr, "length: %v %v\n", err, err2)
	})
	return mux
}

func serveCGI(t *testing.T, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	h := &cgi.Handler{Path: os.Args[0], Args: []string{"-test.run=^$"}, Env: []string{"KCGI_TEST_HANDLER=1"}}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestHandlerCGI(t *testing.T) {
	body := "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nfrom-body\r\n" +
		"--XyZ\r\nContent-Disposition: form-data; name=\"up\"; filename=\"f.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n\x00\x01bin\x00\r\n" +
		"--XyZ--\r\n"
	mp := func(path string) *http.Request {
		req := httptest.NewRequest("POST", path, strings.NewReader(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary=XyZ")
		return req
	}
	form := func(path, ctype, body string) *http.Request {
		req := httptest.NewRequest("POST", path, strings.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		return req
	}
	const urlenc = "application/x-www-form-urlencoded"
	for _, c := range []struct {
		req  *http.Request
		want []string
	}{
		{mp("/request?q=1&q=%C3%A9"), []string{
			"method=POST uri= path=/request proto=HTTP/1.1 host=example.com tls=false kcgi=true fields=4",
			fmt.Sprintf("length=%d type=%q body=%q", len(body), "multipart/form-data; boundary=XyZ", body),
		}},
		{mp("/form?q=1&q=%C3%A9"), []string{
			`a="from-body" q=["1" "é"] postform=map["a":["from-body"]]`,
			`file f.bin "application/octet-stream" "\x00\x01bin\x00"`,
		}},
		{mp("/parts"), []string{`a "" "" "from-body"`, `up "f.bin" "application/octet-stream" "\x00\x01bin\x00"`}},
		// Re-encoded: ";" splits, "%7e" and "+" normalised, "c" gets "=", the bad pair is dropped.
		{form("/request?q=1", urlenc, "a=1;b=%7e+x&c&d=%zz"), []string{`length=12 type="application/x-www-form-urlencoded" body="a=1&b=~+x&c="`}},
		{form("/form?q=1", urlenc, "a=1&a=2"), []string{`a="1" q=["1"] postform=map["a":["1" "2"]]`}},
		{form("/request", "text/plain", "a=1\r\nb=2\r\n"), []string{`length=10 type="text/plain" body="a=1\r\nb=2\r\n"`}},
		{form("/form", "text/plain", "a=1\r\n"), []string{`a="" q=[] postform=map[]`}},
		{form("/request", "application/json", `{"a":1}`), []string{`body="{\"a\":1}"`}},
	} {
		got := serveCGI(t, c.req).Body.String()
		for _, want := range c.want {
			if !strings.Contains(got, want) {
				t.Errorf("%s %s: missing %q in\n%s", c.req.Method, c.req.URL, want, got)
			}
		}
	}
}

// A CGI request as lighttpd and Apache pass it: CONTENT_TYPE without
// HTTP_CONTENT_TYPE, which net/http/cgi's Handler always adds. libkcgi
// parses the body by CONTENT_TYPE, and so must the adapter, also before
// libkcgi 1.0.0, which hands over no environment.
func TestHandlerCGIContentType(t *testing.T) {
	const body = "a=1&a=2"
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = []string{"KCGI_TEST_HANDLER=1", "GATEWAY_INTERFACE=CGI/1.1", "SERVER_PROTOCOL=HTTP/1.1",
		"REQUEST_METHOD=POST", "SCRIPT_NAME=", "PATH_INFO=/form", "QUERY_STRING=q=1", "REQUEST_URI=/form?q=1",
		"HTTP_HOST=example.com", "CONTENT_TYPE=application/x-www-form-urlencoded",
		"CONTENT_LENGTH=" + fmt.Sprint(len(body))}
	cmd.Stdin = strings.NewReader(body)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if want := `a="1" q=["1"] postform=map["a":["1" "2"]]`; !strings.Contains(string(out), want) {
		t.Errorf("missing %q in\n%s", want, out)
	}
}

// A handler may write from another goroutine, off the server's thread.
func TestHandlerOtherGoroutine(t *testing.T) {
	w := harness.StartWorker(t, "KCGI_TEST_HANDLER=1")
	for i := 0; i < 3; i++ {
		out := do(t, w, "GET", "/goroutine")
		_, body, _ := strings.Cut(out, "\r\n\r\n")
		if len(body) != 64*16<<10 || body[0] != 'a' || body[len(body)-1] != 'a'+63%26 {
			t.Fatalf("got %d bytes: %q", len(body), harness.Clip([]byte(out), 200))
		}
	}
	if err, ok := w.Exited(); ok {
		t.Fatalf("worker exited: %v\n%s", err, w.Stderr())
	}
}

// Flush sends the headers and what was written; 1xx is dropped; a
// Content-Length is kept to.
func TestHandlerFlush(t *testing.T) {
	w := harness.StartWorker(t, "KCGI_TEST_HANDLER=1")
	out, recs := doRecords(t, w, "GET", "/flush")
	want := "Status: 200 OK\r\nContent-Type: text/event-stream\r\nDate: "
	if !strings.HasPrefix(out, want) || !strings.HasSuffix(out, "\r\n\r\ndata: 0\n\ndata: 1\n\ndata: 2\n\nunsupported=true\n") {
		t.Fatalf("got %q", out)
	}
	// libkcgi writes the head in five pieces; then one record per
	// flush, and one at the end.
	if n := len(recs); n < 4 || !slices.Equal(recs[n-4:], []string{"data: 0\n\n", "data: 1\n\n", "data: 2\n\n", "unsupported=true\n"}) {
		t.Errorf("STDOUT records: %q", recs)
	}
	if out := do(t, w, "GET", "/early"); !strings.HasPrefix(out, "Status: 201 Created\r\nContent-Type: text/plain; charset=utf-8\r\nDate: ") ||
		!strings.Contains(out, "\r\nLink: </a.css>; rel=preload\r\n") || !strings.HasSuffix(out, "\r\n\r\ncreated") {
		t.Errorf("early hints: %q", out)
	}
	if out := do(t, w, "GET", "/length"); !strings.Contains(out, "\r\nContent-Length: 5\r\n") || !strings.HasSuffix(out, "\r\n\r\n12345") {
		t.Errorf("length: %q", out)
	}
	const tooLong = "length: <nil> http: wrote more than the declared Content-Length\n"
	has := func(s string) bool { return strings.Contains(s, tooLong) }
	if out := w.WaitStderr(has, 5*time.Second); !has(out) {
		t.Errorf("length: %s", out)
	}
}

// A ResponseWriter kept past its handler writes nothing into the next
// request's answer; headers changed after WriteHeader are not sent, as
// with net/http.
func TestHandlerAfterReturn(t *testing.T) {
	w := harness.StartWorker(t, "KCGI_TEST_HANDLER=1")
	if out := do(t, w, "GET", "/keep"); !strings.HasSuffix(out, "\r\n\r\nkept") {
		t.Fatalf("keep: %q", out)
	}
	if out := do(t, w, "GET", "/stale"); strings.Contains(out, "LEAKED") ||
		!strings.HasSuffix(out, "\r\n\r\nstale=kcgihttp: write after the handler returned") {
		t.Errorf("stale: %q", out)
	}
	out := do(t, w, "GET", "/late-header")
	if !strings.HasPrefix(out, "Status: 202 Accepted\r\n") || !strings.Contains(out, "\r\nX-Before: 1\r\n") ||
		strings.Contains(out, "X-After") {
		t.Errorf("late header: %q", out)
	}
}

// With Config.SendBuffer, libkcgi buffers: a small response is two
// records (the head, drained when the body starts, and the body), and
// Flush says it cannot send; by default it streams, the head in five.
func TestHandlerBuffered(t *testing.T) {
	for _, c := range []struct {
		env     string
		records int
		flushed string
	}{
		{"KCGI_TEST_BUFFERED=1", 2, "unsupported=true"},
		{"", 7, "unsupported=false"},
	} {
		w := harness.StartWorker(t, "KCGI_TEST_HANDLER=1", c.env)
		out, recs := doRecords(t, w, "GET", "/try-flush")
		if !strings.HasSuffix(out, "\r\n\r\none two "+c.flushed) || len(recs) != c.records {
			t.Errorf("%s: %d records %q", c.env, len(recs), recs)
		}
		// 1 MiB from another goroutine, past any 65535-byte record.
		_, body, _ := strings.Cut(do(t, w, "GET", "/goroutine"), "\r\n\r\n")
		if len(body) != 64*16<<10 || body[0] != 'a' || body[len(body)-1] != 'a'+63%26 {
			t.Errorf("%s: %d bytes of 1 MiB", c.env, len(body))
		}
	}
}

func TestHandlerResponses(t *testing.T) {
	for _, c := range []struct {
		method, path string
		code         int
		ctype, body  string
	}{
		{"GET", "/panic", 500, "text/plain; charset=utf-8", ""},
		{"GET", "/abort", 500, "text/plain; charset=utf-8", ""},
		{"GET", "/late-panic", 200, "text/plain; charset=utf-8", "partial"},
		{"GET", "/twice", 418, "text/plain; charset=utf-8", "tea"},
		{"GET", "/sniff", 200, "application/pdf", "%PDF-1.4 not really"},
		{"GET", "/empty", 200, "text/plain; charset=utf-8", ""},
		{"HEAD", "/sniff", 200, "application/pdf", ""},
		{"GET", "/nowhere", 404, "text/plain; charset=utf-8", "404 page not found\n"},
	} {
		rec := serveCGI(t, httptest.NewRequest(c.method, c.path, nil))
		if rec.Code != c.code || rec.Header().Get("Content-Type") != c.ctype || rec.Body.String() != c.body {
			t.Errorf("%s %s: %d %q %q, want %d %q %q", c.method, c.path,
				rec.Code, rec.Header().Get("Content-Type"), rec.Body.String(), c.code, c.ctype, c.body)
		}
		if rec.Header().Get("Date") == "" {
			t.Errorf("%s %s: no Date", c.method, c.path)
		}
	}
}

func TestHandlerHeaderSanitising(t *testing.T) {
	rec := serveCGI(t, httptest.NewRequest("GET", "/headers", nil))
	h := rec.Header()
	if h.Get("X-Split") != "a  Set-Cookie: evil=1" || h.Get("Set-Cookie") != "" {
		t.Errorf("X-Split %q, Set-Cookie %q", h.Get("X-Split"), h.Get("Set-Cookie"))
	}
	if h.Get("X-Nul") != "a b" || h.Get("Bad Name") != "" || strings.Join(h["X-Multi"], ",") != "1,2" {
		t.Errorf("headers %v", h)
	}
}

// A panic in the handler answers 500 and the FastCGI worker goes on.
func TestHandlerPanicKeepsWorker(t *testing.T) {
	w := harness.StartWorker(t, "KCGI_TEST_HANDLER=1")
	for i := 0; i < 3; i++ {
		if out := do(t, w, "GET", "/panic"); !strings.HasPrefix(out, "Status: 500 Internal Server Error\r\n") {
			t.Fatalf("got %q", out)
		}
	}
	if out := do(t, w, "GET", "/sniff"); !strings.HasSuffix(out, "%PDF-1.4 not really") {
		t.Fatalf("after panics: %q", out)
	}
	if err, ok := w.Exited(); ok {
		t.Fatalf("worker exited: %v", err)
	}
	logged := func(log string) bool {
		return strings.Count(log, "/panic: boom\n") == 3 && strings.Contains(log, "kcgihttp: panic serving ")
	}
	if log := w.WaitStderr(logged, 5*time.Second); !logged(log) {
		t.Errorf("panics not logged:\n%s", log)
	}
}

// do sends one FastCGI request to w, with the variables nginx sets, and
// returns the STDOUT stream.
func do(t *testing.T, w *harness.Worker, method, path string) string {
	t.Helper()
	out, _ := doRecords(t, w, method, path)
	return out
}

// doRecords is do, also returning the STDOUT records' contents.
func doRecords(t *testing.T, w *harness.Worker, method, path string) (string, []string) {
	t.Helper()
	out, raw, err := w.DoRequest(harness.FCGIRequest{Params: []harness.Param{
		{Name: "REQUEST_METHOD", Value: method},
		{Name: "SCRIPT_NAME", Value: path},
		{Name: "REQUEST_URI", Value: path},
		{Name: "SERVER_PROTOCOL", Value: "HTTP/1.1"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := harness.ParseRecords(raw)
	if err != nil {
		t.Fatal(err)
	}
	var stdout []string
	for _, r := range recs {
		if r.Type == 6 && len(r.Content) > 0 {
			stdout = append(stdout, string(r.Content))
		}
	}
	return out, stdout
}

// A method libkcgi does not know reaches the handler with libkcgi
// 1.0.0 and later, and is refused with 501 before, never changed.
func TestUnknownMethod(t *testing.T) {
	w := harness.StartWorker(t, "KCGI_TEST_HANDLER=1")
	for _, m := range []string{"PATCH", "BREW"} {
		out := do(t, w, m, "/method")
		if kcgi.HaveEnv && !strings.HasSuffix(out, "\r\n\r\nmethod="+m) ||
			!kcgi.HaveEnv && !strings.HasPrefix(out, "Status: 501 Not Implemented\r\n") {
			t.Errorf("%s: got %q", m, out)
		}
	}
	for _, m := range []string{"PUT", "PROPFIND", "DELETE"} {
		if out := do(t, w, m, "/method"); !strings.HasSuffix(out, "\r\n\r\nmethod="+m) {
			t.Errorf("%s: got %q", m, out)
		}
	}
}

// libkcgi's gzip must not apply to a handler's answer (CGI): the handler
// owns Content-Length and Content-Encoding.
func TestHandlerNoLibkcgiGzip(t *testing.T) {
	req := httptest.NewRequest("GET", "/sniff", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	rec := serveCGI(t, req)
	if rec.Header().Get("Content-Encoding") != "" || rec.Body.String() != "%PDF-1.4 not really" {
		t.Fatalf("%v %q", rec.Header(), rec.Body.Bytes())
	}
}

// NewRequest from hand-made values: validated fields lose the NULs a
// validator wrote, the query is told from the body by libkcgi's rules,
// and ContentLength is CONTENT_LENGTH.
func TestNewRequestFields(t *testing.T) {
	p := &parsed{
		env: map[string]string{"REQUEST_METHOD": "POST", "SERVER_PROTOCOL": "HTTP/1.1",
			"REQUEST_URI": "/x?a=% 41&b=2", "QUERY_STRING": "a=% 41&b=2", "CONTENT_LENGTH": "19",
			"CONTENT_TYPE": "application/x-www-form-urlencoded"},
		fields: []kcgi.Pair{
			{Key: "int", Value: []byte(" 5\x00"), State: kcgi.PairValid},
			{Key: "a", Value: []byte("A1")},
			{Key: "b", Value: []byte("2")},
		},
	}
	hr, err := p.request()
	if err != nil {
		t.Fatal(err)
	}
	if hr.Form != nil || hr.PostForm != nil || hr.MultipartForm != nil {
		t.Errorf("forms filled before ParseForm: %v %v %v", hr.Form, hr.PostForm, hr.MultipartForm)
	}
	body, _ := io.ReadAll(hr.Body)
	hr.Body = io.NopCloser(bytes.NewReader(body))
	hr.ParseForm() // net/http refuses "% 41" in the query; the body parses

	if got := fmt.Sprintf("%v %v %d %s", hr.PostForm, hr.Form["int"], hr.ContentLength, body); got != `map[int:[ 5]] [ 5] 6 int=+5` {
		t.Errorf("got %s", got)
	}
}

// Without libkcgi's environment (before 1.0.0) the request is rebuilt
// from the parsed values; the query only when the body is not a form.
func TestRebuildEnv(t *testing.T) {
	p := &parsed{
		method: kcgi.MethodGet, scriptName: "/app", fullPath: "/a b/c.txt", host: "example.com:8080",
		port: 8080, remoteAddr: "192.0.2.1", https: true,
		headers: []kcgi.KeyValue{kv("Host", "example.com:8080"), kv("User-Agent", "t"), kv("X-Custom-Thing", "1")},
		fields: []kcgi.Pair{
			{Key: "q", Value: []byte("1")}, {Key: "x", Value: []byte("a&b")}, {Key: "q", Value: []byte("é")},
		},
	}
	hr, err := p.request()
	if err != nil {
		t.Fatal(err)
	}
	hr.ParseForm()
	got := fmt.Sprintf("%s %s %s %q %s %s %v %s %s %q", hr.Method, hr.URL.RequestURI(), hr.URL.Path, hr.URL.RawQuery,
		hr.Host, hr.RemoteAddr, hr.TLS != nil, hr.Proto, hr.Header.Get("X-Custom-Thing"), hr.Form["q"])
	want := `GET /app/a%20b/c.txt?q=1&q=%C3%A9&x=a%26b /app/a b/c.txt "q=1&q=%C3%A9&x=a%26b" example.com:8080 192.0.2.1:0 true HTTP/1.1 1 ["1" "é"]`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}

	p.method = kcgi.MethodPost
	p.headers = append(p.headers, kv("Content-Type", "application/x-www-form-urlencoded"),
		kv("Content-Length", "7"))
	if hr, err = p.request(); err != nil {
		t.Fatal(err)
	}
	hr.ParseForm()
	if hr.URL.RawQuery != "" || len(hr.PostForm["q"]) != 2 || hr.ContentLength != 20 {
		t.Errorf("form body: query %q, PostForm %v, ContentLength %d", hr.URL.RawQuery, hr.PostForm, hr.ContentLength)
	}

	p.method = kcgi.MethodMax
	if _, err := p.request(); !errors.Is(err, ErrMethod) {
		t.Errorf("unknown method: %v", err)
	}
}

func kv(k, v string) kcgi.KeyValue { return kcgi.KeyValue{Key: k, Value: v} }

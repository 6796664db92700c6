package kcgihttp

// TestMain turns the test binary into a FastCGI worker or CGI program
// serving testHandler when KCGI_TEST_HANDLER is set.

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/kcgi-go/kcgi-go/internal/harness"
	"github.com/kcgi-go/kcgi-go/kcgi"
)

func TestMain(m *testing.M) {
	if os.Getenv("KCGI_TEST_HANDLER") != "" {
		if err := Serve(nil, testHandler()); err != nil {
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
		fmt.Fprintf(w, "a=%q q=%q postform=%q body=%q\n", r.FormValue("a"), r.Form["q"], r.PostForm, body)
		if f, h, err := r.FormFile("up"); err == nil {
			b, _ := io.ReadAll(f)
			fmt.Fprintf(w, "file %s %q %q\n", h.Filename, h.Header.Get("Content-Type"), b)
		}
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
	req := httptest.NewRequest("POST", "/request?q=1&q=%C3%A9", strings.NewReader(body))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=XyZ")
	rec := serveCGI(t, req)
	got := rec.Body.String()
	for _, want := range []string{
		"method=POST uri= path=/request proto=HTTP/1.1 host=example.com tls=false kcgi=true fields=4",
		`a="from-body" q=["1" "é"] postform=map["a":["from-body"]] body=""`,
		"file f.bin \"application/octet-stream\" \"\\x00\\x01bin\\x00\"",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}

	req = httptest.NewRequest("PUT", "/request", strings.NewReader(`{"a":1}`))
	req.Header.Set("Content-Type", "application/json")
	if got := serveCGI(t, req).Body.String(); !strings.Contains(got, `body="{\"a\":1}"`) {
		t.Errorf("raw body: %s", got)
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
	if log := w.Stderr(); strings.Count(log, "/panic: boom\n") != 3 || !strings.Contains(log, "kcgihttp: panic serving ") {
		t.Errorf("panics not logged:\n%s", log)
	}
}

// do sends one FastCGI request to w, with the variables nginx sets, and
// returns the STDOUT stream.
func do(t *testing.T, w *harness.Worker, method, path string) string {
	t.Helper()
	out, _, err := w.DoRequest(harness.FCGIRequest{Params: []harness.Param{
		{Name: "REQUEST_METHOD", Value: method},
		{Name: "SCRIPT_NAME", Value: path},
		{Name: "REQUEST_URI", Value: path},
		{Name: "SERVER_PROTOCOL", Value: "HTTP/1.1"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return out
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
	if got := fmt.Sprint(hr.PostForm, hr.Form["int"], hr.ContentLength); got != `map[int:[ 5]] [ 5] 19` {
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
	if hr.URL.RawQuery != "" || len(hr.PostForm["q"]) != 2 || hr.ContentLength != 7 {
		t.Errorf("form body: query %q, PostForm %v, ContentLength %d", hr.URL.RawQuery, hr.PostForm, hr.ContentLength)
	}

	p.method = kcgi.MethodMax
	if _, err := p.request(); !errors.Is(err, ErrMethod) {
		t.Errorf("unknown method: %v", err)
	}
}

func kv(k, v string) kcgi.KeyValue { return kcgi.KeyValue{Key: k, Value: v} }

package integration

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kcgi-go/kcgi-go/internal/harness"
	"github.com/kcgi-go/kcgi-go/kcgi"
)

// contractCase is one request of the adapter's contract corpus, sent
// through nginx to integration/contractserver served by kcgi and by
// net/http/fcgi.
type contractCase struct {
	name string
	raw  []byte
	// allow names the one way the answers may differ, imposed by
	// libkcgi or FastCGI; check then checks kcgi's answer.
	allow string
	check func(a answer) error
}

// The differences the contract corpus allows, each named.
const (
	// reencodedForm: libkcgi keeps the fields of a URL-encoded body, not
	// its bytes; the body the handler reads is re-encoded from them,
	// with url.QueryEscape, so escapes come out normalised ("%7e" as
	// "~", "%20" as "+") and a key without "=" gets one.
	reencodedForm = "the URL-encoded body is re-encoded from libkcgi's fields"
	// textPlainPart: libkcgi types a multipart part without
	// Content-Type text/plain (RFC 7578), so an explicit text/plain on
	// a part that is not a file cannot be told from none, and is left
	// out of the re-encoded part.
	textPlainPart = "multipart: text/plain on a field part is left out"
	// earlyHints: FastCGI carries one status. net/http/fcgi sends
	// 103 as the final status; the adapter drops informational
	// statuses, as FastCGI cannot carry them, and sends the final one.
	earlyHints = "1xx: net/http/fcgi sends 103 as the final status"
	// oldMethod: libkcgi before 1.0.0 keeps only the number of a method
	// it does not know; the adapter answers 501 rather than guess.
	oldMethod = "libkcgi before 1.0.0 loses the name of a method it does not know: 501"
)

func contractCorpus() []contractCase {
	const form = "Content-Type: application/x-www-form-urlencoded"
	do := func(method, target string, headers []string, body string) []byte {
		return harness.HTTPRequest(method, target, "localhost", headers, []byte(body))
	}
	get := func(target string) []byte { return do("GET", target, nil, "") }
	bodyIs := func(want string) func(answer) error {
		return func(a answer) error {
			if !bytes.Contains(a.body, []byte(want)) {
				return fmt.Errorf("body lacks %q", want)
			}
			return nil
		}
	}
	mpUpload, mpUploadBody := formData(
		part{name: "title", data: []byte("Grüße")},
		part{name: "up", file: fileName("one.bin"), ctype: "application/octet-stream", data: []byte("\x00\x01\x02\x00")},
		part{name: "up", file: fileName("two.txt"), ctype: "text/plain", data: []byte("two\n")},
		part{name: "", data: []byte("nameless")},
		part{name: "big", file: fileName("big.bin"), ctype: "application/octet-stream", data: random(3<<20, 21)})
	mpTyped, mpTypedBody := formData(part{name: "note", ctype: "text/plain", data: []byte("typed")})
	method := func(m string) contractCase {
		c := contractCase{name: m + " /method", raw: do(m, "/method", nil, "")}
		if !kcgi.HaveEnv && (m == "PATCH" || m == "BREW") {
			c.allow, c.check = oldMethod, func(a answer) error {
				if a.status != "HTTP/1.1 501 Not Implemented" {
					return errors.New(a.status)
				}
				return nil
			}
		}
		return c
	}
	return []contractCase{
		{name: "GET /sse", raw: get("/sse?ms=1")},
		{name: "POST /upload by MultipartReader", raw: do("POST", "/upload", []string{mpUpload}, string(mpUploadBody))},
		{name: "POST /upload typed field", raw: do("POST", "/upload", []string{mpTyped}, string(mpTypedBody)),
			allow: textPlainPart, check: bodyIs(`"type": ""`)},
		{name: "POST /readall multipart", raw: do("POST", "/readall", []string{mpUpload}, string(mpUploadBody))},
		{name: "POST /readall form", raw: do("POST", "/readall", []string{form}, "a=1&b=two+words&c=%E2%82%AC")},
		{name: "POST /readall form normalised", raw: do("POST", "/readall", []string{form}, "a=%7e&b=x%20y&c"),
			allow: reencodedForm, check: bodyIs(`"body": "a=~\u0026b=x+y\u0026c="`)},
		{name: "PUT /readall form", raw: do("PUT", "/readall", []string{form}, "a=1&a=2")},
		{name: "DELETE /readall form", raw: do("DELETE", "/readall", []string{form}, "id=42")},
		{name: "POST /readall text/plain", raw: do("POST", "/readall", []string{"Content-Type: text/plain"}, "a=1\r\nb=2\r\n")},
		{name: "POST /readall JSON", raw: do("POST", "/readall", []string{"Content-Type: application/json"}, `{"a":[1,2]}`)},
		{name: "POST /readall empty form", raw: do("POST", "/readall", []string{form}, "")},
		{name: "POST /readall expect 100-continue", raw: do("POST", "/readall", []string{form, "Expect: 100-continue"}, "a=1")},
		{name: "POST /maxbytes over", raw: do("POST", "/maxbytes?n=10", []string{"Content-Type: application/octet-stream"}, strings.Repeat("x", 100))},
		{name: "POST /maxbytes under", raw: do("POST", "/maxbytes?n=1000", []string{"Content-Type: application/octet-stream"}, strings.Repeat("x", 100))},
		{name: "POST /maxbytes form over", raw: do("POST", "/maxbytes?n=3", []string{form}, "a=1&b=2")},
		{name: "GET /trailer", raw: get("/trailer")},
		{name: "GET /early", raw: get("/early"), allow: earlyHints, check: func(a answer) error {
			if a.status != "HTTP/1.1 200 OK" || !slices.Contains(a.header, "Link: </style.css>; rel=preload; as=style") ||
				string(a.body) != "after early hints\n" {
				return fmt.Errorf("%s %q %q", a.status, a.header, a.body)
			}
			return nil
		}},
		{name: "GET /length", raw: get("/length")},
		{name: "GET /length too long", raw: get("/length?extra=1")},
		{name: "HEAD /length", raw: do("HEAD", "/length", nil, "")},
		{name: "HEAD /stream", raw: do("HEAD", "/stream?mib=1", nil, "")},
		{name: "GET /stream 1 MiB", raw: get("/stream?mib=1")},
		method("PUT"), method("PATCH"), method("BREW"), method("PROPFIND"),
	}
}

// contractServer is contractserver under kfcgi behind nginx, with
// response buffering off, as for server-sent events.
type contractServer struct {
	name string
	k    *harness.Kfcgi
	web  *harness.Nginx
}

func startContract(t *testing.T, bin string, stdlib bool) contractServer {
	return startContractWeb(t, bin, stdlib, harness.NginxConfig{StreamResponses: true})
}

// startContractWeb is startContract with nginx configured as web says,
// but for the socket.
func startContractWeb(t *testing.T, bin string, stdlib bool, web harness.NginxConfig) contractServer {
	t.Helper()
	cfg := harness.KfcgiConfig{Binary: bin, Name: "contract", Pool: harness.Pool{Workers: 1}}
	s := contractServer{name: "kcgi"}
	if stdlib {
		s.name, s.k = "net/http/fcgi", harness.StartKfcgiStdlib(t, cfg)
	} else {
		s.k = harness.StartKfcgi(t, cfg)
	}
	web.Socket = s.k.Socket
	s.web = harness.StartNginx(t, web)
	return s
}

// TestHandlerContract sends the contract corpus to contractserver under
// kcgi and under net/http/fcgi, and requires the same answers but for
// the named differences.
func TestHandlerContract(t *testing.T) {
	harness.Require(t)
	bin := harness.MustBuildGo(t, "./integration/contractserver")
	servers := []contractServer{startContract(t, bin, false), startContract(t, bin, true)}
	identical, allowed := 0, map[string]int{}
	corpus := contractCorpus()
	for _, c := range corpus {
		var a [2]answer
		for i, s := range servers {
			r, err := harness.Do(s.web.Addr, c.raw, 30*time.Second)
			switch {
			case err != nil && i == 1 && c.allow == earlyHints:
				// net/http/fcgi's 103 reaches the client as a final
				// status with a body, which is no HTTP.
				a[i] = answer{status: err.Error()}
			case err != nil:
				t.Fatalf("%s: %s: %v", c.name, s.name, err)
			default:
				a[i] = newAnswer(r)
			}
		}
		d := harness.Diff([]byte(a[0].String()), []byte(a[1].String()))
		switch {
		case d == "" && c.allow != "":
			t.Errorf("%s: allowed difference %q did not occur", c.name, c.allow)
		case d == "":
			identical++
		case c.allow == "":
			t.Errorf("%s: %s", c.name, d)
		default:
			if err := c.check(a[0]); err != nil {
				t.Errorf("%s: kcgi: %v", c.name, err)
			} else {
				allowed[c.allow]++
				t.Logf("%s: allowed difference: %s", c.name, c.allow)
			}
		}
	}
	t.Logf("%d requests: %d identical, %d with allowed differences", len(corpus), identical, sum(allowed))
	for _, r := range sortedKeys(allowed) {
		t.Logf("allowed difference in %d: %s", allowed[r], r)
	}
	if log := servers[0].k.Log(); !strings.Contains(log, "length: extra write: http: wrote more than the declared Content-Length") {
		t.Errorf("kcgi: the write past Content-Length did not fail:\n%s", log)
	}
	for _, s := range servers {
		checkNoCrash(t, s.k)
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// readEvents sends GET path through nginx at addr and returns when the
// first "data:" line arrived and when the answer ended, both from when
// the request was sent.
func readEvents(addr, path string) (first, end time.Duration, err error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	start := time.Now()
	if _, err := c.Write([]byte("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")); err != nil {
		return 0, 0, err
	}
	br := bufio.NewReader(c)
	for {
		line, err := br.ReadString('\n')
		if first == 0 && strings.HasPrefix(line, "data: ") {
			first = time.Since(start)
		}
		if err == io.EOF {
			return first, time.Since(start), nil
		} else if err != nil {
			return first, time.Since(start), err
		}
	}
}

// TestHandlerSSE reads server-sent events as they come: the first
// arrives long before the handler ends, and as soon under kcgi as under
// net/http/fcgi (the medians of 9 requests within 10 ms).
func TestHandlerSSE(t *testing.T) {
	harness.Require(t)
	bin := harness.MustBuildGo(t, "./integration/contractserver")
	servers := []contractServer{startContract(t, bin, false), startContract(t, bin, true)}
	var medians [2]time.Duration
	for i, s := range servers {
		var firsts []time.Duration
		for n := 0; n < 9; n++ {
			first, end, err := readEvents(s.web.Addr, "/sse?n=3&ms=300")
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if first == 0 || first > end-500*time.Millisecond {
				t.Errorf("%s: first event after %v, end after %v", s.name, first, end)
			}
			firsts = append(firsts, first)
		}
		sort.Slice(firsts, func(i, j int) bool { return firsts[i] < firsts[j] })
		medians[i] = firsts[len(firsts)/2]
		t.Logf("%s: time to the first event: median %v, min %v, max %v", s.name, medians[i], firsts[0], firsts[len(firsts)-1])
	}
	if d := medians[0] - medians[1]; d > 10*time.Millisecond {
		t.Errorf("kcgi's first event %v later than net/http/fcgi's", d)
	}
}

// TestHandlerStream100MiB streams 100 MiB through the adapter and
// nginx; the worker's resident memory may grow by 16 MiB at most.
func TestHandlerStream100MiB(t *testing.T) {
	harness.Require(t)
	bin := harness.MustBuildGo(t, "./integration/contractserver")
	s := startContract(t, bin, false)
	worker := s.k.Workers()[0]
	before, err := harness.RSS(worker)
	if err != nil {
		t.Fatal(err)
	}
	peak := before
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := net.Dial("tcp", s.web.Addr)
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		c.Write([]byte("GET /stream?mib=100 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"))
		n, _ := io.Copy(io.Discard, c)
		if n < 100<<20 {
			t.Errorf("read %d bytes, want over 100 MiB", n)
		}
	}()
	for {
		select {
		case <-done:
			t.Logf("worker RSS: %d KiB before, %d KiB at most while streaming 100 MiB", before>>10, peak>>10)
			if peak-before > 16<<20 {
				t.Errorf("worker grew by %d KiB", (peak-before)>>10)
			}
			return
		case <-time.After(20 * time.Millisecond):
			if rss, err := harness.RSS(worker); err == nil && rss > peak {
				peak = rss
			}
		}
	}
}

// TestHandlerShutdown stops kfcgi while a handler waits on its
// request's context: under kcgi the context is cancelled, the handler
// returns and the worker exits.
func TestHandlerShutdown(t *testing.T) {
	harness.Require(t)
	bin := harness.MustBuildGo(t, "./integration/contractserver")
	for _, stdlib := range []bool{false, true} {
		s := startContract(t, bin, stdlib)
		c, err := net.Dial("tcp", s.web.Addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.Write([]byte("GET /wait HTTP/1.1\r\nHost: localhost\r\n\r\n"))
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if line, err := bufio.NewReader(c).ReadString('\n'); err != nil {
			t.Fatalf("%s: %q %v", s.name, line, err)
		}
		took, err := s.k.Terminate(syscall.SIGTERM, 5*time.Second)
		if err != nil {
			t.Errorf("%s: %v", s.name, err)
		}
		t.Logf("%s: kfcgi and its workers gone %v after SIGTERM", s.name, took)
		if !stdlib && !strings.Contains(s.k.Log(), "wait: context done: context canceled") {
			t.Errorf("kcgi: the context was not cancelled:\n%s", s.k.Log())
		}
	}
}

// TestHandlerClientGone: a client that goes away, behind an nginx that
// then closes the FastCGI connection, cancels the request's context
// under kcgi once a write fails.
func TestHandlerClientGone(t *testing.T) {
	harness.Require(t)
	bin := harness.MustBuildGo(t, "./integration/contractserver")
	for _, stdlib := range []bool{false, true} {
		s := startContractWeb(t, bin, stdlib, harness.NginxConfig{StreamResponses: true, AbortOnClientClose: true})
		c, err := net.Dial("tcp", s.web.Addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("GET /heartbeat HTTP/1.1\r\nHost: localhost\r\n\r\n"))
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if line, err := bufio.NewReader(c).ReadString('\n'); err != nil {
			t.Fatalf("%s: %q %v", s.name, line, err)
		}
		c.Close()
		start := time.Now()
		for !strings.Contains(s.k.Log(), "heartbeat: context done:") && time.Since(start) < 3*time.Second {
			time.Sleep(10 * time.Millisecond)
		}
		done := strings.Contains(s.k.Log(), "heartbeat: context done: context canceled")
		t.Logf("%s: context cancelled %v after the client left: %v", s.name, time.Since(start).Round(time.Millisecond), done)
		if stdlib {
			continue
		}
		if !done {
			t.Errorf("kcgi: the context was not cancelled:\n%s", s.k.Log())
		}
		r, err := harness.Do(s.web.Addr, harness.HTTPRequest("GET", "/method", "localhost", nil, nil), 10*time.Second)
		if err != nil || r.Status != "HTTP/1.1 200 OK" {
			t.Errorf("kcgi: the next request: %v %v", r, err)
		}
		checkNoCrash(t, s.k)
	}
}

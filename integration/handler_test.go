package integration

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kcgi-go/kcgi-go/internal/harness"
	"github.com/kcgi-go/kcgi-go/kcgi"
)

// notesCase is one request of the handler corpus, sent through nginx
// to examples/notes served by kcgi and by net/http/fcgi.
type notesCase struct {
	name  string
	raw   []byte
	https bool        // through the nginx that passes HTTPS=on
	allow *difference // the one allowed difference of the body, if any
}

// part is one part of a multipart/form-data body: a field, or a file
// if file is not nil.
type part struct {
	name  string
	file  *string
	ctype string
	data  []byte
}

func fileName(s string) *string { return &s }

// formData builds a multipart/form-data body and its Content-Type
// header.
func formData(parts ...part) (string, []byte) {
	const boundary = "notes-boundary-7MA4YWxk"
	var raw [][2]string
	for _, p := range parts {
		h := fmt.Sprintf("Content-Disposition: form-data; name=%q", p.name)
		if p.file != nil {
			h += fmt.Sprintf("; filename=%q", *p.file)
		}
		if p.ctype != "" {
			h += "\r\nContent-Type: " + p.ctype
		}
		raw = append(raw, [2]string{h, string(p.data)})
	}
	return "Content-Type: multipart/form-data; boundary=" + boundary, echoMultipart(boundary, raw...)
}

// notesCorpus returns the requests sent to both servers.
func notesCorpus() []notesCase {
	const form = "Content-Type: application/x-www-form-urlencoded"
	const js = "Content-Type: application/json"
	get := func(target string, headers ...string) []byte {
		return harness.HTTPRequest("GET", target, "localhost", headers, nil)
	}
	do := func(method, target, ctype string, body string) []byte {
		return harness.HTTPRequest(method, target, "localhost", []string{ctype}, []byte(body))
	}
	many := make([]string, 100)
	for i := range many {
		many[i] = fmt.Sprintf("X-Header-%03d: value %d", i, i)
	}
	bin := random(100_000, 11)
	bin[0], bin[1], bin[50_000] = 0, 0, 0
	mpNote, mpNoteBody := formData(
		part{name: "title", data: []byte("Grüße ☃")},
		part{name: "email", data: []byte("a@example.com")},
		part{name: "file", file: fileName("notes.bin"), ctype: "application/octet-stream", data: bin})
	mpEmpty, mpEmptyBody := formData(
		part{name: "title", data: []byte("No file")},
		part{name: "email", data: []byte("b@example.com")},
		part{name: "file", file: fileName(""), ctype: "application/octet-stream"})
	mpBad, mpBadBody := formData(
		part{name: "email", data: []byte("not an address")},
		part{name: "file", file: fileName("x.txt"), ctype: "text/plain", data: []byte("x\x00y")})
	mpMany, mpManyBody := formData(
		part{name: "a", data: []byte("1")},
		part{name: "up", file: fileName("one.bin"), ctype: "application/octet-stream", data: []byte("\x00\x01\x02\x00")},
		part{name: "up", file: fileName("two.txt"), ctype: "text/plain", data: []byte("two\n")},
		part{name: "doc", file: fileName("café.json"), ctype: "application/json", data: []byte(`{"x":1}`)},
		part{name: "a", data: []byte("2")},
		part{name: "none", file: fileName(""), data: nil},
		part{name: "", data: []byte("nameless")},
		part{name: "", file: fileName("nameless.txt"), data: []byte("nameless file")})
	mpBig, mpBigBody := formData(
		part{name: "title", data: []byte("Big")},
		part{name: "email", data: []byte("big@example.com")},
		part{name: "file", file: fileName("big.bin"), ctype: "application/octet-stream", data: random(3<<20, 12)})
	bigJSON := `{"data":"` + strings.Repeat("ünïcödé ", 1<<17) + `"}`
	// Big, but with few %-escapes and pairs: libkcgi's cost grows
	// faster than linearly with either (see README.md).
	bigForm := "title=" + strings.Repeat("t", 80) + "&email=c%40example.com&pad=" +
		strings.Repeat("a+b", 1<<20) + strings.Repeat("&k=%20", 1000)
	return []notesCase{
		{"GET /", get("/"), false, nil},
		{"GET / with query", get("/?title=x&email=y"), false, nil},
		{"GET /api/echo", get("/api/echo"), false, nil},
		{"GET unknown path", get("/nowhere"), false, nil},
		{"GET unknown nested path", get("/api/echo/more"), false, nil},
		{"GET wrong case path", get("/API/ECHO"), false, nil},
		{"GET escaped path", get("/%61pi/%65cho?x=1"), false, nil},
		{"GET double slashes", get("//api//echo"), false, nil},
		{"GET dot segments", get("/api/../api/./echo"), false, nil},
		{"GET query escapes", get("/api/echo?a=1&b=two+words&c=%20%41%2B&d=%26%3D"), false, nil},
		{"GET query UTF-8 escaped", get("/api/echo?q=%E2%9C%93&name=J%C3%BCrgen&k=%F0%9F%98%80"), false, nil},
		{"GET query raw UTF-8", get("/api/echo?city=Zürich&snow=☃"), false, nil},
		{"GET repeated keys", get("/api/echo?n=1&n=x&n=3&m=&m"), false, nil},
		{"GET empty pairs", get("/api/echo?&&a=1&&=x&"), false, nil},
		{"GET semicolons", get("/api/echo?a=1;b=2"), false, nil},
		{"GET bad escapes", get("/api/echo?y=%zz&z=%4&w=%&ok=1"), false, nil},
		{"GET escaped NUL", get("/api/echo?nul=a%00b&ok=1"), false, nil},
		{"GET 100 headers", get("/api/echo", many...), false, nil},
		{"GET odd header names", get("/api/echo", "user-AGENT: t/1", "X-custom_Thing: y", "accept: */*"), false, nil},
		{"GET cookies", get("/api/echo", "Cookie: a=1; b=%20x", "Cookie: c=2"), false, nil},
		{"GET basic auth", get("/api/echo", "Authorization: Basic dXNlcjpwYXNz"), false, nil},
		{"GET gzip", get("/", "Accept-Encoding: gzip"), false, nil},
		{"HEAD /", harness.HTTPRequest("HEAD", "/", "localhost", nil, nil), false, nil},
		{"HEAD /api/echo", harness.HTTPRequest("HEAD", "/api/echo?a=1", "localhost", nil, nil), false, nil},
		{"HEAD unknown path", harness.HTTPRequest("HEAD", "/nowhere", "localhost", nil, nil), false, nil},
		{"POST note", do("POST", "/", form, "title=Hello&email=a%40example.com"), false, nil},
		{"POST note UTF-8", do("POST", "/", form, "title=Gr%C3%BC%C3%9Fe+%E2%98%83&email=a%40example.com"), false, nil},
		{"POST note no title", do("POST", "/", form, "title=+&email=a%40example.com"), false, nil},
		{"POST note bad e-mail", do("POST", "/", form, "title=x&email=Joe+%3Cj%40example.com%3E"), false, nil},
		{"POST note long title", do("POST", "/", form, "title="+strings.Repeat("%C3%A9", 81)+"&email=a%40b.c"), false, nil},
		{"POST note invalid UTF-8", do("POST", "/", form, "title=%FF%FE&email=a%40b.c"), false, nil},
		{"POST note empty body", do("POST", "/", form, ""), false, nil},
		{"POST note big form", do("POST", "/", form, bigForm), false, nil},
		{"POST note with query", do("POST", "/?title=fromquery", form, "email=a%40b.c"), false, nil},
		{"POST note multipart", do("POST", "/", mpNote, string(mpNoteBody)), false, nil},
		{"POST note multipart empty filename", do("POST", "/", mpEmpty, string(mpEmptyBody)), false, nil},
		{"POST note multipart invalid", do("POST", "/", mpBad, string(mpBadBody)), false, nil},
		{"POST note multipart 3 MiB", do("POST", "/", mpBig, string(mpBigBody)), false, nil},
		{"POST echo form", do("POST", "/api/echo?q=1&a=0", form, "a=1&a=2&b=%E2%82%AC&c"), false, &reencoded},
		{"POST echo form syntax", do("POST", "/api/echo", form, "a=1;b=2&=x&n=a%00b&y=%zz&ok=1"), false, &formSyntax},
		{"POST echo multipart", do("POST", "/api/echo?q=1", mpMany, string(mpManyBody)), false, &reencoded},
		{"POST echo JSON", do("POST", "/api/echo", js, `{"a":[1,2,"ü"],"b":null}`), false, nil},
		{"POST echo JSON 1 MiB", do("POST", "/api/echo", js, bigJSON), false, nil},
		{"POST echo text", do("POST", "/api/echo", "Content-Type: text/plain; charset=utf-8", "plain ☃\n"), false, nil},
		{"POST echo no type", harness.HTTPRequest("POST", "/api/echo", "localhost", nil, []byte("a=1")), false, nil},
		{"PUT echo no type", harness.HTTPRequest("PUT", "/api/echo", "localhost", nil, []byte("{}")), false, nil},
		{"POST echo text/plain form", do("POST", "/api/echo", "Content-Type: text/plain", "a=1\r\nb=2\r\n"), false, nil},
		{"PUT echo text/plain", do("PUT", "/api/echo", "Content-Type: text/plain", "a=1\r\n"), false, nil},
		{"POST echo binary", do("POST", "/api/echo", "Content-Type: application/octet-stream", string(bin[:4096])), false, nil},
		{"POST echo chunked", chunked("/api/echo", []byte("a=1&b=2"), 3), false, nil},
		{"POST echo expect continue", harness.HTTPRequest("POST", "/api/echo", "localhost",
			[]string{form, "Expect: 100-continue"}, []byte("a=1")), false, nil},
		{"PUT /", do("PUT", "/", form, "title=x"), false, nil},
		{"PUT echo JSON", do("PUT", "/api/echo", js, `{"put":true}`), false, nil},
		{"PUT echo form", do("PUT", "/api/echo", form, "a=1&b=2"), false, nil},
		{"PATCH echo form", do("PATCH", "/api/echo", form, "a=1"), false, nil},
		{"DELETE /", harness.HTTPRequest("DELETE", "/", "localhost", nil, nil), false, nil},
		{"DELETE echo", harness.HTTPRequest("DELETE", "/api/echo?id=42", "localhost", nil, nil), false, nil},
		{"DELETE echo form", do("DELETE", "/api/echo", form, "a=1"), false, nil},
		{"OPTIONS /", harness.HTTPRequest("OPTIONS", "/", "localhost", nil, nil), false, nil},
		{"OPTIONS echo", harness.HTTPRequest("OPTIONS", "/api/echo", "localhost", nil, nil), false, nil},
		{"HTTP/1.0 GET", []byte("GET /api/echo?v=1.0 HTTP/1.0\r\n\r\n"), false, nil},
		{"HTTP/1.0 POST note", []byte("POST / HTTP/1.0\r\n" + form + "\r\nContent-Length: 27\r\n\r\ntitle=Old&email=o%40ld.test"), false, nil},
		{"HTTP/1.0 HEAD", []byte("HEAD / HTTP/1.0\r\nHost: localhost\r\n\r\n"), false, nil},
		{"Host with port", harness.HTTPRequest("GET", "/api/echo", "example.com:8080", nil, nil), false, nil},
		{"Host upper case", harness.HTTPRequest("GET", "/api/echo", "EXAMPLE.org.", nil, nil), false, nil},
		{"Host IPv6", harness.HTTPRequest("GET", "/api/echo", "[::1]:8080", nil, nil), false, nil},
		{"Host absolute form", harness.HTTPRequest("GET", "http://other.example/api/echo?abs=1", "localhost", nil, nil), false, nil},
		{"HTTPS GET /", get("/"), true, nil},
		{"HTTPS GET echo", get("/api/echo?tls=1"), true, nil},
		{"HTTPS POST note", do("POST", "/", form, "title=Secure&email=s%40example.com"), true, nil},
		{"HTTPS HEAD /", harness.HTTPRequest("HEAD", "/", "localhost", nil, nil), true, nil},
	}
}

// notesServer is examples/notes under kfcgi, behind two nginx: one
// plain and one that passes HTTPS=on.
type notesServer struct {
	name         string
	stdlib       bool // net/http/fcgi, not the kcgi adapter
	k            *harness.Kfcgi
	plain, https *harness.Nginx
	workers      []int
}

// startNotes starts examples/notes, built at bin, under kfcgi with args,
// serving with net/http/fcgi if stdlib and through kcgi otherwise, and
// two nginx in front of it, one of them saying HTTPS.
func startNotes(t *testing.T, bin string, stdlib bool, args ...string) notesServer {
	cfg := harness.KfcgiConfig{Binary: bin, Name: "notes", ProgArgs: args}
	name, k := "net/http/fcgi", (*harness.Kfcgi)(nil)
	if stdlib {
		k = harness.StartKfcgiStdlib(t, cfg)
	} else {
		name, k = strings.TrimSpace("kcgi "+strings.Join(args, " ")), harness.StartKfcgi(t, cfg)
	}
	web := harness.NginxConfig{Socket: k.Socket}
	return notesServer{
		name:    name,
		stdlib:  stdlib,
		k:       k,
		plain:   harness.StartNginx(t, web),
		https:   harness.StartNginxParams(t, web, harness.Param{Name: "HTTPS", Value: "on"}),
		workers: k.Workers(),
	}
}

func (s notesServer) do(t *testing.T, c notesCase) *harness.Response {
	t.Helper()
	w := s.plain
	if c.https {
		w = s.https
	}
	r, err := harness.Do(w.Addr, c.raw, 30*time.Second)
	if err != nil {
		t.Fatalf("%s: %s: %v", c.name, s.name, err)
	}
	return r
}

// difference is an allowed difference between the kcgi and the
// net/http/fcgi answers to a request to /api/echo: the keys of its
// JSON answer that may differ, and why; or, with whole, any difference
// of status, headers and body.
type difference struct {
	keys   []string
	reason string
	whole  bool
}

// The differences that the corpus shows, besides the X-Kcgi-Fields
// header that notes adds only under kcgi. Each is imposed by libkcgi's
// parser: it keeps the fields of a form body, not its bytes, so the
// adapter hands the handler a body re-encoded from them (see the
// README, "The net/http adapter").
var (
	// formSyntax: libkcgi splits URL-encoded pairs at "&" and ";" and
	// drops pairs with an empty key or a %00 (or malformed) escape;
	// url.ParseQuery splits at "&" only, drops pairs holding ";", and
	// keeps empty keys and NULs. The re-encoded body holds libkcgi's
	// pairs, so its length differs too.
	formSyntax = difference{keys: []string{"form", "postForm", "length"}, reason: "libkcgi's URL-encoded syntax: ; separates, empty keys and %00 are dropped"}
	// reencoded: the body is re-encoded from libkcgi's fields, so
	// ContentLength is the length of that body: a key without "="
	// gets one, escapes are normalised, and a multipart part loses
	// an empty filename="" and an explicit text/plain type.
	reencoded = difference{keys: []string{"length"}, reason: "the form body is re-encoded from libkcgi's fields: ContentLength is its length"}
	// queryRebuilt: libkcgi before 1.0.0 passes no QUERY_STRING, so
	// the query is rebuilt from libkcgi's fields (formSyntax).
	queryRebuilt = difference{keys: []string{"form", "postForm", "rawQuery", "requestURI"},
		reason: "libkcgi before 1.0.0: the query is rebuilt from libkcgi's fields"}
)

// beforeEnv are the differences that libkcgi before 1.0.0 adds, by
// case: it passes no environment, so the adapter rebuilds the request
// from what libkcgi parsed (see kcgihttp.NewRequest).
var beforeEnv = map[string]difference{
	"GET double slashes":   noRequestURI,
	"GET dot segments":     noRequestURI,
	"GET query escapes":    queryRebuilt,
	"GET empty pairs":      queryRebuilt,
	"GET semicolons":       queryRebuilt,
	"GET escaped NUL":      queryRebuilt,
	"GET query raw UTF-8":  queryRebuilt,
	"GET repeated keys":    queryRebuilt,
	"GET bad escapes":      queryRebuilt,
	"POST note with query": {whole: true, reason: oldFormQuery},
	"POST echo form":       {keys: []string{"form", "postForm", "rawQuery", "requestURI", "length"}, reason: oldFormQuery},
	"POST echo multipart":  {keys: []string{"form", "postForm", "rawQuery", "requestURI", "length"}, reason: oldFormQuery},
	"PATCH echo form":      {whole: true, reason: oldMethod},
	"HTTP/1.0 GET": {keys: []string{"proto"}, reason: "libkcgi before 1.0.0 passes no SERVER_PROTOCOL: " +
		"the adapter says HTTP/1.1"},
}

var noRequestURI = difference{whole: true, reason: "libkcgi before 1.0.0 passes no REQUEST_URI: the handler " +
	"sees nginx's normalised path, so ServeMux does not redirect"}

// oldFormQuery: with a form body, the fields libkcgi before 1.0.0
// parsed from the query cannot be told from the body's.
const oldFormQuery = "libkcgi before 1.0.0: with a form body, the query's fields reach the handler in the body"

// answer is a response with the Date and Server values blanked and the
// body de-chunked: nginx passes on the backend's writes as chunks, and
// the two servers write in different pieces.
type answer struct {
	status string
	header []string
	body   []byte
}

func newAnswer(r *harness.Response) answer {
	a := answer{status: r.Status, body: r.Body}
	for _, h := range r.Header {
		k, _, _ := strings.Cut(h, ":")
		if k == "Date" || k == "Server" {
			h = k + ": -"
		}
		a.header = append(a.header, h)
	}
	if d, err := r.Dechunked(); err == nil {
		a.body = d.Body
	}
	return a
}

func (a answer) String() string {
	return a.status + "\n" + strings.Join(a.header, "\n") + "\n\n" + string(a.body)
}

// compare compares the answers of kcgi (k) and net/http/fcgi (s) to c.
// It returns the allowed differences found (the reasons), and an error
// if the answers differ otherwise, or if c allows a difference that did
// not occur.
func compare(c notesCase, k, s answer) (allowed []string, err error) {
	if d, ok := beforeEnv[c.name]; ok && !kcgi.HaveEnv {
		c.allow = &d
	}
	i := slices.IndexFunc(k.header, func(h string) bool { return strings.HasPrefix(h, "X-Kcgi-Fields: ") })
	if i >= 0 {
		k.header = slices.Delete(slices.Clone(k.header), i, i+1)
		allowed = append(allowed, "X-Kcgi-Fields header, set by notes under kcgi only")
	}
	if d := harness.Diff([]byte(k.String()), []byte(s.String())); d == "" {
		if c.allow != nil {
			return nil, fmt.Errorf("allowed difference %q did not occur", c.allow.reason)
		}
		return allowed, nil
	} else if c.allow != nil && c.allow.whole {
		return append(allowed, c.allow.reason), nil
	} else if c.allow == nil || k.status != s.status || !slices.Equal(k.header, s.header) {
		return nil, errors.New(d)
	}
	var kj, sj map[string]any
	if err := json.Unmarshal(k.body, &kj); err != nil {
		return nil, fmt.Errorf("kcgi: %v", err)
	}
	if err := json.Unmarshal(s.body, &sj); err != nil {
		return nil, fmt.Errorf("net/http/fcgi: %v", err)
	}
	for _, key := range c.allow.keys {
		delete(kj, key)
		delete(sj, key)
	}
	if !reflect.DeepEqual(kj, sj) {
		return nil, fmt.Errorf("beyond %v: %s", c.allow.keys, harness.Diff(k.body, s.body))
	}
	return append(allowed, c.allow.reason), nil
}

// TestHandler serves examples/notes under kfcgi (fixed pool of 2)
// behind nginx twice, by the kcgi adapter and by net/http/fcgi, and
// requires the same answer to every request of the corpus, apart from
// the Date value and the allowed differences. Answers to HEAD have no
// body.
func TestHandler(t *testing.T) {
	harness.Require(t)
	bin := harness.MustBuildGo(t, "./examples/notes")
	handlerCorpus(t, []notesServer{
		startNotes(t, bin, false),
		startNotes(t, bin, true),
	})
}

// TestHandlerConfined is TestHandler with the kcgi worker confined to
// "stdio" (notes -confine stdio): the same answers, no worker exit.
func TestHandlerConfined(t *testing.T) {
	harness.Require(t)
	bin := harness.MustBuildGo(t, "./examples/notes")
	handlerCorpus(t, []notesServer{
		startNotes(t, bin, false, "-confine", "stdio"),
		startNotes(t, bin, true),
	})
}

// handlerCorpus sends the corpus to both servers and compares the
// answers.
func handlerCorpus(t *testing.T, servers []notesServer) {
	corpus := notesCorpus()
	identical, allowed := 0, 0
	reasons := map[string]int{}
	for _, c := range corpus {
		var a [2]answer
		for i, s := range servers {
			start := time.Now()
			a[i] = newAnswer(s.do(t, c))
			if d := time.Since(start); d > 2*time.Second {
				t.Logf("%s: %s: slow: %v", c.name, s.name, d)
			}
			if bytes.HasPrefix(c.raw, []byte("HEAD ")) && len(a[i].body) > 0 {
				t.Errorf("%s: %s: body %q", c.name, s.name, harness.Clip(a[i].body, 100))
			}
			if c.https && bytes.Contains(c.raw, []byte(" /api/echo")) && !bytes.Contains(a[i].body, []byte(`"tls": true`)) {
				t.Errorf("%s: %s: no TLS in %s", c.name, s.name, a[i].body)
			}
		}
		switch diffs, err := compare(c, a[0], a[1]); {
		case err != nil:
			t.Errorf("%s: %v", c.name, err)
		case diffs != nil:
			allowed++
			for _, d := range diffs {
				reasons[d]++
			}
		default:
			identical++
		}
	}
	t.Logf("%d requests: %d identical, %d with allowed differences, %d failed",
		len(corpus), identical, allowed, len(corpus)-identical-allowed)
	for _, r := range sortedKeys(reasons) {
		t.Logf("allowed difference in %d: %s", reasons[r], r)
	}
	for _, s := range servers {
		checkHeadStream(t, s)
	}
	for _, s := range servers {
		checkWorkers(t, s.k, s.workers)
		checkNoCrash(t, s.k)
	}
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// checkHeadStream sends HEAD / straight to the FastCGI socket of s,
// as nginx does, and checks that kcgi sends headers only. nginx drops
// any body of an answer to HEAD, so that net/http/fcgi sends one (its
// ResponseWriter does not know HEAD) is only logged.
func checkHeadStream(t *testing.T, s notesServer) {
	t.Helper()
	req := harness.FCGIRequest{Params: []harness.Param{
		{Name: "REQUEST_METHOD", Value: "HEAD"}, {Name: "REQUEST_URI", Value: "/"},
		{Name: "QUERY_STRING", Value: ""}, {Name: "SCRIPT_NAME", Value: "/"},
		{Name: "SERVER_PROTOCOL", Value: "HTTP/1.1"}, {Name: "HTTP_HOST", Value: "localhost"},
		{Name: "CONTENT_TYPE", Value: ""}, {Name: "CONTENT_LENGTH", Value: ""},
	}}
	raw, err := harness.FCGIDo("unix", s.k.Socket, req.Bytes(), 10*time.Second)
	if err != nil {
		t.Fatalf("HEAD on the FastCGI socket: %s: %v", s.name, err)
	}
	recs, err := harness.ParseRecords(raw)
	if err != nil {
		t.Fatalf("HEAD on the FastCGI socket: %s: %v", s.name, err)
	}
	head, body, _ := bytes.Cut(harness.Stdout(recs), []byte("\r\n\r\n"))
	switch {
	case !bytes.HasPrefix(head, []byte("Status: 200 OK\r\n")):
		t.Errorf("HEAD on the FastCGI socket: %s: %q", s.name, harness.Clip(head, 200))
	case !s.stdlib && len(body) > 0:
		t.Errorf("HEAD on the FastCGI socket: %s sent a body of %d bytes", s.name, len(body))
	default:
		t.Logf("HEAD on the FastCGI socket: %s sent a body of %d bytes", s.name, len(body))
	}
}

// TestHandlerUnreadBody sends bodies that the handler leaves unread: a
// POST of 1 MiB to an unknown path, and an upload over notes' limit of
// 8 MiB (its 9 MiB do not fit in memory, and net/http's multipart
// reader cannot spill them to disk in the jail, which has no /tmp).
// Under kcgi, libkcgi has read the whole body before the handler runs,
// so both are answered: the upload with 422 "The form could not be
// read.", as net/http's ParseMultipartForm fails on the re-encoded body
// just as it would on the original. Behind nginx, net/http/fcgi answers neither:
// nginx stops sending the body once the response has begun, and waits
// for the backend to close, while net/http/fcgi reads the rest of the
// body before it closes. That is only logged here.
func TestHandlerUnreadBody(t *testing.T) {
	harness.Require(t)
	bin := harness.MustBuildGo(t, "./examples/notes")
	kc := startNotes(t, bin, false)
	std := startNotes(t, bin, true)
	mp, body := formData(
		part{name: "title", data: []byte("Huge")},
		part{name: "email", data: []byte("huge@example.com")},
		part{name: "file", file: fileName("huge.bin"), ctype: "application/octet-stream", data: random(9<<20, 13)})
	for _, c := range []struct {
		raw    []byte
		status string
		want   string
	}{
		{harness.HTTPRequest("POST", "/nowhere", "localhost", []string{"Content-Type: application/octet-stream"}, random(1<<20, 14)),
			"HTTP/1.1 404 Not Found", "404 page not found"},
		{harness.HTTPRequest("POST", "/", "localhost", []string{mp}, body),
			"HTTP/1.1 422 Unprocessable Entity", "The form could not be read."},
	} {
		line, _, _ := bytes.Cut(c.raw, []byte("\r\n"))
		r, err := harness.Do(kc.plain.Addr, c.raw, 30*time.Second)
		if err != nil {
			t.Fatalf("%s: kcgi: %v", line, err)
		}
		d, err := r.Dechunked()
		if err != nil || r.Status != c.status || !bytes.Contains(d.Body, []byte(c.want)) {
			t.Errorf("%s: kcgi: %s, body %q; want %s with %q", line, r.Status, harness.Clip(r.Body, 200), c.status, c.want)
		}
		if r, err := harness.Do(std.plain.Addr, c.raw, 3*time.Second); err != nil {
			t.Logf("%s: net/http/fcgi: no answer in 3s: %v", line, err)
		} else {
			t.Logf("%s: net/http/fcgi: %s", line, r.Status)
		}
	}
	checkWorkers(t, kc.k, kc.workers)
	checkNoCrash(t, kc.k)
}

package integration

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kcgi-go/kcgi-go/internal/harness"
)

// notesCase is one request of the handler corpus, sent through nginx
// to examples/notes served by kcgi and by net/http/fcgi.
type notesCase struct {
	name  string
	raw   []byte
	https bool // through the nginx that passes HTTPS=on
}

// notesReq builds an HTTP/1.1 request like req, with the given Host.
func notesReq(method, target, host string, headers []string, body []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", method, target, host)
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	if body != nil {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
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
	var b bytes.Buffer
	for _, p := range parts {
		fmt.Fprintf(&b, "--%s\r\nContent-Disposition: form-data; name=%q", boundary, p.name)
		if p.file != nil {
			fmt.Fprintf(&b, "; filename=%q", *p.file)
		}
		b.WriteString("\r\n")
		if p.ctype != "" {
			fmt.Fprintf(&b, "Content-Type: %s\r\n", p.ctype)
		}
		fmt.Fprintf(&b, "\r\n%s\r\n", p.data)
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return "Content-Type: multipart/form-data; boundary=" + boundary, b.Bytes()
}

// notesCorpus returns the requests sent to both servers.
func notesCorpus() []notesCase {
	const form = "Content-Type: application/x-www-form-urlencoded"
	const js = "Content-Type: application/json"
	get := func(target string, headers ...string) []byte {
		return notesReq("GET", target, "localhost", headers, nil)
	}
	do := func(method, target, ctype string, body string) []byte {
		return notesReq(method, target, "localhost", []string{ctype}, []byte(body))
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
		part{name: "none", file: fileName(""), data: nil})
	mpBig, mpBigBody := formData(
		part{name: "title", data: []byte("Big")},
		part{name: "email", data: []byte("big@example.com")},
		part{name: "file", file: fileName("big.bin"), ctype: "application/octet-stream", data: random(3<<20, 12)})
	bigJSON := `{"data":"` + strings.Repeat("ünïcödé ", 1<<17) + `"}`
	bigForm := "title=" + strings.Repeat("t", 80) + "&email=c%40example.com&pad=" + strings.Repeat("a%20b+", 1<<18)
	return []notesCase{
		{"GET /", get("/"), false},
		{"GET / with query", get("/?title=x&email=y"), false},
		{"GET /api/echo", get("/api/echo"), false},
		{"GET unknown path", get("/nowhere"), false},
		{"GET unknown nested path", get("/api/echo/more"), false},
		{"GET wrong case path", get("/API/ECHO"), false},
		{"GET escaped path", get("/%61pi/%65cho?x=1"), false},
		{"GET double slashes", get("//api//echo"), false},
		{"GET dot segments", get("/api/../api/./echo"), false},
		{"GET query escapes", get("/api/echo?a=1&b=two+words&c=%20%41%2B&d=%26%3D"), false},
		{"GET query UTF-8 escaped", get("/api/echo?q=%E2%9C%93&name=J%C3%BCrgen&k=%F0%9F%98%80"), false},
		{"GET query raw UTF-8", get("/api/echo?city=Zürich&snow=☃"), false},
		{"GET repeated keys", get("/api/echo?n=1&n=x&n=3&m=&m"), false},
		{"GET empty pairs", get("/api/echo?&&a=1&&=x&"), false},
		{"GET semicolons", get("/api/echo?a=1;b=2"), false},
		{"GET bad escapes", get("/api/echo?y=%zz&z=%4&w=%&ok=1"), false},
		{"GET escaped NUL", get("/api/echo?nul=a%00b&ok=1"), false},
		{"GET 100 headers", get("/api/echo", many...), false},
		{"GET odd header names", get("/api/echo", "user-AGENT: t/1", "X-custom_Thing: y", "accept: */*"), false},
		{"GET cookies", get("/api/echo", "Cookie: a=1; b=%20x", "Cookie: c=2"), false},
		{"GET basic auth", get("/api/echo", "Authorization: Basic dXNlcjpwYXNz"), false},
		{"GET gzip", get("/", "Accept-Encoding: gzip"), false},
		{"HEAD /", notesReq("HEAD", "/", "localhost", nil, nil), false},
		{"HEAD /api/echo", notesReq("HEAD", "/api/echo?a=1", "localhost", nil, nil), false},
		{"HEAD unknown path", notesReq("HEAD", "/nowhere", "localhost", nil, nil), false},
		{"POST note", do("POST", "/", form, "title=Hello&email=a%40example.com"), false},
		{"POST note UTF-8", do("POST", "/", form, "title=Gr%C3%BC%C3%9Fe+%E2%98%83&email=a%40example.com"), false},
		{"POST note no title", do("POST", "/", form, "title=+&email=a%40example.com"), false},
		{"POST note bad e-mail", do("POST", "/", form, "title=x&email=Joe+%3Cj%40example.com%3E"), false},
		{"POST note long title", do("POST", "/", form, "title="+strings.Repeat("%C3%A9", 81)+"&email=a%40b.c"), false},
		{"POST note invalid UTF-8", do("POST", "/", form, "title=%FF%FE&email=a%40b.c"), false},
		{"POST note empty body", do("POST", "/", form, ""), false},
		{"POST note big form", do("POST", "/", form, bigForm), false},
		{"POST note with query", do("POST", "/?title=fromquery", form, "email=a%40b.c"), false},
		{"POST note multipart", do("POST", "/", mpNote, string(mpNoteBody)), false},
		{"POST note multipart empty filename", do("POST", "/", mpEmpty, string(mpEmptyBody)), false},
		{"POST note multipart invalid", do("POST", "/", mpBad, string(mpBadBody)), false},
		{"POST note multipart 3 MiB", do("POST", "/", mpBig, string(mpBigBody)), false},
		{"POST echo form", do("POST", "/api/echo?q=1&a=0", form, "a=1&a=2&b=%E2%82%AC&c"), false},
		{"POST echo multipart", do("POST", "/api/echo?q=1", mpMany, string(mpManyBody)), false},
		{"POST echo JSON", do("POST", "/api/echo", js, `{"a":[1,2,"ü"],"b":null}`), false},
		{"POST echo JSON 1 MiB", do("POST", "/api/echo", js, bigJSON), false},
		{"POST echo text", do("POST", "/api/echo", "Content-Type: text/plain; charset=utf-8", "plain ☃\n"), false},
		{"POST echo no type", notesReq("POST", "/api/echo", "localhost", nil, []byte("a=1")), false},
		{"POST echo binary", do("POST", "/api/echo", "Content-Type: application/octet-stream", string(bin[:4096])), false},
		{"POST echo chunked", chunked("/api/echo", []byte("a=1&b=2"), 3), false},
		{"POST echo expect continue", notesReq("POST", "/api/echo", "localhost",
			[]string{form, "Expect: 100-continue"}, []byte("a=1")), false},
		{"PUT /", do("PUT", "/", form, "title=x"), false},
		{"PUT echo JSON", do("PUT", "/api/echo", js, `{"put":true}`), false},
		{"PUT echo form", do("PUT", "/api/echo", form, "a=1&b=2"), false},
		{"PATCH echo form", do("PATCH", "/api/echo", form, "a=1"), false},
		{"DELETE /", notesReq("DELETE", "/", "localhost", nil, nil), false},
		{"DELETE echo", notesReq("DELETE", "/api/echo?id=42", "localhost", nil, nil), false},
		{"DELETE echo form", do("DELETE", "/api/echo", form, "a=1"), false},
		{"OPTIONS /", notesReq("OPTIONS", "/", "localhost", nil, nil), false},
		{"OPTIONS echo", notesReq("OPTIONS", "/api/echo", "localhost", nil, nil), false},
		{"HTTP/1.0 GET", []byte("GET /api/echo?v=1.0 HTTP/1.0\r\n\r\n"), false},
		{"HTTP/1.0 POST note", []byte("POST / HTTP/1.0\r\n" + form + "\r\nContent-Length: 27\r\n\r\ntitle=Old&email=o%40ld.test"), false},
		{"HTTP/1.0 HEAD", []byte("HEAD / HTTP/1.0\r\nHost: localhost\r\n\r\n"), false},
		{"Host with port", notesReq("GET", "/api/echo", "example.com:8080", nil, nil), false},
		{"Host upper case", notesReq("GET", "/api/echo", "EXAMPLE.org.", nil, nil), false},
		{"Host IPv6", notesReq("GET", "/api/echo", "[::1]:8080", nil, nil), false},
		{"Host absolute form", notesReq("GET", "http://other.example/api/echo?abs=1", "localhost", nil, nil), false},
		{"HTTPS GET /", get("/"), true},
		{"HTTPS GET echo", get("/api/echo?tls=1"), true},
		{"HTTPS POST note", do("POST", "/", form, "title=Secure&email=s%40example.com"), true},
		{"HTTPS HEAD /", notesReq("HEAD", "/", "localhost", nil, nil), true},
	}
}

// notesServer is examples/notes under kfcgi, behind two nginx: one
// plain and one that passes HTTPS=on.
type notesServer struct {
	name         string
	k            *harness.Kfcgi
	plain, https *harness.Nginx
	workers      []int
}

func startNotes(t *testing.T, name string, k *harness.Kfcgi) notesServer {
	cfg := harness.NginxConfig{Socket: k.Socket}
	return notesServer{
		name:    name,
		k:       k,
		plain:   harness.StartNginx(t, cfg),
		https:   harness.StartNginxParams(t, cfg, harness.Param{Name: "HTTPS", Value: "on"}),
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

// TestHandler serves examples/notes under kfcgi (fixed pool of 2)
// behind nginx twice, by the kcgi adapter and by net/http/fcgi, and
// requires the same answer to every request of the corpus, apart from
// the Date value and the allowed differences.
func TestHandler(t *testing.T) {
	harness.Require(t)
	bin := harness.MustBuildGo(t, "./examples/notes")
	servers := []notesServer{
		startNotes(t, "kcgi", harness.StartKfcgi(t, harness.KfcgiConfig{Binary: bin, Name: "notes"})),
		startNotes(t, "net/http/fcgi", harness.StartKfcgiArgs(t, harness.KfcgiConfig{Binary: bin, Name: "notes"}, "-stdlib")),
	}
	corpus := notesCorpus()
	identical := 0
	for _, c := range corpus {
		kr, sr := servers[0].do(t, c), servers[1].do(t, c)
		k, s := kr.Normalized(), sr.Normalized()
		if d := harness.Diff(k, s); d != "" {
			t.Errorf("%s: %s", c.name, d)
			continue
		}
		identical++
	}
	t.Logf("%d requests: %d identical", len(corpus), identical)
	for _, s := range servers {
		checkWorkers(t, s.k, s.workers)
		checkNoCrash(t, s.k)
	}
}

package integration

import (
	"bytes"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/kcgi-go/kcgi-go/internal/harness"
)

// request is one entry of the HTTP corpus: exact bytes for nginx.
type request struct {
	name string
	raw  []byte
}

// req builds an HTTP/1.1 request for Host localhost, closing the
// connection, with a Content-Length if body is not nil.
func req(method, target string, headers []string, body []byte) []byte {
	return harness.HTTPRequest(method, target, "localhost", headers, body)
}

// chunked builds a POST whose body is sent in chunks of size n.
func chunked(target string, body []byte, n int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"+
		"Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n", target)
	for len(body) > 0 {
		c := body[:min(n, len(body))]
		body = body[len(c):]
		fmt.Fprintf(&b, "%x\r\n%s\r\n", len(c), c)
	}
	b.WriteString("0\r\n\r\n")
	return b.Bytes()
}

// random returns n reproducible pseudo-random bytes.
func random(n int, seed int64) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

// multipart builds a multipart/form-data body with a field and a file.
func multipart(file []byte) (string, []byte) {
	const boundary = "----kcgi-test-boundary"
	return "Content-Type: multipart/form-data; boundary=" + boundary, echoMultipart(boundary,
		[2]string{`Content-Disposition: form-data; name="field"`, "value"},
		[2]string{"Content-Disposition: form-data; name=\"up\"; filename=\"a.bin\"\r\nContent-Type: application/octet-stream", string(file)},
		[2]string{`Content-Disposition: form-data; name="empty"; filename=""`, ""})
}

// corpus returns the HTTP requests sent to both programs.
func corpus() []request {
	form := "application/x-www-form-urlencoded"
	manyHeaders := make([]string, 100)
	for i := range manyHeaders {
		manyHeaders[i] = fmt.Sprintf("X-Header-%03d: value %d", i, i)
	}
	long := strings.Repeat("abcdefgh", 512) // 4 KiB
	mpType, mpBody := multipart(random(200_000, 1))
	bigForm := "x=" + strings.Repeat("a", 2<<20) + "&y=" + strings.Repeat("b+c", 1<<18)
	return []request{
		{"GET root", req("GET", "/", nil, nil)},
		{"GET prefix", req("GET", "/app", nil, nil)},
		{"GET page", req("GET", "/app/index.html", nil, nil)},
		{"GET nested suffix", req("GET", "/app/dir/sub/file.HTML?x=1", nil, nil)},
		{"GET query escapes", req("GET", "/app/q?a=1&b=two+words&c=%20%41%2B&d=%26%3D", nil, nil)},
		{"GET query UTF-8 escaped", req("GET", "/app?q=%E2%9C%93&name=J%C3%BCrgen&k=%F0%9F%98%80", nil, nil)},
		{"GET raw UTF-8", req("GET", "/app/café?city=Zürich&snow=☃", nil, nil)},
		{"GET repeated keys", req("GET", "/app?n=1&n=x&n=3&&=&k", nil, nil)},
		{"GET bad escapes", req("GET", "/app?%00=x&y=%zz&z=%4&w=%", nil, nil)},
		{"GET long query", req("GET", "/app?"+strings.Repeat("k=v&", 1500), nil, nil)},
		{"GET dot segments", req("GET", "/app/a/../b/./c", nil, nil)},
		{"GET escaped slashes", req("GET", "/app/..%2f..%2fetc%2fpasswd", nil, nil)},
		{"GET double slashes", req("GET", "//app//x//", nil, nil)},
		{"GET escaped space", req("GET", "/app/a%20b/c%09d", nil, nil)},
		{"GET semicolon", req("GET", "/app/x;param=1?y", nil, nil)},
		{"GET absolute form", req("GET", "http://localhost/app/abs?x=1", nil, nil)},
		{"GET 100 headers", req("GET", "/app", manyHeaders, nil)},
		{"GET 4 KiB header", req("GET", "/app", []string{"X-Long: " + long}, nil)},
		{"GET cookies", req("GET", "/app", []string{"Cookie: a=1; b=%20x; c ; =d", "Cookie: e=2"}, nil)},
		{"GET odd header case", req("GET", "/app", []string{"user-AGENT: test", "X-custom_Thing: y", "accept: */*"}, nil)},
		{"GET gzip", req("GET", "/app", []string{"Accept-Encoding: gzip, deflate"}, nil)},
		{"GET basic auth", req("GET", "/app", []string{"Authorization: Basic dXNlcjpwYXNz"}, nil)},
		{"GET digest auth", req("GET", "/app", []string{`Authorization: Digest username="u", realm="r", ` +
			`nonce="n", uri="/app", response="0123456789abcdef0123456789abcdef", qop=auth, nc=00000001, cnonce="c"`}, nil)},
		{"HEAD root", req("HEAD", "/", nil, nil)},
		{"HEAD page", req("HEAD", "/app/x.txt?y=1", nil, nil)},
		{"OPTIONS", req("OPTIONS", "/app", nil, nil)},
		{"DELETE", req("DELETE", "/app/item/42", nil, nil)},
		{"PATCH", req("PATCH", "/app/item/42", []string{"Content-Type: " + form}, []byte("a=1"))},
		{"PUT text", req("PUT", "/app/file.txt", []string{"Content-Type: text/plain"}, []byte("some text\n"))},
		{"PUT 2 MiB binary", req("PUT", "/app/blob", []string{"Content-Type: application/octet-stream"}, random(2<<20, 2))},
		{"POST form", req("POST", "/app", []string{"Content-Type: " + form}, []byte("a=1&b=2&c=%E2%82%AC"))},
		{"POST empty", req("POST", "/app", []string{"Content-Type: " + form}, []byte{})},
		{"POST JSON", req("POST", "/app/api.json", []string{"Content-Type: application/json"}, []byte(`{"a":[1,2,"ü"]}`))},
		{"POST multipart", req("POST", "/app/upload", []string{mpType}, mpBody)},
		{"POST 1 MiB binary", req("POST", "/app", []string{"Content-Type: application/octet-stream"}, random(1<<20, 3))},
		{"POST 2.8 MiB form", req("POST", "/app", []string{"Content-Type: " + form}, []byte(bigForm))},
		{"POST expect continue", req("POST", "/app", []string{"Content-Type: " + form, "Expect: 100-continue"}, []byte("a=1"))},
		{"POST chunked small", chunked("/app", []byte("a=1&b=2&c=3"), 4)},
		{"POST chunked 1.5 MiB", chunked("/app/c", random(3<<19, 4), 8192)},
		{"HTTP/1.0 GET", []byte("GET /app/old HTTP/1.0\r\n\r\n")},
		{"HTTP/1.0 POST", []byte("POST /app HTTP/1.0\r\nContent-Type: " + form + "\r\nContent-Length: 7\r\n\r\nx=1&y=2")},
		{"HTTP/1.0 HEAD", []byte("HEAD /app HTTP/1.0\r\nHost: localhost\r\n\r\n")},
	}
}

// TestCorpus sends every corpus request through nginx to the C
// reference and to the Go port, each under kfcgi, in both pools, and
// requires byte-identical responses apart from Date and Server values.
func TestCorpus(t *testing.T) {
	p := goProgram(t)
	corpusAgainstC(t, "Go", func(t *testing.T, pool harness.Pool) *harness.Kfcgi { return serve(t, p, pool) })
}

// corpusAgainstC is TestCorpus for the Go program that start runs under
// kfcgi, called name.
func corpusAgainstC(t *testing.T, name string, start func(*testing.T, harness.Pool) *harness.Kfcgi) {
	ref := program{"C", harness.MustBuildC(t, "reference/tutorial2.c")}
	reqs := corpus()
	for _, pool := range pools {
		t.Run(pool.String(), func(t *testing.T) {
			ks := [2]*harness.Kfcgi{serve(t, ref, pool), start(t, pool)}
			names := [2]string{ref.name, name}
			var ws [2]*harness.Nginx
			var workers [2][]int
			for i, k := range ks {
				ws[i] = web(t, k)
				workers[i] = k.Workers()
			}
			identical, hellos := 0, 0
			statuses := map[string]int{}
			for _, r := range reqs {
				var got [2][]byte
				for i, w := range ws {
					start := time.Now()
					resp, err := harness.Do(w.Addr, r.raw, 30*time.Second)
					if err != nil {
						t.Fatalf("%s: %s: %v", r.name, names[i], err)
					}
					if d := time.Since(start); d > time.Second {
						t.Logf("%s: %s: slow: %v", r.name, names[i], d)
					}
					got[i] = resp.Normalized()
					if i == 0 {
						statuses[resp.Status]++
						if bytes.Contains(resp.Body, hello) {
							hellos++
						}
					}
				}
				if d := harness.Diff(got[0], got[1]); d != "" {
					t.Errorf("%s: %s and %s differ: %s", r.name, names[0], names[1], d)
					continue
				}
				identical++
			}
			t.Logf("%s pool: %d requests, %d identical, %d answered by tutorial2; statuses %v",
				pool, len(reqs), identical, hellos, statuses)
			for i, k := range ks {
				checkWorkers(t, k, workers[i])
				checkNoCrash(t, k)
			}
		})
	}
}

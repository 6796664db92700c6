package integration

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kcgi-go/kcgi-go/internal/harness"
)

// helloStream is tutorial2's whole answer to request 1 on the FastCGI
// socket: headers, body, empty STDOUT and
// END_REQUEST, 104 bytes.
var helloStream = mustHex(
	"0106 0001 002c 0400" + hex.EncodeToString([]byte("Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n")) + "00000000" +
		"0106 0001 000e 0200" + hex.EncodeToString([]byte("Hello, world!\n")) + "0000" +
		"0106 0001 0000 0000" +
		"0103 0001 0008 0000 0000 0000 0000 0000")

func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// cgiParams are the parameters nginx would send for a GET.
func cgiParams(method, path, query string, extra ...harness.Param) []harness.Param {
	return append([]harness.Param{
		{Name: "QUERY_STRING", Value: query},
		{Name: "REQUEST_METHOD", Value: method},
		{Name: "SCRIPT_NAME", Value: "/app"},
		{Name: "PATH_INFO", Value: path},
		{Name: "REQUEST_URI", Value: "/app" + path + "?" + query},
		{Name: "SERVER_PROTOCOL", Value: "HTTP/1.1"},
		{Name: "GATEWAY_INTERFACE", Value: "CGI/1.1"},
		{Name: "REMOTE_ADDR", Value: "127.0.0.1"},
		{Name: "SERVER_PORT", Value: "80"},
		{Name: "SERVER_NAME", Value: "localhost"},
		{Name: "HTTP_HOST", Value: "localhost"},
	}, extra...)
}

// fcgiCorpus returns the FastCGI requests sent to both programs and
// whether the answer must be exactly helloStream.
func fcgiCorpus() []struct {
	name  string
	req   harness.FCGIRequest
	exact bool
} {
	long := strings.Repeat("0123456789abcdef", 256) // 4 KiB
	var many []harness.Param
	for i := 0; i < 100; i++ {
		many = append(many, harness.Param{Name: fmt.Sprintf("HTTP_X_HEADER_%03d", i), Value: long[:i*40]})
	}
	mpType, mpBody := multipart(random(100_000, 5))
	form := harness.Param{Name: "CONTENT_TYPE", Value: "application/x-www-form-urlencoded"}
	length := func(b []byte) harness.Param { return harness.Param{Name: "CONTENT_LENGTH", Value: fmt.Sprint(len(b))} }
	big := random(1<<20+12345, 6)
	post := []byte("a=1&b=%E2%82%AC&c=" + long)
	return []struct {
		name  string
		req   harness.FCGIRequest
		exact bool
	}{
		{"GET", harness.FCGIRequest{Params: cgiParams("GET", "/", "")}, true},
		{"GET gzip", harness.FCGIRequest{Params: cgiParams("GET", "/x.txt", "a=1",
			harness.Param{Name: "HTTP_ACCEPT_ENCODING", Value: "gzip"})}, true},
		{"no params", harness.FCGIRequest{}, true},
		{"request ID 0xBEEF", harness.FCGIRequest{ID: 0xbeef, Params: cgiParams("GET", "/", "")}, false},
		{"long params", harness.FCGIRequest{Params: cgiParams("GET", "/"+long, "q="+long,
			harness.Param{Name: "HTTP_X_LONG_" + long[:200], Value: long})}, false},
		{"100 params", harness.FCGIRequest{Params: cgiParams("GET", "/", "", many...)}, false},
		{"60 KiB param", harness.FCGIRequest{Params: cgiParams("GET", "/", "",
			harness.Param{Name: "HTTP_X_HUGE", Value: strings.Repeat(long, 15)})}, false},
		{"UTF-8", harness.FCGIRequest{Params: cgiParams("GET", "/café", "q=%E2%9C%93&r=☃")}, false},
		{"POST form", harness.FCGIRequest{Params: cgiParams("POST", "/", "", form, length(post)), Stdin: post}, false},
		{"POST form, 7-byte records", harness.FCGIRequest{Params: cgiParams("POST", "/", "", form, length(post)),
			Stdin: post, Chunk: 7}, false},
		{"POST 1 MiB", harness.FCGIRequest{Params: cgiParams("POST", "/", "",
			harness.Param{Name: "CONTENT_TYPE", Value: "application/octet-stream"}, length(big)), Stdin: big}, false},
		{"POST multipart", harness.FCGIRequest{Params: cgiParams("POST", "/up", "",
			harness.Param{Name: "CONTENT_TYPE", Value: strings.TrimPrefix(mpType, "Content-Type: ")},
			length(mpBody)), Stdin: mpBody}, false},
		{"PUT, short body", harness.FCGIRequest{Params: cgiParams("PUT", "/", "",
			harness.Param{Name: "CONTENT_LENGTH", Value: "100"}), Stdin: []byte("abc")}, false},
		{"DELETE", harness.FCGIRequest{Params: cgiParams("DELETE", "/item/1", "")}, false},
	}
}

// TestFastCGI sends raw FastCGI requests over the unix socket to the C
// reference and to the Go port, in both pools, and requires identical
// record streams; the plain GET must be exactly helloStream.
func TestFastCGI(t *testing.T) {
	progs := programs(t)
	cases := fcgiCorpus()
	for _, pool := range pools {
		t.Run(pool.String(), func(t *testing.T) {
			var ks [2]*harness.Kfcgi
			var workers [2][]int
			for i, p := range progs {
				ks[i] = serve(t, p, pool)
				workers[i] = ks[i].Workers()
			}
			identical := 0
			for _, c := range cases {
				raw := c.req.Bytes()
				var got [2][]byte
				for i, p := range progs {
					b, err := harness.FCGIDo("unix", ks[i].Socket, raw, 30*time.Second)
					if err != nil {
						t.Fatalf("%s: %s: %v", c.name, p.name, err)
					}
					got[i] = b
					if err := checkStream(b, c.req.ID); err != nil {
						t.Errorf("%s: %s: %v\n%s", c.name, p.name, err, hex.Dump(b[:min(len(b), 256)]))
					}
					if c.exact && !bytes.Equal(b, helloStream) {
						t.Errorf("%s: %s: not the expected 104 bytes:\n%s", c.name, p.name, hex.Dump(b))
					}
				}
				if !bytes.Equal(got[0], got[1]) {
					t.Errorf("%s: streams differ: %s\nC:\n%s\nGo:\n%s", c.name, harness.Diff(got[0], got[1]),
						hex.Dump(got[0][:min(len(got[0]), 256)]), hex.Dump(got[1][:min(len(got[1]), 256)]))
					continue
				}
				identical++
			}
			t.Logf("%s pool: %d FastCGI requests, %d identical record streams", pool, len(cases), identical)
			for i := range progs {
				checkWorkers(t, ks[i], workers[i])
				checkNoCrash(t, ks[i])
			}
		})
	}
}

// checkStream checks that b is a well-formed answer to request id:
// STDOUT records ending with an empty one, then END_REQUEST with
// status REQUEST_COMPLETE.
func checkStream(b []byte, id uint16) error {
	if id == 0 {
		id = 1
	}
	recs, err := harness.ParseRecords(b)
	if err != nil {
		return err
	}
	n := len(recs)
	if n < 2 || recs[n-1].Type != harness.FCGIEndRequest || len(recs[n-1].Content) != 8 ||
		recs[n-1].Content[4] != 0 || recs[n-2].Type != harness.FCGIStdout || len(recs[n-2].Content) != 0 {
		return fmt.Errorf("%d records, not ending in empty STDOUT and END_REQUEST(REQUEST_COMPLETE)", n)
	}
	for _, r := range recs {
		if r.Version != 1 || r.ID != id {
			return fmt.Errorf("record version %d, id %d; want 1, %d", r.Version, r.ID, id)
		}
	}
	if !bytes.HasSuffix(harness.Stdout(recs), hello) {
		return fmt.Errorf("STDOUT %q does not end in %q", harness.Clip(harness.Stdout(recs), 100), hello)
	}
	return nil
}

// TestCGIFCGI checks the FastCGI client against libfcgi's cgi-fcgi:
// for both programs, cgi-fcgi prints the STDOUT contents of the
// stream the raw client receives.
func TestCGIFCGI(t *testing.T) {
	harness.Require(t, "cgi-fcgi")
	for _, p := range programs(t) {
		t.Run(p.name, func(t *testing.T) {
			k := serve(t, p, harness.FixedPool)
			body := []byte("a=1&b=2")
			params := cgiParams("POST", "/", "x=1",
				harness.Param{Name: "CONTENT_TYPE", Value: "application/x-www-form-urlencoded"},
				harness.Param{Name: "CONTENT_LENGTH", Value: fmt.Sprint(len(body))})
			out, err := harness.CGIFCGI(k.Socket, params, body)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := harness.FCGIDo("unix", k.Socket, harness.FCGIRequest{Params: params, Stdin: body}.Bytes(), 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			recs, err := harness.ParseRecords(raw)
			if err != nil {
				t.Fatal(err)
			}
			if d := harness.Diff(harness.Stdout(recs), out); d != "" {
				t.Errorf("raw client and cgi-fcgi differ: %s", d)
			}
			checkNoCrash(t, k)
		})
	}
}

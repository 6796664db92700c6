package harness

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestEncodeParams(t *testing.T) {
	long := strings.Repeat("v", 200)
	got := EncodeParams([]Param{{"A", "b"}, {"N", long}})
	want := append([]byte{1, 1, 'A', 'b', 1, 0x80, 0, 0, 200, 'N'}, long...)
	if !bytes.Equal(got, want) {
		t.Errorf("got % x\nwant % x", got[:12], want[:12])
	}
}

func TestFCGIRequestBytes(t *testing.T) {
	big := strings.Repeat("x", 40000)
	req := FCGIRequest{
		ID:     7,
		Params: []Param{{"A", big}, {"B", big}}, // 80 KB: two records
		Stdin:  make([]byte, 70000),             // 65535 + 4465
	}
	recs, err := ParseRecords(req.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	var types []uint8
	var sizes []int
	for _, r := range recs {
		if r.ID != 7 || r.Version != 1 || (len(r.Content)+len(r.Padding))%8 != 0 {
			t.Errorf("bad record %+v", r)
		}
		types = append(types, r.Type)
		sizes = append(sizes, len(r.Content))
	}
	wantTypes := []uint8{FCGIBeginRequest, FCGIParams, FCGIParams, FCGIParams, FCGIStdin, FCGIStdin, FCGIStdin}
	wantSizes := []int{8, 40006, 40006, 0, 65535, 4465, 0}
	if !bytes.Equal(types, wantTypes) || len(sizes) != len(wantSizes) {
		t.Fatalf("types %v sizes %v", types, sizes)
	}
	for i := range sizes {
		if sizes[i] != wantSizes[i] {
			t.Errorf("sizes %v, want %v", sizes, wantSizes)
			break
		}
	}
	if _, err := ParseRecords(req.Bytes()[:20]); err == nil {
		t.Error("truncated stream parsed without error")
	}
}

func TestNormalized(t *testing.T) {
	raw := "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n" +
		"Date: Wed, 25 Nov 2026 19:00:00 GMT\r\nContent-Type: text/plain\r\n\r\nbody"
	r, err := ParseResponse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	want := "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nServer: -\r\nDate: -\r\n" +
		"Content-Type: text/plain\r\n\r\nbody"
	if got := string(r.Normalized()); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if r.Status != "HTTP/1.1 200 OK" || r.Get("content-type") != "text/plain" || string(r.Body) != "body" {
		t.Errorf("parsed %+v", r)
	}
}

func TestDiff(t *testing.T) {
	if d := Diff([]byte("a\nb\n"), []byte("a\nb\n")); d != "" {
		t.Errorf("equal inputs: %q", d)
	}
	d := Diff([]byte("a\nb\nc\n"), []byte("a\nB\nc\n"))
	if !strings.Contains(d, "line 2") || !strings.Contains(d, `"b\n"`) || !strings.Contains(d, `"B\n"`) {
		t.Errorf("diff: %s", d)
	}
}

func TestParseWrk(t *testing.T) {
	r := WrkResult{Output: `Running 3s test @ http://127.0.0.1:8080/app
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.19ms   10.11ms  46.67ms   97.00%
    Req/Sec     1.49k   100.00     1.60k    80.00%
  Latency Distribution
     50%    2.18ms
     75%    2.50ms
     90%    3.00ms
     99%   46.67ms
  4463 requests in 3.00s, 0.99MB read
  Socket errors: connect 1, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 5
Requests/sec:   1477.25
Transfer/sec:    338.00KB
`}
	if err := parseWrk(&r); err != nil {
		t.Fatal(err)
	}
	if r.Requests != 4463 || r.RPS != 1477.25 || r.LatencyAvg != 4190*time.Microsecond ||
		r.Latency50 != 2180*time.Microsecond || r.Latency99 != 46670*time.Microsecond ||
		r.Errors != 6 || r.Non2xx != 5 {
		t.Errorf("parsed %+v", r)
	}
}

func TestGoCrash(t *testing.T) {
	if l := GoCrash("ok\nWARN poll: hangup\n"); l != "" {
		t.Errorf("false positive: %q", l)
	}
	if l := GoCrash("x\nfatal error: unexpected signal\ny"); l != "fatal error: unexpected signal" {
		t.Errorf("got %q", l)
	}
}

package integration

import (
	"bytes"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/kcgi-go/kcgi-go/internal/harness"
)

// abortUploads sends n 4 MiB uploads through nginx, each client closing
// (every other one with a reset) right after its body, at staggered
// times, and stops early if kfcgi exits.
func abortUploads(t *testing.T, k *harness.Kfcgi, n *harness.Nginx, count int) {
	body := bytes.Repeat([]byte("x"), 4<<20)
	for i := 0; i < count && k.Running(); i++ {
		c, err := net.Dial("tcp", n.Addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "POST /app/up HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\n"+
			"Content-Length: %d\r\nConnection: close\r\n\r\n", len(body))
		c.Write(body)
		if i%2 == 0 {
			c.(*net.TCPConn).SetLinger(0)
		}
		time.Sleep(time.Duration(i%5) * time.Millisecond)
		c.Close()
		time.Sleep(time.Duration(i%7) * time.Millisecond)
	}
	time.Sleep(time.Second)
}

// libkcgi 1.0.1 ends the whole pool when a FastCGI connection closes in
// the middle of a record. nginx closes it so when a client goes away
// while nginx still sends its body, unless fastcgi_ignore_client_abort
// is on, as in the README's configuration (and the harness's). With it,
// clients that leave after a large upload stop nothing, for the C
// reference and the Go worker alike.
func TestClientAbortUploads(t *testing.T) {
	harness.Require(t, "kfcgi", "nginx")
	count := 300
	if testing.Short() {
		count = 60
	}
	for _, p := range programs(t) {
		t.Run(p.name, func(t *testing.T) {
			k := harness.StartKfcgi(t, harness.KfcgiConfig{Binary: p.bin, Args: []string{"-l", "64"}})
			workers := k.Workers()
			n := harness.StartNginx(t, harness.NginxConfig{Socket: k.Socket})
			abortUploads(t, k, n, count)
			if !k.Running() {
				t.Fatalf("kfcgi stopped after aborted uploads:\n%s", harness.Clip([]byte(k.Log()), 2000))
			}
			if got := k.Workers(); fmt.Sprint(got) != fmt.Sprint(workers) {
				t.Fatalf("workers %v, then %v", workers, got)
			}
			resp, err := harness.Do(n.Addr, req("GET", "/app/", nil, nil), 10*time.Second)
			if err != nil || !bytes.Contains(resp.Body, []byte("Hello, world!\n")) {
				t.Fatalf("after %d aborted uploads: %v %q", count, err, resp)
			}
		})
	}
	// nginx's default, for the record: libkcgi's crash, not the binding's.
	if !testing.Short() {
		k := harness.StartKfcgi(t, harness.KfcgiConfig{Binary: harness.MustBuildC(t, "reference/tutorial2.c"), Args: []string{"-l", "64"}})
		n := harness.StartNginx(t, harness.NginxConfig{Socket: k.Socket, AbortOnClientClose: true})
		abortUploads(t, k, n, count)
		t.Logf("C reference behind nginx without fastcgi_ignore_client_abort: kfcgi running=%v", k.Running())
	}
}

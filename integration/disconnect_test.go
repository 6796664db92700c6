package integration

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kcgi-go/kcgi-go/internal/harness"
)

// abort is a client that goes away before the exchange is complete.
type abort struct {
	name    string
	network string // "tcp" to an nginx, "unix" to the FastCGI socket
	send    []byte
	read    int  // bytes to read before closing
	reset   bool // close with SO_LINGER 0 (an RST) instead of a FIN
}

// aborts returns the kinds of aborted clients, for nginx streaming
// request bodies (unbuffered) and for the FastCGI socket.
func aborts() []abort {
	bigPost := func(n int) []byte {
		head := "POST /app/upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\n" +
			"Content-Length: 5242880\r\n\r\n"
		return append([]byte(head), random(n, 7)...)
	}
	full := harness.FCGIRequest{Params: cgiParams("GET", "/", "")}.Bytes()
	// Cut at a record boundary: libkcgi 1.0.1 crashes when the
	// connection ends inside a STDIN record (see TestFatalRequests).
	post := harness.FCGIRequest{Params: cgiParams("POST", "/", "",
		harness.Param{Name: "CONTENT_LENGTH", Value: "1048576"}), Stdin: random(300_000, 8)}.Bytes()
	post = post[:len(post)-8] // no empty STDIN
	return []abort{
		{name: "POST headers only", network: "tcp", send: bigPost(0)},
		{name: "POST headers only, RST", network: "tcp", send: bigPost(0), reset: true},
		{name: "POST 100 KB of 5 MiB", network: "tcp", send: bigPost(100_000)},
		{name: "POST 100 KB of 5 MiB, RST", network: "tcp", send: bigPost(100_000), reset: true},
		{name: "GET, close at once", network: "tcp", send: []byte(getRequest)},
		{name: "GET, RST at once", network: "tcp", send: []byte(getRequest), reset: true},
		{name: "GET, read 10 bytes, RST", network: "tcp", send: []byte(getRequest), read: 10, reset: true},
		{name: "half a request line", network: "tcp", send: []byte("GET /app HT")},
		{name: "FastCGI BEGIN only", network: "unix", send: full[:16]},
		{name: "FastCGI half the params", network: "unix", send: full[:len(full)/2]},
		{name: "FastCGI request, close at once", network: "unix", send: full},
		{name: "FastCGI 300 KB of 1 MiB stdin", network: "unix", send: post},
		{name: "FastCGI request, read 10 bytes", network: "unix", send: full, read: 10},
	}
}

// run performs the aborted exchange with addr.
func (a abort) run(addr string) error {
	c, err := dial(a.network, addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if tc, ok := c.(*net.TCPConn); ok && a.reset {
		tc.SetLinger(0)
	}
	if _, err := c.Write(a.send); err != nil {
		return err
	}
	if a.read > 0 {
		_, err = io.ReadFull(c, make([]byte, a.read))
	}
	return err
}

// dial connects to addr, retrying for a while if the socket's backlog
// is full (kfcgi's is only twice the number of workers).
func dial(network, addr string) (net.Conn, error) {
	for i := 0; ; i++ {
		c, err := net.DialTimeout(network, addr, 5*time.Second)
		if !errors.Is(err, syscall.EAGAIN) || i == 200 {
			return c, err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestDisconnects sends hundreds of clients that go away mid-request
// or mid-response to the Go port, through nginx streaming request
// bodies and straight to the FastCGI socket, in both pools. Then the
// same workers must be alive, answer correctly, and have logged no Go
// runtime message.
func TestDisconnects(t *testing.T) {
	p := goProgram(t)
	kinds := aborts()
	rounds := 20
	for _, pool := range pools {
		t.Run(pool.String(), func(t *testing.T) {
			k := serve(t, p, pool)
			buffered := web(t, k)
			streaming := harness.StartNginx(t, harness.NginxConfig{Socket: k.Socket, Unbuffered: true})
			growPool(t, k)
			workers := k.Workers()

			jobs := make(chan abort)
			var wg sync.WaitGroup
			var mu sync.Mutex
			failed := map[string]int{}
			var n atomic.Int64
			for i := 0; i < 4; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for a := range jobs {
						addr := streaming.Addr
						if a.network == "unix" {
							addr = k.Socket
						}
						if err := a.run(addr); err != nil {
							mu.Lock()
							failed[a.name+": "+err.Error()]++
							mu.Unlock()
						}
						n.Add(1)
					}
				}()
			}
			for r := 0; r < rounds; r++ {
				for _, a := range kinds {
					jobs <- a
				}
			}
			close(jobs)
			wg.Wait()
			// The client side cannot fail, except for a read cut short.
			for e, c := range failed {
				if !strings.Contains(e, "read 10 bytes") {
					t.Errorf("%d times: %s", c, e)
				}
			}
			time.Sleep(500 * time.Millisecond) // let the workers notice
			checkWorkers(t, k, workers)
			checkHello(t, buffered)
			checkHello(t, streaming)
			checkServes(t, k)
			checkNoCrash(t, k)
			t.Logf("%s pool: %d aborted clients of %d kinds; workers %v alive; kcgi logged %s",
				pool, n.Load(), len(kinds), workers, severed(k.Log()))
		})
	}
}

// severed counts libkcgi's messages about lost connections.
func severed(log string) string {
	var parts []string
	for _, m := range []string{"poll: hangup", "connection severed", "Broken pipe", "write"} {
		parts = append(parts, fmt.Sprintf("%q %d times", m, strings.Count(log, m)))
	}
	return strings.Join(parts, ", ")
}

// TestHead sends HEAD requests through nginx to both programs, in both
// pools. nginx closes the upstream connection once it has the headers,
// libkcgi logs "poll: hangup", and the worker must go on.
func TestHead(t *testing.T) {
	for _, p := range programs(t) {
		for _, pool := range pools {
			t.Run(p.name+"/"+pool.String(), func(t *testing.T) {
				k := serve(t, p, pool)
				w := web(t, k)
				workers := k.Workers()
				for i := 0; i < 100; i++ {
					req := "HEAD /app/x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
					if i%2 == 1 {
						req = "HEAD /app HTTP/1.0\r\n\r\n"
					}
					r, err := harness.Do(w.Addr, []byte(req), 10*time.Second)
					if err != nil {
						t.Fatalf("HEAD %d: %v", i, err)
					}
					if !strings.HasSuffix(r.Status, " 200 OK") || r.Get("Content-Type") != "text/plain" || len(r.Body) != 0 {
						t.Fatalf("HEAD %d: unexpected response:\n%s", i, harness.Clip(r.Raw, 300))
					}
				}
				checkWorkers(t, k, workers)
				checkHello(t, w)
				checkNoCrash(t, k)
				t.Logf("100 HEAD requests; kcgi logged %q %d times", "poll: hangup", strings.Count(k.Log(), "poll: hangup"))
			})
		}
	}
}

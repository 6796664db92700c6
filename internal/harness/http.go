package harness

// This file is a raw HTTP client: exact request bytes in, exact
// response bytes out.

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http/httputil"
	"strings"
	"time"
)

// Response is an HTTP response as read from the wire.
type Response struct {
	Raw     []byte   // every byte read until the server closed
	Interim []string // lines of any 1xx responses before the final one
	Status  string   // status line, without CRLF
	Header  []string // header lines as sent, without CRLF
	Body    []byte   // everything after the blank line, undecoded
}

// HTTPRequest builds an HTTP/1.1 request with the given Host, asking
// to close the connection, and with a Content-Length if body is not nil.
func HTTPRequest(method, target, host string, headers []string, body []byte) []byte {
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

// Do sends req unchanged over a new TCP connection to addr and reads
// until the server closes the connection, at most timeout in all. The
// request should ask for "Connection: close" (or be HTTP/1.0), or the
// read runs into the timeout.
func Do(addr string, req []byte, timeout time.Duration) (*Response, error) {
	raw, err := exchange("tcp", addr, req, timeout)
	if err != nil {
		return nil, err
	}
	return ParseResponse(raw)
}

// exchange connects to addr on network, writes req while reading (a
// server may answer before it has read the whole request), and returns
// every byte read until the peer closed the connection, at most timeout
// in all.
func exchange(network, addr string, req []byte, timeout time.Duration) ([]byte, error) {
	c, err := net.DialTimeout(network, addr, timeout)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	werr := make(chan error, 1)
	go func() {
		_, err := c.Write(req)
		werr <- err
	}()
	raw, err := io.ReadAll(c)
	if err != nil {
		return raw, fmt.Errorf("read after %d bytes: %v", len(raw), err)
	}
	if err := <-werr; err != nil && len(raw) == 0 {
		return nil, fmt.Errorf("write: %v", err)
	}
	return raw, nil
}

// ParseResponse splits raw into interim responses, status line, header
// lines and body.
func ParseResponse(raw []byte) (*Response, error) {
	r := &Response{Raw: raw}
	rest := raw
	for {
		head, body, ok := bytes.Cut(rest, []byte("\r\n\r\n"))
		if !ok {
			return nil, fmt.Errorf("no end of header in %d bytes: %q", len(raw), Clip(raw, 200))
		}
		lines := strings.Split(string(head), "\r\n")
		if strings.HasPrefix(lines[0], "HTTP/1.1 1") && len(body) > 0 {
			r.Interim = append(r.Interim, lines...)
			rest = body
			continue
		}
		r.Status, r.Header, r.Body = lines[0], lines[1:], body
		return r, nil
	}
}

// Get returns the value of the first header line named name
// (case-insensitive), or "".
func (r *Response) Get(name string) string {
	for _, l := range r.Header {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// Dechunked returns r with its body decoded if it is chunked (nginx
// cuts chunks where its reads happen to end), else r itself.
func (r *Response) Dechunked() (*Response, error) {
	if r.Get("Transfer-Encoding") != "chunked" {
		return r, nil
	}
	body, err := io.ReadAll(httputil.NewChunkedReader(bytes.NewReader(r.Body)))
	if err != nil {
		return nil, fmt.Errorf("chunked body: %v", err)
	}
	d := *r
	d.Body = body
	return &d, nil
}

// Normalized returns the response with the values of the Date and
// Server headers replaced by "-", for comparing two servers' answers.
// Interim responses are kept, with a blank line after each.
func (r *Response) Normalized() []byte {
	var b bytes.Buffer
	for _, l := range append(append(r.Interim, r.Status), r.Header...) {
		k, _, _ := strings.Cut(l, ":")
		if strings.EqualFold(k, "Date") || strings.EqualFold(k, "Server") {
			l = k + ": -"
		}
		if strings.HasPrefix(l, "HTTP/") && b.Len() > 0 {
			b.WriteString("\r\n")
		}
		b.WriteString(l + "\r\n")
	}
	b.WriteString("\r\n")
	b.Write(r.Body)
	return b.Bytes()
}

// Clip returns b, shortened to n bytes with a note if longer.
func Clip(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return fmt.Sprintf("%s...(%d more bytes)", b[:n], len(b)-n)
}

// Diff describes the first difference between a and b, line by line,
// with a line of context on either side, in at most a few hundred
// bytes. It returns "" if they are equal.
func Diff(a, b []byte) string {
	if bytes.Equal(a, b) {
		return ""
	}
	la := strings.SplitAfter(string(a), "\n")
	lb := strings.SplitAfter(string(b), "\n")
	i := 0
	for i < len(la) && i < len(lb) && la[i] == lb[i] {
		i++
	}
	line := func(l []string, j int) string {
		if j < 0 || j >= len(l) {
			return "(none)"
		}
		return fmt.Sprintf("%q", Clip([]byte(l[j]), 120))
	}
	return fmt.Sprintf("lengths %d vs %d; first difference at line %d:\n"+
		"  before: %s\n  - %s\n  + %s\n  after:  %s | %s",
		len(a), len(b), i+1, line(la, i-1), line(la, i), line(lb, i),
		line(la, i+1), line(lb, i+1))
}

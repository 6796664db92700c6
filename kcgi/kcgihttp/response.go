package kcgihttp

// This file holds the http.ResponseWriter, which buffers in Go and
// writes through libkcgi's khttp_head, khttp_body and khttp_write, with
// libkcgi's own buffer off, so that Flush sends what was written.

import (
	"bufio"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kcgi-go/kcgi-go/kcgi"
)

// bufferSize is the default size of a response's buffer: libkcgi's
// FastCGI default, one record.
const bufferSize = 65535

// response is the http.ResponseWriter of serve. As net/http/fcgi's,
// it sends the status and headers with the first Write, or at the end,
// so that the Content-Type can be sniffed from the body; Flush sends
// them too, as net/http's server does.
//
// It implements http.Flusher and FlushError for http.ResponseController;
// deadlines, Hijack and full duplex are not supported, which
// ResponseController reports as http.ErrNotSupported.
type response struct {
	r *kcgi.Request
	// bw buffers the body over r, whose libkcgi does not buffer, so
	// that a flush reaches the web server; nil when libkcgi buffers.
	bw      *bufio.Writer
	header  http.Header // the handler's
	final   http.Header // header as it was at an explicit WriteHeader; nil: header
	code    int         // the status, 0 until WriteHeader
	sent    bool        // the status and headers went to libkcgi
	err     error       // from starting the body; errDone once finished
	head    bool        // a HEAD request: the body is discarded
	clen    int64       // the Content-Length the handler set, or -1
	written int64       // body bytes accepted
	cancel  func()      // cancels the request's context; nil before serve sets it
}

// errBuffered is FlushError's when libkcgi buffers the response
// (Config.SendBuffer above 0): nothing can be sent before it is full.
var errBuffered = fmt.Errorf("kcgihttp: libkcgi buffers the response (Config.SendBuffer): %w", http.ErrNotSupported)

// errDone is the error of a write after the handler returned: the
// request is freed, and the worker may already serve the next one.
var errDone = errors.New("kcgihttp: write after the handler returned")

func newResponse(r *kcgi.Request, bw *bufio.Writer) *response {
	if bw != nil {
		bw.Reset(r)
	}
	return &response{r: r, bw: bw, header: make(http.Header), clen: -1}
}

func (w *response) Header() http.Header { return w.header }

var headerValueSpaces = strings.NewReplacer("\r", " ", "\n", " ", "\x00", " ")

// WriteHeader sets the status. Informational statuses (1xx but 101)
// cannot pass through FastCGI or CGI: they are dropped, and the final
// status is still to come.
func (w *response) WriteHeader(code int) {
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if code < 200 && code != http.StatusSwitchingProtocols {
		return
	}
	if w.code != 0 {
		fmt.Fprintf(os.Stderr, "kcgihttp: superfluous WriteHeader(%d)\n", code)
		return
	}
	// As net/http: later changes to the handler's header are not sent.
	w.code, w.final = code, w.header.Clone()
}

// start sends the status, 200 unless WriteHeader set one, and the
// headers, if not yet sent: see send.
func (w *response) start(p []byte, sniff bool) {
	if w.code == 0 {
		w.code = http.StatusOK // no handler code runs before send: no snapshot
	}
	if !w.sent {
		w.send(p, sniff)
	}
}

// notModified are the headers a 304 does not send.
var notModified = []string{"Content-Type", "Content-Length", "Transfer-Encoding"}

// send writes the status and the headers, sorted by name, in one
// libkcgi call, and starts the body. It adds a Date unless there is
// one, and, if sniff, a Content-Type sniffed from p, the start of the
// body, unless the header has one.
func (w *response) send(p []byte, sniff bool) {
	w.sent = true
	hdr := w.final
	if hdr == nil {
		hdr = w.header
	}
	date := hdr.Get("Date") == ""
	h := make([]kcgi.KeyValue, 1, 3+len(hdr))
	for k, vs := range hdr {
		if k == "Date" && date || w.code == http.StatusNotModified && slices.Contains(notModified, k) {
			continue
		}
		for _, v := range vs {
			v = textproto.TrimString(headerValueSpaces.Replace(v))
			if kcgi.CheckHeader(k, v) == nil { // a name that is not a token is dropped
				h = append(h, kcgi.KeyValue{Key: k, Value: v})
			}
		}
	}
	if date {
		h = append(h, kcgi.KeyValue{Key: "Date", Value: time.Now().UTC().Format(http.TimeFormat)})
	}
	if _, ok := hdr["Content-Type"]; !ok && sniff && w.code != http.StatusNotModified {
		h = append(h, kcgi.KeyValue{Key: "Content-Type", Value: http.DetectContentType(p)})
	}
	slices.SortStableFunc(h[1:], func(a, b kcgi.KeyValue) int { return strings.Compare(a.Key, b.Key) })
	h[0] = kcgi.KeyValue{Key: kcgi.RespStatus.String(), Value: strconv.Itoa(w.code) + " " + http.StatusText(w.code)}
	if v := hdr.Get("Content-Length"); v != "" && w.code != http.StatusNotModified {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			w.clen = n
		}
	}
	if w.err = w.r.Heads(h); w.err == nil {
		// Never libkcgi's own gzip (CGI): the handler owns the headers.
		w.err = w.r.BodyCompress(false)
	}
	w.failed(w.err)
}

func (w *response) Write(p []byte) (int, error) {
	w.start(p, true)
	switch {
	case w.err != nil:
		return 0, w.err
	case !bodyAllowed(w.code):
		return 0, http.ErrBodyNotAllowed
	case w.clen >= 0 && w.written+int64(len(p)) > w.clen:
		return 0, http.ErrContentLength
	case w.head:
		w.written += int64(len(p))
		return len(p), nil
	}
	var n int
	var err error
	if w.bw != nil {
		n, err = w.bw.Write(p)
	} else {
		n, err = w.r.Write(p) // one khttp_write per Write
	}
	w.written += int64(n)
	return n, w.failed(err)
}

// failed cancels the request's context if err, from writing to the web
// server, is not nil: the client is gone or the worker is in trouble.
func (w *response) failed(err error) error {
	if err != nil && w.cancel != nil {
		w.cancel()
	}
	return err
}

// bodyAllowed is net/http's rule: no body with 1xx, 204 and 304.
func bodyAllowed(code int) bool {
	return code >= 200 && code != http.StatusNoContent && code != http.StatusNotModified
}

// FlushError sends the status and headers, if not yet sent, and what
// is buffered. It is http.ResponseController's Flush. When libkcgi
// buffers the response, it can send nothing before its buffer is full,
// and returns an error wrapping http.ErrNotSupported.
func (w *response) FlushError() error {
	w.start(nil, false)
	if w.err != nil {
		return w.err
	}
	if w.bw == nil {
		return errBuffered
	}
	return w.failed(w.bw.Flush())
}

// Flush is http.Flusher's: FlushError without the error.
func (w *response) Flush() { w.FlushError() }

// finish ends the response and frees the request.
func (w *response) finish() {
	w.start(nil, true)
	if w.bw != nil {
		if w.err == nil {
			w.bw.Flush()
		}
		w.bw.Reset(nil)
	}
	w.err = errDone // the request is freed, bw another's
	w.r.Free()
}

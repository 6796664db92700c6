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
	"sort"
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
	final   http.Header // header as it was at WriteHeader: what is sent
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
	if code == http.StatusNotModified {
		w.final.Del("Content-Type")
		w.final.Del("Content-Length")
		w.final.Del("Transfer-Encoding")
	}
	if w.final.Get("Date") == "" {
		w.final.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	}
	w.clen = -1
	if v := w.final.Get("Content-Length"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			w.clen = n
		}
	}
}

// send writes the status and headers, in one libkcgi call, and starts
// the body. If sniff, a missing Content-Type is sniffed from p, the
// start of the body.
func (w *response) send(p []byte, sniff bool) {
	w.sent = true
	if _, ok := w.final["Content-Type"]; !ok && sniff && w.code != http.StatusNotModified {
		w.final.Set("Content-Type", http.DetectContentType(p))
	}
	keys := make([]string, 0, len(w.final))
	for k := range w.final {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := make([]kcgi.KeyValue, 1, 1+len(w.final))
	h[0] = kcgi.KeyValue{Key: kcgi.RespStatus.String(), Value: fmt.Sprintf("%d %s", w.code, http.StatusText(w.code))}
	for _, k := range keys {
		for _, v := range w.final[k] {
			v = textproto.TrimString(headerValueSpaces.Replace(v))
			if kcgi.CheckHeader(k, v) == nil { // a name that is not a token is dropped
				h = append(h, kcgi.KeyValue{Key: k, Value: v})
			}
		}
	}
	if w.err = w.r.Heads(h); w.err == nil {
		// Never libkcgi's own gzip (CGI): the handler owns the headers.
		w.err = w.r.BodyCompress(false)
	}
	w.failed(w.err)
}

func (w *response) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !w.sent {
		w.send(p, true)
	}
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
	if w.code == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !w.sent {
		w.send(nil, false)
	}
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
	if w.code == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !w.sent {
		w.send(nil, true)
	}
	if w.bw != nil {
		if w.err == nil {
			w.bw.Flush()
		}
		w.bw.Reset(nil)
	}
	w.err = errDone // the request is freed, bw another's
	w.r.Free()
}

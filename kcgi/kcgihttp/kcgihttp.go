// Package kcgihttp serves a net/http.Handler through libkcgi, as
// net/http/fcgi and net/http/cgi do, but with every request parsed and
// validated in libkcgi's sandboxed child (package
// [github.com/kcgi-go/kcgi-go/kcgi]).
//
// [Serve] runs the handler as a FastCGI worker under kfcgi(8), or as a
// CGI program; [NewRequest] builds the *http.Request of a parsed
// [kcgi.Request], and [FromContext] gives the handler that Request,
// for libkcgi's validation state and the authorization it parsed.
//
// The rules of package kcgi apply: call Serve first in main, before
// starting goroutines or opening descriptors, and leave SIGTERM and
// SIGPIPE to the package.
//
// # The contract
//
// A handler runs unchanged: the *http.Request and http.ResponseWriter
// behave as net/http/fcgi's (see [ServeFastCGI] for the details), and
// beyond it as net/http's server for http.Flusher and
// http.ResponseController's Flush, informational statuses, Content-Length
// and the request's context. What FastCGI cannot carry is refused
// cleanly: ResponseController's deadlines, Hijack and full duplex
// return http.ErrNotSupported, and trailers are not sent.
//
// # Form bodies
//
// libkcgi parses application/x-www-form-urlencoded and
// multipart/form-data bodies (and text/plain with POST) into fields in
// its sandbox, and keeps no copy of the bytes. The handler's Body is
// those fields re-encoded, in the order sent, with the same content
// type; Form, PostForm and MultipartForm are left nil, so that
// ParseForm, FormValue, FormFile, ParseMultipartForm and
// MultipartReader each work on that Body as under net/http, and a
// handler may read it with io.ReadAll instead. The values are libkcgi's
// (see [FromContext] for its fields, validators and all). The
// re-encoded body is equivalent to what was sent, not byte-identical:
//
//   - URL-encoded: pairs are joined by "&" and escaped by
//     url.QueryEscape ("%7e" comes back as "~", "%20" as "+"), a key
//     without "=" gets one, and the pairs libkcgi drops are gone: ";"
//     separates pairs as "&" does, and pairs with an empty key or a bad
//     or %00 escape are dropped.
//   - Multipart: the request's boundary is kept (a new one, and a new
//     Content-Type header, if it is not valid for mime/multipart); the
//     preamble and epilogue are gone; each part has Content-Disposition
//     with its name and any filename, escaped as mime/multipart does,
//     then its Content-Type and Content-Transfer-Encoding; other part
//     headers are gone. filename="" reads as no filename, and an
//     explicit text/plain on a part that is not a file cannot be told
//     from none and is left out. Nested multipart/mixed parts come
//     flat, under the outer name.
//   - text/plain: one "key=value\r\n" line per field.
//   - Values of keys with a libkcgi validator are as it left them
//     (trimmed, an e-mail lowercased).
//
// ContentLength, and the Content-Length header, are the length of the
// re-encoded body. Other bodies (JSON, XML, octets, text/plain with
// another method than POST) are passed as sent.
//
// # Streaming
//
// libkcgi's send buffer is off; responses are buffered in Go, and Flush
// sends the headers and what was written as FastCGI records at once.
// Behind nginx, set "fastcgi_buffering off" (or send
// "X-Accel-Buffering: no") where responses stream, as for net/http/fcgi.
// The request's context is cancelled when kfcgi(8) stops the worker
// (SIGTERM), so that a stream can end; libkcgi has read the whole
// request body before the handler runs, so a streaming upload comes
// from memory.
package kcgihttp

// This file holds the serving loops and the context.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"runtime"

	"github.com/kcgi-go/kcgi-go/kcgi"
)

// Serve runs h for each request: as a FastCGI worker if
// [kcgi.IsFastCGI], else for the one request of a CGI program. See
// ServeFastCGI.
func Serve(cfg *kcgi.Config, h http.Handler) error {
	if kcgi.IsFastCGI() {
		return ServeFastCGI(cfg, h)
	}
	return ServeCGI(cfg, h)
}

// ServeFastCGI runs h for each request of a FastCGI worker, as
// net/http/fcgi.Serve does, but with libkcgi parsing every request in
// its sandbox: it calls [kcgi.Init], then Parse and h until
// [kcgi.ErrExit], for which it returns nil, then Free. Like Init, call it
// first in main. A nil cfg is the zero Config; a nil h is
// http.DefaultServeMux.
//
// The *http.Request is built by [NewRequest]. A request that cannot be
// built is answered with 500, or with 501 Not Implemented for a method
// libkcgi before 1.0.0 does not know; either is logged to standard
// error.
//
// The http.ResponseWriter behaves as net/http/fcgi's: the status
// defaults to 200, the status and headers are sent with the first Write
// or when h returns, a missing Content-Type is sniffed from the first
// Write (http.DetectContentType), a Date header is added, header names
// that are not tokens are dropped, and CR, LF and NUL in values become
// spaces. Beyond net/http/fcgi, and as net/http's server does: Flush
// (http.Flusher, and http.ResponseController's Flush) sends the headers
// and what was written; informational statuses (1xx but 101) are
// dropped, since FastCGI cannot carry them, and the final status is
// still to come; Write returns http.ErrBodyNotAllowed after 204 and 304,
// and http.ErrContentLength past a Content-Length the handler set. The
// body of a HEAD request is discarded, and libkcgi never compresses it
// (the handler owns Content-Encoding). Deadlines, Hijack and full
// duplex are not supported: http.ResponseController returns
// http.ErrNotSupported. Trailers are not sent (FastCGI has none, nor
// does net/http/fcgi send them).
//
// By default (cfg.SendBuffer 0 or kcgi.NoSendBuffer) libkcgi's own send
// buffer is off: the adapter buffers in Go, in 65535 bytes (a FastCGI
// record), and each flush, or full buffer, goes straight to the web
// server. A streamed response of any length takes no more memory than
// that. The price is that libkcgi writes the status and headers in five
// FastCGI records, as it does whenever it does not buffer. With
// cfg.SendBuffer above 0, libkcgi buffers the response in that many
// bytes, as in a C program: a small response goes out in one record, and
// Flush cannot send anything before the buffer fills or h returns, so it
// returns an error wrapping http.ErrNotSupported (the Flusher's Flush
// does nothing). Choose that for handlers that never stream.
//
// The request's context is cancelled when h returns, when the worker
// receives SIGTERM (kfcgi(8) stopping, see [kcgi.Server.Terminating]),
// and when a write to the web server fails: a handler that streams
// should end then. The worker exits once h has returned. A client that
// goes away is seen only when a write fails, and only if the web server
// closes the connection then (nginx with fastcgi_ignore_client_abort
// off, its default).
//
// h runs on the worker's goroutine, which Init locked to its thread; it
// may hand the ResponseWriter to another goroutine, used by one at a
// time, as under net/http.
//
// A panic in h is logged to standard error and answered with 500 if
// nothing was sent yet; the worker goes on serving (http.ErrAbortHandler
// is not logged). After a partial write the answer just ends: libkcgi
// cannot abort a response.
func ServeFastCGI(cfg *kcgi.Config, h http.Handler) error {
	c, bw := unbuffered(cfg)
	srv, err := kcgi.Init(c)
	if err != nil {
		return err
	}
	defer srv.Free()
	base, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { <-srv.Terminating(); cancel() }() // closed at SIGTERM, at the latest by Free
	for {
		r, err := srv.Parse()
		if errors.Is(err, kcgi.ErrExit) {
			return nil
		} else if err != nil {
			return err
		}
		serve(base, r, parsedOf(r), h, bw)
	}
}

// ServeCGI runs h for the request of a CGI program, as
// net/http/cgi.Serve does, with libkcgi parsing it ([kcgi.ParseCGI]).
// See ServeFastCGI for how the request and response are built; with
// libkcgi before 1.0.0, the *http.Request is built from the process's
// environment, as net/http/cgi does, and the fields libkcgi parsed.
func ServeCGI(cfg *kcgi.Config, h http.Handler) error {
	c, bw := unbuffered(cfg)
	r, err := kcgi.ParseCGI(c)
	if err != nil {
		return err
	}
	p := parsedOf(r)
	if p.env == nil {
		p.env = processEnv()
	}
	serve(context.Background(), r, p, h, bw)
	return nil
}

// unbuffered returns a copy of cfg with libkcgi's send buffer off, and
// the buffer the responses use instead; unless cfg asks for libkcgi's
// buffer, when the responses write straight to libkcgi (nil).
func unbuffered(cfg *kcgi.Config) (*kcgi.Config, *bufio.Writer) {
	var c kcgi.Config
	if cfg != nil {
		c = *cfg
	}
	if c.SendBuffer > 0 {
		return &c, nil
	}
	c.SendBuffer = kcgi.NoSendBuffer
	return &c, bufio.NewWriterSize(nil, bufferSize)
}

type contextKey struct{}

// FromContext returns the [kcgi.Request] that ServeFastCGI or ServeCGI
// is serving, from the context of its *http.Request.
func FromContext(ctx context.Context) (*kcgi.Request, bool) {
	r, ok := ctx.Value(contextKey{}).(*kcgi.Request)
	return r, ok
}

// serve answers r, as p reads it, with h.
func serve(base context.Context, r *kcgi.Request, p *parsed, h http.Handler, bw *bufio.Writer) {
	if h == nil {
		h = http.DefaultServeMux
	}
	w := newResponse(r, bw)
	defer w.finish()
	hr, err := p.request()
	if err != nil {
		fmt.Fprintf(os.Stderr, "kcgihttp: %v\n", err)
		code := http.StatusInternalServerError
		if errors.Is(err, ErrMethod) {
			code = http.StatusNotImplemented
		}
		http.Error(w, http.StatusText(code), code)
		return
	}
	w.head = hr.Method == http.MethodHead
	defer func() {
		if p := recover(); p != nil {
			if p != http.ErrAbortHandler {
				buf := make([]byte, 64<<10)
				buf = buf[:runtime.Stack(buf, false)]
				fmt.Fprintf(os.Stderr, "kcgihttp: panic serving %s: %v\n%s", hr.URL, p, buf)
			}
			if !w.sent {
				w.header, w.code = make(http.Header), 0
				w.WriteHeader(http.StatusInternalServerError)
			}
		}
	}()
	ctx, cancel := context.WithCancel(context.WithValue(base, contextKey{}, r))
	defer cancel()
	w.cancel = cancel
	h.ServeHTTP(w, hr.WithContext(ctx))
}

//go:build cgo

package kcgi

// This file serves a net/http.Handler through libkcgi: the
// *http.Request is built from the parsed Request, and the
// http.ResponseWriter writes through Head, Body and Write.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cgi"
	"net/textproto"
	"net/url"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"
)

// Serve runs h for each request: as a FastCGI worker if IsFastCGI, else
// for the one request of a CGI program. See ServeFastCGI.
func Serve(cfg *Config, h http.Handler) error {
	if IsFastCGI() {
		return ServeFastCGI(cfg, h)
	}
	return ServeCGI(cfg, h)
}

// ServeFastCGI runs h for each request of a FastCGI worker, as
// net/http/fcgi.Serve does, but with libkcgi parsing every request in
// its sandbox: it calls Init, then Parse and h until ErrExit, for which
// it returns nil, then Free. Like Init, call it first in main. A nil
// cfg is the zero Config; a nil h is http.DefaultServeMux.
//
// The *http.Request is built as net/http/cgi builds it from the
// environment (URL from REQUEST_URI, Host, RemoteAddr, Header,
// ContentLength, TLS when HTTPS is on), and its Form, PostForm and
// MultipartForm are already filled from libkcgi's fields. Its Body is
// the raw body for content types libkcgi does not parse (see
// Request.RawBody), and empty for forms. FromContext returns the
// Request, for validation state and authorization.
//
// The http.ResponseWriter behaves as net/http/fcgi's: the status
// defaults to 200, the status and headers are sent with the first Write
// or when h returns, a missing Content-Type is sniffed from the first
// Write (http.DetectContentType), a Date header is added, header names
// that are not tokens are dropped, and CR, LF and NUL in values become
// spaces. The body of a HEAD request is discarded, and libkcgi never
// compresses it (the handler owns Content-Encoding). There is no
// http.Flusher: libkcgi sends its buffer when it fills and at the end. A
// panic in h is logged to standard error and answered with 500 if
// nothing was written yet; the worker goes on serving
// (http.ErrAbortHandler is not logged). After a partial write the
// answer just ends: libkcgi cannot abort a response.
//
// Form values are the bytes libkcgi kept: for keys with a validator in
// cfg, as the validator left them (trimmed, an e-mail lowercased).
// ContentLength is CONTENT_LENGTH, as with net/http/fcgi, also for a form
// whose Body is empty because libkcgi parsed it.
func ServeFastCGI(cfg *Config, h http.Handler) error {
	srv, err := Init(cfg)
	if err != nil {
		return err
	}
	defer srv.Free()
	for {
		r, err := srv.Parse()
		if errors.Is(err, ErrExit) {
			return nil
		} else if err != nil {
			return err
		}
		serveHTTP(r, h)
	}
}

// ServeCGI runs h for the request of a CGI program, as
// net/http/cgi.Serve does, with libkcgi parsing it (ParseCGI). See
// ServeFastCGI for how the request and response are built.
func ServeCGI(cfg *Config, h http.Handler) error {
	r, err := ParseCGI(cfg)
	if err != nil {
		return err
	}
	serveHTTP(r, h)
	return nil
}

type contextKey struct{}

// FromContext returns the Request that ServeFastCGI or ServeCGI is
// serving, from the context of its *http.Request.
func FromContext(ctx context.Context) (*Request, bool) {
	r, ok := ctx.Value(contextKey{}).(*Request)
	return r, ok
}

func serveHTTP(r *Request, h http.Handler) {
	if h == nil {
		h = http.DefaultServeMux
	}
	w := &response{r: r, header: make(http.Header)}
	defer w.finish()
	hr, err := r.HTTPRequest()
	if err != nil {
		fmt.Fprintf(os.Stderr, "kcgi: %v\n", err)
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.head = hr.Method == http.MethodHead
	defer func() {
		if p := recover(); p != nil {
			if p != http.ErrAbortHandler {
				buf := make([]byte, 64<<10)
				buf = buf[:runtime.Stack(buf, false)]
				fmt.Fprintf(os.Stderr, "kcgi: panic serving %s: %v\n%s", hr.URL, p, buf)
			}
			if !w.sent {
				w.header, w.code = make(http.Header), 0
				w.WriteHeader(http.StatusInternalServerError)
			}
		}
	}()
	h.ServeHTTP(w, hr.WithContext(context.WithValue(hr.Context(), contextKey{}, r)))
}

// HTTPRequest builds an *http.Request from r, as ServeFastCGI describes.
func (r *Request) HTTPRequest() (*http.Request, error) {
	env := make(map[string]string, len(r.Env))
	for _, kv := range r.Env {
		env[kv.Key] = kv.Value
	}
	hr, err := cgi.RequestFromMap(env)
	if err != nil {
		return nil, err
	}
	hr.Body = http.NoBody
	if p, ok := r.RawBody(); ok {
		hr.Body = io.NopCloser(bytes.NewReader(p.Value))
	}
	nbody := len(r.Fields) - queryPairs(env["QUERY_STRING"])
	hr.Form, hr.PostForm = make(url.Values), make(url.Values)
	var files []*Pair
	for i := range r.Fields {
		p := &r.Fields[i]
		switch {
		case p.File != "":
			files = append(files, p)
		case p.Key == "":
			// The raw body, or a nameless multipart part, which
			// net/http skips too.
		default:
			v := formValue(p)
			hr.Form[p.Key] = append(hr.Form[p.Key], v)
			if i < nbody {
				hr.PostForm[p.Key] = append(hr.PostForm[p.Key], v)
			}
		}
	}
	if r.multipart() {
		if hr.MultipartForm, err = multipartForm(hr.PostForm, files); err != nil {
			return nil, err
		}
	}
	return hr, nil
}

// formValue is a field's value for Form: as sent, or, if a validator
// ran, as the validator left it, without the NULs it wrote over
// trailing blanks.
func formValue(p *Pair) string {
	v := p.Value
	if p.State != PairUnchecked {
		if i := bytes.IndexByte(v, 0); i >= 0 {
			v = v[:i]
		}
	}
	return string(v)
}

// queryPairs counts the fields libkcgi makes of a query string, which
// it parses after the body: the fields before them are the body's.
// The rules are libkcgi's: pairs end at & or ;, leading spaces are
// skipped, and pairs with an empty key or a bad %-escape are dropped.
func queryPairs(q string) int {
	n := 0
	for _, pair := range strings.FieldsFunc(q, func(c rune) bool { return c == '&' || c == ';' }) {
		pair = strings.TrimLeft(pair, " ")
		key, val, _ := strings.Cut(pair, "=")
		if key != "" && unescapes(key) && unescapes(val) {
			n++
		}
	}
	return n
}

// unescapes reports whether libkcgi decodes s (khttp_urldecode_inplace):
// each % is followed by two hex digits, which sscanf's "%1hhx%1hhx" lets
// whitespace precede, and which do not make a NUL.
func unescapes(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		var b byte
		j := i + 1
		for n := 0; n < 2; n++ {
			for j < len(s) && strings.IndexByte(" \t\n\v\f\r", s[j]) >= 0 {
				j++
			}
			if j == len(s) || !ishex(s[j]) {
				return false
			}
			b = b<<4 | unhex(s[j])
			j++
		}
		if b == 0 {
			return false
		}
		i += 2 // libkcgi goes on three bytes after the %, whatever it read
	}
	return true
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

func ishex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// multipartForm builds the MultipartForm. A multipart.FileHeader can
// only be made by multipart.Reader, so the uploads are written as a
// multipart body and read back, in memory.
func multipartForm(values url.Values, files []*Pair) (*multipart.Form, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range files {
		h := make(textproto.MIMEHeader)
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, quote(p.Key), quote(p.File)))
		if p.ContentType != "" {
			h.Set("Content-Type", p.ContentType)
		}
		if p.XferEncoding != "" {
			h.Set("Content-Transfer-Encoding", p.XferEncoding)
		}
		part, err := mw.CreatePart(h)
		if err != nil {
			return nil, err
		}
		part.Write(p.Value)
	}
	mw.Close()
	form, err := multipart.NewReader(&buf, mw.Boundary()).ReadForm(int64(buf.Len()) + 1)
	if err != nil {
		return nil, fmt.Errorf("kcgi: rebuilding uploads: %w", err)
	}
	form.Value = values
	return form, nil
}

var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"", "\r", "%0D", "\n", "%0A")

func quote(s string) string { return quoteEscaper.Replace(s) }

// response is the http.ResponseWriter of serveHTTP. As net/http/fcgi's,
// it sends the status and headers with the first Write, or at the end,
// so that the Content-Type can be sniffed from the body.
type response struct {
	r      *Request
	header http.Header
	code   int   // the status, 0 until WriteHeader
	sent   bool  // the status and headers went to libkcgi
	err    error // from starting the body
	head   bool  // a HEAD request: the body is discarded
}

func (w *response) Header() http.Header { return w.header }

var headerValueSpaces = strings.NewReplacer("\r", " ", "\n", " ", "\x00", " ")

func (w *response) WriteHeader(code int) {
	if w.code != 0 {
		fmt.Fprintf(os.Stderr, "kcgi: superfluous WriteHeader(%d)\n", code)
		return
	}
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	w.code = code
	if code == http.StatusNotModified {
		w.header.Del("Content-Type")
		w.header.Del("Content-Length")
		w.header.Del("Transfer-Encoding")
	}
	if w.header.Get("Date") == "" {
		w.header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	}
}

// send writes the status and headers and starts the body; p is the
// start of the body, for sniffing the Content-Type.
func (w *response) send(p []byte) {
	w.sent = true
	if _, ok := w.header["Content-Type"]; !ok && w.code != http.StatusNotModified {
		w.header.Set("Content-Type", http.DetectContentType(p))
	}
	w.r.Head(RespStatus.String(), fmt.Sprintf("%d %s", w.code, http.StatusText(w.code)))
	keys := make([]string, 0, len(w.header))
	for k := range w.header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range w.header[k] {
			// A name that is not a token is refused by Head: dropped.
			w.r.Head(k, textproto.TrimString(headerValueSpaces.Replace(v)))
		}
	}
	// Never libkcgi's own gzip (CGI): the handler owns the headers.
	w.err = w.r.BodyCompress(false)
}

func (w *response) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !w.sent {
		w.send(p)
	}
	if w.err != nil {
		return 0, w.err
	}
	if w.head {
		return len(p), nil
	}
	return w.r.Write(p)
}

// finish ends the response and frees the request.
func (w *response) finish() {
	if w.code == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !w.sent {
		w.send(nil)
	}
	w.r.Free()
}

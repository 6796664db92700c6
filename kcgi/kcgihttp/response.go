package kcgihttp

// This file holds the http.ResponseWriter, which writes through
// libkcgi's khttp_head, khttp_body and khttp_write.

import (
	"fmt"
	"net/http"
	"net/textproto"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/kcgi-go/kcgi-go/kcgi"
)

// response is the http.ResponseWriter of serve. As net/http/fcgi's,
// it sends the status and headers with the first Write, or at the end,
// so that the Content-Type can be sniffed from the body.
type response struct {
	r      *kcgi.Request
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
		fmt.Fprintf(os.Stderr, "kcgihttp: superfluous WriteHeader(%d)\n", code)
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
	w.r.Head(kcgi.RespStatus.String(), fmt.Sprintf("%d %s", w.code, http.StatusText(w.code)))
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

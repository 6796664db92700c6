// Command contractserver serves the handlers of the adapter's contract
// tests (integration/contract_test.go): through kcgihttp as a FastCGI
// worker under kfcgi(8), or, with -stdlib, through net/http/fcgi on the
// listening socket kfcgi's fixed pool passes as standard input. Each
// handler is an ordinary net/http.Handler that a real application
// might have.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/fcgi"
	"os"
	"strconv"
	"time"

	"github.com/kcgi-go/kcgi-go/kcgi/kcgihttp"
)

func main() {
	stdlib := flag.Bool("stdlib", false, "serve with net/http/fcgi instead of kcgi")
	flag.Parse()
	var err error
	if *stdlib {
		var ln net.Listener
		if ln, err = net.FileListener(os.NewFile(0, "listener")); err == nil {
			err = fcgi.Serve(ln, handlers())
		}
	} else {
		err = kcgihttp.Serve(nil, handlers())
	}
	fmt.Fprintln(os.Stderr, "contractserver:", err)
	os.Exit(1)
}

func handlers() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/sse", sse)
	mux.HandleFunc("/stream", stream)
	mux.HandleFunc("/upload", upload)
	mux.HandleFunc("/readall", readAll)
	mux.HandleFunc("/maxbytes", maxBytes)
	mux.HandleFunc("/trailer", trailer)
	mux.HandleFunc("/early", early)
	mux.HandleFunc("/length", length)
	mux.HandleFunc("/method", method)
	mux.HandleFunc("/wait", wait)
	mux.HandleFunc("/heartbeat", heartbeat)
	return mux
}

// sse sends ?n events (default 3), ?ms apart (default 200), flushing
// each, as server-sent events; it stops when the request is cancelled.
func sse(w http.ResponseWriter, r *http.Request) {
	n, _ := strconv.Atoi(r.FormValue("n"))
	if n == 0 {
		n = 3
	}
	ms, _ := strconv.Atoi(r.FormValue("ms"))
	if ms == 0 {
		ms = 200
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	rc := http.NewResponseController(w)
	for i := 0; i < n; i++ {
		if i > 0 {
			select {
			case <-time.After(time.Duration(ms) * time.Millisecond):
			case <-r.Context().Done():
				return
			}
		}
		fmt.Fprintf(w, "id: %d\ndata: event %d\n\n", i, i)
		if err := rc.Flush(); err != nil {
			fmt.Fprintln(os.Stderr, "sse: flush:", err)
			return
		}
	}
}

// stream writes ?mib MiB of a repeated pattern, 32 KiB at a time.
func stream(w http.ResponseWriter, r *http.Request) {
	mib, _ := strconv.Atoi(r.FormValue("mib"))
	buf := make([]byte, 32<<10)
	for i := range buf {
		buf[i] = byte('a' + i%26)
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	for i := 0; i < mib*32; i++ {
		if _, err := w.Write(buf); err != nil {
			return
		}
	}
}

type partInfo struct {
	Name     string `json:"name"`
	File     string `json:"file"`
	Type     string `json:"type"`
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256"`
	Encoding string `json:"encoding,omitempty"`
}

// upload reads a multipart body part by part (MultipartReader), as a
// streaming upload does, and answers with what each part held.
func upload(w http.ResponseWriter, r *http.Request) {
	mr, err := r.MultipartReader()
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	parts := []partInfo{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		sum := sha256.New()
		size, _ := io.Copy(sum, p)
		parts = append(parts, partInfo{p.FormName(), p.FileName(), p.Header.Get("Content-Type"),
			size, hex.EncodeToString(sum.Sum(nil)), p.Header.Get("Content-Transfer-Encoding")})
	}
	writeJSON(w, map[string]any{"parts": parts, "form": r.Form})
}

// readAll reads the body with io.ReadAll, before anything parses it.
func readAll(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	writeJSON(w, map[string]any{"body": string(body), "err": fmt.Sprint(err), "length": r.ContentLength})
}

// maxBytes limits the body to ?n bytes with http.MaxBytesReader.
func maxBytes(w http.ResponseWriter, r *http.Request) {
	n, _ := strconv.ParseInt(r.FormValue("n"), 10, 64)
	r.Body = http.MaxBytesReader(w, r.Body, n)
	body, err := io.ReadAll(r.Body)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		http.Error(w, fmt.Sprintf("too large: limit %d", mbe.Limit), http.StatusRequestEntityTooLarge)
		return
	}
	fmt.Fprintf(w, "read %d bytes: %v\n", len(body), err)
}

// trailer announces a trailer and sets it after the body.
func trailer(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Trailer", "X-Checksum")
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, "body with a trailer\n")
	w.Header().Set("X-Checksum", "42")
}

// early sends 103 Early Hints, then the answer.
func early(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Link", "</style.css>; rel=preload; as=style")
	w.WriteHeader(http.StatusEarlyHints)
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, "after early hints\n")
}

// length sets Content-Length and writes ?extra bytes more than that.
func length(w http.ResponseWriter, r *http.Request) {
	extra, _ := strconv.Atoi(r.FormValue("extra"))
	w.Header().Set("Content-Length", "12")
	w.Header().Set("Content-Type", "text/plain")
	_, err := io.WriteString(w, "twelve bytes")
	if extra > 0 {
		_, err = io.WriteString(w, "x")
	}
	fmt.Fprintln(os.Stderr, "length: extra write:", err)
}

// method answers with the method as the handler sees it.
func method(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, "method="+r.Method+"\n")
}

// wait answers once the request's context is done, and logs why.
func wait(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	io.WriteString(w, "data: waiting\n\n")
	http.NewResponseController(w).Flush()
	<-r.Context().Done()
	fmt.Fprintln(os.Stderr, "wait: context done:", r.Context().Err())
}

// heartbeat writes and flushes a comment every 50 ms, ignoring write
// errors, until the request's context is done, and logs why.
func heartbeat(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	rc := http.NewResponseController(w)
	for {
		io.WriteString(w, ": heartbeat\n\n")
		rc.Flush()
		select {
		case <-r.Context().Done():
			fmt.Fprintln(os.Stderr, "heartbeat: context done:", r.Context().Err())
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

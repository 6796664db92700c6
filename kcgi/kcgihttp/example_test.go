package kcgihttp_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/kcgi-go/kcgi-go/kcgi/kcgihttp"
)

// Any net/http.Handler, as a FastCGI worker under kfcgi(8) or as a CGI
// program, with libkcgi parsing every request.
func ExampleServe() {
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "Hello, "+r.FormValue("name")+"\n")
		if kr, ok := kcgihttp.FromContext(r.Context()); ok {
			fmt.Fprintf(w, "libkcgi parsed %d fields\n", len(kr.Fields()))
		}
	})
	if err := kcgihttp.Serve(nil, mux); err != nil {
		log.Fatal(err)
	}
}

// events streams server-sent events, flushing each one, until the
// client or kfcgi ends the request.
func events(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	rc := http.NewResponseController(w)
	for i := 1; i <= 3; i++ {
		fmt.Fprintf(w, "data: tick %d\n\n", i)
		if err := rc.Flush(); err != nil {
			return
		}
		select {
		case <-time.After(10 * time.Millisecond):
		case <-r.Context().Done(): // kfcgi stopping the worker
			return
		}
	}
}

// notes reads a URL-encoded body whole, as libkcgi's fields re-encoded.
func notes(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	fmt.Fprintf(w, "%d bytes: %s\n", r.ContentLength, body)
}

// upload reads a multipart body part by part.
func upload(w http.ResponseWriter, r *http.Request) {
	mr, err := r.MultipartReader()
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		b, _ := io.ReadAll(p)
		fmt.Fprintf(w, "%s %q: %q\n", p.FormName(), p.FileName(), b)
	}
}

func init() {
	kcgihttp.ExampleHandlers["events"] = http.HandlerFunc(events)
	kcgihttp.ExampleHandlers["notes"] = http.HandlerFunc(notes)
	kcgihttp.ExampleHandlers["upload"] = http.HandlerFunc(upload)
}

// serveCGI runs the example handler name through kcgihttp.Serve as a
// CGI program (this test binary), as a web server would, and returns
// the body of its answer.
func serveCGI(name string, req *http.Request) string {
	h := &cgi.Handler{Path: os.Args[0], Args: []string{"-test.run=^$"},
		Env: []string{"KCGI_TEST_HANDLER=1", "KCGI_TEST_EXAMPLE=" + name}, Stderr: io.Discard}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Body.String()
}

// A handler that streams with http.ResponseController's Flush (or
// http.Flusher): each event leaves at once, under kfcgi and nginx with
// "fastcgi_buffering off".
func Example_flush() {
	fmt.Print(serveCGI("events", httptest.NewRequest("GET", "/events", nil)))
	// Output:
	// data: tick 1
	//
	// data: tick 2
	//
	// data: tick 3
}

// A URL-encoded body reads as what libkcgi parsed, re-encoded: ";"
// separates pairs, escapes are normalised, a key without "=" gets one.
func Example_formBody() {
	req := httptest.NewRequest("POST", "/notes", strings.NewReader("title=Hi%21;tag=a%7eb&draft"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	fmt.Print(serveCGI("notes", req))
	// Output:
	// 26 bytes: title=Hi%21&tag=a~b&draft=
}

// A multipart body reads part by part with MultipartReader: names, file
// names, types and bytes as sent.
func Example_multipartReader() {
	body := "--b\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nHi\r\n" +
		"--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.bin\"\r\n" +
		"Content-Type: application/octet-stream\r\n\r\n\x00\x01\r\n--b--\r\n"
	req := httptest.NewRequest("POST", "/upload", strings.NewReader(body))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=b")
	fmt.Print(serveCGI("upload", req))
	// Output:
	// title "": "Hi"
	// f "a.bin": "\x00\x01"
}

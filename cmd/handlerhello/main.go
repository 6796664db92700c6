// Command handlerhello answers every request with "Hello, world!", as
// tutorial2 does, but as a net/http.Handler served through kcgihttp.Serve:
// it measures what the adapter costs over the raw loop (make bench).
// With -buffered, libkcgi buffers the responses (Config.SendBuffer), as
// for handlers that never stream.
package main

import (
	"flag"
	"io"
	"net/http"
	"os"

	"github.com/kcgi-go/kcgi-go/kcgi"
	"github.com/kcgi-go/kcgi-go/kcgi/kcgihttp"
)

func main() {
	buffered := flag.Bool("buffered", false, "let libkcgi buffer the responses")
	flag.Parse()
	var cfg *kcgi.Config
	if *buffered {
		cfg = &kcgi.Config{SendBuffer: 65535}
	}
	err := kcgihttp.Serve(cfg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "Hello, world!\n")
	}))
	if err != nil {
		os.Stderr.WriteString("handlerhello: " + err.Error() + "\n")
		os.Exit(1)
	}
}

// Command handlerhello answers every request with "Hello, world!", as
// tutorial2 does, but as a net/http.Handler served through kcgihttp.Serve:
// it measures what the adapter costs over the raw loop (make bench).
package main

import (
	"io"
	"net/http"
	"os"

	"github.com/kcgi-go/kcgi-go/kcgi/kcgihttp"
)

func main() {
	err := kcgihttp.Serve(nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "Hello, world!\n")
	}))
	if err != nil {
		os.Stderr.WriteString("handlerhello: " + err.Error() + "\n")
		os.Exit(1)
	}
}

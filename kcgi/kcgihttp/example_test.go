package kcgihttp_test

import (
	"fmt"
	"io"
	"log"
	"net/http"

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

// Command fcgihello answers every request with "Hello, world!\n" as
// text/plain using only net/http/fcgi, without libkcgi: the benchmark's
// pure-Go point of comparison (see internal/bench).
//
// It serves on the listening socket that kfcgi(8) passes as standard
// input, so it works only in kfcgi's fixed pool (the default, -n N), not
// in the variable pool (-r), which hands each connection over a
// socketpair instead. net/http/fcgi adds a Date header that libkcgi does
// not, so its responses are not byte-identical to tutorial2's.
package main

import (
	"net"
	"net/http"
	"net/http/fcgi"
	"os"
)

func main() {
	ln, err := net.FileListener(os.NewFile(0, "stdin"))
	if err != nil {
		os.Exit(1)
	}
	err = fcgi.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("Hello, world!\n"))
	}))
	if err != nil {
		os.Exit(1)
	}
}

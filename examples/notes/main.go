// Command notes is a small web application served through kcgi: a form
// with server-side validation and an optional file upload, and a JSON
// API. It is an ordinary net/http.Handler; kcgihttp.Serve runs it as a
// FastCGI worker under kfcgi(8), or as a CGI program, with every request
// parsed in libkcgi's sandbox.
//
// With -stdlib it serves the same handler with net/http/fcgi instead,
// on the listening socket kfcgi's fixed pool passes as standard input,
// for comparison.
//
// With -confine promises, such as -confine stdio, the worker confines
// itself to them once libkcgi has forked its children (kcgi.Confine):
// notes keeps its templates in memory and writes no files, so stdio is
// all it needs.
//
// See README.md beside this file for deployment.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http/fcgi"
	"os"

	"github.com/kcgi-go/kcgi-go/kcgi"
	"github.com/kcgi-go/kcgi-go/kcgi/kcgihttp"
)

func main() {
	stdlib := flag.Bool("stdlib", false, "serve with net/http/fcgi instead of kcgi")
	confine := flag.String("confine", "", "confine the worker to these promises, such as 'stdio'")
	flag.Parse()
	promises, err := kcgi.ParsePromises(*confine)
	if err != nil {
		fmt.Fprintln(os.Stderr, "notes:", err)
		os.Exit(2)
	}
	if *stdlib {
		ln, err := net.FileListener(os.NewFile(0, "listener"))
		if err == nil {
			err = fcgi.Serve(ln, newApp())
		}
		fmt.Fprintln(os.Stderr, "notes:", err)
		os.Exit(1)
	}
	// kcgihttp.Serve forks libkcgi's sandboxed children: call it before
	// anything opens descriptors or starts goroutines.
	if err := kcgihttp.Serve(&kcgi.Config{Confine: promises}, newApp()); err != nil {
		fmt.Fprintln(os.Stderr, "notes:", err)
		os.Exit(1)
	}
}

// Command davserver serves golang.org/x/net/webdav's Handler, with a
// file system and locks in memory, for litmus(1): through kcgihttp as a
// FastCGI worker under kfcgi(8) (the default), through net/http/fcgi on
// the listening socket kfcgi's fixed pool passes as standard input
// (-stdlib), or as a plain net/http server (-http addr). Run one
// worker, so that the files and locks hold from request to request.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/fcgi"
	"os"

	"github.com/kcgi-go/kcgi-go/kcgi/kcgihttp"
	"golang.org/x/net/webdav"
)

func main() {
	stdlib := flag.Bool("stdlib", false, "serve with net/http/fcgi instead of kcgi")
	addr := flag.String("http", "", "serve plain HTTP on `addr` instead")
	flag.Parse()
	h := &webdav.Handler{FileSystem: webdav.NewMemFS(), LockSystem: webdav.NewMemLS()}
	var err error
	switch {
	case *addr != "":
		err = http.ListenAndServe(*addr, h)
	case *stdlib:
		var ln net.Listener
		if ln, err = net.FileListener(os.NewFile(0, "listener")); err == nil {
			err = fcgi.Serve(ln, h)
		}
	default:
		err = kcgihttp.Serve(nil, h)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "davserver:", err)
		os.Exit(1)
	}
}

// Command confined is kcgi's FastCGI tutorial, confined: it answers
// every request with "Hello, world!", byte for byte as tutorial2 does,
// after dropping what its promises leave out (see kcgi.Confine). The
// promises are the -p flag, in pledge(2)'s words; the default is
// "stdio". Run it under kfcgi(8):
//
//	install -m 0555 confined /var/www/fcgi-bin
//	kfcgi -U www -u www -- /fcgi-bin/confined -p 'stdio inet'
//
// On its page "try" it shows what confinement does: /try makes each
// forbidden system call of internal/probe and answers with their
// errnos, one "name=errno" line each, then whether the Go runtime still
// works; /try/dial?addr=host:port connects to a TCP address and answers
// "dial=errno" (0 on success). Linux only: elsewhere the page is
// empty.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"syscall"

	"github.com/kcgi-go/kcgi-go/internal/probe"
	"github.com/kcgi-go/kcgi-go/kcgi"
)

func main() {
	promises := flag.String("p", "stdio", "the promises, such as 'stdio rpath inet'")
	flag.Parse()
	p, err := kcgi.ParsePromises(*promises)
	if err != nil {
		fmt.Fprintln(os.Stderr, "confined:", err)
		os.Exit(2)
	}
	srv, err := kcgi.Init(&kcgi.Config{Confine: p})
	if err != nil {
		fmt.Fprintln(os.Stderr, "confined:", err)
		os.Exit(1)
	}
	for {
		req, err := srv.Parse()
		if err != nil {
			break
		}
		req.Head(kcgi.RespStatus.String(), kcgi.Status200.String())
		req.Head(kcgi.RespContentType.String(), kcgi.MIMETextPlain.String())
		req.Body()
		if req.PageName() == "try" {
			try(req)
		} else {
			req.Puts("Hello, world!\n")
		}
		req.Free()
	}
	srv.Free()
}

// try answers the page "try".
func try(r *kcgi.Request) {
	if r.Path() != "dial" {
		r.Puts(probe.RunAll())
		fmt.Fprintf(r, "runtime=%q\n", probe.Runtime(""))
		return
	}
	var addr string
	for _, f := range r.Fields() {
		if f.Key == "addr" {
			addr = string(f.Value)
		}
	}
	var errno syscall.Errno
	if err := probe.Dial(addr); err != nil && !errors.As(err, &errno) {
		fmt.Fprintf(r, "dial: %v\n", err)
		return
	}
	fmt.Fprintf(r, "dial=%d\n", int(errno))
}

// Command tutorial2 is kcgi's FastCGI tutorial in Go: it answers every
// request with "Hello, world!". Run it under kfcgi(8):
//
//	install -m 0555 tutorial2 /var/www/fcgi-bin
//	kfcgi -U www -u www -- /fcgi-bin/tutorial2
//
// Its output is byte for byte that of the tutorial's C program.
package main

import "github.com/kcgi-go/kcgi-go/kcgi"

func main() {
	srv, err := kcgi.Init(nil)
	if err != nil {
		return
	}
	for {
		req, err := srv.Parse()
		if err != nil {
			break
		}
		req.Head(kcgi.RespStatus.String(), kcgi.Status200.String())
		req.Head(kcgi.RespContentType.String(), kcgi.MIMETextPlain.String())
		req.Body()
		req.Puts("Hello, world!\n")
		req.Free()
	}
	srv.Free()
}

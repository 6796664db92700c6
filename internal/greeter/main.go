// Command greeter is tutorial2 answering "Hello, version 2": the
// second build of the upgrade test, which tells the two apart by their
// answers.
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
		req.Puts("Hello, version 2\n")
		req.Free()
	}
	srv.Free()
}

// Command greeter is tutorial2 with a greeting set when it is linked,
// so that tests can tell two builds apart:
//
//	go build -ldflags '-X main.greeting=Hello,_version_2' ./internal/greeter
//
// Underscores in the greeting become spaces, so that the value needs no
// quoting inside -ldflags; the answer is the greeting and a newline.
package main

import (
	"strings"

	"github.com/kcgi-go/kcgi-go/kcgi"
)

var greeting = "Hello,_world!"

func main() {
	srv, err := kcgi.Init(nil)
	if err != nil {
		return
	}
	text := strings.ReplaceAll(greeting, "_", " ") + "\n"
	for {
		req, err := srv.Parse()
		if err != nil {
			break
		}
		req.Head(kcgi.RespStatus.String(), kcgi.Status200.String())
		req.Head(kcgi.RespContentType.String(), kcgi.MIMETextPlain.String())
		req.Body()
		req.Puts(text)
		req.Free()
	}
	srv.Free()
}

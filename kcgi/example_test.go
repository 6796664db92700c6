package kcgi_test

import (
	"errors"
	"fmt"
	"log"

	"github.com/kcgi-go/kcgi-go/kcgi"
)

// The FastCGI loop of kcgi's tutorial. Run it under kfcgi(8).
func ExampleInit() {
	srv, err := kcgi.Init(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Free()
	for {
		r, err := srv.Parse()
		if errors.Is(err, kcgi.ErrExit) {
			return // kfcgi stopped the worker
		} else if err != nil {
			log.Fatal(err)
		}
		r.Head(kcgi.RespStatus.String(), kcgi.Status200.String())
		r.Head(kcgi.RespContentType.String(), kcgi.MIMETextPlain.String())
		r.Body()
		r.Puts("Hello, world!\n")
		r.Free()
	}
}

// Pages and validated keys: libkcgi checks "id" in its sandbox; the Go
// code reads the result and answers 400 for a bad one.
func ExampleRequest_Field() {
	const keyID = 0
	srv, err := kcgi.Init(&kcgi.Config{
		Keys:  []kcgi.Key{{Name: "id", Valid: kcgi.ValidUint}},
		Pages: []string{"index", "item"},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Free()
	for {
		r, err := srv.Parse()
		if err != nil {
			return
		}
		ids := r.Field(keyID) // valid values, the last one first
		switch {
		case r.Page != 1:
			r.SetStatus(kcgi.Status404)
			r.Body()
		case len(ids) == 0:
			r.SetStatus(kcgi.Status400)
			r.Body()
			r.Printf("bad or missing id (%d invalid)\n", len(r.InvalidField(keyID)))
		default:
			r.SetStatus(kcgi.Status200)
			r.Head(kcgi.RespContentType.String(), kcgi.MIMETextPlain.String())
			r.Body()
			r.Printf("item %d\n", ids[0].Int)
		}
		r.Free()
	}
}

// A CGI program: one request per process.
func ExampleParseCGI() {
	r, err := kcgi.ParseCGI(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer r.Free()
	r.SetStatus(kcgi.Status200)
	r.Head(kcgi.RespContentType.String(), kcgi.MIMETextPlain.String())
	r.Body() // gzip if the client accepts it
	fmt.Fprintf(r, "Hello, %s!\n", r.RemoteAddr())
}

// HTTP basic authentication, checked by libkcgi.
func ExampleRequest_CheckBasic() {
	r, err := kcgi.ParseCGI(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer r.Free()
	if ok, _ := r.CheckBasic("admin", "secret"); !ok {
		r.SetStatus(kcgi.Status401)
		r.Head(kcgi.RespWWWAuthenticate.String(), `Basic realm="admin"`)
		r.Body()
		return
	}
	r.SetStatus(kcgi.Status200)
	r.Body()
	r.Puts("welcome\n")
}

package kcgi_test

import (
	"errors"
	"fmt"
	"log"
	"os"
	"syscall"

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

// A worker that may read files and nothing more once Init returns:
// Init confines it after forking libkcgi's children. On OpenBSD,
// Unveil first limits what it reads to its templates (in kfcgi's
// chroot); on Linux the chroot does that.
func ExampleConfine() {
	if err := kcgi.Unveil("/templates", "r"); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		log.Fatal(err)
	}
	srv, err := kcgi.Init(&kcgi.Config{Confine: kcgi.PromiseStdio | kcgi.PromiseRPath})
	if err != nil {
		log.Fatal(err) // such as "kcgi: Init: Confine: ..."
	}
	defer srv.Free()
	for {
		r, err := srv.Parse()
		if err != nil {
			return
		}
		r.Head(kcgi.RespStatus.String(), kcgi.Status200.String())
		r.Head(kcgi.RespContentType.String(), kcgi.MIMETextPlain.String())
		r.Body()
		if _, err := os.Create("/templates/x"); errors.Is(err, syscall.EPERM) {
			r.Puts("creating files is not allowed\n")
		}
		r.Free()
	}
}

// Promises read from a flag or a configuration file, in pledge(2)'s
// words.
func ExampleParsePromises() {
	p, err := kcgi.ParsePromises("stdio rpath inet")
	fmt.Println(p, err, p&kcgi.PromiseInet != 0)
	_, err = kcgi.ParsePromises("stdio fattr")
	fmt.Println(err)
	// Output:
	// stdio rpath inet <nil> true
	// kcgi: ParsePromises: invalid configuration: unknown promise "fattr"
}

package kcgihttp

import (
	"io"
	"mime"
	"mime/multipart"
	"strings"
	"testing"

	"github.com/kcgi-go/kcgi-go/kcgi"
)

func TestEncodeForm(t *testing.T) {
	for _, c := range []struct {
		name, ct string
		fields   []kcgi.Pair
		body     string
	}{
		{"urlencoded", "application/x-www-form-urlencoded", []kcgi.Pair{
			{Key: "a b", Value: []byte("x&y=z")}, {Key: "c", Value: nil}, {Key: "é", Value: []byte("~*")},
		}, "a+b=x%26y%3Dz&c=&%C3%A9=~%2A"},
		{"validated", "application/x-www-form-urlencoded", []kcgi.Pair{
			{Key: "n", Value: []byte(" 5\x00\x00"), State: kcgi.PairValid},
		}, "n=+5"},
		{"text/plain", "text/plain", []kcgi.Pair{
			{Key: "a", Value: []byte("1")}, {Key: "b", Value: []byte("two words")},
		}, "a=1\r\nb=two words\r\n"},
		{"multipart", "multipart/form-data; boundary=XyZ", []kcgi.Pair{
			{Key: "a", Value: []byte("1"), ContentType: "text/plain"},
			{Key: `q"\`, Value: []byte("\x00bin"), File: "f\r\n.bin", ContentType: "application/octet-stream", XferEncoding: "binary"},
			{Key: "j", Value: []byte("{}"), ContentType: "application/json"},
		}, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n" +
			"--XyZ\r\nContent-Disposition: form-data; name=\"q\\\"\\\\\"; filename=\"f%0D%0A.bin\"\r\n" +
			"Content-Transfer-Encoding: binary\r\nContent-Type: application/octet-stream\r\n\r\n\x00bin\r\n" +
			"--XyZ\r\nContent-Disposition: form-data; name=\"j\"\r\nContent-Type: application/json\r\n\r\n{}\r\n" +
			"--XyZ--\r\n"},
	} {
		body, ctype, err := encodeForm(c.ct, c.fields)
		if err != nil || string(body) != c.body || ctype != "" {
			t.Errorf("%s: %q %q %v\nwant %q", c.name, body, ctype, err, c.body)
		}
	}
}

// A boundary mime/multipart refuses is replaced, with a Content-Type
// naming the new one, and the parts read back as they were.
func TestEncodeFormBoundary(t *testing.T) {
	fields := []kcgi.Pair{{Key: "f", Value: []byte("data"), File: "a.txt", ContentType: "text/plain"}}
	body, ctype, err := encodeForm("multipart/form-data; boundary=\"bad\x01\"", fields)
	if err != nil || ctype == "" {
		t.Fatalf("%q %q %v", body, ctype, err)
	}
	_, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		t.Fatal(err)
	}
	p, err := multipart.NewReader(strings.NewReader(string(body)), params["boundary"]).NextPart()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(p)
	if p.FormName() != "f" || p.FileName() != "a.txt" || p.Header.Get("Content-Type") != "text/plain" || string(b) != "data" {
		t.Errorf("part %q %q %q %q", p.FormName(), p.FileName(), p.Header.Get("Content-Type"), b)
	}
}

package kcgihttp

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/kcgi-go/kcgi-go/kcgi"
)

// FuzzHTTPRequest builds *http.Requests from arbitrary environments and
// fields, as libkcgi could hand them over: never a panic, and the
// forms are consistent.
func FuzzHTTPRequest(f *testing.F) {
	f.Add("GET", "/a?b=c", "b=c", "", "b", []byte("c"), "", "HTTP/1.1")
	f.Add("POST", "/up", "x=%zz&=1;y", "multipart/form-data; boundary=q", "f", []byte("\x00bin"), "a\"b.txt", "HTTP/1.0")
	f.Add("PUT", "/j", "", "application/json", "", []byte(`{"a":1}`), "", "HTTP/1.1")
	f.Add("", "", "", "", "", []byte(nil), "", "")
	f.Fuzz(func(t *testing.T, method, uri, query, ctype, key string, value []byte, file, proto string) {
		p := &parsed{
			env: map[string]string{
				"REQUEST_METHOD": method, "REQUEST_URI": uri, "QUERY_STRING": query,
				"CONTENT_TYPE": ctype, "SERVER_PROTOCOL": proto, "HTTP_HOST": "h",
			},
			fields: []kcgi.Pair{{Key: key, Value: value, File: file, ContentType: ctype}},
		}
		if key == "" && !isMultipart(ctype) {
			p.rawBody = &p.fields[0]
		}
		hr, err := p.request()
		if err != nil {
			return
		}
		if err := hr.ParseMultipartForm(1 << 20); err != nil {
			return
		}
		for k, vs := range hr.PostForm {
			if len(hr.Form[k]) < len(vs) {
				t.Fatalf("PostForm[%q] = %q not in Form %q", k, vs, hr.Form[k])
			}
		}
		if hr.MultipartForm != nil && file != "" && key != "" {
			fhs := hr.MultipartForm.File[key]
			if len(fhs) != 1 {
				t.Fatalf("upload %q: %d files", key, len(fhs))
			}
			rd, err := fhs[0].Open()
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(rd)
			if !bytes.Equal(got, value) {
				t.Fatalf("upload changed: %q, want %q", got, value)
			}
		}
	})
}

// FuzzQueryPairs: the count of query fields never exceeds the pairs
// in the string, and equals it for plain pairs.
func FuzzQueryPairs(f *testing.F) {
	for _, s := range []string{"a=1&b=2", "a=%zz&b", " =x;;c=%00", "%41=%4", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		n := queryPairs(q)
		if max := strings.Count(q, "&") + strings.Count(q, ";") + 1; n < 0 || n > max {
			t.Fatalf("queryPairs(%q) = %d, more than %d", q, n, max)
		}
		plain := strings.Map(func(c rune) rune {
			if 'a' <= c && c <= 'z' {
				return c
			}
			return -1
		}, q)
		if plain != "" {
			if got := queryPairs(plain + "=1&" + plain); got != 2 {
				t.Fatalf("queryPairs(%q) = %d, want 2", plain+"=1&"+plain, got)
			}
		}
	})
}

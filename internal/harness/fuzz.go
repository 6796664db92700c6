package harness

// This file generates random HTTP requests for a fuzz through a web
// server.

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand"
	"strings"
)

// FuzzFields are the field names that the generated requests use
// most: those of the echo programs, and one they do not know.
var FuzzFields = []string{"bit", "date", "double", "email", "int", "string",
	"stringne", "udouble", "uint", "none", "other"}

// fuzzMethods are the request methods: kcgi's, others that nginx
// passes on, and some that it refuses.
var fuzzMethods = []string{"GET", "GET", "GET", "POST", "POST", "POST", "PUT", "DELETE",
	"HEAD", "OPTIONS", "PATCH", "PROPFIND", "MKCOL", "COPY", "LOCK", "REPORT", "BREW",
	"X-CUSTOM", "FOO_BAR", "get", "TRACE"}

// FuzzHTTP returns a random HTTP/1.1 request for a web server, drawn
// from rnd, for a path under prefix (such as "/app"). It has a Host
// header and "Connection: close", a random method (some unknown to
// kcgi, a few refused by web servers), a path and a query string with
// percent escapes (valid or not), random headers, cookies and
// authorization, and maybe a body: URL-encoded, multipart with a
// random boundary and binary parts, or raw bytes, with a correct
// Content-Length or chunked.
func FuzzHTTP(rnd *rand.Rand, prefix string) []byte {
	var b bytes.Buffer
	method := pick(rnd, fuzzMethods)
	target := prefix + fuzzPath(rnd)
	if rnd.Intn(4) > 0 {
		target += "?" + fuzzForm(rnd, rnd.Intn(8))
	}
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n", method, target)
	for n := rnd.Intn(6); n > 0; n-- {
		b.WriteString(fuzzHeader(rnd) + "\r\n")
	}
	if method == "GET" && rnd.Intn(2) == 0 || method == "HEAD" {
		b.WriteString("\r\n")
		return b.Bytes()
	}
	ctype, body := fuzzBody(rnd)
	if ctype != "" {
		b.WriteString("Content-Type: " + ctype + "\r\n")
	}
	if rnd.Intn(5) == 0 {
		b.WriteString("Transfer-Encoding: chunked\r\n\r\n")
		for len(body) > 0 {
			n := min(len(body), 1+rnd.Intn(5000))
			fmt.Fprintf(&b, "%x\r\n%s\r\n", n, body[:n])
			body = body[n:]
		}
		b.WriteString("0\r\n\r\n")
		return b.Bytes()
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
	b.Write(body)
	return b.Bytes()
}

func pick(rnd *rand.Rand, list []string) string { return list[rnd.Intn(len(list))] }

// fuzzText returns up to n bytes: mostly printable ASCII, with spaces,
// punctuation, UTF-8 and, if binary, any byte.
func fuzzText(rnd *rand.Rand, n int, binary bool) string {
	const ascii = "abcXYZ019 -_.~!*'();:@&=+$,/?#[]%\"\\<>{}|^`"
	b := make([]byte, rnd.Intn(n+1))
	for i := range b {
		switch r := rnd.Intn(20); {
		case binary && r == 0:
			b[i] = byte(rnd.Intn(256))
		case r == 1:
			b[i] = 0xc3 // with the next byte, often an invalid sequence
		default:
			b[i] = ascii[rnd.Intn(len(ascii))]
		}
	}
	return string(b)
}

// fuzzEscape percent-encodes some bytes of s, and may add a bad escape.
func fuzzEscape(rnd *rand.Rand, s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("%&=#?+\"\\<>{}|^`", c) >= 0 || rnd.Intn(8) == 0 {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	if rnd.Intn(10) == 0 {
		b.WriteString(pick(rnd, []string{"%", "%4", "%zz", "%00", "+", "%2B"}))
	}
	return b.String()
}

// fuzzPath returns "", or a path of escaped segments, maybe with a
// suffix.
func fuzzPath(rnd *rand.Rand) string {
	var b strings.Builder
	for n := rnd.Intn(4); n > 0; n-- {
		seg := pick(rnd, []string{"index", "form", "upload", "auth", "x", ""})
		if rnd.Intn(3) == 0 {
			seg = fuzzEscape(rnd, fuzzText(rnd, 12, true))
		}
		b.WriteString("/" + seg)
	}
	if rnd.Intn(3) == 0 {
		b.WriteString("." + pick(rnd, []string{"html", "txt", "JSON", "tar.gz", "xyz", ""}))
	}
	return b.String()
}

// fuzzForm returns n URL-encoded pairs, some odd.
func fuzzForm(rnd *rand.Rand, n int) string {
	var pairs []string
	for ; n > 0; n-- {
		key := pick(rnd, FuzzFields)
		if rnd.Intn(6) == 0 {
			key = fuzzEscape(rnd, fuzzText(rnd, 6, true))
		}
		val := fuzzEscape(rnd, fuzzText(rnd, 20, true))
		switch rnd.Intn(10) {
		case 0:
			pairs = append(pairs, key)
		case 1:
			pairs = append(pairs, "="+val)
		default:
			pairs = append(pairs, key+"="+val)
		}
	}
	return strings.Join(pairs, pick(rnd, []string{"&", "&", "&", ";", "&&"}))
}

// fuzzHeader returns a header line without CRLF: cookies,
// authorization, known headers, or a random name.
func fuzzHeader(rnd *rand.Rand) string {
	switch rnd.Intn(7) {
	case 0:
		var cs []string
		for n := 1 + rnd.Intn(4); n > 0; n-- {
			cs = append(cs, pick(rnd, FuzzFields)+"="+fuzzEscape(rnd, fuzzText(rnd, 10, false)))
		}
		return "Cookie: " + strings.Join(cs, pick(rnd, []string{"; ", ";", " ; "}))
	case 1:
		cred := base64.StdEncoding.EncodeToString([]byte(fuzzText(rnd, 12, true)))
		switch rnd.Intn(3) {
		case 0:
			return "Authorization: Basic " + cred
		case 1:
			return "Authorization: Bearer " + cred
		}
		return fmt.Sprintf(`Authorization: Digest username="%s", realm="r", nonce="%x", uri="/app/auth", `+
			`qop=%s, nc=%08x, cnonce="c", response="%032x", algorithm=%s`,
			fuzzText(rnd, 8, false), rnd.Int63(), pick(rnd, []string{"auth", "auth-int", "x"}),
			rnd.Uint32(), rnd.Int63(), pick(rnd, []string{"MD5", "MD5-sess", "SHA"}))
	case 2:
		return pick(rnd, []string{"User-Agent", "Accept", "Accept-Encoding", "Referer", "Origin"}) +
			": " + strings.TrimSpace(fuzzText(rnd, 40, false))
	}
	name := "X-" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '-'
	}, fuzzText(rnd, 10, false))
	return name + ": " + strings.TrimSpace(strings.NewReplacer("\r", "", "\n", "", "\x00", "").
		Replace(fuzzText(rnd, 60, true)))
}

// fuzzBody returns a content type (maybe "") and a body.
func fuzzBody(rnd *rand.Rand) (string, []byte) {
	switch rnd.Intn(5) {
	case 0, 1:
		return "application/x-www-form-urlencoded", []byte(fuzzForm(rnd, rnd.Intn(20)))
	case 2:
		return fuzzMultipart(rnd)
	case 3:
		return pick(rnd, []string{"", "text/plain", "application/json", "application/octet-stream"}),
			[]byte(fuzzText(rnd, 4000, true))
	}
	raw := make([]byte, rnd.Intn(70000))
	rnd.Read(raw)
	return "application/octet-stream", raw
}

// fuzzMultipart returns a multipart/form-data body with a random
// boundary, fields and binary files, and its content type.
func fuzzMultipart(rnd *rand.Rand) (string, []byte) {
	const bchars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'()+_,-./:=?"
	bound := make([]byte, 1+rnd.Intn(60))
	for i := range bound {
		bound[i] = bchars[rnd.Intn(len(bchars))]
	}
	var b bytes.Buffer
	for n := rnd.Intn(5); n > 0; n-- {
		fmt.Fprintf(&b, "--%s\r\nContent-Disposition: form-data; name=\"%s\"", bound, pick(rnd, FuzzFields))
		content := fuzzText(rnd, 200, false)
		if rnd.Intn(2) == 0 {
			raw := make([]byte, rnd.Intn(20000))
			rnd.Read(raw)
			content = string(raw)
			fmt.Fprintf(&b, "; filename=\"%s\"\r\nContent-Type: %s", fuzzEscape(rnd, fuzzText(rnd, 10, false)),
				pick(rnd, []string{"application/octet-stream", "image/png", "text/plain", "x/y"}))
			if rnd.Intn(4) == 0 {
				b.WriteString("\r\nContent-Transfer-Encoding: binary")
			}
		}
		fmt.Fprintf(&b, "\r\n\r\n%s\r\n", content)
	}
	if rnd.Intn(8) > 0 { // else truncated
		fmt.Fprintf(&b, "--%s--\r\n", bound)
	}
	return fmt.Sprintf(`multipart/form-data; boundary="%s"`, bound), b.Bytes()
}

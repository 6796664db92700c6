package kcgihttp

// This file builds the *http.Request of a parsed kcgi.Request.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cgi"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/kcgi-go/kcgi-go/kcgi"
)

// ErrMethod is returned by NewRequest, with libkcgi before 1.0.0, for a
// method libkcgi does not know (such as PATCH): libkcgi keeps only its
// number, [kcgi.MethodMax], so the method's name is lost.
var ErrMethod = errors.New("kcgihttp: method unknown to libkcgi")

// NewRequest builds an *http.Request from r, as net/http/cgi builds one
// from the environment: the URL from REQUEST_URI, Host, RemoteAddr,
// Header, ContentLength, and TLS when HTTPS is on.
//
// Its Body is the raw body for content types libkcgi does not parse
// (see [kcgi.Request.RawBody]). For the forms libkcgi parses
// (application/x-www-form-urlencoded, multipart/form-data, and
// text/plain with POST), libkcgi keeps the fields, not the bytes, so
// the Body is those fields re-encoded, in the order sent, as a body of
// the same content type: ContentLength (and a Content-Length header)
// is the length of that body. Form, PostForm and MultipartForm are
// left nil, so that ParseForm, FormValue, FormFile, ParseMultipartForm
// and MultipartReader work on the Body exactly as they do under
// net/http, with the values libkcgi's sandbox parsed: for keys with a
// validator, as the validator left them (trimmed, an e-mail
// lowercased). The re-encoded body is equivalent, not always
// byte-identical: see the package doc.
//
// libkcgi before 1.0.0 passes no environment ([kcgi.HaveEnv] is
// false), so NewRequest rebuilds one from what libkcgi parsed, and the
// *http.Request differs from 1.0.x's:
//
//   - Method is libkcgi's name for it; a method libkcgi does not know
//     returns ErrMethod (answered 501 Not Implemented by Serve).
//   - URL.Path is SCRIPT_NAME followed by PATH_INFO.
//   - URL.RawQuery is rebuilt from the fields, as key=value pairs joined
//     by &, when the body is not a form (the fields then all come from
//     the query string). With a form body, query and body fields cannot
//     be told apart: RawQuery is empty, and PostForm holds them all.
//   - Proto is HTTP/1.1, and the port of RemoteAddr is 0.
//   - ContentLength and the form's content type come from the
//     Content-Length and Content-Type headers, which nginx passes on;
//     without a Content-Length (a chunked request), ContentLength is
//     the length of the body libkcgi read.
func NewRequest(r *kcgi.Request) (*http.Request, error) {
	return parsedOf(r).request()
}

// parsed is what the adapter reads of a kcgi.Request.
type parsed struct {
	method  kcgi.Method
	env     map[string]string // nil when libkcgi passed none
	fields  []kcgi.Pair
	rawBody *kcgi.Pair

	// Only without env, for rebuildEnv.
	headers                                []kcgi.KeyValue
	scriptName, fullPath, host, remoteAddr string
	port                                   int
	https                                  bool
}

func parsedOf(r *kcgi.Request) *parsed {
	p := &parsed{method: r.Method, fields: r.Fields()}
	p.rawBody, _ = r.RawBody()
	if env := r.Env(); env != nil || kcgi.HaveEnv {
		p.env = make(map[string]string, len(env))
		for _, kv := range env {
			p.env[kv.Key] = kv.Value
		}
		return p
	}
	// libkcgi before 1.0.0: what rebuildEnv makes an environment of.
	p.headers, p.port, p.https = r.Headers(), r.Port, r.Scheme == kcgi.SchemeHTTPS
	p.scriptName, p.fullPath, p.host, p.remoteAddr = r.ScriptName(), r.FullPath(), r.Host(), r.RemoteAddr()
	return p
}

// request builds the *http.Request, from p.env or, if nil, from the
// environment rebuildEnv makes.
func (p *parsed) request() (*http.Request, error) {
	env := p.env
	if env == nil {
		if env = p.rebuildEnv(); env == nil {
			return nil, fmt.Errorf("%w (libkcgi %s)", ErrMethod, kcgi.Version)
		}
	}
	hr, err := cgi.RequestFromMap(env)
	if err != nil {
		return nil, err
	}
	hr.Body = http.NoBody
	// The CONTENT_TYPE libkcgi went by, in the environment it read.
	switch ct := env["CONTENT_TYPE"]; {
	case p.rawBody != nil:
		hr.Body = io.NopCloser(bytes.NewReader(p.rawBody.Value))
	case isForm(ct, p.method):
		var body []byte
		if nbody := len(p.fields) - queryPairs(env["QUERY_STRING"]); nbody > 0 {
			var newType string
			if body, newType, err = encodeForm(ct, p.fields[:nbody]); err != nil {
				return nil, err
			}
			hr.Body = io.NopCloser(bytes.NewReader(body))
			if newType != "" {
				hr.Header.Set("Content-Type", newType)
			}
		}
		hr.ContentLength = int64(len(body))
		if _, ok := hr.Header["Content-Length"]; ok {
			hr.Header.Set("Content-Length", strconv.Itoa(len(body)))
		}
	}
	return hr, nil
}

// isMultipart is libkcgi's test of CONTENT_TYPE for a multipart body.
func isMultipart(ct string) bool {
	return len(ct) >= 19 && strings.EqualFold(ct[:19], "multipart/form-data")
}

// isForm reports whether libkcgi parses a body of content type ct into
// fields (child.c, parse_body's callers).
func isForm(ct string, m kcgi.Method) bool {
	switch {
	case strings.EqualFold(ct, "application/x-www-form-urlencoded"),
		len(ct) >= 34 && strings.EqualFold(ct[:34], "application/x-www-form-urlencoded;"),
		isMultipart(ct):
		return true
	}
	return m == kcgi.MethodPost && strings.EqualFold(ct, "text/plain")
}

// rebuildEnv makes a CGI environment of what libkcgi parsed, as
// NewRequest describes; nil if the method is unknown.
func (p *parsed) rebuildEnv() map[string]string {
	if p.method < 0 || p.method >= kcgi.MethodMax {
		return nil
	}
	env := map[string]string{
		"REQUEST_METHOD":  p.method.String(),
		"SERVER_PROTOCOL": "HTTP/1.1",
		"SCRIPT_NAME":     p.scriptName,
		"PATH_INFO":       p.fullPath,
		"SERVER_PORT":     strconv.Itoa(p.port),
		"REMOTE_ADDR":     p.remoteAddr,
		"HTTP_HOST":       p.host,
	}
	if p.https {
		env["HTTPS"] = "on"
	}
	for _, h := range p.headers {
		env["HTTP_"+strings.ToUpper(strings.ReplaceAll(h.Key, "-", "_"))] = h.Value
	}
	for _, k := range []string{"CONTENT_TYPE", "CONTENT_LENGTH"} {
		if v, ok := env["HTTP_"+k]; ok {
			env[k] = v
		}
	}
	if _, ok := env["CONTENT_LENGTH"]; !ok && p.rawBody != nil {
		// A chunked request: the web server counted the body,
		// libkcgi read all of it.
		env["CONTENT_LENGTH"] = strconv.Itoa(len(p.rawBody.Value))
	}
	u := url.URL{Path: p.scriptName + p.fullPath}
	if !isForm(env["CONTENT_TYPE"], p.method) {
		q := make(url.Values)
		var keys []string
		for i := range p.fields {
			f := &p.fields[i]
			if f.Key == "" || f.File != "" {
				continue
			}
			if _, ok := q[f.Key]; !ok {
				keys = append(keys, f.Key)
			}
			q[f.Key] = append(q[f.Key], formValue(f))
		}
		u.RawQuery = encodeOrdered(q, keys)
	}
	env["QUERY_STRING"] = u.RawQuery
	env["REQUEST_URI"] = u.RequestURI()
	return env
}

// encodeOrdered encodes q as url.Values.Encode does, but with the keys
// in the order given (the order libkcgi parsed them) instead of sorted.
func encodeOrdered(q url.Values, keys []string) string {
	var b strings.Builder
	for _, k := range keys {
		for _, v := range q[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(k) + "=" + url.QueryEscape(v))
		}
	}
	return b.String()
}

// processEnv is the process's environment, which a CGI program's
// request is, as net/http/cgi reads it.
func processEnv() map[string]string {
	env := make(map[string]string)
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return env
}

// formValue is a field's value for Form: as sent, or, if a validator
// ran, as the validator left it, without the NULs it wrote over
// trailing blanks.
func formValue(p *kcgi.Pair) string {
	v := p.Value
	if p.State != kcgi.PairUnchecked {
		if i := bytes.IndexByte(v, 0); i >= 0 {
			v = v[:i]
		}
	}
	return string(v)
}

// queryPairs counts the fields libkcgi makes of a query string, which
// it parses after the body: the fields before them are the body's.
// The rules are libkcgi's: pairs end at & or ;, leading spaces are
// skipped, and pairs with an empty key or a bad %-escape are dropped.
func queryPairs(q string) int {
	n := 0
	for _, pair := range strings.FieldsFunc(q, func(c rune) bool { return c == '&' || c == ';' }) {
		pair = strings.TrimLeft(pair, " ")
		key, val, _ := strings.Cut(pair, "=")
		if key != "" && unescapes(key) && unescapes(val) {
			n++
		}
	}
	return n
}

// unescapes reports whether libkcgi decodes s (khttp_urldecode_inplace):
// each % is followed by two hex digits, which sscanf's "%1hhx%1hhx" lets
// whitespace precede, and which do not make a NUL.
func unescapes(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		var b byte
		j := i + 1
		for n := 0; n < 2; n++ {
			for j < len(s) && strings.IndexByte(" \t\n\v\f\r", s[j]) >= 0 {
				j++
			}
			if j == len(s) || !ishex(s[j]) {
				return false
			}
			b = b<<4 | unhex(s[j])
			j++
		}
		if b == 0 {
			return false
		}
		i += 2 // libkcgi goes on three bytes after the %, whatever it read
	}
	return true
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

func ishex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

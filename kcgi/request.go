package kcgi

// This file holds the Request: everything libkcgi parsed, copied into Go
// values, and the calls that write the response.

// #include "shim.h"
import "C"

import (
	"fmt"
	"strings"
	"unsafe"
)

// A Request is one parsed HTTP request (struct kreq) and its response.
// Its fields are copies made when the request was parsed, and stay valid
// after Free. Its methods write the response: first any number of Head
// calls, then Body, then Write, Puts and Printf, then Free, exactly once.
// A Request is not safe for concurrent use.
type Request struct {
	Method     Method // the request method, MethodMax if unknown to libkcgi
	Page       int    // index of PageName in Config.Pages, see there
	PageName   string // first component of PATH_INFO, without suffix
	Path       string // rest of PATH_INFO after the page name, without suffix
	FullPath   string // PATH_INFO
	Suffix     string // suffix of the last component of PATH_INFO
	MIME       MIME   // MIME type of Suffix: MIMETextHTML without, MIMEMax if unknown
	Scheme     Scheme // SchemeHTTPS when HTTPS is "on", else SchemeHTTP
	Host       string // HTTP_HOST, "localhost" if unset
	Port       int    // SERVER_PORT, 80 if unset
	RemoteAddr string // REMOTE_ADDR, "127.0.0.1" if unset
	ScriptName string // SCRIPT_NAME: the URL prefix of the program

	// Headers holds the request's HTTP headers in libkcgi's order, with
	// the names libkcgi made of the HTTP_ variables (HTTP_USER_AGENT
	// becomes User-Agent). See HeaderValue for lookup by name.
	Headers []KeyValue
	// Env is the CGI or FastCGI environment, in the order received.
	// It is nil with libkcgi before 1.0.0, which does not pass it on:
	// see [HaveEnv].
	Env []KeyValue

	// Fields holds the query string and form values, and Cookies the
	// cookies, in the order parsed. See Field and Cookie for lookup by
	// key.
	Fields  []Pair
	Cookies []Pair

	// AuthType is from AUTH_TYPE: the authentication the web server did.
	AuthType AuthType
	// Authorization is the parsed Authorization header. Check it against
	// a password with CheckBasic or CheckDigest.
	Authorization Auth

	// buckets[i][k]: the indices into Fields (i 0, 1) or Cookies (i 2,
	// 3) of key k's valid (even i) and invalid (odd i) values.
	buckets [4][][]int
	req     *C.struct_kreq
	state   int
	done    func() // after khttp_free: the owner of req and cfg takes over
}

// A KeyValue is a header or environment variable.
type KeyValue struct {
	Key, Value string
}

// The states of a Request's response.
const (
	stateHead = iota
	stateBody
	stateFailed // Body failed: libkcgi's output may be half set up
	stateFreed
)

// newRequest copies a parsed kreq into Go values.
func newRequest(req *C.struct_kreq, cfg *cconfig) *Request {
	r := &Request{
		Method:     Method(req.method),
		Page:       int(req.page),
		PageName:   gostr(req.pagename),
		Path:       gostr(req.path),
		FullPath:   gostr(req.fullpath),
		Suffix:     gostr(req.suffix),
		MIME:       MIME(req.mime),
		Scheme:     Scheme(req.scheme),
		Host:       gostr(req.host),
		Port:       int(req.port),
		RemoteAddr: gostr(req.remote),
		ScriptName: gostr(req.pname),
		Headers:    heads(req.reqs, req.reqsz),
		Env:        envs(req),
		AuthType:   AuthType(req.auth),
		req:        req,
	}
	r.Authorization = newAuth(&req.rawauth)
	r.Fields = pairs(req.fields, req.fieldsz, cfg)
	r.Cookies = pairs(req.cookies, req.cookiesz, cfg)
	n := int(cfg.nkeys)
	r.buckets[0] = buckets(req.fieldmap, n, req.fields)
	r.buckets[1] = buckets(req.fieldnmap, n, req.fields)
	r.buckets[2] = buckets(req.cookiemap, n, req.cookies)
	r.buckets[3] = buckets(req.cookienmap, n, req.cookies)
	return r
}

func gostr(s *C.char) string {
	if s == nil {
		return ""
	}
	return C.GoString(s)
}

func heads(h *C.struct_khead, n C.size_t) []KeyValue {
	if n == 0 {
		return nil
	}
	out := make([]KeyValue, n)
	for i, kv := range unsafe.Slice(h, int(n)) {
		out[i] = KeyValue{gostr(kv.key), gostr(kv.val)}
	}
	return out
}

func envs(req *C.struct_kreq) []KeyValue {
	var n C.size_t
	e := C.kg_envs(req, &n)
	return heads(e, n)
}

func pairs(p *C.struct_kpair, n C.size_t, cfg *cconfig) []Pair {
	if n == 0 {
		return nil
	}
	out := make([]Pair, n)
	ps := unsafe.Slice(p, int(n))
	for i := range ps {
		out[i] = newPair(&ps[i], cfg)
	}
	return out
}

// buckets lists, for each key, the positions in the array at base of
// the pairs chained from m[key]: libkcgi's order, last parsed first.
func buckets(m **C.struct_kpair, n int, base *C.struct_kpair) [][]int {
	if m == nil || n == 0 {
		return nil
	}
	out := make([][]int, n)
	for k, p := range unsafe.Slice(m, n) {
		for ; p != nil; p = p.next {
			i := (uintptr(unsafe.Pointer(p)) - uintptr(unsafe.Pointer(base))) / C.sizeof_struct_kpair
			out[k] = append(out[k], int(i))
		}
	}
	return out
}

func (r *Request) bucket(i, key int, from []Pair) []*Pair {
	if key < 0 || key >= len(r.buckets[i]) {
		return nil
	}
	out := make([]*Pair, len(r.buckets[i][key]))
	for j, n := range r.buckets[i][key] {
		out[j] = &from[n]
	}
	return out
}

// Field returns the values of Config.Keys[key] that passed validation
// (or were not validated), as libkcgi buckets them (fieldmap): the last
// one parsed first.
func (r *Request) Field(key int) []*Pair { return r.bucket(0, key, r.Fields) }

// InvalidField returns the values of Config.Keys[key] that failed
// validation (fieldnmap), the last one parsed first.
func (r *Request) InvalidField(key int) []*Pair { return r.bucket(1, key, r.Fields) }

// Cookie returns the cookies of Config.Keys[key] that passed validation
// (cookiemap), the last one parsed first.
func (r *Request) Cookie(key int) []*Pair { return r.bucket(2, key, r.Cookies) }

// InvalidCookie returns the cookies of Config.Keys[key] that failed
// validation (cookienmap), the last one parsed first.
func (r *Request) InvalidCookie(key int) []*Pair { return r.bucket(3, key, r.Cookies) }

// Getenv returns the value of the environment variable key, or "": always
// "" with libkcgi before 1.0.0 (see [HaveEnv]).
func (r *Request) Getenv(key string) string {
	for _, kv := range r.Env {
		if kv.Key == key {
			return kv.Value
		}
	}
	return ""
}

// RawBody returns the body of a request whose content type libkcgi does
// not parse into fields (anything but URL-encoded and multipart forms,
// and text/plain with POST): libkcgi keeps it whole as a field with an
// empty key and the request's content type (application/octet-stream
// without CONTENT_TYPE, empty if CONTENT_TYPE is empty). Other
// pairs with an empty key are dropped, except nameless multipart parts.
func (r *Request) RawBody() (*Pair, bool) {
	if r.multipart() {
		return nil, false
	}
	for i := range r.Fields {
		if r.Fields[i].Key == "" {
			return &r.Fields[i], true
		}
	}
	return nil, false
}

// multipart reports whether libkcgi parsed the body as multipart, by
// its test of CONTENT_TYPE.
func (r *Request) multipart() bool {
	ct := r.ContentType()
	return len(ct) >= 19 && strings.EqualFold(ct[:19], "multipart/form-data")
}

// ContentType returns the request's CONTENT_TYPE, by which libkcgi
// chose how to parse the body. Without the environment (libkcgi before
// 1.0.0, see [HaveEnv]) it returns the Content-Type header instead,
// which nginx passes on as HTTP_CONTENT_TYPE but the CGI of some web
// servers does not.
func (r *Request) ContentType() string {
	if r.Env == nil && !HaveEnv {
		return r.HeaderValue("Content-Type")
	}
	return r.Getenv("CONTENT_TYPE")
}

// HeaderValue returns the value of the first request header named key,
// compared without regard to case, or "".
func (r *Request) HeaderValue(key string) string {
	for _, kv := range r.Headers {
		if strings.EqualFold(kv.Key, key) {
			return kv.Value
		}
	}
	return ""
}

func (r *Request) check(call string, want int) error {
	switch {
	case r.state == stateFreed || r.req == nil:
		return fmt.Errorf("%s: %w", call, ErrFreed)
	case r.state == stateFailed:
		return fmt.Errorf("%s after a failed Body: %w", call, ErrState)
	case r.state != want:
		return fmt.Errorf("%s: %w", call, ErrState)
	}
	return nil
}

// Head writes the response header "key: value" (khttp_head(3)). It must
// come before Body. A key that is not a token, or a value holding CR, LF
// or NUL, returns ErrHeader and nothing is written (see CheckHeader).
// libkcgi adds no headers of its own; see Resp and Status for the names
// and values it knows, and SetStatus.
func (r *Request) Head(key, value string) error {
	if err := r.check("Head", stateHead); err != nil {
		return err
	}
	if err := CheckHeader(key, value); err != nil {
		return err
	}
	k, v := C.CString(key), C.CString(value)
	defer C.free(unsafe.Pointer(k))
	defer C.free(unsafe.Pointer(v))
	return kerr(C.kg_head(r.req, k, v))
}

// SetStatus writes the Status header with the text of s, such as
// "Status: 404 Not Found".
func (r *Request) SetStatus(s Status) error {
	if s < 0 || s >= StatusMax {
		return fmt.Errorf("SetStatus %d: %w", int(s), ErrHeader)
	}
	return r.Head(RespStatus.String(), s.String())
}

// CheckHeader reports whether key and value can be written as a header:
// the key must be an HTTP token (RFC 9110), and the value may not hold
// CR, LF or NUL. If not, it returns an error wrapping ErrHeader.
func CheckHeader(key, value string) error {
	if key == "" {
		return fmt.Errorf("%w: empty name", ErrHeader)
	}
	for i := 0; i < len(key); i++ {
		if !isToken(key[i]) {
			return fmt.Errorf("%w: name %q", ErrHeader, key)
		}
	}
	if i := strings.IndexAny(value, "\r\n\x00"); i >= 0 {
		return fmt.Errorf("%w: value of %s holds %q", ErrHeader, key, value[i])
	}
	return nil
}

func isToken(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// Body ends the headers and starts the body (khttp_body(3)). In CGI,
// when the request accepts gzip, libkcgi compresses the body and adds
// "Content-Encoding: gzip"; in FastCGI it never compresses.
func (r *Request) Body() error {
	return r.body("Body", -1)
}

// BodyCompress starts the body like Body (khttp_body_compress(3)), but
// compresses it if compress is true, whatever the request accepts, and
// adds no header: the caller says "Content-Encoding: gzip" first. It
// returns ErrForm, with the body not started, when libkcgi cannot
// compress: always under FastCGI.
func (r *Request) BodyCompress(compress bool) error {
	var c C.int
	if compress {
		c = 1
	}
	return r.body("BodyCompress", c)
}

func (r *Request) body(call string, comp C.int) error {
	if err := r.check(call, stateHead); err != nil {
		return err
	}
	switch err := kerr(C.kg_body(r.req, comp)); {
	case err == nil:
		r.state = stateBody
		return nil
	case comp == 1 && err == ErrForm:
		return err // no compression here: nothing was set up
	default:
		// libkcgi may have set up compression already, and asserts
		// it is not set up twice: only Free may follow.
		r.state = stateFailed
		return err
	}
}

// Write writes p to the body (khttp_write(3)), after Body. All of p is
// written, byte for byte, or an error is returned. libkcgi buffers the
// output and sends it as the buffer fills and at Free; a client that
// went away shows as an error only when a write reaches it (khttp_free
// reports nothing).
func (r *Request) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, r.check("Write", stateBody)
	}
	return r.write(unsafe.Pointer(&p[0]), len(p))
}

// WriteString is Write for a string.
func (r *Request) WriteString(s string) (int, error) {
	if len(s) == 0 {
		return 0, r.check("Write", stateBody)
	}
	return r.write(unsafe.Pointer(unsafe.StringData(s)), len(s))
}

// write writes n bytes at p, which libkcgi copies.
func (r *Request) write(p unsafe.Pointer, n int) (int, error) {
	if err := r.check("Write", stateBody); err != nil {
		return 0, err
	}
	if err := kerr(C.kg_write(r.req, (*C.char)(p), C.size_t(n))); err != nil {
		return 0, err
	}
	return n, nil
}

// Puts writes s to the body (khttp_puts(3)).
func (r *Request) Puts(s string) error {
	_, err := r.WriteString(s)
	return err
}

// Printf formats to the body in one write, as fmt.Fprintf does.
func (r *Request) Printf(format string, a ...any) (int, error) {
	return fmt.Fprintf(r, format, a...)
}

// Free ends the response and frees the request (khttp_free(3)): libkcgi
// flushes what is buffered and closes the connection. It must be called
// once for every request, also when the response was never started. The
// fields of r stay valid; its methods return ErrFreed.
func (r *Request) Free() error {
	if r.state == stateFreed || r.req == nil {
		return fmt.Errorf("Free: %w", ErrFreed)
	}
	C.kg_free(r.req)
	r.req = nil
	r.state = stateFreed
	if r.done != nil {
		r.done()
	}
	return nil
}

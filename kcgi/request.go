package kcgi

// This file holds the Request: everything libkcgi parsed, copied into Go
// values, and the calls that write the response.

// #include "shim.h"
import "C"

import (
	"fmt"
	"os"
	"strings"
	"unsafe"
)

// A Request is one parsed HTTP request (struct kreq) and its response.
// Its methods write the response: first any number of Head calls, then
// Body, then Write, Puts and Printf, then Free, exactly once.
//
// What libkcgi parsed is read through the fields below and the methods
// PageName, Path, FullPath, Suffix, Host, RemoteAddr, ScriptName,
// Headers, Env, Fields, Cookies and Authorization. Each of these values
// is copied out of libkcgi the first time it is read, and stays valid
// after Free; a value first read after Free is empty. A Server hands out
// the same *Request for each request it parses: keep the values, not the
// Request. A Request is not safe for concurrent use.
type Request struct {
	Method   Method   // the request method, MethodMax if unknown to libkcgi
	Page     int      // index of PageName in Config.Pages, see there
	MIME     MIME     // MIME type of Suffix: MIMETextHTML without, MIMEMax if unknown
	Scheme   Scheme   // SchemeHTTPS when HTTPS is "on", else SchemeHTTP
	Port     int      // SERVER_PORT, 80 if unset
	AuthType AuthType // from AUTH_TYPE: the authentication the web server did

	req   *C.struct_kreq
	cfg   *cconfig
	cgi   bool // ParseCGI's: Free also frees req and cfg
	state int
	buf   []byte // Head's NUL-terminated copies, reused

	read    uint32 // which of the values below are copied: 1<<value
	strs    [nstrs]string
	headers []KeyValue
	env     []KeyValue
	fields  []Pair
	cookies []Pair
	auth    Auth
	buckets [nbuckets][][]int // per bucket and key: indices into fields or cookies
}

// The values a Request copies when first read, by their bit in read.
const (
	valPageName = iota
	valPath
	valFullPath
	valSuffix
	valHost
	valRemoteAddr
	valScriptName
	nstrs      // the values above are strings, in strs
	valHeaders = iota - 1
	valEnv
	valFields
	valCookies
	valAuth
	valBuckets // the first of nbuckets
)

// The buckets of fields and cookies, by key (fieldmap, fieldnmap,
// cookiemap, cookienmap).
const (
	validFields = iota
	invalidFields
	validCookies
	invalidCookies
	nbuckets
)

// A KeyValue is a header or environment variable.
type KeyValue struct {
	Key, Value string
}

// The states of a Request's response.
const (
	stateHead = iota
	stateBody
	stateFailed // Body failed: libkcgi's output may be half set up
)

// reset makes r the request libkcgi parsed into req, copying only its
// numbers; the rest is copied when read.
func (r *Request) reset(req *C.struct_kreq, cfg *cconfig, cgi bool) {
	buf := r.buf
	*r = Request{
		Method:   Method(req.method),
		Page:     int(req.page),
		MIME:     MIME(req.mime),
		Scheme:   Scheme(req.scheme),
		Port:     int(req.port),
		AuthType: AuthType(req.auth),
		req:      req,
		cfg:      cfg,
		cgi:      cgi,
		buf:      buf[:0],
	}
}

// load reports whether value v must be copied now: it has not been,
// and libkcgi still holds the request. It marks v as copied.
func (r *Request) load(v int) bool {
	if r.read&(1<<v) != 0 || r.req == nil {
		return false
	}
	r.read |= 1 << v
	return true
}

// strOf reads, for each string value, its pointer in the kreq.
var strOf = [nstrs]func(*C.struct_kreq) *C.char{
	valPageName:   func(q *C.struct_kreq) *C.char { return q.pagename },
	valPath:       func(q *C.struct_kreq) *C.char { return q.path },
	valFullPath:   func(q *C.struct_kreq) *C.char { return q.fullpath },
	valSuffix:     func(q *C.struct_kreq) *C.char { return q.suffix },
	valHost:       func(q *C.struct_kreq) *C.char { return q.host },
	valRemoteAddr: func(q *C.struct_kreq) *C.char { return q.remote },
	valScriptName: func(q *C.struct_kreq) *C.char { return q.pname },
}

func (r *Request) str(v int) string {
	if r.load(v) {
		r.strs[v] = gostr(strOf[v](r.req))
	}
	return r.strs[v]
}

// PageName is the first component of PATH_INFO, without suffix.
func (r *Request) PageName() string { return r.str(valPageName) }

// Path is the rest of PATH_INFO after the page name, without suffix.
func (r *Request) Path() string { return r.str(valPath) }

// FullPath is PATH_INFO.
func (r *Request) FullPath() string { return r.str(valFullPath) }

// Suffix is the suffix of the last component of PATH_INFO.
func (r *Request) Suffix() string { return r.str(valSuffix) }

// Host is HTTP_HOST, "localhost" if unset.
func (r *Request) Host() string { return r.str(valHost) }

// RemoteAddr is REMOTE_ADDR, "127.0.0.1" if unset.
func (r *Request) RemoteAddr() string { return r.str(valRemoteAddr) }

// ScriptName is SCRIPT_NAME: the URL prefix of the program.
func (r *Request) ScriptName() string { return r.str(valScriptName) }

// Headers returns the request's HTTP headers in libkcgi's order, with
// the names libkcgi made of the HTTP_ variables (HTTP_USER_AGENT
// becomes User-Agent). See HeaderValue for lookup by name.
func (r *Request) Headers() []KeyValue {
	if r.load(valHeaders) {
		r.headers = heads(r.req.reqs, r.req.reqsz)
	}
	return r.headers
}

// Env returns the CGI or FastCGI environment, in the order received. It
// is nil with libkcgi before 1.0.0, which does not pass it on: see
// [HaveEnv].
func (r *Request) Env() []KeyValue {
	if r.load(valEnv) {
		var n C.size_t
		e := C.kg_envs(r.req, &n)
		r.env = heads(e, n)
	}
	return r.env
}

// Fields returns the query string and form values, in the order libkcgi
// parsed them (the body's first). See Field for lookup by key.
func (r *Request) Fields() []Pair {
	if r.load(valFields) {
		r.fields = pairs(r.req.fields, r.req.fieldsz, r.cfg)
	}
	return r.fields
}

// Cookies returns the cookies in the order parsed. See Cookie for
// lookup by key.
func (r *Request) Cookies() []Pair {
	if r.load(valCookies) {
		r.cookies = pairs(r.req.cookies, r.req.cookiesz, r.cfg)
	}
	return r.cookies
}

// Authorization returns the parsed Authorization header. Check it
// against a password with CheckBasic or CheckDigest.
func (r *Request) Authorization() Auth {
	if r.load(valAuth) {
		r.auth = newAuth(&r.req.rawauth)
	}
	return r.auth
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

// bucket returns the pairs of Config.Keys[key] in bucket b, as libkcgi
// chains them from its map: the last parsed first.
func (r *Request) bucket(b, key int) []*Pair {
	from := r.Fields()
	if b >= validCookies {
		from = r.Cookies()
	}
	if r.load(valBuckets + b) {
		m, base := r.req.fieldmap, r.req.fields
		switch b {
		case invalidFields:
			m = r.req.fieldnmap
		case validCookies:
			m, base = r.req.cookiemap, r.req.cookies
		case invalidCookies:
			m, base = r.req.cookienmap, r.req.cookies
		}
		r.buckets[b] = chains(m, len(r.cfg.valid), base)
	}
	if key < 0 || key >= len(r.buckets[b]) {
		return nil
	}
	out := make([]*Pair, len(r.buckets[b][key]))
	for j, n := range r.buckets[b][key] {
		out[j] = &from[n]
	}
	return out
}

// chains lists, for each of the n keys, the positions in the array at
// base of the pairs chained from m[key].
func chains(m **C.struct_kpair, n int, base *C.struct_kpair) [][]int {
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

// Field returns the values of Config.Keys[key] that passed validation
// (or were not validated), as libkcgi buckets them (fieldmap): the last
// one parsed first.
func (r *Request) Field(key int) []*Pair { return r.bucket(validFields, key) }

// InvalidField returns the values of Config.Keys[key] that failed
// validation (fieldnmap), the last one parsed first.
func (r *Request) InvalidField(key int) []*Pair { return r.bucket(invalidFields, key) }

// Cookie returns the cookies of Config.Keys[key] that passed validation
// (cookiemap), the last one parsed first.
func (r *Request) Cookie(key int) []*Pair { return r.bucket(validCookies, key) }

// InvalidCookie returns the cookies of Config.Keys[key] that failed
// validation (cookienmap), the last one parsed first.
func (r *Request) InvalidCookie(key int) []*Pair { return r.bucket(invalidCookies, key) }

// Getenv returns the value of the environment variable key, or "": always
// "" with libkcgi before 1.0.0 (see [HaveEnv]).
func (r *Request) Getenv(key string) string {
	for _, kv := range r.Env() {
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
	fields := r.Fields()
	for i := range fields {
		if fields[i].Key == "" {
			return &fields[i], true
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
// chose how to parse the body. Without the request's environment
// (libkcgi before 1.0.0, see [HaveEnv]) it is the process's in CGI, and
// under FastCGI the Content-Type header, which nginx passes on as
// HTTP_CONTENT_TYPE but the FastCGI of some web servers does not.
func (r *Request) ContentType() string {
	switch {
	case HaveEnv:
		return r.Getenv("CONTENT_TYPE")
	case r.cgi:
		return os.Getenv("CONTENT_TYPE")
	}
	return r.HeaderValue("Content-Type")
}

// HeaderValue returns the value of the first request header named key,
// compared without regard to case, or "".
func (r *Request) HeaderValue(key string) string {
	for _, kv := range r.Headers() {
		if strings.EqualFold(kv.Key, key) {
			return kv.Value
		}
	}
	return ""
}

func (r *Request) check(call string, want int) error {
	switch {
	case r.req == nil:
		return opError(call, ErrFreed)
	case r.state == stateFailed:
		return opError(call, fmt.Errorf("%w after a failed Body", ErrState))
	case r.state != want:
		return opError(call, ErrState)
	}
	return nil
}

// Head writes the response header "key: value" (khttp_head(3)). It must
// come before Body. A key that is not a token, or a value holding CR, LF
// or NUL, returns ErrHeader and nothing is written (see CheckHeader).
// libkcgi adds no headers of its own; see Resp and Status for the names
// and values it knows, and SetStatus.
func (r *Request) Head(key, value string) error {
	return r.heads("Head", []KeyValue{{key, value}})
}

// Heads writes the response headers h in one khttp_head(3) call: without
// a send buffer (NoSendBuffer), libkcgi writes them in four pieces
// however many they are, instead of four each. Each is checked as Head
// checks it; if one is refused, ErrHeader is returned and none is
// written. An empty h writes nothing.
func (r *Request) Heads(h []KeyValue) error { return r.heads("Heads", h) }

func (r *Request) heads(call string, h []KeyValue) error {
	if err := r.check(call, stateHead); err != nil || len(h) == 0 {
		return err
	}
	for _, kv := range h {
		if err := CheckHeader(kv.Key, kv.Value); err != nil {
			return opError(call, err)
		}
	}
	// NUL-terminated copies in Go memory, which libkcgi only reads.
	// libkcgi writes "key: value\r\n": the value carries the other
	// lines, which CheckHeader has made sure hold no line breaks.
	b := append(append(r.buf[:0], h[0].Key...), 0)
	v := len(b)
	b = append(b, h[0].Value...)
	for _, kv := range h[1:] {
		b = append(append(append(append(b, "\r\n"...), kv.Key...), ": "...), kv.Value...)
	}
	b = append(b, 0)
	r.buf = b
	return opError(call, kerr(C.kg_head(r.req, (*C.char)(unsafe.Pointer(&b[0])),
		(*C.char)(unsafe.Pointer(&b[v])))))
}

// SetStatus writes the Status header with the text of s, such as
// "Status: 404 Not Found".
func (r *Request) SetStatus(s Status) error {
	if s < 0 || s >= StatusMax {
		return opError("SetStatus", fmt.Errorf("%w: status %d", ErrHeader, int(s)))
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
		return opError(call, err) // no compression here: nothing was set up
	default:
		// libkcgi may have set up compression already, and asserts
		// it is not set up twice: only Free may follow.
		r.state = stateFailed
		return opError(call, err)
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
		return 0, opError("Write", err)
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
// once for every request, also when the response was never started;
// calling it again does nothing and returns nil. The values already
// read from r stay valid; its other methods return ErrFreed.
func (r *Request) Free() error {
	if r.req == nil {
		return nil
	}
	req := r.req
	C.kg_free(req)
	r.req = nil
	if r.cgi {
		C.free(unsafe.Pointer(req))
		r.cfg.free()
	}
	return nil
}

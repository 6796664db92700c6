package integration

// The echo tests run cmd/echo and its C twin, reference/echo.c, on the
// same requests and require the same bytes: everything libkcgi parsed
// must reach Go unchanged. They run the programs under kfcgi behind
// nginx, over a raw FastCGI connection for what nginx cannot send, and
// as CGI programs, behind lighttpd and started directly with an exact
// environment. One nginx (or lighttpd) serves both programs through a
// symbolic link switched between requests, so that the environment is
// the same but for REMOTE_PORT, which is masked.

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kcgi-go/kcgi-go/internal/harness"
)

// echoProg is a build of the echo program.
type echoProg struct{ name, bin string }

// echoPrograms builds the C echo and the Go echo, in that order.
func echoPrograms(t *testing.T, commands ...string) [2]echoProg {
	t.Helper()
	harness.Require(t, commands...)
	return [2]echoProg{
		{"C", harness.MustBuildC(t, "reference/echo.c")},
		{"Go", harness.MustBuildGo(t, "./cmd/echo")},
	}
}

// echoHTTP is a request for a web server, as bytes on the wire. want,
// if set, must be in both responses; fcgiOnly keeps it from the CGI
// run (gzip: libkcgi compresses CGI output, REMOTE_PORT included,
// which then cannot be masked).
type echoHTTP struct {
	name     string
	raw      []byte
	want     string
	fcgiOnly bool
}

// echoRaw is a request as CGI variables and a body, sent over FastCGI
// and given to the CGI programs directly.
type echoRaw struct {
	name   string
	params []harness.Param
	body   []byte
	want   string
}

// echoMultipart builds a multipart body of parts, each its header
// lines and its content.
func echoMultipart(boundary string, parts ...[2]string) []byte {
	var b bytes.Buffer
	for _, p := range parts {
		fmt.Fprintf(&b, "--%s\r\n%s\r\n\r\n%s\r\n", boundary, p[0], p[1])
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes()
}

// echoBinary returns n reproducible random bytes between NULs, CR and
// LF.
func echoBinary(n int, seed int64) string {
	return "\x00\r\n" + string(random(n, seed)) + "\x00\x00"
}

// echoMD5 is the MD5 of s in hex.
func echoMD5(s string) string { return fmt.Sprintf("%x", md5.Sum([]byte(s))) }

// echoDigest returns the Authorization header value of digest
// authentication (RFC 2617) for user "user" in realm "r" with password
// pass. qop "" leaves out qop, nc and cnonce; alg "" leaves out the
// algorithm.
func echoDigest(method, uri, pass, qop, alg, nc string, body []byte) string {
	const user, realm, nonce, cnonce = "user", "r", "dcd98b7102dd2f0e", "0a4f113b"
	ha1 := echoMD5(user + ":" + realm + ":" + pass)
	if alg == "MD5-sess" {
		ha1 = echoMD5(ha1 + ":" + nonce + ":" + cnonce)
	}
	ha2 := echoMD5(method + ":" + uri)
	if qop == "auth-int" {
		ha2 = echoMD5(method + ":" + uri + ":" + echoMD5(string(body)))
	}
	h := fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s"`, user, realm, nonce, uri)
	if qop == "" {
		h += `, response="` + echoMD5(ha1+":"+nonce+":"+ha2) + `"`
	} else {
		h += fmt.Sprintf(`, qop=%s, nc=%s, cnonce="%s", response="%s"`, qop, nc, cnonce,
			echoMD5(ha1+":"+nonce+":"+nc+":"+cnonce+":"+qop+":"+ha2))
	}
	if alg != "" {
		h += ", algorithm=" + alg
	}
	return h + `, opaque="5ccc069c"`
}

// echoBasic is basic authorization of "user" with password "pass".
var echoBasic = "Basic " + base64.StdEncoding.EncodeToString([]byte("user:pass"))

// echoHTTPCorpus returns the requests sent through nginx and lighttpd.
func echoHTTPCorpus() []echoHTTP {
	form := "Content-Type: application/x-www-form-urlencoded"
	many := make([]string, 100)
	for i := range many {
		many[i] = fmt.Sprintf("X-Header-%03d: value %d", i, i)
	}
	mp := func(b string) string { return "Content-Type: multipart/form-data; boundary=" + b }
	disp := func(name, extra string) string {
		return fmt.Sprintf(`Content-Disposition: form-data; name="%s"%s`, name, extra)
	}
	upload := echoBinary(3000, 1)
	files := echoMultipart("xyz",
		[2]string{disp("none", `; filename="a.bin"`) + "\r\nContent-Type: application/octet-stream", echoBinary(2000, 2)},
		[2]string{disp("none", `; filename="b.png"`) + "\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: binary", echoBinary(500, 3)},
		[2]string{disp("string", `; filename="c.txt"`) + "\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64", "aGVsbG8="},
		[2]string{disp("none", `; filename=""`) + "\r\nContent-Type: x-unknown/type", "empty name"},
		[2]string{disp("int", ""), " -17  "},
	)
	odd := `b'()+_,-./:=? x`
	authInt := []byte("a=1&b=2")
	return []echoHTTP{
		{name: "GET outside prefix", raw: req("GET", "/", nil, nil)},
		{name: "GET default page", raw: req("GET", "/app", nil, nil), want: "\npage 0\npagename \"\"\n"},
		{name: "GET known page", raw: req("GET", "/app/form", nil, nil), want: "\npage 1\n"},
		{name: "GET page case and suffix", raw: req("GET", "/app/UPLOAD.JSON", nil, nil), want: "\npage 2\n"},
		{name: "GET unknown page", raw: req("GET", "/app/nosuch/x", nil, nil), want: "\npage 5\n"},
		{name: "GET nested path and suffix", raw: req("GET", "/app/dir/sub/file.HTML", nil, nil), want: "\nsuffix \"HTML\"\n"},
		{name: "GET unknown suffix", raw: req("GET", "/app/index.xyz", nil, nil), want: "\nsuffix \"xyz\"\n"},
		{name: "GET suffixes", raw: req("GET", "/app/index/a.tar.gz", nil, nil)},
		{name: "GET trailing slash", raw: req("GET", "/app/index/", nil, nil)},
		{name: "GET escaped path", raw: req("GET", "/app/a%20b/c%2Fd.txt", nil, nil)},
		{name: "GET UTF-8", raw: req("GET", "/app/caf%C3%A9.csv?string=%E2%9C%93&none=Z%C3%BCrich", nil, nil)},
		{name: "GET repeated keys", raw: req("GET", "/app?int=1&int=x&int=3", nil, nil),
			want: "\nfieldmap 4 2 0\n"},
		{name: "GET unknown keys", raw: req("GET", "/app?n=1&n=x&n=3&&=&k", nil, nil)},
		{name: "GET bit", raw: req("GET", "/app?bit=0&bit=64&bit=65&bit=-1&bit=%207%20", nil, nil)},
		{name: "GET date", raw: req("GET", "/app?date=2024-02-29&date=2023-02-29&date=1970-01-01&date=2024-2-1&date=2024-13-01", nil, nil)},
		{name: "GET double", raw: req("GET", "/app?double=inf&double=-inf&double=nan&double=-nan&double=.5&double=0x1p-3&double=1e-320&double=-0&double=1e400&double=%201.5%20&double=&double=1,5&double=0.1", nil, nil),
			want: "parsed=d:0.10000000000000001/3fb999999999999a\n"},
		{name: "GET udouble", raw: req("GET", "/app?udouble=0&udouble=nan&udouble=1.5&udouble=-1&udouble=inf&udouble=0x10&udouble=4.9e-324", nil, nil),
			want: `key="udouble" keypos=7 val="0" valsz=1 file="" ctype="" ctypepos=16 xcode="" state=invalid`},
		{name: "GET email", raw: req("GET", "/app?email=%20%20Ab@c.d&email=a@b&email=@ab&email=ab@&email=x&email=A%20B@C%20&email=%09%0B%0Cx@Y.z", nil, nil),
			want: `val="\x09\x0b\x0cx@y.z" valsz=8 file="" ctype="" ctypepos=16 xcode="" state=valid type=string parsed=s:"x@y.z"`},
		{name: "GET int", raw: req("GET", "/app?int=%20-17%20%20&int=%2B7&int=9223372036854775807&int=9223372036854775808&int=-9223372036854775808&int=abc&int=", nil, nil),
			want: `val=" -17\x00\x00" valsz=6`},
		{name: "GET uint", raw: req("GET", "/app?uint=-0&uint=42&uint=-1&uint=9223372036854775808&uint=%2B3&uint=0x10", nil, nil),
			want: `val="-0" valsz=2 file="" ctype="" ctypepos=16 xcode="" state=valid type=integer parsed=i:0`},
		{name: "GET string", raw: req("GET", "/app?string=&string=a%00b&string=%C3%BC&stringne=&stringne=x&stringne=%20", nil, nil)},
		{name: "GET none", raw: req("GET", "/app?none=%01%02%ff&none=a+b&none=%2B&none", nil, nil)},
		{name: "GET bad escapes", raw: req("GET", "/app?%00=x&y=%zz&z=%4&w=%&int=%2&string=ok", nil, nil)},
		{name: "GET long query", raw: req("GET", "/app?"+strings.Repeat("int=1&none=v&", 400), nil, nil)},
		{name: "POST form, every key", raw: req("POST", "/app/form", []string{form},
			[]byte("bit=1&date=2000-01-01&double=-2.5e3&email=X@Y.Z&int=-1&string=s&stringne=t&udouble=3&uint=4&none=%00%01"))},
		{name: "POST form, odd pairs", raw: req("POST", "/app/form", []string{form}, []byte("a=&=b&none=x+y%2Bz&&int==1"))},
		{name: "POST form, 1 MiB", raw: req("POST", "/app/form", []string{form}, []byte("none="+strings.Repeat("%00a", 1<<18)))},
		{name: "POST multipart binary upload", raw: req("POST", "/app/upload", []string{mp("----b")},
			echoMultipart("----b", [2]string{disp("none", `; filename="bin.dat"`) + "\r\nContent-Type: application/octet-stream", upload}))},
		{name: "POST multipart several files", raw: req("POST", "/app/upload", []string{mp("xyz")}, files),
			want: `file="c.txt" ctype="text/plain" ctypepos=14 xcode="base64"`},
		{name: "POST multipart odd boundary", raw: req("POST", "/app/upload", []string{mp(`"` + odd + `"`)},
			echoMultipart(odd, [2]string{disp("string", ""), "v"}, [2]string{disp("none", `; filename="x y\".txt"`), "--" + odd[:5]}))},
		{name: "POST multipart validators", raw: req("POST", "/app/upload", []string{mp("v")},
			echoMultipart("v", [2]string{disp("email", ""), "  Ab@c.d"}, [2]string{disp("uint", ""), "7\x00x"},
				[2]string{disp("bit", ""), "3\x00"}, [2]string{disp("string", ""), "a\x00b"}, [2]string{disp("double", ""), "1e5\x00"})),
			want: `val="7\x00x" valsz=3 file="" ctype="text/plain" ctypepos=14 xcode="" state=valid type=integer parsed=i:7`},
		{name: "POST multipart truncated", raw: req("POST", "/app/upload", []string{mp("t")},
			[]byte("--t\r\n"+disp("int", "")+"\r\n\r\n5\r\n--t\r\n"+disp("uint", "")+"\r\n\r\n6"))},
		{name: "POST multipart without boundary", raw: req("POST", "/app/upload", []string{"Content-Type: multipart/form-data"}, []byte("--x\r\n\r\n"))},
		{name: "POST multipart mixed case headers", raw: req("POST", "/app/upload", []string{mp("q")},
			echoMultipart("q", [2]string{"content-disposition: form-data; name=int; filename=f\r\ncontent-type: TEXT/PLAIN", "12"}))},
		{name: "GET cookies", raw: req("GET", "/app", []string{"Cookie: int=5; string =x; bit=%00; none=a%20b; uint=1;uint=2; email=  Ab@c.d ;  =y; z"}, nil),
			want: `key="string " keypos=10`},
		{name: "GET cookies dropped", raw: req("GET", "/app", []string{"Cookie: a=%00; b=%4; c=%zz; d=ok; int=%2B1"}, nil)},
		{name: "GET two Cookie headers", raw: req("GET", "/app", []string{"Cookie: int=1", "Cookie: int=2; uint=x"}, nil)},
		{name: "GET 100 headers", raw: req("GET", "/app", many, nil), want: "\nheaders 102\n"},
		{name: "GET header case", raw: req("GET", "/app", []string{"user-AGENT: t", "X-custom_Thing: y", "accept: */*", "X-Bin: \x01\xff"}, nil)},
		{name: "GET 4 KiB header", raw: req("GET", "/app", []string{"X-Long: " + strings.Repeat("abcdefgh", 512)}, nil)},
		{name: "GET basic right", raw: req("GET", "/app/auth", []string{"Authorization: " + echoBasic}, nil),
			want: "\nbasic 1\ndigest -1\n"},
		{name: "GET basic wrong", raw: req("GET", "/app/auth", []string{"Authorization: Basic dXNlcjpwYXNzMg=="}, nil),
			want: "\nbasic 0\n"},
		{name: "GET bearer", raw: req("GET", "/app/auth", []string{"Authorization: Bearer dXNlcjpwYXNz"}, nil),
			want: "\nbasic 1\n"},
		{name: "GET basic malformed", raw: req("GET", "/app/auth", []string{"Authorization: Basic"}, nil)},
		{name: "GET digest right", raw: req("GET", "/app/auth", []string{"Authorization: " +
			echoDigest("GET", "/app/auth", "pass", "auth", "", "00000001", nil)}, nil), want: "\nbasic -1\ndigest 1\n"},
		{name: "GET digest wrong", raw: req("GET", "/app/auth", []string{"Authorization: " +
			echoDigest("GET", "/app/auth", "wrong", "auth", "", "00000001", nil)}, nil), want: "\ndigest 0\n"},
		{name: "GET digest without qop", raw: req("GET", "/app/auth", []string{"Authorization: " +
			echoDigest("GET", "/x", "pass", "", "", "", nil)}, nil), want: "\ndigest 1\n"},
		{name: "GET digest MD5-sess", raw: req("GET", "/app/auth", []string{"Authorization: " +
			echoDigest("GET", "/app/auth", "pass", "auth", "MD5-sess", "0000000a", nil)}, nil), want: "\ndigest 1\n"},
		{name: "POST digest auth-int", raw: req("POST", "/app/auth", []string{form, "Authorization: " +
			echoDigest("POST", "/app/auth", "pass", "auth-int", "", "00000002", authInt)}, authInt), want: "\ndigest 1\n"},
		{name: "GET digest malformed", raw: req("GET", "/app/auth", []string{`Authorization: Digest username="u", nc=zz`}, nil)},
		{name: "GET digest on index", raw: req("GET", "/app", []string{"Authorization: " +
			echoDigest("GET", "/app", "pass", "auth", "", "00000001", nil)}, nil)},
		{name: "POST JSON", raw: req("POST", "/app/api.json", []string{"Content-Type: application/json"}, []byte(`{"int":1,"s":"ü\u0000"}`))},
		{name: "PUT text", raw: req("PUT", "/app/file.txt", []string{"Content-Type: text/plain"}, []byte("int=1\r\nstring=a\r\n"))},
		{name: "POST text/plain", raw: req("POST", "/app/form", []string{"Content-Type: text/plain"}, []byte("int=1\r\nstring=a b\r\nnone\r\n"))},
		{name: "POST octet-stream", raw: req("POST", "/app", []string{"Content-Type: application/octet-stream"}, []byte(echoBinary(4000, 4)))},
		{name: "POST without type", raw: req("POST", "/app", nil, []byte("int=1"))},
		{name: "DELETE", raw: req("DELETE", "/app/index?int=1", nil, nil)},
		{name: "OPTIONS", raw: req("OPTIONS", "/app", nil, nil)},
		{name: "PATCH on auth page", raw: req("PATCH", "/app/auth", []string{form, "Authorization: " + echoBasic}, []byte("int=2")),
			want: "\nmethod 18 -\n"},
		{name: "HEAD", raw: req("HEAD", "/app/form?int=1", nil, nil)},
		{name: "HTTP/1.0 GET", raw: []byte("GET /app/form?uint=1 HTTP/1.0\r\n\r\n")},
		{name: "POST chunked form", raw: []byte("POST /app/form HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" + form +
			"\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nint=\r\n7\r\n12&uint\r\n3\r\n=-0\r\n0\r\n\r\n")},
		{name: "GET gzip", raw: req("GET", "/app", []string{"Accept-Encoding: gzip"}, nil), fcgiOnly: true},
	}
}

// echoParams makes params of name, value pairs.
func echoParams(kv ...string) []harness.Param {
	var ps []harness.Param
	for i := 0; i+1 < len(kv); i += 2 {
		ps = append(ps, harness.Param{Name: kv[i], Value: kv[i+1]})
	}
	return ps
}

// echoRawCorpus returns the requests given as CGI variables.
func echoRawCorpus() []echoRaw {
	get := func(path, query string, kv ...string) []harness.Param {
		return echoParams(append([]string{"REQUEST_METHOD", "GET", "SCRIPT_NAME", "/app",
			"PATH_INFO", path, "QUERY_STRING", query}, kv...)...)
	}
	full := func(kv ...string) []harness.Param {
		return get("/index", "int=1", append([]string{"REMOTE_ADDR", "10.1.2.3", "SERVER_PORT", "8080",
			"HTTP_HOST", "example.com:8080"}, kv...)...)
	}
	mpBody := echoMultipart("zz",
		[2]string{`Content-Disposition: form-data; name="none"; filename="n.bin"`, echoBinary(1000, 5)},
		[2]string{`Content-Disposition: form-data; name="uint"`, "8"})
	digest := func(nc string) string { return echoDigest("GET", "/app/auth", "pass", "auth", "", nc, nil) }
	post := func(ctype string, body []byte, kv ...string) []harness.Param {
		return echoParams(append([]string{"REQUEST_METHOD", "POST", "PATH_INFO", "/form",
			"CONTENT_TYPE", ctype, "CONTENT_LENGTH", fmt.Sprint(len(body))}, kv...)...)
	}
	rs := []echoRaw{
		{name: "no variables", want: "\nmethod 4 GET\n"},
		{name: "only REQUEST_METHOD", params: echoParams("REQUEST_METHOD", "POST")},
		{name: "no REMOTE_ADDR, SERVER_PORT, HTTP_HOST", params: get("/form.txt", "int=2"),
			want: "\nhost \"localhost\"\nport 80\nremote \"127.0.0.1\"\n"},
		{name: "all set", params: full()},
		{name: "HTTPS=on", params: full("HTTPS", "on", "SERVER_PORT", "443")},
		{name: "HTTPS=ON", params: full("HTTPS", "ON")},
		{name: "HTTPS=off", params: full("HTTPS", "off")},
		{name: "bad SERVER_PORT", params: full("SERVER_PORT", "http")},
		{name: "SERVER_PORT out of range", params: full("SERVER_PORT", "70000")},
		{name: "PATCH basic", params: echoParams("REQUEST_METHOD", "PATCH", "PATH_INFO", "/auth",
			"HTTP_AUTHORIZATION", echoBasic), want: "\nbasic -1\n"},
		{name: "lowercase get", params: echoParams("REQUEST_METHOD", "get", "PATH_INFO", "/auth",
			"HTTP_AUTHORIZATION", echoBasic), want: "\nbasic -1\n"},
		{name: "duplicate variables", params: get("/index", "int=1", "HTTP_COOKIE", "int=1", "QUERY_STRING", "uint=2",
			"HTTP_COOKIE", "int=3")},
		{name: "header names", params: get("/index", "", "HTTP_USeR_aGENT", "ua", "HTTP_X_CUSTOM_THING", "c",
			"HTTP_", "empty", "HTTP_X_\xc3\x9c", "non-ASCII", "HTTP_X__Y", "u")},
		{name: "AUTH_TYPE basic", params: full("AUTH_TYPE", "Basic", "REMOTE_USER", "user")},
		{name: "AUTH_TYPE digest", params: full("AUTH_TYPE", "Digest")},
		{name: "AUTH_TYPE unknown", params: full("AUTH_TYPE", "Negotiate")},
		{name: "digest nc ffffffff", params: get("/auth", "", "HTTP_AUTHORIZATION", digest("ffffffff")),
			want: "\ndigest 1\n"},
		{name: "digest nc 1ffffffff", params: get("/auth", "", "HTTP_AUTHORIZATION", digest("1ffffffff"))},
		{name: "multipart", params: post("multipart/form-data; boundary=zz", mpBody), body: mpBody},
		{name: "CONTENT_LENGTH short", params: echoParams("REQUEST_METHOD", "POST", "CONTENT_TYPE",
			"application/x-www-form-urlencoded", "CONTENT_LENGTH", "5"), body: []byte("int=12345&uint=6")},
		{name: "text/plain", params: post("text/plain", []byte("int=1\r\nuint=2\r\n")), body: []byte("int=1\r\nuint=2\r\n")},
		{name: "JSON", params: post("application/json", []byte(`{"a":"\u0000"}`)), body: []byte(`{"a":"\u0000"}`)},
		{name: "PATH_INFO without slash", params: get("index.txt", "")},
		{name: "PATH_INFO slash", params: get("/", "")},
		{name: "PATH_INFO dots", params: get("//.hidden/a.b.c", "")},
		{name: "empty values", params: echoParams("REQUEST_METHOD", "", "PATH_INFO", "", "QUERY_STRING", "",
			"REMOTE_ADDR", "", "SERVER_PORT", "", "HTTP_HOST", "", "SCRIPT_NAME", "", "HTTPS", "")},
		{name: "gzip", params: full("HTTP_ACCEPT_ENCODING", "gzip")},
		{name: "NUL in a variable (FastCGI only)", params: get("/index", "int=1", "HTTP_X_NUL", "a\x00b")},
	}
	for _, m := range []string{"ACL", "CONNECT", "COPY", "LOCK", "MKCALENDAR", "MKCOL", "MOVE",
		"PROPFIND", "PROPPATCH", "REPORT", "TRACE", "UNLOCK", "BREW"} {
		rs = append(rs, echoRaw{name: "method " + m, params: echoParams("REQUEST_METHOD", m, "PATH_INFO", "/auth",
			"HTTP_AUTHORIZATION", echoBasic)})
	}
	for _, suffix := range []string{"css", "csv", "gif", "ico", "jpg", "jpeg", "js", "pdf", "png",
		"svg", "txt", "xml", "xhtml", "zip", "Json", "tar.gz", "."} {
		rs = append(rs, echoRaw{name: "suffix " + suffix, params: get("/upload."+suffix, "")})
	}
	return rs
}

// echoLink points the symbolic link at link to target.
func echoLink(t *testing.T, link, target string) {
	t.Helper()
	tmp := link + ".new"
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, link); err != nil {
		t.Fatal(err)
	}
}

// echoDechunk returns resp normalized, with a chunked body decoded:
// where nginx cuts the chunks depends on how the program's output
// arrived, not on its bytes.
func echoDechunk(t *testing.T, resp *harness.Response) []byte {
	t.Helper()
	d, err := resp.Dechunked()
	if err != nil {
		t.Fatal(err)
	}
	return d.Normalized()
}

var echoRemotePort = regexp.MustCompile(`"REMOTE_PORT" "[0-9]+"`)

// echoMask masks the value of REMOTE_PORT, which differs between any
// two connections, keeping the length.
func echoMask(b []byte) []byte {
	return echoRemotePort.ReplaceAllFunc(b, func(m []byte) []byte {
		return bytes.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return '#'
			}
			return r
		}, m)
	})
}

// echoCompare records the comparison of one request's answers.
type echoCompare struct {
	t               *testing.T
	mode            string
	n, same, echoed int
}

func (c *echoCompare) check(name string, got [2][]byte, want string) {
	c.t.Helper()
	c.n++
	if d := harness.Diff(got[0], got[1]); d != "" {
		c.t.Errorf("%s: %s: C and Go differ: %s", c.mode, name, d)
		return
	}
	c.same++
	if bytes.Contains(got[0], []byte("echo 1\nmethod ")) {
		c.echoed++
	}
	if want != "" && !bytes.Contains(got[0], []byte(want)) {
		c.t.Errorf("%s: %s: answer lacks %q:\n%s", c.mode, name, want, harness.Clip(got[0], 3000))
	}
}

func (c *echoCompare) log() {
	c.t.Helper()
	c.t.Logf("%s: %d requests, %d byte-identical, %d answered by echo", c.mode, c.n, c.same, c.echoed)
	if c.echoed < c.n*9/10 {
		c.t.Errorf("%s: only %d of %d requests reached the programs", c.mode, c.echoed, c.n)
	}
}

// TestEchoFastCGI runs both echo programs under kfcgi, in a fixed and
// a variable pool: the HTTP corpus through nginx, the raw corpus over a
// FastCGI connection.
func TestEchoFastCGI(t *testing.T) {
	progs := echoPrograms(t)
	for _, pool := range []harness.Pool{harness.FixedPool, harness.VariablePool} {
		t.Run(pool.String(), func(t *testing.T) { echoFastCGI(t, progs, pool) })
	}
}

func echoFastCGI(t *testing.T, progs [2]echoProg, pool harness.Pool) {
	var ks [2]*harness.Kfcgi
	for i, p := range progs {
		ks[i] = harness.StartKfcgi(t, harness.KfcgiConfig{Binary: p.bin, Name: "echo", Pool: pool})
	}
	workers := [2][]int{ks[0].Workers(), ks[1].Workers()}
	link := filepath.Join(t.TempDir(), "echo.sock")
	echoLink(t, link, ks[0].Socket)
	w := harness.StartNginx(t, harness.NginxConfig{Socket: link})

	echoWeb(t, pool.String()+" pool, FastCGI behind nginx", progs, ks, link, w.Addr, echoHTTPCorpus())

	c := &echoCompare{t: t, mode: pool.String() + " pool, raw FastCGI"}
	for _, r := range echoRawCorpus() {
		req := harness.FCGIRequest{Params: r.params, Stdin: r.body}.Bytes()
		var got [2][]byte
		for i := range progs {
			raw, err := harness.FCGIDo("unix", ks[i].Socket, req, 30*time.Second)
			if err != nil {
				t.Fatalf("%s: %s: %v", r.name, progs[i].name, err)
			}
			got[i] = raw
		}
		c.check(r.name, got, r.want)
	}
	c.log()
	for i := range progs {
		checkWorkers(t, ks[i], workers[i])
		checkNoCrash(t, ks[i])
	}
}

// echoWeb sends reqs to the web server at addr, whose FastCGI socket
// is link, pointing link at each program's socket in ks in turn, and
// compares the answers.
func echoWeb(t *testing.T, mode string, progs [2]echoProg, ks [2]*harness.Kfcgi, link, addr string, reqs []echoHTTP) {
	t.Helper()
	c := &echoCompare{t: t, mode: mode}
	for _, r := range reqs {
		var got [2][]byte
		for i := range progs {
			echoLink(t, link, ks[i].Socket)
			resp, err := harness.Do(addr, r.raw, 30*time.Second)
			if err != nil {
				t.Fatalf("%s: %s: %v", r.name, progs[i].name, err)
			}
			got[i] = echoMask(echoDechunk(t, resp))
		}
		c.check(r.name, got, r.want)
	}
	c.log()
}

// TestEchoCGI runs both echo programs as CGI programs: the HTTP corpus
// through lighttpd, the raw corpus with exactly its variables.
// (net/http/cgi as the host would pass the headers in random order.)
func TestEchoCGI(t *testing.T) {
	harness.Require(t, "lighttpd")
	progs := echoPrograms(t)
	link := filepath.Join(t.TempDir(), "echo.cgi")
	echoLink(t, link, progs[0].bin)
	l := harness.StartLighttpd(t, harness.LighttpdConfig{Program: link})

	c := &echoCompare{t: t, mode: "CGI behind lighttpd"}
	for _, r := range echoHTTPCorpus() {
		if r.fcgiOnly {
			continue
		}
		var got [2][]byte
		for i := range progs {
			echoLink(t, link, progs[i].bin)
			resp, err := harness.Do(l.Addr, r.raw, 30*time.Second)
			if err != nil {
				t.Fatalf("%s: %s: %v", r.name, progs[i].name, err)
			}
			got[i] = echoMask(echoDechunk(t, resp))
		}
		c.check(r.name, got, r.want)
	}
	c.log()

	c = &echoCompare{t: t, mode: "CGI, exact variables"}
	for _, r := range echoRawCorpus() {
		if slices.ContainsFunc(r.params, func(p harness.Param) bool {
			return strings.ContainsRune(p.Name+p.Value, 0)
		}) {
			continue // not a valid environment
		}
		var got [2][]byte
		for i, p := range progs {
			cmd := exec.Command(p.bin)
			cmd.Env = []string{}
			for _, p := range r.params {
				cmd.Env = append(cmd.Env, p.Name+"="+p.Value)
			}
			cmd.Stdin = bytes.NewReader(r.body)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%s: %s: %v", r.name, p.name, err)
			}
			got[i] = out
		}
		c.check(r.name, got, r.want)
	}
	c.log()
	if l := harness.GoCrash(l.ErrorLog()); l != "" {
		t.Errorf("Go runtime message in lighttpd's log: %s", l)
	}
}

// echoLoadRequest is the nth request of the memory test: fields,
// a cookie and an upload.
func echoLoadRequest(n int) []byte {
	body := echoMultipart("mem",
		[2]string{`Content-Disposition: form-data; name="none"; filename="a.bin"`, echoBinary(n%64, int64(n%16))},
		[2]string{`Content-Disposition: form-data; name="email"`, fmt.Sprintf("  U%d@Example.org", n)})
	return harness.FCGIRequest{Params: echoParams(
		"REQUEST_METHOD", "POST", "PATH_INFO", "/upload.json",
		"QUERY_STRING", fmt.Sprintf("int=%d&double=%d.5", -n, n),
		"CONTENT_TYPE", "multipart/form-data; boundary=mem", "CONTENT_LENGTH", fmt.Sprint(len(body)),
		"HTTP_COOKIE", fmt.Sprintf("uint=%d", n)), Stdin: body}.Bytes()
}

// echoServe sends the requests from up to to over two connections at a
// time, so that the worker never waits for the client, and checks the
// answers. It keeps every 1000th answer in sample.
func echoServe(socket string, from, to int, sample []string) error {
	var (
		next atomic.Int64
		errs [2]error
		wg   sync.WaitGroup
	)
	next.Store(int64(from))
	for c := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := int(next.Add(1) - 1); n < to; n = int(next.Add(1) - 1) {
				raw, err := harness.FCGIDo("unix", socket, echoLoadRequest(n), 10*time.Second)
				if err == nil {
					var recs []harness.Record
					recs, err = harness.ParseRecords(raw)
					out := harness.Stdout(recs)
					switch {
					case err != nil:
					case !bytes.HasPrefix(out, []byte("Status: 200 OK\r\n")) || !bytes.HasSuffix(out, []byte("\nend\n")):
						err = fmt.Errorf("answer %q", harness.Clip(out, 200))
					case n%1000 == 0:
						sample[n/1000] = string(out)
					}
				}
				if err != nil {
					errs[c] = fmt.Errorf("request %d: %v", n, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs[:]...)
}

// TestEchoMemory serves the same requests to a C and a Go echo worker,
// each alone in a fixed pool, side by side, and compares how much their
// resident sets grow after a warm-up. libkcgi 1.0.1 leaks each
// request's environment array, which the binding frees, so the Go
// worker should grow less than the C one.
func TestEchoMemory(t *testing.T) {
	progs := echoPrograms(t)
	total, warm := 20000, 1000
	if testing.Short() {
		total = 4000
	}
	var ks [2]*harness.Kfcgi
	var pids [2]int
	for i, p := range progs {
		ks[i] = harness.StartKfcgi(t, harness.KfcgiConfig{Binary: p.bin, Name: "echo", Pool: harness.Pool{Workers: 1}})
		pids[i] = ks[i].Workers()[0]
	}
	var (
		rss    [2][2]int64
		errs   [2]error
		sample [2][]string // every 1000th answer
		wg     sync.WaitGroup
	)
	for i := range sample {
		sample[i] = make([]string, (total+999)/1000)
	}
	start := time.Now()
	for i := range progs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if errs[i] = echoServe(ks[i].Socket, 0, warm, sample[i]); errs[i] != nil {
				return
			}
			if rss[i][0], errs[i] = harness.RSS(pids[i]); errs[i] != nil {
				return
			}
			if errs[i] = echoServe(ks[i].Socket, warm, total, sample[i]); errs[i] != nil {
				return
			}
			rss[i][1], errs[i] = harness.RSS(pids[i])
		}()
	}
	wg.Wait()
	for i, p := range progs {
		if errs[i] != nil {
			t.Fatalf("%s: %v", p.name, errs[i])
		}
	}
	for j := range sample[0] {
		if d := harness.Diff([]byte(sample[0][j]), []byte(sample[1][j])); d != "" {
			t.Errorf("request %d: C and Go differ: %s", j*1000, d)
		}
	}
	var growth [2]int64
	for i, p := range progs {
		growth[i] = rss[i][1] - rss[i][0]
		t.Logf("%s worker %d: VmRSS %d KiB after %d requests, %d KiB after %d: %+d KiB",
			p.name, pids[i], rss[i][0]>>10, warm, rss[i][1]>>10, total, growth[i]>>10)
		checkWorkers(t, ks[i], []int{pids[i]})
		checkNoCrash(t, ks[i])
	}
	t.Logf("%d requests to each in %.1fs", total, time.Since(start).Seconds())
	if growth[1] > growth[0]+1<<20 {
		t.Errorf("Go worker grew %d KiB, C worker %d KiB: more than 1 MiB apart", growth[1]>>10, growth[0]>>10)
	}
}

var echoInjectLine = regexp.MustCompile(`(?m)^inject ("[^"]*") "(.*)"$`)

// TestEchoInject has the Go echo try headers that would split the
// response (page "inject"), and checks that each is refused with an
// error, that nothing of them reaches the client, that NUL bytes in the
// body pass, and that the worker goes on serving.
func TestEchoInject(t *testing.T) {
	prog := echoPrograms(t)[1]
	k := harness.StartKfcgi(t, harness.KfcgiConfig{Binary: prog.bin, Name: "echo", Pool: harness.Pool{Workers: 1}})
	workers := k.Workers()
	w := harness.StartNginx(t, harness.NginxConfig{Socket: k.Socket})

	raw, err := harness.FCGIDo("unix", k.Socket, harness.FCGIRequest{
		Params: echoParams("REQUEST_METHOD", "GET", "PATH_INFO", "/inject")}.Bytes(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := harness.ParseRecords(raw)
	if err != nil {
		t.Fatal(err)
	}
	head, body, _ := bytes.Cut(harness.Stdout(recs), []byte("\r\n\r\n"))
	if string(head) != "Status: 200 OK\r\nContent-Type: text/plain" {
		t.Errorf("headers %q", head)
	}
	lines := echoInjectLine.FindAllSubmatch(body, -1)
	if len(lines) != 6 {
		t.Errorf("%d inject lines, want 6:\n%s", len(lines), harness.Clip(body, 1000))
	}
	for _, m := range lines {
		if !bytes.HasPrefix(m[2], []byte("kcgi: Head: invalid header")) {
			t.Errorf("header %s: error %s, want kcgi: Head: invalid header", m[1], m[2])
		}
	}
	if !bytes.Contains(body, []byte("\nraw \x00\x01\xff\r\n")) {
		t.Errorf("raw bytes missing from the body:\n%q", harness.Clip(body, 1000))
	}
	t.Logf("errors:\n%s", bytes.Join(func() [][]byte {
		var out [][]byte
		for _, m := range lines {
			out = append(out, m[0])
		}
		return out
	}(), []byte("\n")))

	for _, path := range []string{"/app/inject", "/app/index", "/app/inject"} {
		resp, err := harness.Do(w.Addr, req("GET", path, nil, nil), 10*time.Second)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if resp.Status != "HTTP/1.1 200 OK" || !bytes.Contains(resp.Body, []byte("\necho 1\n")) {
			t.Fatalf("%s: %s\n%s", path, resp.Status, harness.Clip(resp.Raw, 500))
		}
		for _, h := range resp.Header {
			name, _, _ := strings.Cut(h, ":")
			if !slices.Contains([]string{"Server", "Date", "Content-Type", "Transfer-Encoding", "Connection"}, name) {
				t.Errorf("%s: unexpected header line %q", path, h)
			}
		}
	}
	checkWorkers(t, k, workers)
	checkNoCrash(t, k)
}

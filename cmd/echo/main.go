// Command echo answers every request with everything libkcgi parsed from
// it, in the text format of its C twin, reference/echo.c, which
// documents it: one item per line, strings quoted with every byte
// outside printable ASCII (and '"', '\') as \xHH. The integration tests
// require the two programs to answer every request with the same bytes,
// under kfcgi(8) and as CGI programs.
//
// It runs as a FastCGI worker when standard input is a FastCGI socket,
// and as a CGI program otherwise. On the page "inject" it first tries
// to write headers that would split the response, reports the errors
// in the body, and writes a few raw bytes, NUL included, before the
// usual dump; the C program has no such page.
package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"strconv"

	"github.com/kcgi-go/kcgi-go/kcgi"
)

// The pages, as in echo.c.
const (
	pageIndex = iota
	pageForm
	pageUpload
	pageAuth
	pageInject
)

var config = &kcgi.Config{
	Pages: []string{"index", "form", "upload", "auth", "inject"},
	Keys: []kcgi.Key{
		{Name: "bit", Valid: kcgi.ValidBit},
		{Name: "date", Valid: kcgi.ValidDate},
		{Name: "double", Valid: kcgi.ValidDouble},
		{Name: "email", Valid: kcgi.ValidEmail},
		{Name: "int", Valid: kcgi.ValidInt},
		{Name: "string", Valid: kcgi.ValidString},
		{Name: "stringne", Valid: kcgi.ValidStringNE},
		{Name: "udouble", Valid: kcgi.ValidUDouble},
		{Name: "uint", Valid: kcgi.ValidUint},
		{Name: "none", Valid: kcgi.ValidNone},
	},
	DefaultPage: pageIndex,
}

func main() {
	if !kcgi.IsFastCGI() {
		r, err := kcgi.ParseCGI(config)
		if err != nil {
			os.Exit(1)
		}
		respond(r)
		r.Free()
		return
	}
	srv, err := kcgi.Init(config)
	if err != nil {
		os.Exit(1)
	}
	for {
		r, err := srv.Parse()
		if err != nil {
			break
		}
		respond(r)
		r.Free()
	}
	srv.Free()
}

// respond writes the headers, and the whole body in one Write, as
// echo.c does.
func respond(r *kcgi.Request) {
	var b bytes.Buffer
	r.SetStatus(kcgi.Status200)
	r.Head(kcgi.RespContentType.String(), kcgi.MIMETextPlain.String())
	if r.Page == pageInject {
		inject(&b, r)
	}
	r.Body()
	dump(&b, r)
	r.Write(b.Bytes())
}

// inject tries headers that would split the response or end it early.
func inject(b *bytes.Buffer, r *kcgi.Request) {
	for _, h := range [][2]string{
		{"X-A", "a\r\nb"}, {"X-B", "a\nSet-Cookie: x=1"}, {"X-C", "a\x00b"},
		{"X-D\r\nX-E", "v"}, {"X:F", "v"}, {"", "v"},
	} {
		fmt.Fprintf(b, "inject %s %s\n", q(h[0]), q(fmt.Sprint(r.Head(h[0], h[1]))))
	}
	b.WriteString("raw \x00\x01\xff\r\n")
}

func dump(b *bytes.Buffer, r *kcgi.Request) {
	b.WriteString("echo 1\n")
	fmt.Fprintf(b, "method %d %s\n", r.Method, name(r.Method < kcgi.MethodMax, r.Method))
	fmt.Fprintf(b, "page %d\n", r.Page)
	fmt.Fprintf(b, "pagename %s\n", q(r.PageName()))
	fmt.Fprintf(b, "path %s\n", q(r.Path()))
	fmt.Fprintf(b, "fullpath %s\n", q(r.FullPath()))
	fmt.Fprintf(b, "suffix %s\n", q(r.Suffix()))
	fmt.Fprintf(b, "mime %d %s\n", r.MIME, name(r.MIME < kcgi.MIMEMax, r.MIME))
	fmt.Fprintf(b, "scheme %d %s\n", r.Scheme, name(r.Scheme < kcgi.SchemeMax, r.Scheme))
	fmt.Fprintf(b, "host %s\n", q(r.Host()))
	fmt.Fprintf(b, "port %d\n", r.Port)
	fmt.Fprintf(b, "remote %s\n", q(r.RemoteAddr()))
	fmt.Fprintf(b, "pname %s\n", q(r.ScriptName()))
	fmt.Fprintf(b, "auth %d\n", r.AuthType)
	a := r.Authorization()
	auth(b, &a)
	heads(b, "header", r.Headers())
	heads(b, "env", r.Env())
	fields, cookies := r.Fields(), r.Cookies()
	fmt.Fprintf(b, "fields %d\n", len(fields))
	for i := range fields {
		pair(b, "field", i, &fields[i])
	}
	fmt.Fprintf(b, "cookies %d\n", len(cookies))
	for i := range cookies {
		pair(b, "cookie", i, &cookies[i])
	}
	bucket(b, "fieldmap", r.Field, fields)
	bucket(b, "fieldnmap", r.InvalidField, fields)
	bucket(b, "cookiemap", r.Cookie, cookies)
	bucket(b, "cookienmap", r.InvalidCookie, cookies)
	if r.Page == pageAuth {
		fmt.Fprintf(b, "basic %d\n", rc(r.CheckBasic("user", "pass")))
		fmt.Fprintf(b, "digest %d\n", rc(r.CheckDigest("pass")))
	}
	b.WriteString("end\n")
}

// q quotes s: printable ASCII but '"' and '\' as is, other bytes \xHH.
func q(s string) string {
	b := []byte{'"'}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
			b = append(b, c)
		} else {
			b = append(b, fmt.Sprintf(`\x%02x`, c)...)
		}
	}
	return string(append(b, '"'))
}

// name is the text of an enum value libkcgi knows, "-" for others.
func name(known bool, v fmt.Stringer) string {
	if !known {
		return "-"
	}
	return v.String()
}

// rc is the return code of the C validation functions: -1, 0 or 1.
func rc(ok bool, err error) int {
	switch {
	case err != nil:
		return -1
	case ok:
		return 1
	}
	return 0
}

func auth(b *bytes.Buffer, a *kcgi.Auth) {
	digest := "-"
	if a.BodyDigest != nil {
		digest = fmt.Sprintf("%x", a.BodyDigest)
	}
	authorised := 0
	if a.Authorised {
		authorised = 1
	}
	fmt.Fprintf(b, "rawauth type=%d authorised=%d digest=%s\n", a.Type, authorised, digest)
	switch a.Type {
	case kcgi.AuthBasic, kcgi.AuthBearer:
		fmt.Fprintf(b, "rawauth basic response=%s\n", q(a.Response))
	case kcgi.AuthDigest:
		fmt.Fprintf(b, "rawauth digest alg=%d qop=%d user=%s uri=%s realm=%s nonce=%s cnonce=%s response=%s count=%d opaque=%s\n",
			a.Alg, a.QOP, q(a.User), q(a.URI), q(a.Realm), q(a.Nonce), q(a.CNonce), q(a.Response), a.Count, q(a.Opaque))
	}
}

func heads(b *bytes.Buffer, kind string, h []kcgi.KeyValue) {
	fmt.Fprintf(b, "%ss %d\n", kind, len(h))
	for i, kv := range h {
		fmt.Fprintf(b, "%s %d %s %s\n", kind, i, q(kv.Key), q(kv.Value))
	}
}

var (
	states = map[kcgi.PairState]string{kcgi.PairUnchecked: "unchecked", kcgi.PairValid: "valid", kcgi.PairInvalid: "invalid"}
	types  = map[kcgi.PairType]string{kcgi.PairInteger: "integer", kcgi.PairString: "string", kcgi.PairDouble: "double", kcgi.PairNone: "none"}
)

func pair(b *bytes.Buffer, kind string, i int, p *kcgi.Pair) {
	fmt.Fprintf(b, "%s %d key=%s keypos=%d val=%s valsz=%d file=%s ctype=%s ctypepos=%d xcode=%s state=%s type=%s parsed=%s\n",
		kind, i, q(p.Key), p.KeyIndex, q(string(p.Value)), len(p.Value), q(p.File), q(p.ContentType),
		p.ContentTypeIndex, q(p.XferEncoding), states[p.State], types[p.Type], parsed(p))
}

func parsed(p *kcgi.Pair) string {
	switch p.Type {
	case kcgi.PairInteger:
		return "i:" + strconv.FormatInt(p.Int, 10)
	case kcgi.PairDouble:
		return "d:" + double(p.Float)
	case kcgi.PairString:
		return "s:" + q(p.String())
	}
	return "-"
}

// double prints d as C's "%.17g" does, with inf and nan as echo.c
// spells them, then its bits.
func double(d float64) string {
	var s string
	switch {
	case math.IsNaN(d) && math.Signbit(d):
		s = "-nan"
	case math.IsNaN(d):
		s = "nan"
	case math.IsInf(d, 0) && d < 0:
		s = "-inf"
	case math.IsInf(d, 0):
		s = "inf"
	default:
		s = strconv.FormatFloat(d, 'g', 17, 64)
	}
	return fmt.Sprintf("%s/%016x", s, math.Float64bits(d))
}

// bucket lists, for each key, the indices in all of the pairs that
// lookup returns.
func bucket(b *bytes.Buffer, kind string, lookup func(int) []*kcgi.Pair, all []kcgi.Pair) {
	for k := range config.Keys {
		fmt.Fprintf(b, "%s %d", kind, k)
		for _, p := range lookup(k) {
			for i := range all {
				if &all[i] == p {
					fmt.Fprintf(b, " %d", i)
				}
			}
		}
		b.WriteByte('\n')
	}
}

package kcgi

// This file holds the parsed values of a request: form fields, cookies
// (struct kpair) and the Authorization header (struct khttpauth).

// #include "shim.h"
import "C"

import (
	"bytes"
	"unsafe"
)

// PairState says whether a Pair was validated (enum kpairstate).
type PairState int

// The states of a Pair.
const (
	PairUnchecked PairState = C.KPAIR_UNCHECKED // no validator for its key
	PairValid     PairState = C.KPAIR_VALID     // its validator accepted it
	PairInvalid   PairState = C.KPAIR_INVALID   // its validator refused it
)

// PairType says which parsed value of a valid Pair is set
// (enum kpairtype).
type PairType int

// The types of a Pair's parsed value.
const (
	PairInteger PairType = C.KPAIR_INTEGER // Int
	PairString  PairType = C.KPAIR_STRING  // String()
	PairDouble  PairType = C.KPAIR_DOUBLE  // Float
	PairNone    PairType = C.KPAIR__MAX    // not parsed
)

// A Pair is a form field or cookie (struct kpair).
type Pair struct {
	Key string
	// KeyIndex is the position of Key in Config.Keys, or len(Keys).
	KeyIndex int
	// Value holds all the bytes libkcgi kept, NULs included. Validators
	// change it in place: they write NULs over trailing blanks, and
	// ValidEmail lowercases it.
	Value []byte
	// For multipart parts: the file name, the content type and its
	// position in libkcgi's MIME table (MIMEMax if unknown), and the
	// Content-Transfer-Encoding, which is recorded, not decoded. The
	// raw body (see Request.RawBody) has ContentType too.
	File             string
	ContentType      string
	ContentTypeIndex MIME
	XferEncoding     string

	State PairState
	Type  PairType // of a valid pair: which of Int, Float, String() is set
	Int   int64    // the parsed integer (ValidInt, ValidUint, ValidBit, ValidDate)
	Float float64  // the parsed number (ValidDouble, ValidUDouble)

	email bool
}

func newPair(kp *C.struct_kpair, cfg *cconfig) Pair {
	p := Pair{
		Key:              gostr(kp.key),
		KeyIndex:         int(kp.keypos),
		Value:            bytes.Clone(unsafe.Slice((*byte)(unsafe.Pointer(kp.val)), kp.valsz)),
		File:             gostr(kp.file),
		ContentType:      gostr(kp.ctype),
		ContentTypeIndex: MIME(kp.ctypepos),
		XferEncoding:     gostr(kp.xcode),
		State:            PairState(kp.state),
		Type:             PairType(kp._type),
	}
	if p.State != PairValid {
		p.Type = PairNone
	}
	switch p.Type {
	case PairInteger:
		p.Int = *(*int64)(unsafe.Pointer(&kp.parsed))
	case PairDouble:
		p.Float = *(*float64)(unsafe.Pointer(&kp.parsed))
	}
	p.email = p.KeyIndex < len(cfg.valid) && cfg.valid[p.KeyIndex] == ValidEmail
	return p
}

// String returns the parsed string of a valid pair of type PairString:
// Value up to its first NUL, and for ValidEmail without leading blanks.
// For any other pair it returns the Value as it is.
//
// libkcgi's parsed.s is not read: libkcgi 1.0.1 rebuilds it in the
// parent with the sign of its offset inverted, pointing outside the
// value.
func (p *Pair) String() string {
	if p.Type != PairString {
		return string(p.Value)
	}
	v := p.Value
	if i := bytes.IndexByte(v, 0); i >= 0 {
		v = v[:i]
	}
	if p.email {
		v = bytes.TrimLeft(v, " \t\n\v\f\r")
	}
	return string(v)
}

// AuthType is an HTTP authentication scheme (enum kauth).
type AuthType int

// The authentication schemes.
const (
	AuthNone    AuthType = C.KAUTH_NONE
	AuthBasic   AuthType = C.KAUTH_BASIC
	AuthDigest  AuthType = C.KAUTH_DIGEST
	AuthBearer  AuthType = C.KAUTH_BEARER
	AuthUnknown AuthType = C.KAUTH_UNKNOWN
)

// DigestAlg is a digest algorithm (enum khttpalg).
type DigestAlg int

// The digest algorithms.
const (
	DigestMD5     DigestAlg = C.KHTTPALG_MD5
	DigestMD5Sess DigestAlg = C.KHTTPALG_MD5_SESS
)

// DigestQOP is a digest quality of protection (enum khttpqop).
type DigestQOP int

// The digest qualities of protection.
const (
	QOPNone    DigestQOP = C.KHTTPQOP_NONE
	QOPAuth    DigestQOP = C.KHTTPQOP_AUTH
	QOPAuthInt DigestQOP = C.KHTTPQOP_AUTH_INT
)

// Auth is a parsed Authorization header (struct khttpauth).
type Auth struct {
	Type AuthType
	// Authorised is false when the header was malformed.
	Authorised bool
	// Response is the credentials of basic and bearer authorization,
	// and the response of digest authorization.
	Response string
	// BodyDigest is the MD5 of the body libkcgi computed for digest
	// auth-int (16 bytes), or empty.
	BodyDigest []byte
	// Digest parameters.
	Alg                             DigestAlg
	QOP                             DigestQOP
	User, URI, Realm, Nonce, CNonce string
	Count                           uint32
	Opaque                          string
}

func newAuth(a *C.struct_khttpauth) Auth {
	out := Auth{Type: AuthType(a._type), Authorised: a.authorised != 0}
	if a.digest != nil {
		out.BodyDigest = C.GoBytes(unsafe.Pointer(a.digest), 16)
	}
	switch out.Type {
	case AuthBasic, AuthBearer:
		b := (*C.struct_khttpbasic)(unsafe.Pointer(&a.d))
		out.Response = gostr(b.response)
	case AuthDigest:
		d := (*C.struct_khttpdigest)(unsafe.Pointer(&a.d))
		out.Alg, out.QOP = DigestAlg(d.alg), DigestQOP(d.qop)
		out.User, out.URI, out.Realm = gostr(d.user), gostr(d.uri), gostr(d.realm)
		out.Nonce, out.CNonce, out.Response = gostr(d.nonce), gostr(d.cnonce), gostr(d.response)
		out.Count, out.Opaque = uint32(d.count), gostr(d.opaque)
	}
	return out
}

// CheckBasic reports whether the request's basic authorization names
// user and password (khttpbasic_validate(3)). It returns false, and an
// error wrapping ErrForm, when the request has none or its method is
// unknown to libkcgi; ErrFreed after Free.
func (r *Request) CheckBasic(user, password string) (bool, error) {
	if r.req == nil {
		return false, opError("CheckBasic", ErrFreed)
	}
	u, p := C.CString(user), C.CString(password)
	defer C.free(unsafe.Pointer(u))
	defer C.free(unsafe.Pointer(p))
	return authResult(C.khttpbasic_validate(r.req, u, p))
}

// CheckDigest reports whether the request's digest authorization matches
// password (khttpdigest_validate(3)), with the errors of CheckBasic.
func (r *Request) CheckDigest(password string) (bool, error) {
	if r.req == nil {
		return false, opError("CheckDigest", ErrFreed)
	}
	p := C.CString(password)
	defer C.free(unsafe.Pointer(p))
	return authResult(C.khttpdigest_validate(r.req, p))
}

func authResult(rc C.int) (bool, error) {
	if rc < 0 {
		return false, ErrForm
	}
	return rc > 0, nil
}

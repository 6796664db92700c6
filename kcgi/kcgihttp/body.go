package kcgihttp

// This file re-encodes the form bodies libkcgi parsed, for the
// handler's Request.Body: libkcgi keeps the fields, not the bytes.

import (
	"bytes"
	"fmt"
	"mime"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"strings"

	"github.com/kcgi-go/kcgi-go/kcgi"
)

// encodeForm encodes the fields libkcgi parsed from a body of content
// type ct, in their order, as a body of the same type. For multipart, it
// also returns the Content-Type to use if the request's boundary could
// not be kept; else "".
//
// What is sent is not always what comes back: see the package doc.
func encodeForm(ct string, fields []kcgi.Pair) (body []byte, ctype string, err error) {
	var b bytes.Buffer
	switch {
	case isMultipart(ct):
		return encodeMultipart(ct, fields)
	case strings.EqualFold(ct, "text/plain"):
		for i := range fields {
			b.WriteString(fields[i].Key + "=" + formValue(&fields[i]) + "\r\n")
		}
	default:
		for i := range fields {
			if i > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(fields[i].Key) + "=" + url.QueryEscape(formValue(&fields[i])))
		}
	}
	return b.Bytes(), "", nil
}

// encodeMultipart writes fields as multipart/form-data parts, with the
// request's boundary: it was not in the body, so it is not in the
// fields. A part libkcgi gave no type is text/plain (RFC 7578), which
// is left out, as browsers do, unless the part is a file.
func encodeMultipart(ct string, fields []kcgi.Pair) ([]byte, string, error) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	ctype := ""
	_, params, _ := mime.ParseMediaType(ct)
	if mw.SetBoundary(params["boundary"]) != nil {
		ctype = mw.FormDataContentType()
	}
	for i := range fields {
		f := &fields[i]
		disp := `form-data; name="` + quote(f.Key) + `"`
		if f.File != "" {
			disp += `; filename="` + quote(f.File) + `"`
		}
		h := textproto.MIMEHeader{"Content-Disposition": {disp}}
		if f.ContentType != "" && (f.File != "" || !strings.EqualFold(f.ContentType, "text/plain")) {
			h.Set("Content-Type", f.ContentType)
		}
		if f.XferEncoding != "" {
			h.Set("Content-Transfer-Encoding", f.XferEncoding)
		}
		w, err := mw.CreatePart(h)
		if err != nil {
			return nil, "", fmt.Errorf("kcgihttp: re-encoding the form: %w", err)
		}
		if f.File != "" {
			w.Write(f.Value) // an upload is bytes; a validator never ran
		} else {
			w.Write([]byte(formValue(f)))
		}
	}
	if err := mw.Close(); err != nil {
		return nil, "", fmt.Errorf("kcgihttp: re-encoding the form: %w", err)
	}
	return b.Bytes(), ctype, nil
}

// quote escapes a name or file name for a quoted-string parameter, as
// mime/multipart.Writer does, and CR and LF as browsers do.
var quote = strings.NewReplacer("\\", "\\\\", `"`, "\\\"", "\r", "%0D", "\n", "%0A").Replace

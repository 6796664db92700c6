package main

// This file is the application: an ordinary net/http.Handler.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"io"
	"net/http"
	"net/mail"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kcgi-go/kcgi-go/kcgi/kcgihttp"
)

// maxUpload is the largest upload accepted.
const maxUpload = 8 << 20

var page = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Notes</title></head><body>
{{- if .Saved}}
<p>Thank you. Your note:</p>
<dl><dt>Title</dt><dd>{{.Title}}</dd><dt>E-mail</dt><dd>{{.Email}}</dd>
{{- with .File}}<dt>File</dt><dd>{{.Name}}, {{.Size}} bytes, SHA-256 {{.SHA256}}</dd>{{end}}</dl>
{{- else}}
{{- range .Errors}}
<p class="error">{{.}}</p>
{{- end}}
<form method="post" action="{{.Action}}" enctype="multipart/form-data">
<label>Title <input name="title" value="{{.Title}}" maxlength="80"></label>
<label>E-mail <input name="email" value="{{.Email}}"></label>
<label>File <input type="file" name="file"></label>
<button>Save</button>
</form>
{{- end}}
</body></html>
`))

type fileInfo struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

type note struct {
	Action, Title, Email string
	Errors               []string
	File                 *fileInfo
	Saved                bool
}

func newApp() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/{$}", form) // "/" only: other paths are 404
	mux.HandleFunc("/api/echo", echo)
	return mux
}

// form shows the form on GET and validates it on POST: 422 with the
// errors, or 200 with the note.
func form(w http.ResponseWriter, r *http.Request) {
	n := note{Action: r.URL.Path}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodPost:
		n.validate(r)
		if len(n.Errors) > 0 {
			w.WriteHeader(http.StatusUnprocessableEntity)
		}
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	page.Execute(w, n)
}

func (n *note) validate(r *http.Request) {
	if err := r.ParseMultipartForm(maxUpload); err != nil && err != http.ErrNotMultipart {
		n.Errors = append(n.Errors, "The form could not be read.")
		return
	}
	n.Title = strings.TrimSpace(r.PostFormValue("title"))
	n.Email = strings.TrimSpace(r.PostFormValue("email"))
	switch {
	case n.Title == "":
		n.Errors = append(n.Errors, "A title is required.")
	case utf8.RuneCountInString(n.Title) > 80 || !utf8.ValidString(n.Title):
		n.Errors = append(n.Errors, "The title must be UTF-8, at most 80 characters.")
	}
	if a, err := mail.ParseAddress(n.Email); err != nil || a.Address != n.Email {
		n.Errors = append(n.Errors, "The e-mail address is not valid.")
	}
	if f, h, err := r.FormFile("file"); err == nil {
		defer f.Close()
		sum := sha256.New()
		size, _ := io.Copy(sum, f)
		n.File = &fileInfo{h.Filename, size, hex.EncodeToString(sum.Sum(nil))}
		if size > maxUpload {
			n.Errors = append(n.Errors, "The file is too large.")
		}
	}
	n.Saved = len(n.Errors) == 0
}

// echo answers with what the handler sees of the request, as JSON.
func echo(w http.ResponseWriter, r *http.Request) {
	r.ParseMultipartForm(maxUpload)
	body, _ := io.ReadAll(r.Body)
	out := map[string]any{
		"method":     r.Method,
		"path":       r.URL.Path,
		"rawQuery":   r.URL.RawQuery,
		"requestURI": r.RequestURI,
		"proto":      r.Proto,
		"host":       r.Host,
		"tls":        r.TLS != nil,
		"length":     r.ContentLength,
		"form":       r.Form,
		"postForm":   r.PostForm,
		"body":       string(body),
		"headers":    headerNames(r.Header),
		"userAgent":  r.UserAgent(),
	}
	if r.MultipartForm != nil {
		files := map[string][]fileInfo{}
		for k, fhs := range r.MultipartForm.File {
			for _, fh := range fhs {
				f, _ := fh.Open()
				sum := sha256.New()
				size, _ := io.Copy(sum, f)
				f.Close()
				files[k] = append(files[k], fileInfo{fh.Filename, size, hex.EncodeToString(sum.Sum(nil))})
			}
		}
		out["files"] = files
	}
	if kr, ok := kcgihttp.FromContext(r.Context()); ok {
		// Only under kcgi: what libkcgi's sandboxed parser made of it.
		w.Header().Set("X-Kcgi-Fields", strconv.Itoa(len(kr.Fields())))
	}
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(out)
}

func headerNames(h http.Header) []string {
	var names []string
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

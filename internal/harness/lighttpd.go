package harness

// This file runs lighttpd as a CGI host on a loopback port.

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"text/template"
)

// LighttpdConfig describes a lighttpd that runs one CGI program.
type LighttpdConfig struct {
	// Program is the CGI program, run for every path under Prefix:
	// Prefix is its SCRIPT_NAME, the rest of the path its PATH_INFO.
	// lighttpd runs the file at this path for every request, so it may
	// be a symbolic link that the test changes between requests.
	Program string
	// Prefix defaults to "/app".
	Prefix string
}

// Lighttpd is a running lighttpd (mod_cgi), in the foreground. It lets
// control characters through in the URL and headers, as nginx does. Its
// Dir holds lighttpd.conf, the error log, where the CGI programs'
// standard error goes too, and an empty htdocs.
type Lighttpd struct{ *daemon }

var lighttpdConf = template.Must(template.New("lighttpd.conf").Parse(`server.document-root = "{{.Dir}}/htdocs"
server.bind = "127.0.0.1"
server.port = {{.Port}}
server.errorlog = "{{.Dir}}/error.log"
server.modules = ("mod_alias", "mod_cgi")
alias.url = ("{{.Prefix}}" => "{{.Program}}")
cgi.assign = ("" => "")
server.http-parseopts = ("header-strict" => "disable", "url-ctrls-reject" => "disable", "url-invalid-utf8-reject" => "disable")
`))

// NewLighttpd writes a configuration into a temporary directory,
// starts lighttpd on a free loopback port and waits until it accepts
// connections. Close stops it.
func NewLighttpd(cfg LighttpdConfig) (*Lighttpd, error) {
	if cfg.Prefix == "" {
		cfg.Prefix = "/app"
	}
	d, err := startDaemon("lighttpd", lighttpdConf, func(where daemonData) (any, error) {
		return struct {
			LighttpdConfig
			daemonData
		}{cfg, where}, os.Mkdir(filepath.Join(where.Dir, "htdocs"), 0o755)
	}, func(dir string) *exec.Cmd {
		return exec.Command("lighttpd", "-D", "-f", filepath.Join(dir, "lighttpd.conf"))
	})
	if err != nil {
		return nil, err
	}
	return &Lighttpd{d}, nil
}

// StartLighttpd is [NewLighttpd] for a test: it stops the test on
// failure, and lighttpd when the test ends.
func StartLighttpd(tb testing.TB, cfg LighttpdConfig) *Lighttpd {
	tb.Helper()
	l, err := NewLighttpd(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	l.closeWith(tb)
	return l
}

package harness

// This file runs Apache httpd (mod_proxy_fcgi) as a FastCGI front end
// on a loopback port.

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"text/template"
)

// ApacheConfig describes an Apache httpd front end.
type ApacheConfig struct {
	// Site is the configuration of what httpd serves, such as the
	// Location blocks of deploy/linux/apache.conf. httpd's children,
	// running as User, must be able to reach the sockets it names:
	// every directory above them must let User through.
	Site string
	// User and Group run httpd's children (it refuses to serve as
	// root). Default "www-data".
	User, Group string
}

// Apache is a running Apache httpd, in the foreground, with the event
// MPM. Its Dir holds apache.conf and the error log.
type Apache struct{ *daemon }

// ApacheModules is where Debian's apache2 package keeps its modules.
const ApacheModules = "/usr/lib/apache2/modules"

var apacheConf = template.Must(template.New("apache.conf").Parse(`ServerRoot "{{.Dir}}"
ServerName localhost
Listen {{.Addr}}
PidFile "{{.Dir}}/httpd.pid"
ErrorLog "{{.Dir}}/error.log"
Mutex file:{{.Dir}} default
User {{.User}}
Group {{.Group}}
LoadModule mpm_event_module {{.Modules}}/mod_mpm_event.so
LoadModule authz_core_module {{.Modules}}/mod_authz_core.so
LoadModule proxy_module {{.Modules}}/mod_proxy.so
LoadModule proxy_fcgi_module {{.Modules}}/mod_proxy_fcgi.so
DocumentRoot "{{.Dir}}"
<Directory "/">
	AllowOverride None
</Directory>
LimitRequestFields 200
{{.Site}}
`))

// NewApache writes a configuration into a temporary directory, starts
// httpd on a free loopback port and waits until it accepts
// connections. Close stops it.
func NewApache(cfg ApacheConfig) (*Apache, error) {
	if cfg.User == "" {
		cfg.User = "www-data"
	}
	if cfg.Group == "" {
		cfg.Group = "www-data"
	}
	d, err := startDaemon("apache", apacheConf, func(where daemonData) (any, error) {
		return struct {
			ApacheConfig
			daemonData
			Modules string
		}{cfg, where, ApacheModules}, os.Chmod(where.Dir, 0o711) // for the children's path walk
	}, func(dir string) *exec.Cmd {
		return exec.Command(ApacheCommand, "-f", filepath.Join(dir, "apache.conf"), "-DFOREGROUND")
	})
	if err != nil {
		return nil, err
	}
	return &Apache{d}, nil
}

// ApacheCommand is Debian's name for httpd.
const ApacheCommand = "apache2"

// StartApache is [NewApache] for a test: it stops the test on failure,
// and httpd when the test ends.
func StartApache(tb testing.TB, cfg ApacheConfig) *Apache {
	tb.Helper()
	a, err := NewApache(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	a.closeWith(tb)
	return a
}

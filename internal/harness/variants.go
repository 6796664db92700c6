package harness

// This file keeps two shorthands for variants of the kfcgi and nginx
// set-ups.

import "testing"

// StartKfcgiArgs is [StartKfcgi] for a program that kfcgi runs as
// "/fcgi-bin/Name args...", and that need not be a libkcgi worker (a
// net/http/fcgi worker forks no sandboxed children): it waits only
// until the socket exists and the initial workers run.
func StartKfcgiArgs(tb testing.TB, cfg KfcgiConfig, args ...string) *Kfcgi {
	tb.Helper()
	cfg.ProgArgs = append(cfg.ProgArgs, args...)
	cfg.NoSandbox = true
	return StartKfcgi(tb, cfg)
}

// StartNginxParams is [StartNginx] with extra fastcgi_param directives
// after the standard ones, such as {"HTTPS", "on"} to tell the backend
// that the request came over TLS.
func StartNginxParams(tb testing.TB, cfg NginxConfig, params ...Param) *Nginx {
	tb.Helper()
	cfg.Params = append(cfg.Params, params...)
	return StartNginx(tb, cfg)
}

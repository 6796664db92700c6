package harness

// This file keeps two shorthands for variants of the kfcgi and nginx
// set-ups.

import "testing"

// StartKfcgiStdlib is [StartKfcgi] for a program run with -stdlib, in
// which it serves with net/http/fcgi instead of libkcgi: it forks no
// sandboxed children, so this waits only until the socket exists and
// the initial workers run.
func StartKfcgiStdlib(tb testing.TB, cfg KfcgiConfig) *Kfcgi {
	tb.Helper()
	cfg.ProgArgs = append(cfg.ProgArgs, "-stdlib")
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

// Package litmus runs litmus(1), the WebDAV conformance suite, against
// golang.org/x/net/webdav's Handler served three ways: through the kcgi
// adapter under kfcgi(8) behind nginx, through net/http/fcgi behind the
// same nginx, and by net/http itself. It is a module of its own so
// that the main module keeps no dependencies: run it with
//
//	cd integration/litmus && go test -count=1 ./...
//
// It needs root, kfcgi, nginx, cc, pkg-config with kcgi, and litmus
// (Debian package litmus); without them the test is skipped, or fails
// when the CI environment variable is set.
package litmus

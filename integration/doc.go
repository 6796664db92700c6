// Package integration tests the Go tutorial2 against kcgi's C tutorial
// as they run in production: static binaries alone in a kfcgi(8) jail,
// in fixed and variable worker pools, behind nginx or reached over the
// FastCGI socket directly; and the net/http adapter (kcgi/kcgihttp)
// against net/http/fcgi behind the same nginx: examples/notes
// (handler_test.go) and the contract corpus of contractserver
// (contract_test.go). The litmus tests of x/net/webdav are a module of
// their own, integration/litmus, so that this one has no dependencies.
//
// The tests need root, kfcgi, nginx and a C compiler; without them
// they are skipped, or fail if the CI environment variable is set.
// Run them with
//
//	go test ./integration -v -count=1
//
// -short shortens the load tests.
package integration

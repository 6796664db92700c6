// Package integration tests the Go tutorial2 against kcgi's C tutorial
// as they run in production: static binaries alone in a kfcgi(8) jail,
// in fixed and variable worker pools, behind nginx or reached over the
// FastCGI socket directly.
//
// The tests need root, kfcgi, nginx and a C compiler; without them
// they are skipped, or fail if the CI environment variable is set.
// Run them with
//
//	go test ./integration -v -count=1
//
// -short shortens the load tests.
package integration

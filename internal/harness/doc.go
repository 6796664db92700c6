// Package harness helps the integration tests drive kcgi programs the
// way they run in production: built as static binaries, started by
// kfcgi(8) in a chroot jail, and reached through nginx or directly over
// the FastCGI socket.
//
// It provides builders for Go and C programs, a kfcgi runner with
// /proc-based inspection of the process tree, an nginx front end, raw
// HTTP and FastCGI clients, a bounded load generator and a wrapper
// around wrk(1). For the deployment recipes it also has a Box, a
// private mount and PID namespace in which temporary directories stand
// for /var/www and the like, and network namespaces joined by veth
// pairs that stand for hosts. Functions that take a [testing.TB] stop the test on
// failure and register their own cleanup.
//
// Everything here needs Linux and, for kfcgi and nginx, root; see
// [Require].
package harness

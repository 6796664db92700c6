package kcgihttp

import "net/http"

// ExampleHandlers are the handlers of the runnable examples, by name:
// the test binary serves one as a CGI program when KCGI_TEST_HANDLER
// and KCGI_TEST_EXAMPLE (its name) are set (see TestMain).
var ExampleHandlers = map[string]http.Handler{}

/*
 * The C reference for cmd/tutorial2: kcgi's FastCGI tutorial program,
 * built with cc -static as the tutorial says.  The Go port must produce
 * the same bytes under kfcgi(8).
 */
#include <sys/types.h> /* size_t, ssize_t */
#include <stdarg.h> /* va_list */
#include <stddef.h> /* NULL */
#include <stdint.h> /* int64_t */
#include <kcgi.h>

int
main(void)
{
	struct kreq req;
	struct kfcgi *fcgi;

	if (khttp_fcgi_init(&fcgi, NULL, 0, NULL, 0, 0) != KCGI_OK)
		return 0;

	while (khttp_fcgi_parse(fcgi, &req) == KCGI_OK) {
		khttp_head(&req, kresps[KRESP_STATUS],
		    "%s", khttps[KHTTP_200]);
		khttp_head(&req, kresps[KRESP_CONTENT_TYPE],
		    "%s", kmimetypes[KMIME_TEXT_PLAIN]);
		khttp_body(&req);
		khttp_puts(&req, "Hello, world!\n");
		khttp_free(&req);
	}

	khttp_fcgi_free(fcgi);
	return 0;
}

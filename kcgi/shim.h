/*
 * shim.h declares the fixed-arity C wrappers the Go package calls
 * instead of libkcgi directly.  See shim.c.
 */
#ifndef KCGI_GO_SHIM_H
#define KCGI_GO_SHIM_H

#include <sys/types.h>	/* size_t, ssize_t */
#include <stdarg.h>	/* va_list */
#include <stddef.h>	/* NULL */
#include <stdint.h>	/* int64_t */
#include <stdlib.h>	/* free */
#include <kcgi.h>

/*
 * 0.13.4 is what OpenBSD's ports ship.  Older releases lack names the
 * Go tables use (the CORS headers came in 0.13.x).
 */
#if !defined(KCGI_VSTAMP) || KCGI_VSTAMP < 11405
#error "the Go binding needs libkcgi 0.13.4 or later: pkg_add kcgi, or install kcgi from source (see README.md)"
#endif

/*
 * libkcgi 1.0.0 added the request's environment (struct kreq envs) and
 * inserted KRESP_PRIORITY (and, in enum krequ, KREQU_PRIORITY and the
 * Sec-Fetch-* headers), shifting the values after it.  Every Go
 * constant is taken from the installed header; a name it lacks is -1,
 * which no table holds.
 */
#define	KG_HAVE_ENVS	(KCGI_VSTAMP >= 20101)
#if !KG_HAVE_ENVS
#define	KRESP_PRIORITY	(-1)
#endif

/*
 * The validators the Go package offers, by the numbers of its Validator
 * constants: kg_validators[KG_VALID_INT] is { "int", kvalid_int }.
 */
enum	kg_valid {
	KG_VALID_NONE,
	KG_VALID_BIT,
	KG_VALID_DATE,
	KG_VALID_DOUBLE,
	KG_VALID_EMAIL,
	KG_VALID_INT,
	KG_VALID_STRING,
	KG_VALID_STRINGNE,
	KG_VALID_UDOUBLE,
	KG_VALID_UINT,
	KG_VALID__MAX
};

struct	kg_validator {
	const char	 *name;
	int		(*fn)(struct kpair *);
};

extern const struct kg_validator kg_validators[KG_VALID__MAX];

/*
 * What khttp_fcgi_initx and khttp_parsex are given, in C memory: libkcgi
 * keeps the keys and pages for as long as the server lives.
 */
struct	kg_config {
	struct kvalid	 *keys;
	size_t		  keysz;
	char		**pages;
	size_t		  pagesz;
	size_t		  defpage;
	unsigned int	  debug;
	ssize_t		  sndbuf;
};

/*
 * Calls that may wait, write or fork.  Each blocks asynchronous signals
 * on its thread for its duration.
 */
enum kcgi_err	 kg_fcgi_init(struct kfcgi **, const struct kg_config *);
enum kcgi_err	 kg_fcgi_parse(struct kfcgi *, struct kreq *);
enum kcgi_err	 kg_fcgi_free(struct kfcgi *);
enum kcgi_err	 kg_parse(struct kreq *, const struct kg_config *);
enum kcgi_err	 kg_head(struct kreq *, const char *, const char *);
enum kcgi_err	 kg_body(struct kreq *, int);
enum kcgi_err	 kg_write(struct kreq *, const char *, size_t);
void		 kg_free(struct kreq *);
const struct khead *kg_envs(const struct kreq *, size_t *);
int		 kg_term_notify(int);
unsigned long	 kg_sigflags(int);
int		 kg_sigblocked(int);

#endif

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
 * libkcgi before 1.0.0 does not pass the request's environment (struct
 * kreq envs), which the net/http adapter is built from.
 */
#if !defined(KCGI_VSTAMP) || KCGI_VSTAMP < 20101
#error "the Go binding needs libkcgi 1.0.0 or later"
#endif

enum kcgi_err	 kg_fcgi_init(struct kfcgi **,
			const struct kvalid *, size_t,
			const char *const *, size_t, size_t,
			unsigned int, ssize_t);
enum kcgi_err	 kg_fcgi_parse(struct kfcgi *, struct kreq *);
enum kcgi_err	 kg_fcgi_free(struct kfcgi *);
enum kcgi_err	 kg_parse(struct kreq *,
			const struct kvalid *, size_t,
			const char *const *, size_t, size_t,
			unsigned int, ssize_t);
enum kcgi_err	 kg_head(struct kreq *, const char *, const char *);
enum kcgi_err	 kg_body(struct kreq *, int);
enum kcgi_err	 kg_write(struct kreq *, const char *, size_t);
void		 kg_free(struct kreq *);
int		 (*kg_validator(int))(struct kpair *);
unsigned long	 kg_sigflags(int);
int		 kg_sigblocked(int);

#endif

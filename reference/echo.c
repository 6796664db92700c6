/*
 * The C reference for cmd/echo: a FastCGI (or CGI) program that answers
 * every request with everything libkcgi parsed from it, so that the Go
 * binding can be checked against libkcgi byte for byte.  Built with
 * cc -static like the tutorial; run under kfcgi(8), or as a CGI program
 * when standard input is not a FastCGI socket.
 *
 * Response: "Status: 200 OK", "Content-Type: text/plain", and a body of
 * one item per line, fields separated by one space, in this order:
 *
 *	echo 1
 *	method N NAME		NAME from kmethods, "-" if unknown
 *	page N
 *	pagename Q
 *	path Q
 *	fullpath Q
 *	suffix Q
 *	mime N NAME		NAME from kmimetypes, "-" if unknown
 *	scheme N NAME		NAME from kschemes
 *	host Q
 *	port N
 *	remote Q
 *	pname Q
 *	auth N			req->auth, enum kauth
 *	rawauth type=N authorised=N digest=HEX
 *	rawauth basic response=Q		(basic and bearer)
 *	rawauth digest alg=N qop=N user=Q uri=Q realm=Q nonce=Q
 *	    cnonce=Q response=Q count=N opaque=Q	(digest, one line)
 *	headers N, then N lines: header I KEY VAL	(req->reqs)
 *	envs N, then N lines: env I KEY VAL		(req->envs; 0 before 1.0.0)
 *	fields N, then N lines: field I PAIR
 *	cookies N, then N lines: cookie I PAIR
 *	fieldmap K I...		for each key K: indices into fields,
 *	fieldnmap K I...	following the bucket's next pointers
 *	cookiemap K I...
 *	cookienmap K I...
 *	basic RC		page "auth" only: khttpbasic_validate(req,
 *	digest RC		"user", "pass") and khttpdigest_validate(req,
 *				"pass"), -1, 0 or 1
 *	end
 *
 * PAIR is "key=Q keypos=N val=Q valsz=N file=Q ctype=Q ctypepos=N
 * xcode=Q state=STATE type=TYPE parsed=V": val is all valsz bytes;
 * STATE is unchecked, valid or invalid; TYPE is integer, string or
 * double for a valid pair, else none; V is "i:" and the integer, "d:"
 * and the double (%.17g, or inf, -inf, nan, -nan) then "/" and its 64
 * bits in hex, "s:" and the parsed string Q, or "-".  The digest is
 * the 16-byte body MD5 of auth-int in hex, or "-".
 *
 * Q is a string in double quotes: bytes 0x20 to 0x7e stand for
 * themselves except '"' and '\', every other byte is \xHH (lowercase
 * hex).  A NULL string prints as "".
 */
#include <sys/types.h> /* size_t, ssize_t */
#include <stdarg.h> /* va_list */
#include <stddef.h> /* NULL */
#include <stdint.h> /* int64_t */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kcgi.h>

enum page {
	PAGE_INDEX,
	PAGE_FORM,
	PAGE_UPLOAD,
	PAGE_AUTH,
	PAGE_INJECT, /* the Go program tests bad headers here */
	PAGE__MAX
};

static const char *const pages[PAGE__MAX] = {
	"index", "form", "upload", "auth", "inject"
};

static const struct kvalid keys[] = {
	{ kvalid_bit, "bit" },
	{ kvalid_date, "date" },
	{ kvalid_double, "double" },
	{ kvalid_email, "email" },
	{ kvalid_int, "int" },
	{ kvalid_string, "string" },
	{ kvalid_stringne, "stringne" },
	{ kvalid_udouble, "udouble" },
	{ kvalid_uint, "uint" },
	{ NULL, "none" },
};

#define	KEYSZ (sizeof(keys) / sizeof(keys[0]))

static void
q(FILE *f, const char *s, size_t sz)
{
	size_t		 i;
	unsigned char	 c;

	fputc('"', f);
	for (i = 0; i < sz; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			fputc(c, f);
		else
			fprintf(f, "\\x%02x", c);
	}
	fputc('"', f);
}

static void
qs(FILE *f, const char *s)
{

	if (s == NULL)
		s = "";
	q(f, s, strlen(s));
}

static const char *
name(const char *const *tab, size_t tabsz, size_t i)
{

	return i < tabsz ? tab[i] : "-";
}

/*
 * The parsed string of a valid KPAIR_STRING pair.  libkcgi up to 1.0.1
 * inverts the offset from val when it passes parsed.s from its child to
 * the parent, leaving it at val - (s - val): undo that.
 */
static const char *
pairstr(const struct kpair *p)
{

#if KCGI_VSTAMP <= 20102
	return p->val +
	    (size_t)((uintptr_t)p->val - (uintptr_t)p->parsed.s);
#else
	return p->parsed.s;
#endif
}

static void
dbl(FILE *f, double d)
{
	uint64_t	 bits;

	memcpy(&bits, &d, sizeof(bits));
	if (isnan(d))
		fputs(signbit(d) ? "-nan" : "nan", f);
	else if (isinf(d))
		fputs(d < 0 ? "-inf" : "inf", f);
	else
		fprintf(f, "%.17g", d);
	fprintf(f, "/%016" PRIx64, bits);
}

static void
pair(FILE *f, const char *kind, size_t i, const struct kpair *p)
{
	static const char *const states[] =
	    { "unchecked", "valid", "invalid" };
	static const char *const types[] =
	    { "integer", "string", "double" };
	int		 valid = p->state == KPAIR_VALID;

	fprintf(f, "%s %zu key=", kind, i);
	qs(f, p->key);
	fprintf(f, " keypos=%zu val=", p->keypos);
	q(f, p->val, p->valsz);
	fprintf(f, " valsz=%zu file=", p->valsz);
	qs(f, p->file);
	fputs(" ctype=", f);
	qs(f, p->ctype);
	fprintf(f, " ctypepos=%zu xcode=", p->ctypepos);
	qs(f, p->xcode);
	fprintf(f, " state=%s type=%s parsed=",
	    name(states, 3, p->state),
	    valid ? name(types, 3, p->type) : "none");
	if (!valid)
		fputc('-', f);
	else if (p->type == KPAIR_INTEGER)
		fprintf(f, "i:%" PRId64, p->parsed.i);
	else if (p->type == KPAIR_DOUBLE) {
		fputs("d:", f);
		dbl(f, p->parsed.d);
	} else if (p->type == KPAIR_STRING) {
		fputs("s:", f);
		qs(f, pairstr(p));
	} else
		fputc('-', f);
	fputc('\n', f);
}

static void
bucket(FILE *f, const char *kind, struct kpair *const *map,
	const struct kpair *base)
{
	size_t			 k;
	const struct kpair	*p;

	for (k = 0; k < KEYSZ; k++) {
		fprintf(f, "%s %zu", kind, k);
		for (p = map == NULL ? NULL : map[k]; p != NULL; p = p->next)
			fprintf(f, " %td", p - base);
		fputc('\n', f);
	}
}

static void
heads(FILE *f, const char *kind, const struct khead *h, size_t sz)
{
	size_t	 i;

	fprintf(f, "%ss %zu\n", kind, sz);
	for (i = 0; i < sz; i++) {
		fprintf(f, "%s %zu ", kind, i);
		qs(f, h[i].key);
		fputc(' ', f);
		qs(f, h[i].val);
		fputc('\n', f);
	}
}

static void
auth(FILE *f, const struct khttpauth *a)
{
	const struct khttpdigest *d = &a->d.digest;
	size_t		 i;

	fprintf(f, "rawauth type=%d authorised=%d digest=",
	    (int)a->type, a->authorised);
	if (a->digest == NULL)
		fputc('-', f);
	else
		for (i = 0; i < 16; i++)
			fprintf(f, "%02x", (unsigned char)a->digest[i]);
	fputc('\n', f);
	if (a->type == KAUTH_BASIC || a->type == KAUTH_BEARER) {
		fputs("rawauth basic response=", f);
		qs(f, a->d.basic.response);
		fputc('\n', f);
	} else if (a->type == KAUTH_DIGEST) {
		fprintf(f, "rawauth digest alg=%d qop=%d user=",
		    (int)d->alg, (int)d->qop);
		qs(f, d->user);
		fputs(" uri=", f);
		qs(f, d->uri);
		fputs(" realm=", f);
		qs(f, d->realm);
		fputs(" nonce=", f);
		qs(f, d->nonce);
		fputs(" cnonce=", f);
		qs(f, d->cnonce);
		fputs(" response=", f);
		qs(f, d->response);
		fprintf(f, " count=%" PRIu32 " opaque=", d->count);
		qs(f, d->opaque);
		fputc('\n', f);
	}
}

static void
dump(FILE *f, const struct kreq *r)
{
	size_t	 i;

	fputs("echo 1\n", f);
	fprintf(f, "method %d %s\n", (int)r->method,
	    name(kmethods, KMETHOD__MAX, r->method));
	fprintf(f, "page %zu\npagename ", r->page);
	qs(f, r->pagename);
	fputs("\npath ", f);
	qs(f, r->path);
	fputs("\nfullpath ", f);
	qs(f, r->fullpath);
	fputs("\nsuffix ", f);
	qs(f, r->suffix);
	fprintf(f, "\nmime %zu %s\n", r->mime,
	    name(kmimetypes, KMIME__MAX, r->mime));
	fprintf(f, "scheme %d %s\nhost ", (int)r->scheme,
	    name(kschemes, KSCHEME__MAX, r->scheme));
	qs(f, r->host);
	fprintf(f, "\nport %u\nremote ", (unsigned)r->port);
	qs(f, r->remote);
	fputs("\npname ", f);
	qs(f, r->pname);
	fprintf(f, "\nauth %d\n", (int)r->auth);
	auth(f, &r->rawauth);
	heads(f, "header", r->reqs, r->reqsz);
#if KCGI_VSTAMP >= 20101
	heads(f, "env", r->envs, r->envsz);
#else
	heads(f, "env", NULL, 0);
#endif
	fprintf(f, "fields %zu\n", r->fieldsz);
	for (i = 0; i < r->fieldsz; i++)
		pair(f, "field", i, &r->fields[i]);
	fprintf(f, "cookies %zu\n", r->cookiesz);
	for (i = 0; i < r->cookiesz; i++)
		pair(f, "cookie", i, &r->cookies[i]);
	bucket(f, "fieldmap", r->fieldmap, r->fields);
	bucket(f, "fieldnmap", r->fieldnmap, r->fields);
	bucket(f, "cookiemap", r->cookiemap, r->cookies);
	bucket(f, "cookienmap", r->cookienmap, r->cookies);
	if (r->page == PAGE_AUTH) {
		fprintf(f, "basic %d\n",
		    khttpbasic_validate(r, "user", "pass"));
		fprintf(f, "digest %d\n", khttpdigest_validate(r, "pass"));
	}
	fputs("end\n", f);
}

/* Writes the whole body in one khttp_write, as the Go program does. */
static void
respond(struct kreq *r)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 sz = 0;

	khttp_head(r, kresps[KRESP_STATUS], "%s", khttps[KHTTP_200]);
	khttp_head(r, kresps[KRESP_CONTENT_TYPE],
	    "%s", kmimetypes[KMIME_TEXT_PLAIN]);
	khttp_body(r);
	if ((f = open_memstream(&buf, &sz)) == NULL)
		return;
	dump(f, r);
	if (fclose(f) == 0)
		khttp_write(r, buf, sz);
	free(buf);
}

int
main(void)
{
	struct kreq	 req;
	struct kfcgi	*fcgi;

	if (!khttp_fcgi_test()) {
		if (khttp_parsex(&req, ksuffixmap, kmimetypes, KMIME__MAX,
		    keys, KEYSZ, pages, PAGE__MAX, KMIME_TEXT_HTML,
		    PAGE_INDEX, NULL, NULL, 0, NULL) != KCGI_OK)
			return 1;
		respond(&req);
		khttp_free(&req);
		return 0;
	}

	if (khttp_fcgi_initx(&fcgi, kmimetypes, KMIME__MAX, keys, KEYSZ,
	    ksuffixmap, KMIME_TEXT_HTML, pages, PAGE__MAX, PAGE_INDEX,
	    NULL, NULL, 0, NULL) != KCGI_OK)
		return 1;
	while (khttp_fcgi_parse(fcgi, &req) == KCGI_OK) {
		respond(&req);
		khttp_free(&req);
	}
	khttp_fcgi_free(fcgi);
	return 0;
}

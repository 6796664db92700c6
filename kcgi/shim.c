/*
 * shim.c wraps the libkcgi calls that may wait, write or fork; the Go
 * package calls the others (khttp_fcgi_test, the auth checks) directly.
 * It also holds the table of validators.
 *
 * Variadic functions (khttp_head) cannot be called from cgo, so they
 * get a fixed "%s" format here.  More importantly, every call that may
 * block or fork runs with asynchronous signals blocked on the calling
 * thread: libkcgi treats a poll(2) interrupted by EINTR as fatal, and
 * the Go runtime signals its own threads (preemption, profiling) at any
 * time.  The synchronous signals stay deliverable so that a fault is
 * still a fault, and libkcgi unblocks SIGTERM itself around the poll
 * that waits for the next request.  The caller's mask is restored
 * before returning, so the thread runs Go code, and starts programs,
 * with the mask Go set.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include "shim.h"

/*
 * libkcgi up to and including 1.0.1 never frees the array holding a
 * request's environment (kreq_free frees only its strings).  Free it
 * here for those versions only, so that a fixed release is never
 * freed twice.
 */
#define	KG_ENVS_LEAK	(KG_HAVE_ENVS && KCGI_VSTAMP <= 20102)

static void
kg_block(sigset_t *old)
{
	sigset_t	 set;

	sigfillset(&set);
	sigdelset(&set, SIGSEGV);
	sigdelset(&set, SIGBUS);
	sigdelset(&set, SIGFPE);
	sigdelset(&set, SIGILL);
	sigdelset(&set, SIGTRAP);
	sigdelset(&set, SIGABRT);
	sigdelset(&set, SIGSYS);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

static void
kg_restore(const sigset_t *old)
{

	pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* The request's environment: none before libkcgi 1.0.0. */
const struct khead *
kg_envs(const struct kreq *req, size_t *sz)
{

#if KG_HAVE_ENVS
	*sz = req->envsz;
	return req->envs;
#else
	(void)req;
	*sz = 0;
	return NULL;
#endif
}

static void
kg_free_envs(const struct khead *envs)
{

#if KG_ENVS_LEAK
	free((void *)envs);
#else
	(void)envs;
#endif
}

/*
 * After a parse: on failure libkcgi has freed the request but for the
 * envs array.  khttp_fcgi_parse 1.0.1 also frees the request when it
 * cannot allocate the output buffer, yet returns KCGI_OK.
 */
static enum kcgi_err
kg_parsed(struct kreq *req, enum kcgi_err er)
{
	size_t	 sz;

	if (er == KCGI_OK && req->kdata == NULL)
		er = KCGI_ENOMEM;
	if (er != KCGI_OK)
		kg_free_envs(kg_envs(req, &sz));
	return er;
}

/*
 * libkcgi installs its SIGTERM handler with signal(3), which lacks
 * SA_ONSTACK: the Go runtime requires it of every handler, because the
 * signal may land on a thread running on a small goroutine stack.
 */
static void
kg_onstack(int sig)
{
	struct sigaction sa;

	if (sigaction(sig, NULL, &sa) == 0 &&
	    sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN &&
	    !(sa.sa_flags & SA_ONSTACK)) {
		sa.sa_flags |= SA_ONSTACK;
		sigaction(sig, &sa, NULL);
	}
}

/*
 * libkcgi's SIGTERM handler only sets a flag, which its loop reads
 * while it waits for the next request.  kg_term runs it, then writes a
 * byte to kg_termfd, so that Go code learns of the shutdown during a
 * request too.
 */
static void		(*kg_kcgi_term)(int);
static volatile sig_atomic_t kg_termfd = -1;

static void
kg_term(int sig)
{
	int	 fd = kg_termfd, er = errno;

	if (kg_kcgi_term != NULL)
		kg_kcgi_term(sig);
	if (fd != -1)
		(void)write(fd, "", 1);
	errno = er;
}

/*
 * Put kg_term before libkcgi's SIGTERM handler, writing to fd (-1:
 * none).  Returns -1 if there is no handler of libkcgi's to chain.
 */
int
kg_term_notify(int fd)
{
	struct sigaction sa;

	if (sigaction(SIGTERM, NULL, &sa) == -1 ||
	    (sa.sa_flags & SA_SIGINFO) ||
	    sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN)
		return -1;
	kg_termfd = fd;
	if (sa.sa_handler == kg_term)
		return 0;
	kg_kcgi_term = sa.sa_handler;
	sa.sa_handler = kg_term;
	sa.sa_flags |= SA_ONSTACK;
	return sigaction(SIGTERM, &sa, NULL);
}

/*
 * In the fixed pool, khttp_fcgi_init closes the listening socket kfcgi
 * passed as standard input.  Put the read end of an empty pipe there so
 * that the next descriptor the program opens is not mistaken for it.
 */
static void
kg_stdin(void)
{
	int	 fd[2];

	if (fcntl(STDIN_FILENO, F_GETFD) != -1 || errno != EBADF)
		return;
	if (pipe(fd) == -1)
		return;
	if (fd[0] != STDIN_FILENO) {
		dup2(fd[0], STDIN_FILENO);
		close(fd[0]);
	}
	close(fd[1]);
}

const struct kg_validator kg_validators[KG_VALID__MAX] = {
	{ "none", NULL },		/* KG_VALID_NONE */
	{ "bit", kvalid_bit },		/* KG_VALID_BIT */
	{ "date", kvalid_date },	/* KG_VALID_DATE */
	{ "double", kvalid_double },	/* KG_VALID_DOUBLE */
	{ "email", kvalid_email },	/* KG_VALID_EMAIL */
	{ "int", kvalid_int },		/* KG_VALID_INT */
	{ "string", kvalid_string },	/* KG_VALID_STRING */
	{ "stringne", kvalid_stringne },/* KG_VALID_STRINGNE */
	{ "udouble", kvalid_udouble },	/* KG_VALID_UDOUBLE */
	{ "uint", kvalid_uint },	/* KG_VALID_UINT */
};

/*
 * libkcgi's SIGTERM handler stays only while a server lives: the
 * handler before kg_fcgi_init (the Go runtime's) comes back at
 * kg_fcgi_free, or when kg_fcgi_init fails, so that the program can
 * handle SIGTERM itself again.
 */
static struct sigaction	 kg_term_saved;
static int		 kg_term_have;

static void
kg_term_restore(void)
{

	kg_termfd = -1;
	if (kg_term_have)
		sigaction(SIGTERM, &kg_term_saved, NULL);
	kg_term_have = 0;
}

enum kcgi_err
kg_fcgi_init(struct kfcgi **fcgi, const struct kg_config *c)
{
	enum kcgi_err	 er;
	sigset_t	 old;
	struct kopts	 opts = { .sndbufsz = c->sndbuf };

	kg_block(&old);
	kg_term_have = sigaction(SIGTERM, NULL, &kg_term_saved) == 0;
	er = khttp_fcgi_initx(fcgi, kmimetypes, KMIME__MAX,
	    c->keys, c->keysz, ksuffixmap, KMIME_TEXT_HTML,
	    (const char *const *)c->pages, c->pagesz, c->defpage,
	    NULL, NULL, c->debug, &opts);
	/* The handler is installed before anything can fail. */
	kg_onstack(SIGTERM);
	if (er == KCGI_OK)
		kg_stdin();
	else
		kg_term_restore();
	kg_restore(&old);
	return er;
}

enum kcgi_err
kg_fcgi_parse(struct kfcgi *fcgi, struct kreq *req)
{
	enum kcgi_err	 er;
	sigset_t	 old;

	kg_block(&old);
	er = khttp_fcgi_parse(fcgi, req);
	kg_restore(&old);
	return kg_parsed(req, er);
}

enum kcgi_err
kg_fcgi_free(struct kfcgi *fcgi)
{
	enum kcgi_err	 er;
	sigset_t	 old;

	kg_block(&old);
	er = khttp_fcgi_free(fcgi);
	kg_term_restore();
	kg_restore(&old);
	return er;
}

enum kcgi_err
kg_parse(struct kreq *req, const struct kg_config *c)
{
	enum kcgi_err	 er;
	sigset_t	 old;
	struct kopts	 opts = { .sndbufsz = c->sndbuf };

	kg_block(&old);
	er = khttp_parsex(req, ksuffixmap, kmimetypes, KMIME__MAX,
	    c->keys, c->keysz, (const char *const *)c->pages, c->pagesz,
	    KMIME_TEXT_HTML, c->defpage, NULL, NULL, c->debug, &opts);
	kg_restore(&old);
	return kg_parsed(req, er);
}

/* The calls on a parsed request, from whichever thread. */
enum kcgi_err
kg_head(struct kreq *req, const char *key, const char *val)
{
	enum kcgi_err	 er;
	sigset_t	 old;

	kg_block(&old);
	er = khttp_head(req, key, "%s", val);
	kg_restore(&old);
	return er;
}

enum kcgi_err
kg_body(struct kreq *req, int comp)
{
	enum kcgi_err	 er;
	sigset_t	 old;

	kg_block(&old);
	er = comp < 0 ? khttp_body(req) : khttp_body_compress(req, comp);
	kg_restore(&old);
	return er;
}

enum kcgi_err
kg_write(struct kreq *req, const char *buf, size_t sz)
{
	enum kcgi_err	 er;
	sigset_t	 old;

	kg_block(&old);
	er = khttp_write(req, buf, sz);
	kg_restore(&old);
	return er;
}

void
kg_free(struct kreq *req)
{
	size_t			 sz;
	const struct khead	*envs = kg_envs(req, &sz);
	sigset_t		 old;

	kg_block(&old);
	khttp_free(req);
	kg_restore(&old);
	kg_free_envs(envs);
}

/* The sa_flags of a signal's handler, for the tests. */
unsigned long
kg_sigflags(int sig)
{
	struct sigaction sa;

	if (sigaction(sig, NULL, &sa) == -1)
		return 0;
	return (unsigned long)sa.sa_flags;
}

/* Whether a signal is blocked on the calling thread, for the tests. */
int
kg_sigblocked(int sig)
{
	sigset_t	 set;

	if (pthread_sigmask(SIG_SETMASK, NULL, &set) != 0)
		return -1;
	return sigismember(&set, sig);
}

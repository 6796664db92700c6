# Builds the Go programs in cmd/ and examples/ and the C references in
# reference/.  Works with GNU make (4.0 or later) and BSD make: no
# $(shell), ifdef, .if or .for.  Add a Go program to CMDS (cmd/NAME) or
# EXAMPLES (examples/NAME), a C reference to REFS (reference/NAME.c).
# Each also needs a line in .gitignore.

include pkg-config.mk

GO ?= go
CFLAGS = -O2 -Wall
DESTDIR ?=
WWWDIR ?= /var/www
BENCHFLAGS ?=

CMDS = tutorial2 echo confined
EXAMPLES = notes
REFS = reference/tutorial2 reference/echo

# LINK=static: one static executable, ready for kfcgi's chroot.
# LINK=dynamic: libkcgi and libz static, libc dynamic; "make install"
# then copies the loader and libraries into the chroot.  The default is
# dynamic on OpenBSD, where Go cannot link statically (golang/go#20508).
DEFAULT_LINK != [ "`uname -s`" = OpenBSD ] && echo dynamic || echo static
LINK ?= $(DEFAULT_LINK)
GOLDFLAGS_static = -linkmode external -extldflags -static
GOLDFLAGS_dynamic = -linkmode external

# .build/lib holds only the static libkcgi.a (and libz.a).  Searched
# first, it makes -lkcgi pick the archive over libkcgi.so.
LIBSTATIC = -L`pwd`/.build/lib
GOBUILD = CGO_LDFLAGS="$(LIBSTATIC) $$CGO_LDFLAGS" $(GO) build \
	-tags netgo,osusergo -ldflags '$(GOLDFLAGS_$(LINK))'

.PHONY: all reference reference-dynamic install test test-short bench clean $(CMDS) $(EXAMPLES)
.SUFFIXES:
.SUFFIXES: .c .dyn

all: $(CMDS) $(EXAMPLES) $(REFS)

reference: $(REFS)

reference-dynamic: $(REFS:=.dyn)

# go decides from its cache what to rebuild, so always run it.
$(CMDS): .build/lib
	$(GOBUILD) -o $@ ./cmd/$@

$(EXAMPLES): .build/lib
	$(GOBUILD) -o $@ ./examples/$@

# Built as kcgi's tutorial says: cc -c, then cc -static.
.c:
	$(CC) $(CFLAGS) $(KCGI_CFLAGS) -c -o $@.o $<
	$(CC) -static -o $@ $@.o $(KCGI_LIBS)

# The C reference linked like LINK=dynamic, for comparison.
.c.dyn:
	$(CC) $(CFLAGS) $(KCGI_CFLAGS) -c -o $@.o $<
	$(CC) $(LIBSTATIC) -o $@ $@.o $(KCGI_LIBS)

$(REFS:=.dyn): .build/lib

.build/lib:
	test -f $(KCGI_LIBDIR)/libkcgi.a
	mkdir -p $@
	ln -sf $(KCGI_LIBDIR)/libkcgi.a $@/
	if [ -f $(ZLIB_LIBDIR)/libz.a ]; then ln -sf $(ZLIB_LIBDIR)/libz.a $@/; fi

# Installs into the kfcgi chroot.  A dynamic program also gets the
# loader and every library ldd lists, at the same path in the chroot
# (Linux: "lib => /path (addr)"; OpenBSD: a table, path in the last
# column).  A static program lists none.
install: $(CMDS) $(EXAMPLES)
	mkdir -p $(DESTDIR)$(WWWDIR)/fcgi-bin
	for p in $(CMDS) $(EXAMPLES); do \
	    install -m 0555 $$p $(DESTDIR)$(WWWDIR)/fcgi-bin/ || exit 1; \
	    ldd `pwd`/$$p 2>/dev/null | awk -v b=`pwd`/$$p \
	        '{ for (i = 1; i <= NF; i++) if ($$i ~ /^\// && $$i != b && $$i != b ":") print $$i }' | \
	    while read l; do \
	        mkdir -p $(DESTDIR)$(WWWDIR)`dirname $$l` && \
	        cp $$l $(DESTDIR)$(WWWDIR)$$l || exit 1; \
	    done || exit 1; \
	done

# cgocheck2 also catches a Go pointer stored in C memory, such as in
# what libkcgi keeps of the Config.
test:
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 30m ./...
	GOEXPERIMENT=cgocheck2 $(GO) test -count=1 ./kcgi/

test-short:
	$(GO) vet ./...
	$(GO) test -short -count=1 -timeout 10m ./...

# Micro-benchmarks of the binding, then C, Go and net/http/fcgi workers
# end to end behind nginx and kfcgi (needs root, nginx and wrk; writes
# results/).  For example: make bench BENCHFLAGS='-rounds 3 -d 2s'.
bench:
	$(GO) test -run '^$$' -bench . ./kcgi/
	$(GO) run ./internal/bench $(BENCHFLAGS)

clean:
	rm -rf .build $(CMDS) $(EXAMPLES) $(REFS) $(REFS:=.o) $(REFS:=.dyn) $(REFS:=.dyn.o)

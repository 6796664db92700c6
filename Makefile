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
# first, it makes -lkcgi pick the archive over libkcgi.so, in every
# build and test: nothing depends on the loader finding libkcgi.so.
# Go's build cache does not see which kcgi.h and libkcgi.a a build used
# (go help cache): naming them in CGO_CPPFLAGS makes another kcgi, or
# another version in the same place, rebuild the package.
TOP != pwd
LIBSTATIC = -L$(TOP)/.build/lib
GOENV = CGO_LDFLAGS="$(LIBSTATIC) $$CGO_LDFLAGS" \
	CGO_CPPFLAGS="$(KCGI_CFLAGS) -DKG_PC_VERSION=$(KCGI_VERSION) $$CGO_CPPFLAGS"
GOBUILD = $(GOENV) $(GO) build \
	-tags netgo,osusergo -ldflags '$(GOLDFLAGS_$(LINK))'

.PHONY: all reference reference-dynamic install test test-short bench clean libs $(CMDS) $(EXAMPLES)
.SUFFIXES:
.SUFFIXES: .c .dyn

all: $(CMDS) $(EXAMPLES) $(REFS)

reference: $(REFS)

reference-dynamic: $(REFS:=.dyn)

# go decides from its cache what to rebuild, so always run it.
$(CMDS): libs
	$(GOBUILD) -o $@ ./cmd/$@

$(EXAMPLES): libs
	$(GOBUILD) -o $@ ./examples/$@

# Built as kcgi's tutorial says: cc -c, then cc -static.
.c:
	$(CC) $(CFLAGS) $(KCGI_CFLAGS) -c -o $@.o $<
	$(CC) -static -o $@ $@.o $(KCGI_LIBS)

# The C reference linked like LINK=dynamic, for comparison.
.c.dyn:
	$(CC) $(CFLAGS) $(KCGI_CFLAGS) -c -o $@.o $<
	$(CC) $(LIBSTATIC) -o $@ $@.o $(KCGI_LIBS)

$(REFS:=.dyn): libs

# Made anew each time: PKG_CONFIG_PATH may name another kcgi than the
# last build's.
libs:
	@test -f $(KCGI_LIBDIR)/libkcgi.a || { \
	    echo "no $(KCGI_LIBDIR)/libkcgi.a: install kcgi (see README.md, Prerequisites)" >&2; exit 1; }
	rm -rf .build/lib
	mkdir -p .build/lib
	ln -s $(KCGI_LIBDIR)/libkcgi.a .build/lib/
	if [ -f $(ZLIB_LIBDIR)/libz.a ]; then ln -s $(ZLIB_LIBDIR)/libz.a .build/lib/; fi

# Installs into the kfcgi chroot.  A dynamic program also gets the
# loader and every library ldd lists, at the same path in the chroot
# (Linux: "lib => /path (addr)"; OpenBSD: a table, path in the last
# column).  A static program lists none.
#
# install builds nothing: "make" first, as yourself, then "make install"
# as root, which may have neither go on its PATH nor PKG_CONFIG_PATH.
install:
	for p in $(CMDS) $(EXAMPLES); do \
	    test -f $$p || { echo "no ./$$p: run make first" >&2; exit 1; }; \
	done
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
# integration/litmus is a module of its own: the WebDAV handler it
# serves through the adapter needs golang.org/x/net, which the main
# module does not depend on.
test: libs
	$(GOENV) $(GO) vet ./...
	$(GOENV) $(GO) test -count=1 -timeout 30m ./...
	$(GOENV) GOEXPERIMENT=cgocheck2 $(GO) test -count=1 ./kcgi/
	cd integration/litmus && $(GOENV) $(GO) vet ./... && $(GOENV) $(GO) test -count=1 -timeout 10m ./...

test-short: libs
	$(GOENV) $(GO) vet ./...
	$(GOENV) $(GO) test -short -count=1 -timeout 10m ./...

# Micro-benchmarks of the binding, then C, Go and net/http/fcgi workers
# end to end behind nginx and kfcgi (needs root, nginx and wrk; writes
# results/).  For example: make bench BENCHFLAGS='-rounds 3 -d 2s'.
bench: libs
	$(GOENV) $(GO) test -run '^$$' -bench . ./kcgi/
	$(GOENV) $(GO) run ./internal/bench $(BENCHFLAGS)

clean:
	rm -rf .build $(CMDS) $(EXAMPLES) $(REFS) $(REFS:=.o) $(REFS:=.dyn) $(REFS:=.dyn.o)

# Build flags for libkcgi, with fallbacks for a kcgi installed in
# /usr/local without pkg-config.  Read by both GNU make and BSD make.
KCGI_CFLAGS != pkg-config --cflags kcgi 2>/dev/null || echo "-I/usr/local/include"
KCGI_LIBS != pkg-config --static --libs kcgi 2>/dev/null || echo "-L/usr/local/lib -lkcgi -lz"
KCGI_LIBDIR != pkg-config --variable=libdir kcgi 2>/dev/null || echo "/usr/local/lib"
ZLIB_LIBDIR != pkg-config --variable=libdir zlib 2>/dev/null || echo "/usr/lib"
KCGI_VERSION != pkg-config --modversion kcgi 2>/dev/null || echo unknown

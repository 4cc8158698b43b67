#ifndef JOURNEY_CZLIB_SHIM_H
#define JOURNEY_CZLIB_SHIM_H
#include <zlib.h>

/// inflateInit2 for gzip or zlib streams (window bits 15 + 32: the header is detected);
/// a macro in zlib.h, so wrapped here. Returns Z_OK on success.
static inline int journey_inflate_init(z_stream *stream) {
  return inflateInit2(stream, 15 + 32);
}
#endif

// The journey-log reader's row kernel (see include/JourneyLogKernel.h).
//
// Why C: a journey-log row is about 25 bytes of variable-length fields, and a decoder that
// walks them field by field spends most of its time in mispredicted branches (which
// phase, how many channels, how long the id). Here a row costs a fixed sequence: two
// 16-byte loads (four for a row past 32 bytes) give the row's line feed and commas as bit
// masks, the period is parsed by a branch-free multiply cascade (or taken from the previous
// row when its digits are the same), the tail (phase and channels) is found in a cache of
// whole tails by one hash and three 16-byte compares, and the exposures of a period are
// counted in 16-bit vector lanes. The bytes are validated by what they are matched
// against rather than byte by byte (see the header). SSE2 is part of x86-64, so the package
// needs no machine-specific flags; other architectures compute the masks byte by byte,
// with the same results.

#include "JourneyLogKernel.h"

#include <string.h>

#if defined(__x86_64__)
#include <emmintrin.h>
#endif

static inline uint64_t load64(const uint8_t *p) {
  uint64_t w;
  memcpy(&w, p, 8);
  return w;
}

/// Bit k set for each byte k of the 64 at `p` equal to a line feed or a comma.
typedef struct {
  uint64_t lf, comma;
} row_masks;

/// JOURNEY_TAIL_BYTES bytes 0xFF then as many zeros: from `JOURNEY_TAIL_BYTES - n` on, a
/// mask that keeps the first `n` bytes.
static const uint8_t keepWindow[2 * JOURNEY_TAIL_BYTES] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
};

/// A tail's slot: a hash of its first 16 bytes (zero past its end), its last 8 bytes (0
/// for a tail shorter than 8) and its length.
static inline unsigned tailSlot(uint64_t w0, uint64_t w1, uint64_t last, long length) {
  uint64_t h = (w0 * 0x9E3779B97F4A7C15ull) ^ (w1 * 0xC2B2AE3D27D4EB4Full) ^ (last * 0x165667B19E3779F9ull) ^
               (uint64_t)length;
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ull;
  return (unsigned)(h >> 40) & (JOURNEY_TAIL_SLOTS - 1);
}

#if defined(__x86_64__)
/// The masks of the 16 bytes at `p`, at bit `16 * k` of `m`.
static inline __attribute__((always_inline)) void masks16(const uint8_t *p, int k, row_masks *m) {
  const __m128i lf = _mm_set1_epi8(10), comma = _mm_set1_epi8(',');
  __m128i v = _mm_loadu_si128((const __m128i *)(p + 16 * k));
  m->lf |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, lf)) << (16 * k);
  m->comma |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, comma)) << (16 * k);
}

/// Bit k set for each byte k of the 64 at `p` that bars a row: below `!` (a line feed too)
/// or `"`.
static inline uint64_t barredBytes(const uint8_t *p) {
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i flip = _mm_set1_epi8((char)0x80), below = _mm_set1_epi8((char)(0x21 ^ 0x80));
  uint64_t barred = 0;
  for (int k = 0; k < 4; k++) {
    __m128i v = _mm_loadu_si128((const __m128i *)(p + 16 * k));
    __m128i low = _mm_cmplt_epi8(_mm_xor_si128(v, flip), below); // unsigned v < 0x21
    barred |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_or_si128(low, _mm_cmpeq_epi8(v, quote))) << (16 * k);
  }
  return barred;
}

/// The masks of a row's first 64 bytes; the last 32 only when the first 32 hold no line
/// feed (most rows are shorter).
static inline __attribute__((always_inline)) row_masks masks64(const uint8_t *p) {
  row_masks m = {0, 0};
  masks16(p, 0, &m);
  masks16(p, 1, &m);
  if (m.lf == 0) {
    masks16(p, 2, &m);
    masks16(p, 3, &m);
  }
  return m;
}

/// The tail's JOURNEY_TAIL_BYTES (48) bytes from `p`, zero from byte `length` on, as
/// three vectors: the bytes and'ed with a window of `keepWindow`.
static inline __attribute__((always_inline)) void tailVectors(const uint8_t *p, long length, __m128i v[3]) {
  const uint8_t *keep = keepWindow + JOURNEY_TAIL_BYTES - length;
  for (int k = 0; k < 3; k++)
    v[k] = _mm_and_si128(_mm_loadu_si128((const __m128i *)(p + 16 * k)), _mm_loadu_si128((const __m128i *)(keep + 16 * k)));
}

/// Whether entry `e` holds the tail `v` (a tail has no zero byte, so its bytes and the
/// zeros after them tell its length).
static inline __attribute__((always_inline)) int tailMatchesVectors(const journey_tail_entry *e, const __m128i v[3]) {
  __m128i same = _mm_and_si128(
      _mm_and_si128(
          _mm_cmpeq_epi8(v[0], _mm_loadu_si128((const __m128i *)e->bytes)),
          _mm_cmpeq_epi8(v[1], _mm_loadu_si128((const __m128i *)(e->bytes + 16)))),
      _mm_cmpeq_epi8(v[2], _mm_loadu_si128((const __m128i *)(e->bytes + 32))));
  return _mm_movemask_epi8(same) == 0xFFFF;
}
#else
static inline row_masks masks64(const uint8_t *p) {
  row_masks m = {0, 0};
  for (int k = 0; k < 64; k++) {
    if (p[k] == 10) m.lf |= 1ull << k;
    if (p[k] == ',') m.comma |= 1ull << k;
  }
  return m;
}

static inline uint64_t barredBytes(const uint8_t *p) {
  uint64_t barred = 0;
  for (int k = 0; k < 64; k++)
    if (p[k] < 0x21 || p[k] == '"') barred |= 1ull << k;
  return barred;
}
#endif

/// The tail's JOURNEY_TAIL_BYTES bytes, zero past `length`, as words.
static inline void tailWords(const uint8_t *p, long length, uint64_t w[JOURNEY_TAIL_WORDS]) {
  uint8_t bytes[JOURNEY_TAIL_BYTES] = {0};
  memcpy(bytes, p, (size_t)length);
  memcpy(w, bytes, JOURNEY_TAIL_BYTES);
}

/// The slot of the tail `p[0..<length)`.
static inline unsigned tailSlotOf(const uint8_t *p, long length, const uint64_t w[JOURNEY_TAIL_WORDS]) {
  return tailSlot(w[0], w[1], length >= 8 ? load64(p + length - 8) : 0, length);
}

void journey_tail_insert(journey_tail_entry *cache, const uint8_t *bytes, long length, long phase, uint64_t pattern) {
  if (length < 1 || length > JOURNEY_TAIL_BYTES) return;
  uint64_t w[JOURNEY_TAIL_WORDS];
  tailWords(bytes, length, w);
  unsigned slot = tailSlotOf(bytes, length, w);
  // The home slot, else the next one, else the home slot again (a cache).
  journey_tail_entry *e = &cache[slot];
  if (e->length != 0) {
    journey_tail_entry *f = &cache[(slot + 1) & (JOURNEY_TAIL_SLOTS - 1)];
    if (f->length == 0) e = f;
  }
  memcpy(e->bytes, w, JOURNEY_TAIL_BYTES);
  e->length = (int32_t)length;
  e->phase = (int32_t)phase;
  e->pattern = pattern;
}

/// Whether entry `e` holds the tail whose words are `w` (zero past its end).
static inline int tailMatches(const journey_tail_entry *e, const uint64_t w[JOURNEY_TAIL_WORDS]) {
  uint64_t d = 0;
  for (int k = 0; k < JOURNEY_TAIL_WORDS; k++) d |= load64(e->bytes + 8 * k) ^ w[k];
  return d == 0;
}

static inline journey_customer_record *record(journey_customer_record *const *pages, long k) {
  return pages[k >> 12] + (k & 4095);
}

/// Exposures per channel (up to JOURNEY_PENDING_CHANNELS) counted in registers for one
/// period, added to the table when the period changes: a row's channels cost a few
/// register operations instead of one memory add per channel.
enum { JOURNEY_PENDING_CHANNELS = 16 };
#if defined(__x86_64__)
typedef struct {
  __m128i count[2]; // 16-bit counts of channels 0 ..< 8 and 8 ..< 16
} exposure_counts;

static inline void exposuresClear(exposure_counts *e) {
  e->count[0] = _mm_setzero_si128();
  e->count[1] = _mm_setzero_si128();
}

static inline __attribute__((always_inline)) void exposuresAdd(exposure_counts *e, uint64_t pattern) {
  const __m128i bits = _mm_set1_epi16((short)(uint16_t)pattern);
  const __m128i low = _mm_setr_epi16(1, 2, 4, 8, 16, 32, 64, 128);
  const __m128i high = _mm_setr_epi16(256, 512, 1024, 2048, 4096, 8192, 16384, (short)-32768);
  // -1 in the lanes whose channel the row has: subtracting adds one.
  e->count[0] = _mm_sub_epi16(e->count[0], _mm_cmpeq_epi16(_mm_and_si128(bits, low), low));
  e->count[1] = _mm_sub_epi16(e->count[1], _mm_cmpeq_epi16(_mm_and_si128(bits, high), high));
}

static inline void exposuresFlush(exposure_counts *e, long *exposed, long channels) {
  uint16_t counts[16];
  _mm_storeu_si128((__m128i *)counts, e->count[0]);
  _mm_storeu_si128((__m128i *)(counts + 8), e->count[1]);
  for (long ch = 0; ch < channels; ch++) exposed[ch] += (long)counts[ch];
  exposuresClear(e);
}
#else
typedef struct {
  uint16_t count[16];
} exposure_counts;

static inline void exposuresClear(exposure_counts *e) { memset(e->count, 0, sizeof e->count); }

static inline __attribute__((always_inline)) void exposuresAdd(exposure_counts *e, uint64_t pattern) {
  for (int ch = 0; ch < 16; ch++) e->count[ch] += (uint16_t)((pattern >> ch) & 1);
}

static inline void exposuresFlush(exposure_counts *e, long *exposed, long channels) {
  for (long ch = 0; ch < channels; ch++) exposed[ch] += (long)e->count[ch];
  exposuresClear(e);
}
#endif

/// `lowBytes[n]` keeps the first `n` bytes (0 to 8) of a little-endian word.
static const uint64_t lowBytes[9] = {
    0, 0xFFull, 0xFFFFull, 0xFFFFFFull, 0xFFFFFFFFull, 0xFFFFFFFFFFull, 0xFFFFFFFFFFFFull, 0xFFFFFFFFFFFFFFull, ~0ull,
};

/// Whether record `r`, customer `k`, has the id `id[0..<n)` whose first word is `key` (a
/// whole id's bytes are compared when the arena's offsets are exact, below 4 GiB).
static inline __attribute__((always_inline)) int recordMatches(
    const journey_customer_record *r, journey_customer_record *const *pages, const uint8_t *idBytes,
    int idOffsetsExact, long k, const uint8_t *id, long n, uint64_t key) {
  if (r->key != key) return 0;
  const uint32_t flags = r->phaseAndFlag;
  if (flags & (1u << 29)) return 0;
  if (!(flags & (1u << 30))) return n == (71 - __builtin_clzll(key)) >> 3;
  if (!idOffsetsExact || idBytes == NULL) return 0;
  long lo = k == 0 ? 0 : (long)record(pages, k - 1)->idEnd;
  long hi = (long)r->idEnd;
  if (hi - lo != n) return 0;
  return n <= 8 || memcmp(idBytes + lo + 8, id + 8, (size_t)(n - 8)) == 0;
}

/// Bytes of rows the kernel takes between flushes of its exposure counters: a row has at
/// least 6 bytes, so at most 65,535 rows, and no 16-bit counter overflows.
static const long flushSpan = 6L * 65535 - 1;

long journey_log_rows(
    const uint8_t *bytes, long from, long last, long *line, journey_log_state *s, int *why, journey_log_row *out) {
  // The state in locals: the kernel's stores into the tables cannot change them.
  journey_customer_record *const *const pages = s->pages;
  const long customers = s->customers;
  const uint8_t *const idBytes = s->idBytes;
  const int idOffsetsExact = s->idOffsetsExact;
  long *const lines = s->lines;
  long *const dense = s->dense;
  long *const denseHoldout = s->denseHoldout;
  const long denseShift = s->denseShift, denseStride = s->denseStride;
  long *const periodTable = s->periodTable;
  const long periodBase = s->periodBase;
  const unsigned long periodSpan = (unsigned long)s->periodSpan;
  const long phaseSlots = s->phaseSlots, channelSlots = s->channelSlots;
  const long width = phaseSlots + channelSlots;
  // The channel bits no column of the table counts.
  const uint64_t outsideChannels = channelSlots >= 64 ? 0 : ~0ull << channelSlots;
  const int pendingExposures = channelSlots <= JOURNEY_PENDING_CHANNELS;
  const journey_tail_entry *const tails = s->tails;
  long p = from;
  long ln = *line;
  long guess = s->last;
  long rows = s->rows, firstPeriod = s->firstPeriod, lastPeriod = s->lastPeriod;
  // Exposures of the period `exposedOffset` not yet added to its row of the table.
  exposure_counts pending;
  exposuresClear(&pending);
  long exposedOffset = -1;
  // The previous row's period digits (zero past them) and period: a row in the same
  // period skips the parse.
  uint64_t previousDigits = 0;
  long previousPeriod = 0;
  int stop = JOURNEY_LOG_END;
  while (p <= last && stop == JOURNEY_LOG_END) {
    // Up to `flushSpan` bytes of rows, then the pending exposures go to the table.
    const long spanLast = last - p > flushSpan ? p + flushSpan : last;
    while (p <= spanLast) {
      const uint8_t *r = bytes + p;
      row_masks m = masks64(r);
      if (m.lf == 0) { stop = JOURNEY_LOG_ROW; break; }
      const long end = __builtin_ctzll(m.lf);        // the line feed
      const uint64_t before = (m.lf ^ (m.lf - 1)) >> 1; // the bytes before it
      uint64_t commas = m.comma & before;
      // (Whether the row has exactly three commas and no barred byte is settled below: by
      // the digits, the tail cache and the customer's record.)
      if (r[0] == '\'' || commas == 0) { stop = JOURNEY_LOG_ROW; break; }
      const long c1 = __builtin_ctzll(commas);
      commas &= commas - 1;
      if (commas == 0) { stop = JOURNEY_LOG_ROW; break; }
      const long c2 = __builtin_ctzll(commas);
      // The id: 1 or more bytes before the first comma.
      const long n = c1;
      if (n == 0) { stop = JOURNEY_LOG_ROW; break; }
      const uint64_t key = load64(r) & lowBytes[n < 8 ? n : 8];
      // The period: 1 to 8 digits.
      const long digits = c2 - c1 - 1;
      if (digits < 1 || digits > 8) { stop = JOURNEY_LOG_ROW; break; }
      const uint64_t raw = load64(r + c1 + 1) & lowBytes[digits];
      long period = previousPeriod;
      if (raw != previousDigits || previousDigits == 0) {
        // (A digit is never a zero byte, so equal words have as many digits, and 0 is no
        // row's digits yet: a period of zero bytes must not pass for the previous one.)
        uint64_t x = raw ^ (0x3030303030303030ull & lowBytes[digits]);
        const uint64_t notDigit =
            (x & 0xF0F0F0F0F0F0F0F0ull) | (((x & 0x0F0F0F0F0F0F0F0Full) + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull);
        if (notDigit != 0) { stop = JOURNEY_LOG_ROW; break; }
        x <<= 8 * (8 - digits); // the first digit in the lowest byte used, the last in the top byte
        x = (x * 10 + (x >> 8)) & 0x00FF00FF00FF00FFull;
        x = (x * 100 + (x >> 16)) & 0x0000FFFF0000FFFFull;
        x = (x * 10000 + (x >> 32)) & 0x00000000FFFFFFFFull;
        period = (long)x;
        previousDigits = raw;
        previousPeriod = period;
      }
      // The tail, from the cache.
      const long t = c2 + 1;
      const long tailLength = end - t;
      if (tailLength < 1 || tailLength > JOURNEY_TAIL_BYTES) { stop = JOURNEY_LOG_ROW; break; }
      // The tail's last 8 bytes (0 for a shorter tail; never read before the row).
      const uint64_t lastWord = load64(r + (end >= 8 ? end - 8 : 0)) & (0 - (uint64_t)(tailLength >= 8));
#if defined(__x86_64__)
      __m128i v[3];
      tailVectors(r + t, tailLength, v);
      const unsigned slot = tailSlot(
          (uint64_t)_mm_cvtsi128_si64(v[0]), (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(v[0], v[0])), lastWord,
          tailLength);
#define TAIL_MATCHES(e) tailMatchesVectors(e, v)
#else
      uint64_t w[JOURNEY_TAIL_WORDS];
      tailWords(r + t, tailLength, w);
      const unsigned slot = tailSlot(w[0], w[1], lastWord, tailLength);
#define TAIL_MATCHES(e) tailMatches(e, w)
#endif
      const journey_tail_entry *e = &tails[slot];
      if (!TAIL_MATCHES(e)) {
        e = &tails[(slot + 1) & (JOURNEY_TAIL_SLOTS - 1)];
        if (!TAIL_MATCHES(e)) {
          out->tail = p + t;
          stop = JOURNEY_LOG_TAIL;
          break;
        }
      }
#undef TAIL_MATCHES
      const long phase = e->phase;
      const uint64_t pattern = e->pattern;
      // The customer: the one after the last guess, or the last guess again, whose state
      // the row continues in a period of the table.
      long k = guess + 1;
      journey_customer_record *c = NULL;
      if (k < customers) {
        c = record(pages, k);
        if (!recordMatches(c, pages, idBytes, idOffsetsExact, k, r, n, key)) c = NULL;
      }
      if (c == NULL && guess >= 0 && guess < customers) {
        k = guess;
        c = record(pages, k);
        if (!recordMatches(c, pages, idBytes, idOffsetsExact, k, r, n, key)) c = NULL;
      }
      const long offset = period - periodBase;
      if (c == NULL || c->period < 0 || period != c->period + 1 || (unsigned long)offset >= periodSpan ||
          (unsigned long)phase >= (unsigned long)phaseSlots || (pattern & outsideChannels) != 0) {
        // Reported decoded only with an id of plain bytes (the rest of the row is).
        if ((barredBytes(r) & ((1ull << n) - 1)) != 0) { stop = JOURNEY_LOG_ROW; break; }
        out->idLength = n;
        out->key = key;
        out->period = period;
        out->phase = phase;
        out->pattern = pattern;
        out->next = p + end + 1;
        stop = JOURNEY_LOG_DECODED;
        break;
      }
      // Count.
      const uint32_t state = c->phaseAndFlag;
      const long index = (((long)(state & ((1u << 29) - 1)) << denseShift) | (long)c->pattern) * denseStride + phase;
      long *const counts = (state & (1u << 31)) ? denseHoldout : dense; // a select, not a branch
      counts[index] += 1;
      long *row = periodTable + offset * width;
      row[phase] += 1;
      if (pendingExposures) {
        if (offset != exposedOffset) {
          if (exposedOffset >= 0) exposuresFlush(&pending, periodTable + exposedOffset * width + phaseSlots, channelSlots);
          exposedOffset = offset;
        }
        exposuresAdd(&pending, pattern);
      } else {
        long *exposed = row + phaseSlots;
        for (uint64_t bits = pattern; bits != 0; bits &= bits - 1) exposed[__builtin_ctzll(bits)] += 1;
      }
      if (period < firstPeriod) firstPeriod = period;
      if (period > lastPeriod) lastPeriod = period;
      c->period = period;
      c->phaseAndFlag = (state & (7u << 29)) | (uint32_t)phase;
      c->pattern = pattern;
      if (lines) lines[k] = ln;
      guess = k;
      ln += 1;
      p += end + 1;
    }
    if (exposedOffset >= 0) exposuresFlush(&pending, periodTable + exposedOffset * width + phaseSlots, channelSlots);
    exposedOffset = -1;
  }
  s->last = guess;
  s->rows = rows + (ln - *line); // a line per row taken
  s->firstPeriod = firstPeriod;
  s->lastPeriod = lastPeriod;
  *line = ln;
  *why = stop;
  return p;
}

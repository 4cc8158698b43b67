// The journey-log reader's row kernel (see include/JourneyLogKernel.h).
//
// Why C: a journey-log row is about 25 bytes of variable-length fields, and a decoder that
// walks them field by field spends most of its time in mispredicted branches (which
// phase, how many channels, how long the id). Here a row costs a fixed sequence: four
// 16-byte compares give the row's line feed, commas and forbidden bytes as bit masks, the
// period is parsed by a branch-free multiply cascade, and the tail (phase and channels)
// is found in a cache of whole tails by one hash and three 16-byte compares. SSE2 is part of
// x86-64, so the package needs no machine-specific flags; other architectures compute the
// masks byte by byte, with the same results.

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

/// Bit k set for each byte k of the 64 at `p` equal to a line feed, a comma, or a byte
/// that bars the row (below `!` and not a line feed, or `"`).
typedef struct {
  uint64_t lf, comma, bad;
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
  const __m128i lf = _mm_set1_epi8(10), comma = _mm_set1_epi8(','), quote = _mm_set1_epi8('"');
  const __m128i flip = _mm_set1_epi8((char)0x80), below = _mm_set1_epi8((char)(0x21 ^ 0x80));
  __m128i v = _mm_loadu_si128((const __m128i *)(p + 16 * k));
  __m128i isLF = _mm_cmpeq_epi8(v, lf);
  __m128i low = _mm_cmplt_epi8(_mm_xor_si128(v, flip), below); // unsigned v < 0x21
  __m128i bad = _mm_or_si128(_mm_andnot_si128(isLF, low), _mm_cmpeq_epi8(v, quote));
  m->lf |= (uint64_t)(uint32_t)_mm_movemask_epi8(isLF) << (16 * k);
  m->comma |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, comma)) << (16 * k);
  m->bad |= (uint64_t)(uint32_t)_mm_movemask_epi8(bad) << (16 * k);
}

/// The masks of a row's first 64 bytes; the last 32 only when the first 32 hold no line
/// feed (most rows are shorter).
static inline __attribute__((always_inline)) row_masks masks64(const uint8_t *p) {
  row_masks m = {0, 0, 0};
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
  row_masks m = {0, 0, 0};
  for (int k = 0; k < 64; k++) {
    uint8_t c = p[k];
    if (c == 10) m.lf |= 1ull << k;
    else if (c < 0x21 || c == '"') m.bad |= 1ull << k;
    if (c == ',') m.comma |= 1ull << k;
  }
  return m;
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

/// Whether customer `k` has the id `id[0..<n)` whose first word is `key` (a whole id's
/// bytes are compared when the arena's offsets are exact, below 4 GiB).
static inline __attribute__((always_inline)) int matches(
    journey_customer_record *const *pages, const uint8_t *idBytes, int idOffsetsExact, long k, const uint8_t *id,
    long n, uint64_t key) {
  const journey_customer_record *r = record(pages, k);
  if (r->key != key) return 0;
  if (!(r->phaseAndFlag & (1u << 30))) return n == (71 - __builtin_clzll(key)) >> 3;
  if (!idOffsetsExact || idBytes == NULL) return 0;
  long lo = k == 0 ? 0 : (long)record(pages, k - 1)->idEnd;
  long hi = (long)r->idEnd;
  if (hi - lo != n) return 0;
  return n <= 8 || memcmp(idBytes + lo + 8, id + 8, (size_t)(n - 8)) == 0;
}

/// Exposures per channel (up to JOURNEY_PENDING_CHANNELS) counted in registers for one
/// period, added to the table when the period changes: a row's channels cost a few
/// register operations instead of one memory add per channel.
enum { JOURNEY_PENDING_CHANNELS = 16 };
#if defined(__x86_64__)
typedef struct {
  __m128i count[4]; // 32-bit counts of channels 4i ..< 4i + 4
} exposure_counts;

static inline void exposuresClear(exposure_counts *e) {
  for (int i = 0; i < 4; i++) e->count[i] = _mm_setzero_si128();
}

static inline __attribute__((always_inline)) void exposuresAdd(exposure_counts *e, uint64_t pattern) {
  const __m128i bits = _mm_set1_epi32((int)(uint32_t)pattern);
  for (int i = 0; i < 4; i++) {
    const __m128i mask = _mm_setr_epi32(1 << (4 * i), 2 << (4 * i), 4 << (4 * i), 8 << (4 * i));
    // -1 in the lanes whose channel the row has: subtracting adds one.
    e->count[i] = _mm_sub_epi32(e->count[i], _mm_cmpeq_epi32(_mm_and_si128(bits, mask), mask));
  }
}

static inline void exposuresFlush(exposure_counts *e, long *exposed, long channels) {
  uint32_t counts[16];
  for (int i = 0; i < 4; i++) _mm_storeu_si128((__m128i *)(counts + 4 * i), e->count[i]);
  for (long ch = 0; ch < channels; ch++) exposed[ch] += (long)counts[ch];
  exposuresClear(e);
}
#else
typedef struct {
  uint32_t count[16];
} exposure_counts;

static inline void exposuresClear(exposure_counts *e) { memset(e->count, 0, sizeof e->count); }

static inline __attribute__((always_inline)) void exposuresAdd(exposure_counts *e, uint64_t pattern) {
  for (int ch = 0; ch < 16; ch++) e->count[ch] += (uint32_t)((pattern >> ch) & 1);
}

static inline void exposuresFlush(exposure_counts *e, long *exposed, long channels) {
  for (long ch = 0; ch < channels; ch++) exposed[ch] += (long)e->count[ch];
  exposuresClear(e);
}
#endif

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
  const long periodBase = s->periodBase, periodSpan = s->periodSpan;
  const long phaseSlots = s->phaseSlots, channelSlots = s->channelSlots;
  const long width = phaseSlots + channelSlots;
  const journey_tail_entry *const tails = s->tails;
  long p = from;
  long ln = *line;
  long guess = s->last;
  long rows = s->rows, firstPeriod = s->firstPeriod, lastPeriod = s->lastPeriod;
  // Exposures of the period `exposedOffset` not yet added to its row of the table.
  exposure_counts pending;
  exposuresClear(&pending);
  long exposedOffset = -1;
  long pendingRows = 0;
  int stop = JOURNEY_LOG_END;
  while (p <= last) {
    const uint8_t *r = bytes + p;
    row_masks m = masks64(r);
    if (m.lf == 0) { stop = JOURNEY_LOG_ROW; break; }
    const long end = __builtin_ctzll(m.lf);        // the line feed
    const uint64_t before = (m.lf ^ (m.lf - 1)) >> 1; // the bytes before it
    uint64_t commas = m.comma & before;
    if ((m.bad & before) != 0 || r[0] == '\'' || commas == 0) { stop = JOURNEY_LOG_ROW; break; }
    const long c1 = __builtin_ctzll(commas);
    commas &= commas - 1;
    if (commas == 0) { stop = JOURNEY_LOG_ROW; break; }
    const long c2 = __builtin_ctzll(commas);
    commas &= commas - 1;
    if (commas == 0 || (commas & (commas - 1)) != 0) { stop = JOURNEY_LOG_ROW; break; }
    // The id: 1 or more bytes before the first comma.
    const long n = c1;
    if (n == 0) { stop = JOURNEY_LOG_ROW; break; }
    const uint64_t word = load64(r);
    const uint64_t key = n >= 8 ? word : word & ((1ull << (8 * n)) - 1);
    // The period: 1 to 8 digits.
    const long digits = c2 - c1 - 1;
    if (digits < 1 || digits > 8) { stop = JOURNEY_LOG_ROW; break; }
    const uint64_t keep = digits == 8 ? ~0ull : (1ull << (8 * digits)) - 1;
    uint64_t x = (load64(r + c1 + 1) ^ 0x3030303030303030ull) & keep;
    const uint64_t notDigit =
        (x & 0xF0F0F0F0F0F0F0F0ull) | (((x & 0x0F0F0F0F0F0F0F0Full) + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull);
    if (notDigit != 0) { stop = JOURNEY_LOG_ROW; break; }
    x <<= 8 * (8 - digits); // the first digit in the lowest byte used, the last in the top byte
    x = (x * 10 + (x >> 8)) & 0x00FF00FF00FF00FFull;
    x = (x * 100 + (x >> 16)) & 0x0000FFFF0000FFFFull;
    x = (x * 10000 + (x >> 32)) & 0x00000000FFFFFFFFull;
    const long period = (long)x;
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
    long k = -1;
    if (guess + 1 < customers && matches(pages, idBytes, idOffsetsExact, guess + 1, r, n, key)) k = guess + 1;
    else if (guess >= 0 && guess < customers && matches(pages, idBytes, idOffsetsExact, guess, r, n, key)) k = guess;
    journey_customer_record *c = k >= 0 ? record(pages, k) : NULL;
    const long offset = period - periodBase;
    if (c == NULL || c->period < 0 || period != c->period + 1 || offset < 0 || offset >= periodSpan ||
        phase >= phaseSlots || (channelSlots < 64 && (pattern >> channelSlots) != 0)) {
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
    const long index = (((long)(state & ~(3u << 30)) << denseShift) | (long)c->pattern) * denseStride + phase;
    long *const counts = (state & (1u << 31)) ? denseHoldout : dense; // a select, not a branch
    counts[index] += 1;
    long *row = periodTable + offset * width;
    row[phase] += 1;
    if (channelSlots <= JOURNEY_PENDING_CHANNELS) {
      // (Flushed also before a 32-bit count could overflow.)
      if (offset != exposedOffset || ++pendingRows == (1L << 30)) {
        if (exposedOffset >= 0) exposuresFlush(&pending, periodTable + exposedOffset * width + phaseSlots, channelSlots);
        exposedOffset = offset;
        pendingRows = 0;
      }
      exposuresAdd(&pending, pattern);
    } else {
      long *exposed = row + phaseSlots;
      for (uint64_t bits = pattern; bits != 0; bits &= bits - 1) exposed[__builtin_ctzll(bits)] += 1;
    }
    rows += 1;
    if (period < firstPeriod) firstPeriod = period;
    if (period > lastPeriod) lastPeriod = period;
    c->period = period;
    c->phaseAndFlag = (state & (3u << 30)) | (uint32_t)phase;
    c->pattern = pattern;
    if (lines) lines[k] = ln;
    guess = k;
    ln += 1;
    p += end + 1;
  }
  if (exposedOffset >= 0) exposuresFlush(&pending, periodTable + exposedOffset * width + phaseSlots, channelSlots);
  s->last = guess;
  s->rows = rows;
  s->firstPeriod = firstPeriod;
  s->lastPeriod = lastPeriod;
  *line = ln;
  *why = stop;
  return p;
}

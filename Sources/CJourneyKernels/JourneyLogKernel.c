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
// against rather than byte by byte (see the header).
//
// Two instances of the loop (JourneyLogRowsBody.h) on x86-64: the baseline one with SSE2,
// which is part of x86-64, so the package needs no machine-specific flags; and one compiled
// with clang's `target` attribute for AVX-512 (F, BW, DQ, VL), AES-NI and BMI1/2 (shifts
// by a register and bit counts in one instruction each), used where the CPU has them
// (state->level): one 64-byte compare per byte class gives a row's masks, one
// masked load, four AES rounds and one masked compare look its tail up, and one masked
// 16-lane add counts its exposures. Other architectures compute the masks byte by byte,
// with the same results. The tail cache's slots depend on the instance that reads it
// (each hashes a tail its own way: see journey_tail_slots).

#include "JourneyLogKernel.h"
#include "JourneyKernels.h"

#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#define JOURNEY_LOG_WIDE 1
#elif defined(__x86_64__)
#include <emmintrin.h>
#endif

// An entry fills one cache line (TailCache in JourneyEstimation allocates them aligned to it).
_Static_assert(sizeof(journey_tail_entry) == 64, "a tail entry is one cache line");

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

/// A tail's hash in the baseline instance: of its first 16 bytes (zero past its end), its
/// last 8 bytes (0 for a tail shorter than 8) and its length. Its top 24 bits give the
/// tail's two slots (`tailFirstSlot`, `tailSecondSlot`).
static inline uint64_t tailHash(uint64_t w0, uint64_t w1, uint64_t last, long length) {
  uint64_t h = (w0 * 0x9E3779B97F4A7C15ull) ^ (w1 * 0xC2B2AE3D27D4EB4Full) ^ (last * 0x165667B19E3779F9ull) ^
               (uint64_t)length;
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ull;
  return h;
}

_Static_assert((JOURNEY_TAIL_SLOTS & (JOURNEY_TAIL_SLOTS - 1)) == 0 && JOURNEY_TAIL_SLOTS <= 4096,
               "the slots are 12 bits of the hash");

static inline unsigned tailFirstSlot(uint64_t h) { return (unsigned)(h >> 40) & (JOURNEY_TAIL_SLOTS - 1); }

/// The second slot: another 12 bits of the hash, never the first slot.
static inline unsigned tailSecondSlot(uint64_t h) {
  const unsigned first = tailFirstSlot(h), second = (unsigned)(h >> 52) & (JOURNEY_TAIL_SLOTS - 1);
  return second ^ (unsigned)(second == first);
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

/// The hash of the tail `p[0..<length)` whose words are `w`.
static inline uint64_t tailHashOf(const uint8_t *p, long length, const uint64_t w[JOURNEY_TAIL_WORDS]) {
  return tailHash(w[0], w[1], length >= 8 ? load64(p + length - 8) : 0, length);
}

#if JOURNEY_LOG_WIDE
static uint64_t tailHashOfWide(const uint64_t w[JOURNEY_TAIL_WORDS]);
#endif

void journey_tail_slots(const uint8_t *bytes, long length, int level, unsigned slots[2]) {
  uint64_t w[JOURNEY_TAIL_WORDS];
  tailWords(bytes, length < 0 ? 0 : length > JOURNEY_TAIL_BYTES ? JOURNEY_TAIL_BYTES : length, w);
#if JOURNEY_LOG_WIDE
  const uint64_t h = level >= JOURNEY_KERNEL_AVX512 ? tailHashOfWide(w) : tailHashOf(bytes, length, w);
#else
  (void)level;
  const uint64_t h = tailHashOf(bytes, length, w);
#endif
  slots[0] = tailFirstSlot(h);
  slots[1] = tailSecondSlot(h);
}

/// Moves an entry out of its slot at most this many times per insert (then the last one
/// moved is dropped: the cache only saves decoding).
enum { JOURNEY_TAIL_MOVES = 32 };

void journey_tail_insert(
    journey_tail_entry *cache, int level, const uint8_t *bytes, long length, long phase, uint64_t pattern) {
  if (length < 1 || length > JOURNEY_TAIL_BYTES) return;
  journey_tail_entry item;
  memset(&item, 0, sizeof item);
  memcpy(item.bytes, bytes, (size_t)length);
  item.length = (int32_t)length;
  item.phase = (int32_t)phase;
  item.pattern = pattern;
  unsigned slots[2];
  journey_tail_slots(item.bytes, length, level, slots);
  // A free slot of the two, else the first one, whose entry moves to its other slot, and
  // so on (cuckoo hashing): tails that share a slot are all kept, instead of evicting
  // each other on every alternation.
  unsigned at = slots[0];
  if (cache[at].length != 0) {
    if (cache[slots[1]].length == 0) {
      at = slots[1];
    } else {
      for (int move = 0; move < JOURNEY_TAIL_MOVES; move++) {
        const journey_tail_entry out = cache[at];
        cache[at] = item;
        item = out;
        journey_tail_slots(item.bytes, item.length, level, slots);
        at = slots[0] == at ? slots[1] : slots[0];
        if (cache[at].length == 0) break;
      }
    }
  }
  cache[at] = item;
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

/// The hash CustomerTable.hash (JourneyEstimation) gives an id of `n` bytes, 1 to 8,
/// whose first word is `key` (change both together).
static inline uint64_t idHash(uint64_t key, long n) {
  uint64_t h = (key ^ (uint64_t)n) * 0x9E3779B97F4A7C15ull;
  return h ^ (h >> 29);
}

/// The tag of hash `h` in an index entry whose customer number takes `numberBits` bits
/// (CustomerTable.tag): the hash's bits from 32 up, as many as fit below bit 31.
static inline long idTag(uint64_t h, long numberBits) {
  const long bits = 31 - numberBits > 0 ? 31 - numberBits : 0;
  return (long)((h >> 32) & ((1ull << bits) - 1)) << numberBits;
}

/// Asks for the hash-index slot of the id at `q` (the next row's first field) when it is
/// 1 to 8 bytes long: the slot CustomerTable.hash gives such an id (its first word and its
/// length). Only a hint: an id of another form is skipped.
static inline void prefetchIdSlot(const uint8_t *q, const int32_t *index, long mask) {
  const uint64_t w = load64(q);
  const uint64_t x = w ^ 0x2C2C2C2C2C2C2C2Cull; // zero bytes where w has a comma
  const uint64_t commas = (x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull;
  long n = 8;
  if (commas != 0) n = __builtin_ctzll(commas) >> 3;
  else if (q[8] != ',') return;
  if (n == 0) return;
  __builtin_prefetch(index + (long)(idHash(w & lowBytes[n], n) & (uint64_t)mask));
}

/// The customer of a row not at the kernel's guess, whose id is `id[0..<n)` (`key` its
/// first word) and whose line feed is bit `end` of `lf` (the row's line feeds): its
/// number, found in the index or added to it as the reader adds one (then it is
/// `customers`, and its record is written) while fewer than `addLimit` customers, or -1.
/// Only an id of 1 to 8 plain bytes (its key holds it) is looked up. Asks for the index
/// slots of the next two rows' ids, likely off the guess too (the first rows of a log are
/// all new customers), so that their cache misses overlap this row and the next.
static __attribute__((noinline)) long customerOffGuess(
    const journey_log_state *s, long customers, long addLimit, const uint8_t *id, long n, uint64_t key, uint64_t lf,
    long end) {
  int32_t *const index = s->index;
  const long mask = s->indexMask;
  const uint64_t after = lf & (lf - 1); // the line feed of the next row, if in reach
  if (after != 0) prefetchIdSlot(id + __builtin_ctzll(after) + 1, index, mask);
  prefetchIdSlot(id + end + 1, index, mask);
  if (n > 8 || (barredBytes(id) & ((1ull << n) - 1)) != 0) return -1;
  const uint64_t hash = idHash(key, n);
  const long numberMask = (1L << s->numberBits) - 1;
  const long tag = idTag(hash, s->numberBits);
  long slot = (long)(hash & (uint64_t)mask);
  long entry;
  while ((entry = index[slot]) >= 0) {
    if ((entry & ~numberMask) == tag) {
      const long k = entry & numberMask;
      if (recordMatches(record(s->pages, k), s->pages, s->idBytes, s->idOffsetsExact, k, id, n, key)) return k;
    }
    slot = (slot + 1) & mask;
  }
  if (customers >= addLimit) return -1;
  index[slot] = (int32_t)(customers | tag);
  journey_customer_record *c = record(s->pages, customers);
  c->key = key;
  c->pattern = 0;
  c->period = -1;
  c->idEnd = s->newIdEnd;
  // Held out as the reader splits (HoldoutSplit): by the id's MD5 digest.
  c->phaseAndFlag = s->holdoutThreshold != 0 && (uint64_t)journey_md5_prefix32(id, n) < s->holdoutThreshold ? 1u << 31 : 0;
  return customers;
}

/// Tallies a first state in `period` and `phase` (firstPhases, earliestPhases): the
/// earliest first period after it.
static __attribute__((noinline)) long tallyFirstState(const journey_log_state *s, long earliestFirst, long period, long phase) {
  s->firstPhases[phase] += 1;
  if (period < earliestFirst) {
    earliestFirst = period;
    for (long i = 0; i < s->earliestSlots; i++) s->earliestPhases[i] = 0;
  }
  if (period == earliestFirst) s->earliestPhases[phase] += 1;
  return earliestFirst;
}

/// The two functions a body (JourneyLogRowsBody.h) is inlined into: `name_plain` for a
/// reading that keeps no first states, `name_first` for one that does.
#define ROWS_INSTANCES(name)                                                                                       \
  static long name##_plain(                                                                                        \
      const uint8_t *bytes, long from, long last, long *line, journey_log_state *s, int *why, journey_log_row *out) { \
    return name(bytes, from, last, line, s, why, out, 0);                                                          \
  }                                                                                                                \
  static long name##_first(                                                                                        \
      const uint8_t *bytes, long from, long last, long *line, journey_log_state *s, int *why, journey_log_row *out) { \
    return name(bytes, from, last, line, s, why, out, 1);                                                          \
  }

/// Bytes of rows the kernel takes between flushes of its exposure counters: a row has at
/// least 6 bytes, so at most 65,535 rows, and no 16-bit counter overflows.
static const long flushSpan = 6L * 65535 - 1;

#if JOURNEY_LOG_WIDE
// The AVX-512 helpers (every function from here to the pop is compiled for AVX-512).
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,popcnt,aes,bmi,bmi2"))), apply_to = function)

/// A tail's hash in the AVX-512 instance: of its JOURNEY_TAIL_BYTES bytes (zero past its
/// end, so its length too) as three 16-byte lanes `a`, `b`, `c`, by four AES rounds, each
/// lane passing through at least two (a round spreads a byte over one column of four, two
/// over all sixteen), three deep: fewer steps from the row's bytes to the cache entry than
/// extracting words for multiplies, and all 48 bytes hashed. Its top 24 bits give the
/// tail's two slots.
static inline __attribute__((always_inline)) uint64_t tailHashWide(__m128i a, __m128i b, __m128i c) {
  const __m128i x = _mm_aesenc_si128(a, c);                              // a: 1 round, c: added
  const __m128i y = _mm_aesenc_si128(b, _mm_set1_epi64x(0x9E3779B97F4A7C15ll)); // b: 1 round
  const __m128i z = _mm_aesenc_si128(x, y);                              // a: 2, c: 1, b: added
  const __m128i h = _mm_aesenc_si128(z, _mm_set1_epi64x(0x165667B19E3779F9ll)); // a: 3, b, c: 2
  return (uint64_t)_mm_cvtsi128_si64(h);
}

/// tailHashWide of the tail whose words are `w` (zero past its end).
static uint64_t tailHashOfWide(const uint64_t w[JOURNEY_TAIL_WORDS]) {
  return tailHashWide(
      _mm_loadu_si128((const __m128i *)w), _mm_loadu_si128((const __m128i *)(w + 2)),
      _mm_loadu_si128((const __m128i *)(w + 4)));
}

/// masks64 from one 64-byte load: every row the kernel takes fits in it.
static inline __attribute__((always_inline)) row_masks masks64Wide(const uint8_t *p) {
  const __m512i v = _mm512_loadu_si512((const void *)p);
  row_masks m = {
      _cvtmask64_u64(_mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(10))),
      _cvtmask64_u64(_mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(','))),
  };
  return m;
}

/// The tail `p[0..<length)` (1 to JOURNEY_TAIL_BYTES bytes), zero from byte `length` on.
static inline __attribute__((always_inline)) __m512i tailVectorWide(const uint8_t *p, long length) {
  return _mm512_maskz_loadu_epi8(_cvtu64_mask64((1ull << length) - 1), (const void *)p);
}

/// Whether entry `e` holds the tail `v` (its JOURNEY_TAIL_BYTES bytes compared).
static inline __attribute__((always_inline)) int tailMatchesWide(const journey_tail_entry *e, __m512i v) {
  const __mmask64 tailBytes = _cvtu64_mask64(~0ull >> (64 - JOURNEY_TAIL_BYTES));
  return _cvtmask64_u64(_mm512_mask_cmpneq_epi8_mask(tailBytes, v, _mm512_loadu_si512((const void *)e))) == 0;
}

/// The 16 exposure counters in one 256-bit register; a row's pattern is the mask of the
/// lanes it adds one to.
typedef struct {
  __m256i count;
} exposure_counts_wide;

static inline void exposuresClearWide(exposure_counts_wide *e) { e->count = _mm256_setzero_si256(); }

static inline __attribute__((always_inline)) void exposuresAddWide(exposure_counts_wide *e, uint64_t pattern) {
  e->count = _mm256_mask_sub_epi16(e->count, (__mmask16)pattern, e->count, _mm256_set1_epi16(-1));
}

static inline void exposuresFlushWide(exposure_counts_wide *e, long *exposed, long channels) {
  uint16_t counts[16];
  _mm256_storeu_si256((__m256i *)counts, e->count);
  for (long ch = 0; ch < channels; ch++) exposed[ch] += (long)counts[ch];
  exposuresClearWide(e);
}

#define ROWS_FUNCTION journey_log_rows_wide
#define ROWS_WIDE 1
#include "JourneyLogRowsBody.h"
#undef ROWS_FUNCTION
#undef ROWS_WIDE

ROWS_INSTANCES(journey_log_rows_wide)

#pragma clang attribute pop
#endif

#define ROWS_FUNCTION journey_log_rows_baseline
#define ROWS_WIDE 0
#include "JourneyLogRowsBody.h"
#undef ROWS_FUNCTION
#undef ROWS_WIDE

ROWS_INSTANCES(journey_log_rows_baseline)

long journey_log_rows(
    const uint8_t *bytes, long from, long last, long *line, journey_log_state *s, int *why, journey_log_row *out) {
  const int first = s->firstStates != NULL;
#if JOURNEY_LOG_WIDE
  if (s->level >= JOURNEY_KERNEL_AVX512)
    return first ? journey_log_rows_wide_first(bytes, from, last, line, s, why, out)
                 : journey_log_rows_wide_plain(bytes, from, last, line, s, why, out);
#endif
  return first ? journey_log_rows_baseline_first(bytes, from, last, line, s, why, out)
               : journey_log_rows_baseline_plain(bytes, from, last, line, s, why, out);
}

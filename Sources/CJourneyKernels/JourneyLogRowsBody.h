// The body of the journey-log row kernel (JourneyLogKernel.c includes it once per
// instruction set): a static function named ROWS_FUNCTION, with the AVX-512 helpers when
// ROWS_WIDE is 1 (the file is then included inside a `target` attribute region), else the
// baseline ones (SSE2 on x86-64, byte by byte elsewhere). Both give the same results. It
// is inlined into two functions each, with and without the customers' first states
// (`firstStatesKept`, a constant there), so that a reading without them pays nothing for
// them.

static inline __attribute__((always_inline)) long ROWS_FUNCTION(
    const uint8_t *bytes, long from, long last, long *line, journey_log_state *s, int *why, journey_log_row *out,
    const int firstStatesKept) {
  // The state in locals: the kernel's stores into the tables cannot change them.
  journey_customer_record *const *const pages = s->pages;
  long customers = s->customers;
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
  const int32_t *const customerIndex = s->index;
  // Customers the kernel may add: up to the records the pages hold, with an index at most
  // half full.
  const long recordCapacity = customerIndex != NULL ? s->recordCapacity : 0;
  const long addLimit = recordCapacity < (s->indexMask + 1) / 2 ? recordCapacity : (s->indexMask + 1) / 2;
  uint64_t *const firstStates = firstStatesKept ? s->firstStates : NULL;
  long earliestFirst = s->earliestFirst;
  long p = from;
  long ln = *line;
  long guess = s->last;
  long rows = s->rows, firstPeriod = s->firstPeriod, lastPeriod = s->lastPeriod;
  // Exposures of the period whose row of the table is `exposedRow` not yet added to it.
#if ROWS_WIDE
  exposure_counts_wide pending;
#define EXPOSURES(f) f##Wide
#else
  exposure_counts pending;
#define EXPOSURES(f) f
#endif
  EXPOSURES(exposuresClear)(&pending);
  long *exposedRow = NULL;
  // The previous row's period digits (zero past them), period and row of the per-period
  // table (NULL outside it): a row in the same period skips the parse and the row's
  // address (so that the table's base, span and width stay out of the loop's registers).
  uint64_t previousDigits = 10; // a line feed: no row's digits (they end before the first)
  long previousPeriod = 0;
  long *previousRow = NULL;
  int stop = JOURNEY_LOG_END;
  while (p <= last && stop == JOURNEY_LOG_END) {
    // Up to `flushSpan` bytes of rows, then the pending exposures go to the table.
    const long spanLast = last - p > flushSpan ? p + flushSpan : last;
    while (p <= spanLast) {
      const uint8_t *r = bytes + p;
#if ROWS_WIDE
      row_masks m = masks64Wide(r);
#else
      row_masks m = masks64(r);
#endif
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
      long *row = previousRow;
      if (raw != previousDigits) {
        // (A digit is never a zero byte, so equal words have as many digits.)
        uint64_t x = raw ^ (0x3030303030303030ull & lowBytes[digits]);
        const uint64_t notDigit =
            (x & 0xF0F0F0F0F0F0F0F0ull) | (((x & 0x0F0F0F0F0F0F0F0Full) + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull);
        if (notDigit != 0) { stop = JOURNEY_LOG_ROW; break; }
        x <<= 8 * (8 - digits); // the first digit in the lowest byte used, the last in the top byte
        x = (x * 10 + (x >> 8)) & 0x00FF00FF00FF00FFull;
        x = (x * 100 + (x >> 16)) & 0x0000FFFF0000FFFFull;
        x = (x * 10000 + (x >> 32)) & 0x00000000FFFFFFFFull;
        period = (long)x;
        const long offset = period - periodBase;
        row = (unsigned long)offset < periodSpan ? periodTable + offset * width : NULL;
        previousDigits = raw;
        previousPeriod = period;
        previousRow = row;
      }
      // The tail, from the cache.
      const long t = c2 + 1;
      const long tailLength = end - t;
      if (tailLength < 1 || tailLength > JOURNEY_TAIL_BYTES) { stop = JOURNEY_LOG_ROW; break; }
#if ROWS_WIDE
      // All 48 bytes (zero past the tail) hashed by AES rounds (tailHashWide).
      const __m512i v = tailVectorWide(r + t, tailLength);
      const uint64_t hash = tailHashWide(
          _mm512_castsi512_si128(v), _mm512_extracti32x4_epi32(v, 1), _mm512_extracti32x4_epi32(v, 2));
#define TAIL_MATCHES(e) tailMatchesWide(e, v)
#else
      // The tail's last 8 bytes (0 for a shorter tail; never read before the row).
      const uint64_t lastWord = load64(r + (end >= 8 ? end - 8 : 0)) & (0 - (uint64_t)(tailLength >= 8));
#if defined(__x86_64__)
      __m128i v[3];
      tailVectors(r + t, tailLength, v);
      const uint64_t hash = tailHash(
          (uint64_t)_mm_cvtsi128_si64(v[0]), (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(v[0], v[0])), lastWord,
          tailLength);
#define TAIL_MATCHES(e) tailMatchesVectors(e, v)
#else
      uint64_t w[JOURNEY_TAIL_WORDS];
      tailWords(r + t, tailLength, w);
      const uint64_t hash = tailHash(w[0], w[1], lastWord, tailLength);
#define TAIL_MATCHES(e) tailMatches(e, w)
#endif
#endif
      const journey_tail_entry *e = &tails[tailFirstSlot(hash)];
      if (!TAIL_MATCHES(e)) {
        e = &tails[tailSecondSlot(hash)];
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
      if (c == NULL && customerIndex != NULL) {
        // Off the guess: the index (out of line, so that the loop keeps its registers).
        const long found = customerOffGuess(s, customers, addLimit, r, n, key, m.lf, end);
        if (found >= 0) {
          k = found;
          c = record(pages, k);
          if (k == customers) customers += 1; // added
        }
      }
      // (A customer with no state yet: counted here for a period that fits a first state.)
      if (c == NULL || row == NULL || (unsigned long)phase >= (unsigned long)phaseSlots ||
          (pattern & outsideChannels) != 0 || (c->period >= 0 ? period != c->period + 1 : period >= (1L << 40))) {
        // Reported decoded only with an id of plain bytes (the rest of the row is).
        if ((barredBytes(r) & ((1ull << n) - 1)) != 0) { stop = JOURNEY_LOG_ROW; break; }
        out->idLength = n;
        out->key = key;
        out->period = period;
        out->phase = phase;
        out->pattern = pattern;
        out->next = p + end + 1;
        stop = JOURNEY_LOG_DECODED;
        if (customerIndex != NULL) prefetchIdSlot(r + end + 1, customerIndex, s->indexMask);
        break;
      }
      // Count.
      const uint32_t state = c->phaseAndFlag;
      if (__builtin_expect(c->period >= 0, 1)) {
        const long index = (((long)(state & ((1u << 29) - 1)) << denseShift) | (long)c->pattern) * denseStride + phase;
        long *const counts = (state & (1u << 31)) ? denseHoldout : dense; // a select, not a branch
        counts[index] += 1;
      } else {
        // The customer's first state.
        if (firstStatesKept) firstStates[k] = ((uint64_t)period << 24) | (uint64_t)phase;
        earliestFirst = tallyFirstState(s, earliestFirst, period, phase);
      }
      row[phase] += 1;
      if (pendingExposures) {
        if (row != exposedRow) {
          // A counted row's period is new to the span only here: the rows of one row of
          // the table have one period.
          if (exposedRow != NULL) EXPOSURES(exposuresFlush)(&pending, exposedRow + phaseSlots, channelSlots);
          exposedRow = row;
          if (period < firstPeriod) firstPeriod = period;
          if (period > lastPeriod) lastPeriod = period;
        }
        EXPOSURES(exposuresAdd)(&pending, pattern);
      } else {
        long *exposed = row + phaseSlots;
        for (uint64_t bits = pattern; bits != 0; bits &= bits - 1) exposed[__builtin_ctzll(bits)] += 1;
        if (period < firstPeriod) firstPeriod = period;
        if (period > lastPeriod) lastPeriod = period;
      }
      c->period = period;
      c->phaseAndFlag = (state & (7u << 29)) | (uint32_t)phase;
      c->pattern = pattern;
      if (lines) lines[k] = ln;
      guess = k;
      ln += 1;
      p += end + 1;
    }
    if (exposedRow != NULL) EXPOSURES(exposuresFlush)(&pending, exposedRow + phaseSlots, channelSlots);
    exposedRow = NULL;
  }
  s->last = guess;
  s->customers = customers;
  s->rows = rows + (ln - *line); // a line per row taken
  s->firstPeriod = firstPeriod;
  s->lastPeriod = lastPeriod;
  s->earliestFirst = earliestFirst;
  *line = ln;
  *why = stop;
  return p;
}

#undef EXPOSURES

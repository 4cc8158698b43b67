#ifndef JOURNEY_LOG_KERNEL_H
#define JOURNEY_LOG_KERNEL_H

// The journey-log reader's row kernel: the rows of a log in the simulator's column order
// (customer_id,period,phase,channels) that continue a known customer's journey, decoded
// and counted straight from the bytes.
//
// The kernel is an accelerator in front of the reader's own decoder (JourneyEstimation,
// JourneyLogRows+Fused.swift): it takes a row only when it can count it exactly as that
// decoder would, and stops, having changed nothing for that row, at the first row it
// does not take. The reader then decodes that row itself (adding a customer, a name, a
// tail, a period, or reporting an error) and calls the kernel again. What the kernel
// takes: a row of at most 64 bytes, line feed included, with no byte below `!` but the
// final line feed, no `"`, exactly three commas, an id that does not start with `'`, a
// period of 1 to 8 digits, a tail (phase and channels, from the byte after the second
// comma to the line feed) of at most 48 bytes found in the tail cache, the customer found
// at the reader's last guess or the one after it, whose previous state is in the period
// before (or who has none yet, when the reader keeps first states), and a period inside
// the per-period table. The kernel checks few of these bytes
// itself: the tail cache holds only tails the reader decoded (one comma, no byte below `!`,
// no `"`), digits are digits, and a customer whose id has a byte below `!` or a `"` is
// never matched (bit 29 of its record); a row whose customer it does not match is
// reported decoded only when its id has none of those bytes either.

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A customer's previous state and the start of their id, in 32 bytes (the reader's
/// CustomerRecord).
typedef struct {
  /// The id's first 8 bytes, little-endian, zero past its end.
  uint64_t key;
  /// The channels of the previous state.
  uint64_t pattern;
  /// The period of the previous state, -1 before the first.
  long period;
  /// The low 32 bits of where the id ends in the id arena.
  uint32_t idEnd;
  /// The phase of the previous state (bits 0-28), whether the id has a byte below `!` or
  /// a `"` (bit 29: the kernel never matches it), whether the id is held whole in the
  /// arena (bit 30) and whether the customer is held out (bit 31).
  uint32_t phaseAndFlag;
} journey_customer_record;

/// Tails (a row's bytes from its phase to the line feed, at most 48) already decoded to
/// a phase and a channel pattern: a fixed table of JOURNEY_TAIL_SLOTS entries, zeroed
/// before first use. A tail's hash picks two slots; it is kept in one of them, and an
/// insert moves the entries in its way to their other slots (cuckoo hashing), so that
/// tails sharing a slot do not evict each other. The hash is the kernel instance's
/// (`level`, as in journey_log_state): a cache serves the instance it was filled for.
enum { JOURNEY_TAIL_SLOTS = 4096, JOURNEY_TAIL_BYTES = 48, JOURNEY_TAIL_WORDS = 6 };

typedef struct {
  uint8_t bytes[JOURNEY_TAIL_BYTES];
  int32_t length; // 0: empty
  int32_t phase;
  uint64_t pattern;
} journey_tail_entry;

/// Records tail `bytes[0..<length)` (1 to JOURNEY_TAIL_BYTES bytes) as `phase` and
/// `pattern`, for the kernel instance of `level`.
void journey_tail_insert(
    journey_tail_entry *cache, int level, const uint8_t *bytes, long length, long phase, uint64_t pattern);

/// The two slots of the tail `bytes[0..<length)` (1 to JOURNEY_TAIL_BYTES bytes) in the
/// kernel instance of `level`, first the one the kernel looks at first.
void journey_tail_slots(const uint8_t *bytes, long length, int level, unsigned slots[2]);

/// The MD5 digest (RFC 1321) of `message[0..<length)` into `digest` (JourneyMD5.c).
void journey_md5(const uint8_t *message, long length, uint8_t digest[16]);

/// The first four bytes of `message`'s MD5 digest read big-endian: the number its first 8
/// hex digits write (the hold-out split compares it with `fraction · 2^32`).
uint32_t journey_md5_prefix32(const uint8_t *message, long length);

/// Asks for the cache line at `p` ahead of its use (a hint: nothing is read).
static inline void journey_prefetch(const void *p) { __builtin_prefetch(p); }

/// What the kernel reads and updates.
typedef struct {
  // Customers: the page table of 4,096 records each, the number of records, the arena of
  // whole ids (NULL if none) and whether the arena is below 4 GiB; the last guess.
  journey_customer_record *const *pages;
  long customers;
  const uint8_t *idBytes;
  int idOffsetsExact;
  long last;
  /// Each customer's previous line, or NULL.
  long *lines;
  // Dense counts: index ((origin << shift) | pattern) * stride + target.
  long *dense;
  long *denseHoldout;
  long denseShift;
  long denseStride;
  // Per-period counts: row (period - periodBase) of width phaseSlots + channelSlots.
  long *periodTable;
  long periodBase;
  long periodSpan;
  long phaseSlots;
  long channelSlots;
  // Totals.
  long rows;
  long firstPeriod;
  long lastPeriod;
  const journey_tail_entry *tails;
  /// The reader's hash index of customers (CustomerTable in JourneyEstimation: slot
  /// `hash & indexMask`, -1 when empty, else the customer's number in the low numberBits
  /// bits and a tag of the hash above them), or NULL. A customer not at the guess is
  /// looked up in it when its id is 1 to 8 plain bytes (the only ids the hash below
  /// covers). Where the kernel stops at a row whose customer it does not count, it asks
  /// for the slot of the next row's id ahead of time, so that the cache miss of the next
  /// lookup overlaps this one.
  int32_t *index;
  long indexMask;
  long numberBits;
  /// Customers the kernel may add, as the reader would (`CustomerTable.insert`), up to
  /// this number of records (those the pages hold), or 0: a customer with an id of 1 to 8
  /// plain bytes not in the index gets the next number, a fresh record (key, no state,
  /// idEnd `newIdEnd`, held out when the first 32 bits of the id's MD5 digest are below
  /// `holdoutThreshold`, no other flag) and its index slot, while the index stays at most
  /// half full (the reader doubles it). Only for an index of the reading's own (the kernel
  /// writes into it). `lines` and `firstStates`, where set, then have an entry for each of
  /// these records.
  long recordCapacity;
  uint32_t newIdEnd;
  /// `floor(fraction · 2^32)` of the hold-out fraction (HoldoutSplit.threshold), 0 without
  /// hold-out.
  uint64_t holdoutThreshold;
  /// Each customer's first state (period << 24 | phase), or NULL. The kernel counts the
  /// first row of a customer with no state yet (one it adds, or one the reader copied from
  /// another reading's start): the first state is written here where set, and tallied in
  /// firstPhases and, for the earliest first period (earliestFirst), in earliestPhases (at
  /// least phaseSlots entries each; the earliestSlots entries of earliestPhases are zeroed
  /// when an earlier first period is met).
  uint64_t *firstStates;
  long *firstPhases;
  long *earliestPhases;
  long earliestSlots;
  long earliestFirst;
  /// The instruction set of the loop: JOURNEY_KERNEL_AVX512 (JourneyKernels.h) for the
  /// AVX-512 instance, which only a CPU with it may ask for; any lower level for the
  /// baseline one. Both give the same results.
  int level;
} journey_log_state;

/// Why journey_log_rows stopped.
enum {
  /// At `last`: no row starts at or before it any more.
  JOURNEY_LOG_END = 0,
  /// At a row the kernel does not take.
  JOURNEY_LOG_ROW = 1,
  /// At a row the kernel would take but for its tail, which is not in the cache; the tail
  /// starts at `row->tail` and is at most JOURNEY_TAIL_BYTES long.
  JOURNEY_LOG_TAIL = 2,
  /// At a row decoded whole (into `*row`) whose customer the kernel does not count: not
  /// at the guess and not found or added through the index, with a first period past
  /// 2^40, in a period that does not follow the previous one or outside the per-period
  /// table.
  JOURNEY_LOG_DECODED = 3,
};

/// The row the kernel stopped at.
typedef struct {
  /// JOURNEY_LOG_TAIL: where its tail starts.
  long tail;
  /// JOURNEY_LOG_DECODED: the id's length and first 8 bytes (zero past its end), the
  /// period, phase and channels, and where the next row starts.
  long idLength;
  uint64_t key;
  long period;
  long phase;
  uint64_t pattern;
  long next;
} journey_log_row;

/// Takes the rows from `bytes + from` while they start at or before `last` (at least 128
/// readable bytes must follow `last`); returns where it stopped and sets `*why` (and
/// `*row`) and `*line`, advanced by one per row taken (each row's line is written to
/// `lines[customer]` when `lines` is set).
long journey_log_rows(
    const uint8_t *bytes, long from, long last, long *line, journey_log_state *state, int *why, journey_log_row *row);

#ifdef __cplusplus
}
#endif

#endif

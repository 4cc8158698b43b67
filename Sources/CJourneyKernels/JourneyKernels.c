// The individual engine's AVX2 and AVX-512 kernels (see include/JourneyKernels.h).
//
// Why C: the package builds for baseline x86-64 (SSE2), where a SIMD8<UInt64> xoshiro step
// costs four 128-bit registers per state word and shift pairs for every rotation, and the
// alias lookups stay scalar. clang's `target` attribute compiles these few functions for
// AVX2 and AVX-512 inside the ordinary build (no unsafe flags, so the package stays usable
// as a dependency), and journey_kernel_supported picks one at run time; CPUs without them
// run the portable Swift code. With AVX-512 the draws are made in registers next to their
// use (vprolq rotations, no buffer), the lookups are two 8-lane gathers and the counts are
// 64-byte compares with popcounts.

#include "JourneyKernels.h"

#include <stdlib.h>
#include <string.h>

int journey_kernel_selected(void) {
  const int supported = journey_kernel_supported();
  const char *name = getenv("JOURNEY_KERNEL");
  if (name == NULL) return supported;
  int requested = supported;
  if (strcmp(name, "portable") == 0) requested = JOURNEY_KERNEL_PORTABLE;
  if (strcmp(name, "avx2") == 0) requested = JOURNEY_KERNEL_AVX2;
  if (strcmp(name, "avx512") == 0) requested = JOURNEY_KERNEL_AVX512;
  return requested < supported ? requested : supported;
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))

#include <immintrin.h>

#define JOURNEY_BLOCK 512

#define TARGET_AVX2 __attribute__((target("avx2,popcnt")))
#define TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,popcnt")))

int journey_kernel_supported(void) {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("aes") && __builtin_cpu_supports("bmi") &&
      __builtin_cpu_supports("bmi2"))
    return JOURNEY_KERNEL_AVX512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt")) return JOURNEY_KERNEL_AVX2;
  return JOURNEY_KERNEL_PORTABLE;
}

// MARK: - AVX2

// One xoshiro256++ step of the eight lanes, held as two 4-lane halves per state word.
#define XOSHIRO_STEP_AVX2(result, s0, s1, s2, s3)                                            \
  do {                                                                                        \
    __m256i a_ = _mm256_add_epi64(s0, s3);                                                    \
    result = _mm256_add_epi64(_mm256_or_si256(_mm256_slli_epi64(a_, 23), _mm256_srli_epi64(a_, 41)), s0); \
    __m256i t_ = _mm256_slli_epi64(s1, 17);                                                   \
    s2 = _mm256_xor_si256(s2, s0);                                                            \
    s3 = _mm256_xor_si256(s3, s1);                                                            \
    s1 = _mm256_xor_si256(s1, s2);                                                            \
    s0 = _mm256_xor_si256(s0, s3);                                                            \
    s2 = _mm256_xor_si256(s2, t_);                                                            \
    s3 = _mm256_or_si256(_mm256_slli_epi64(s3, 45), _mm256_srli_epi64(s3, 19));               \
  } while (0)

TARGET_AVX2 static void fill_avx2(uint64_t *state, uint64_t *out, long count) {
  __m256i s0l = _mm256_loadu_si256((const __m256i *)(state + 0));
  __m256i s0h = _mm256_loadu_si256((const __m256i *)(state + 4));
  __m256i s1l = _mm256_loadu_si256((const __m256i *)(state + 8));
  __m256i s1h = _mm256_loadu_si256((const __m256i *)(state + 12));
  __m256i s2l = _mm256_loadu_si256((const __m256i *)(state + 16));
  __m256i s2h = _mm256_loadu_si256((const __m256i *)(state + 20));
  __m256i s3l = _mm256_loadu_si256((const __m256i *)(state + 24));
  __m256i s3h = _mm256_loadu_si256((const __m256i *)(state + 28));
  for (long i = 0; i < count; i += 8) {
    __m256i lo, hi;
    XOSHIRO_STEP_AVX2(lo, s0l, s1l, s2l, s3l);
    XOSHIRO_STEP_AVX2(hi, s0h, s1h, s2h, s3h);
    _mm256_storeu_si256((__m256i *)(out + i), lo);
    _mm256_storeu_si256((__m256i *)(out + i + 4), hi);
  }
  _mm256_storeu_si256((__m256i *)(state + 0), s0l);
  _mm256_storeu_si256((__m256i *)(state + 4), s0h);
  _mm256_storeu_si256((__m256i *)(state + 8), s1l);
  _mm256_storeu_si256((__m256i *)(state + 12), s1h);
  _mm256_storeu_si256((__m256i *)(state + 16), s2l);
  _mm256_storeu_si256((__m256i *)(state + 20), s2h);
  _mm256_storeu_si256((__m256i *)(state + 24), s3l);
  _mm256_storeu_si256((__m256i *)(state + 28), s3h);
}

// Adds a block's (phase, moved) counts: per phase, 32-byte compares, movemask, popcount.
TARGET_AVX2 static void count_avx2(
    const uint8_t *now, const uint8_t *old, long count, long n, uint64_t *all, uint64_t *stay) {
  long vectors = n <= 32 ? count / 32 : 0;
  for (long v = 0; v < vectors; v++) {
    __m256i a = _mm256_loadu_si256((const __m256i *)(now + 32 * v));
    __m256i b = _mm256_loadu_si256((const __m256i *)(old + 32 * v));
    for (long i = 0; i < n; i++) {
      __m256i target = _mm256_set1_epi8((char)i);
      uint32_t ma = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, target));
      uint32_t mb = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, target));
      all[i] += (uint64_t)__builtin_popcount(ma);
      stay[i] += (uint64_t)__builtin_popcount(ma & mb);
    }
  }
  for (long j = 32 * vectors; j < count; j++) {
    all[now[j]] += 1;
    stay[now[j]] += now[j] == old[j];
  }
}

TARGET_AVX2 static void step_avx2(
    uint8_t *phase, const uint8_t *segment, long count, long n, const uint64_t *slots, const uint64_t *info,
    uint64_t *lanes, uint64_t *tally) {
  uint64_t draws[JOURNEY_BLOCK] __attribute__((aligned(64)));
  uint8_t old[JOURNEY_BLOCK] __attribute__((aligned(64)));
  uint64_t all[64] = {0}, stay[64] = {0};
  for (long start = 0; start < count; start += JOURNEY_BLOCK) {
    long c = count - start < JOURNEY_BLOCK ? count - start : JOURNEY_BLOCK;
    uint8_t *ph = phase + start;
    memcpy(old, ph, (size_t)c);
    fill_avx2(lanes, draws, (c + 7) & ~7L);
    if (segment) {
      const uint8_t *sg = segment + start;
      for (long j = 0; j < c; j++) {
        uint64_t u = draws[j];
        uint64_t e = info[(long)sg[j] * n + ph[j]];
        uint64_t slot = slots[(e >> 8) + (u >> (e & 63))];
        ph[j] = (uint8_t)((uint32_t)u < (uint32_t)(slot >> 32) ? slot : slot >> 8);
      }
    } else {
      for (long j = 0; j < c; j++) {
        uint64_t u = draws[j];
        uint64_t e = info[ph[j]];
        uint64_t slot = slots[(e >> 8) + (u >> (e & 63))];
        ph[j] = (uint8_t)((uint32_t)u < (uint32_t)(slot >> 32) ? slot : slot >> 8);
      }
    }
    count_avx2(ph, old, c, n, all, stay);
  }
  for (long i = 0; i < n; i++) {
    tally[2 * i] += stay[i];
    tally[2 * i + 1] += all[i] - stay[i];
  }
}

// MARK: - AVX-512

#define XOSHIRO_STEP_AVX512(result, s0, s1, s2, s3)                                           \
  do {                                                                                        \
    result = _mm512_add_epi64(_mm512_rol_epi64(_mm512_add_epi64(s0, s3), 23), s0);            \
    __m512i t_ = _mm512_slli_epi64(s1, 17);                                                   \
    s2 = _mm512_xor_si512(s2, s0);                                                            \
    s3 = _mm512_xor_si512(s3, s1);                                                            \
    s1 = _mm512_xor_si512(s1, s2);                                                            \
    s0 = _mm512_xor_si512(s0, s3);                                                            \
    s2 = _mm512_xor_si512(s2, t_);                                                            \
    s3 = _mm512_rol_epi64(s3, 45);                                                            \
  } while (0)

TARGET_AVX512 static void fill_avx512(uint64_t *state, uint64_t *out, long count) {
  __m512i s0 = _mm512_loadu_si512(state + 0);
  __m512i s1 = _mm512_loadu_si512(state + 8);
  __m512i s2 = _mm512_loadu_si512(state + 16);
  __m512i s3 = _mm512_loadu_si512(state + 24);
  for (long i = 0; i < count; i += 8) {
    __m512i r;
    XOSHIRO_STEP_AVX512(r, s0, s1, s2, s3);
    _mm512_storeu_si512(out + i, r);
  }
  _mm512_storeu_si512(state + 0, s0);
  _mm512_storeu_si512(state + 8, s1);
  _mm512_storeu_si512(state + 16, s2);
  _mm512_storeu_si512(state + 24, s3);
}

// Adds a block's (phase, moved) counts: per phase, 64-byte compares and popcounts.
TARGET_AVX512 static void count_avx512(
    const uint8_t *now, const uint8_t *old, long count, long n, uint64_t *all, uint64_t *stay) {
  if (n > 32) {
    for (long j = 0; j < count; j++) {
      all[now[j]] += 1;
      stay[now[j]] += now[j] == old[j];
    }
    return;
  }
  for (long v = 0; v < count; v += 64) {
    __mmask64 live = count - v >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << (count - v)) - 1;
    __m512i a = _mm512_maskz_loadu_epi8(live, now + v);
    __m512i b = _mm512_maskz_loadu_epi8(live, old + v);
    for (long i = 0; i < n; i++) {
      __m512i target = _mm512_set1_epi8((char)i);
      __mmask64 ma = _mm512_mask_cmpeq_epi8_mask(live, a, target);
      __mmask64 mb = _mm512_cmpeq_epi8_mask(b, target);
      all[i] += (uint64_t)__builtin_popcountll(ma);
      stay[i] += (uint64_t)__builtin_popcountll(ma & mb);
    }
  }
}

// Draws, moves and counts in one pass per block: each xoshiro step gives the draws of
// eight consecutive customers (number 8i + l is lane l's i-th output), used in registers.
// One block of the AVX-512 step; `permute` (a constant at each call) says that the table
// entries fit two registers (at most 16 tables), so a two-register permute finds them
// instead of a gather: one gather per eight customers instead of two.
TARGET_AVX512 static inline __attribute__((always_inline)) void step_block_avx512(
    uint8_t *ph, const uint8_t *sg, long c, const uint64_t *slots, const uint64_t *info, __m512i entries0,
    __m512i entries1, int permute, __m512i phases, __m512i *s0, __m512i *s1, __m512i *s2, __m512i *s3) {
  const __m512i low32 = _mm512_set1_epi64(0xFFFFFFFF);
  const __m512i shiftMask = _mm512_set1_epi64(63);
  for (long j = 0; j < c; j += 8) {
    __m512i u;
    XOSHIRO_STEP_AVX512(u, *s0, *s1, *s2, *s3);
    // The last vector of a chunk may be partial: its other lanes load, gather and store nothing.
    __mmask8 live = c - j >= 8 ? (__mmask8)0xFF : (__mmask8)((1u << (c - j)) - 1);
    __m512i table = _mm512_cvtepu8_epi64(_mm_maskz_loadu_epi8((__mmask16)live, ph + j));
    if (sg) {
      __m512i segment = _mm512_cvtepu8_epi64(_mm_maskz_loadu_epi8((__mmask16)live, sg + j));
      table = _mm512_add_epi64(_mm512_mul_epu32(segment, phases), table);
    }
    __m512i e = permute ? _mm512_permutex2var_epi64(entries0, table, entries1)
                        : _mm512_mask_i64gather_epi64(_mm512_setzero_si512(), live, table, (const void *)info, 8);
    __m512i index =
        _mm512_add_epi64(_mm512_srli_epi64(e, 8), _mm512_srlv_epi64(u, _mm512_and_si512(e, shiftMask)));
    __m512i slot = _mm512_mask_i64gather_epi64(_mm512_setzero_si512(), live, index, (const void *)slots, 8);
    __mmask8 primary = _mm512_cmplt_epu64_mask(_mm512_and_si512(u, low32), _mm512_srli_epi64(slot, 32));
    __m512i next = _mm512_mask_blend_epi64(primary, _mm512_srli_epi64(slot, 8), slot);
    _mm512_mask_cvtepi64_storeu_epi8(ph + j, live, next);
  }
}

TARGET_AVX512 static void step_avx512(
    uint8_t *phase, const uint8_t *segment, long count, long n, long tables, const uint64_t *slots,
    const uint64_t *info, uint64_t *lanes, uint64_t *tally) {
  __m512i s0 = _mm512_loadu_si512(lanes + 0);
  __m512i s1 = _mm512_loadu_si512(lanes + 8);
  __m512i s2 = _mm512_loadu_si512(lanes + 16);
  __m512i s3 = _mm512_loadu_si512(lanes + 24);
  const __m512i phases = _mm512_set1_epi64(n);
  // Up to 16 table entries live in two registers (the rest zero; a masked-off lane reads
  // entry 0, and its slot gather and store are masked).
  const int permute = tables <= 16;
  uint64_t small[16] __attribute__((aligned(64))) = {0};
  if (permute) memcpy(small, info, (size_t)tables * sizeof(uint64_t));
  const __m512i entries0 = _mm512_load_si512(small), entries1 = _mm512_load_si512(small + 8);
  uint8_t old[JOURNEY_BLOCK] __attribute__((aligned(64)));
  uint64_t all[64] = {0}, stay[64] = {0};
  for (long start = 0; start < count; start += JOURNEY_BLOCK) {
    long c = count - start < JOURNEY_BLOCK ? count - start : JOURNEY_BLOCK;
    uint8_t *ph = phase + start;
    const uint8_t *sg = segment ? segment + start : NULL;
    memcpy(old, ph, (size_t)c);
    if (permute)
      step_block_avx512(ph, sg, c, slots, info, entries0, entries1, 1, phases, &s0, &s1, &s2, &s3);
    else
      step_block_avx512(ph, sg, c, slots, info, entries0, entries1, 0, phases, &s0, &s1, &s2, &s3);
    count_avx512(ph, old, c, n, all, stay);
  }
  _mm512_storeu_si512(lanes + 0, s0);
  _mm512_storeu_si512(lanes + 8, s1);
  _mm512_storeu_si512(lanes + 16, s2);
  _mm512_storeu_si512(lanes + 24, s3);
  for (long i = 0; i < n; i++) {
    tally[2 * i] += stay[i];
    tally[2 * i + 1] += all[i] - stay[i];
  }
}

void journey_fill(int level, uint64_t *state, uint64_t *out, long count) {
  if (level >= JOURNEY_KERNEL_AVX512)
    fill_avx512(state, out, count);
  else
    fill_avx2(state, out, count);
}

void journey_step(
    int level, uint8_t *phase, const uint8_t *segment, long count, long n, long tables, const uint64_t *slots,
    const uint64_t *info, uint64_t *lanes, uint64_t *tally) {
  if (level >= JOURNEY_KERNEL_AVX512)
    step_avx512(phase, segment, count, n, tables, slots, info, lanes, tally);
  else
    step_avx2(phase, segment, count, n, slots, info, lanes, tally);
}

#else

int journey_kernel_supported(void) { return JOURNEY_KERNEL_PORTABLE; }

void journey_fill(int level, uint64_t *state, uint64_t *out, long count) {
  (void)level, (void)state, (void)out, (void)count;
  __builtin_trap();
}

void journey_step(
    int level, uint8_t *phase, const uint8_t *segment, long count, long n, long tables, const uint64_t *slots,
    const uint64_t *info, uint64_t *lanes, uint64_t *tally) {
  (void)level, (void)phase, (void)segment, (void)count, (void)n, (void)tables, (void)slots, (void)info, (void)lanes,
      (void)tally;
  __builtin_trap();
}

#endif

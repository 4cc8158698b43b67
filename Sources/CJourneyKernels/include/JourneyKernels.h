#ifndef JOURNEY_KERNELS_H
#define JOURNEY_KERNELS_H

// The individual engine's inner loop for AVX2 and AVX-512, chosen at run time.
//
// Every function here gives exactly the numbers of the portable Swift code in
// JourneySimulation (Xoshiro256x8.swift, IndividualEngine.swift): the same xoshiro256++
// lanes in the same layout, the same draw per customer, the same alias lookup and the
// same counts. Only the instructions differ. The functions are compiled with clang's
// `target` attribute, so the package needs no machine-specific flags; calling a level the
// CPU lacks is a programmer error (check journey_kernel_supported first).

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Kernel levels: 0 the portable Swift code (nothing here), 1 AVX2, 2 AVX-512
/// (F, BW, DQ, VL; the journey-log row kernel also uses AES-NI and BMI1/2, which every
/// CPU with AVX-512 has, and level 2 requires them).
enum {
  JOURNEY_KERNEL_PORTABLE = 0,
  JOURNEY_KERNEL_AVX2 = 1,
  JOURNEY_KERNEL_AVX512 = 2,
};

/// The highest level this CPU and operating system support (the OS must save the wide
/// registers), or 0 on other architectures.
int journey_kernel_supported(void);

/// The level the kernels run at: journey_kernel_supported(), or a lower one named by the
/// environment variable JOURNEY_KERNEL (`portable`, `avx2` or `avx512`), for comparisons.
int journey_kernel_selected(void);

/// Writes the next `count` numbers (a multiple of 8) of the eight xoshiro256++ lanes in
/// `state` (lane l's state words at l, 8 + l, 16 + l, 24 + l) to `out`: number 8i + l is
/// lane l's i-th output. `level` is 1 or 2.
void journey_fill(int level, uint64_t *state, uint64_t *out, long count);

/// Moves customers `phase[0..<count)` one period and adds the (phase, moved) counts to
/// `tally` (at 2i those that stayed in phase i, at 2i + 1 those that entered it).
///
/// Customers go in blocks of 512 from the first; customer j of a block takes number j of
/// a block fill of `lanes` (rounded up to a multiple of 8). Customer c's table is
/// `segment[c] * n + phase[c]` (`phase[c]` when `segment` is NULL); its entry `info[table]`
/// is `first slot << 8 | shift`, and the draw u picks slot `(info >> 8) + (u >> shift)`,
/// whose next phase is bits 0-7 if `(uint32_t)u < slot >> 32`, else bits 8-15.
/// `n` is at most 64; `tables` is the number of entries of `info` (segments · n). `level`
/// is 1 or 2.
void journey_step(
    int level, uint8_t *phase, const uint8_t *segment, long count, long n, long tables, const uint64_t *slots,
    const uint64_t *info, uint64_t *lanes, uint64_t *tally);

#ifdef __cplusplus
}
#endif

#endif

/* C reference for the individual engine on the bench scenario (see README.md here).
 *
 * Build: gcc -O3 -march=native -fopenmp -o sim_c sim_c.c -lm   (bench/compare does this)
 * Usage: sim_c sim  <literal|alias|alias_simd> <N> <threads> <repeats> [seed]
 *        sim_c rng  <threads> <numbers_per_thread> <repeats>
 *
 * Customers are a uint8_t phase array. xoshiro256++ RNG, one stream per thread (jump()).
 * Periods are processed in order (word-of-mouth needs last period's phase counts); inside a period
 * the customer loop is split statically across OpenMP threads.
 *
 * literal: 4 x 64-bit draws per customer-step: 3 draws = 6 independent 32-bit uniforms compared
 *          with p_c(t) (uint32 thresholds) -> exposure combo; 1 draw (top 32 bits) for the branch-free
 *          inverse CDF over the per-(phase, combo) cumulative table (3 uint32 thresholds).
 * alias:   1 x 64-bit draw per customer-step: per period a Walker alias table (Vose) over the joint
 *          (combo, target slot) distribution of each phase, 256 columns x 8 bytes x 7 phases = 14 KB.
 *          Top 8 bits pick the column, low 32 bits the coin; the entry yields new phase and combo.
 * alias_simd: same alias tables, but 8 xoshiro256++ lanes in a 512-bit vector fill a 512-number
 *          buffer, then a branch-free loop (vectorized by gcc with AVX-512 gathers) updates the
 *          block; phase histogram in a separate vectorizable pass.
 * All are exact samplers of the model (up to the 2^-32 quantisation of probabilities).
 */
#define _GNU_SOURCE
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_params.h"

/* ---- xoshiro256++ (Blackman & Vigna, public domain reference algorithm) ---- */
typedef struct { uint64_t s[4]; } rng_t;
static inline uint64_t rotl(const uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static inline uint64_t xnext(uint64_t *s) {
    const uint64_t result = rotl(s[0] + s[3], 23) + s[0];
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t; s[3] = rotl(s[3], 45);
    return result;
}
static void xjump(rng_t *r) {
    static const uint64_t JUMP[] = {0x180ec6d33cfd0aba, 0xd5a61266f0c9392c, 0xa9582618e03fc9aa,
                                    0x39abdc4529b1661c};
    uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (int i = 0; i < 4; i++)
        for (int b = 0; b < 64; b++) {
            if (JUMP[i] & UINT64_C(1) << b) {
                s0 ^= r->s[0]; s1 ^= r->s[1]; s2 ^= r->s[2]; s3 ^= r->s[3];
            }
            xnext(r->s);
        }
    r->s[0] = s0; r->s[1] = s1; r->s[2] = s2; r->s[3] = s3;
}
static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    return z ^ (z >> 31);
}
static void seed_streams(rng_t *r, int n, uint64_t seed) {
    for (int i = 0; i < 4; i++) r[0].s[i] = splitmix64(&seed);
    for (int k = 1; k < n; k++) { r[k] = r[k - 1]; xjump(&r[k]); }
}

/* 8 xoshiro256++ lanes in one 512-bit vector (GCC vector extensions; AVX-512 with -march=native) */
typedef uint64_t v8u __attribute__((vector_size(64)));
static inline v8u vrotl(v8u x, int k) { return (x << k) | (x >> (64 - k)); }
static inline v8u vnext(v8u *s) {
    v8u res = vrotl(s[0] + s[3], 23) + s[0];
    v8u t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t; s[3] = vrotl(s[3], 45);
    return res;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}
static uint32_t to_u32(double p) {
    double v = nearbyint(p * 4294967296.0);
    return v >= 4294967295.0 ? 4294967295u : (v <= 0 ? 0u : (uint32_t)v);
}

/* ---- model pieces ---- */
static void exposure_probs(double *adstock, int t, double adv_share, double *p) {
    for (int c = 0; c < NC; c++) {
        double x = SPEND[t][c] + (c == NC - 1 ? WOM_SCALE * adv_share : 0.0);
        adstock[c] = x + LAMBDA[c] * adstock[c];
        p[c] = 1.0 - exp(-adstock[c] / KSAT[c]);
    }
}
static void combo_probs(const double *p, double *q) {
    for (int m = 0; m < NCOMBO; m++) {
        double v = 1.0;
        for (int c = 0; c < NC; c++) v *= (m >> c & 1) ? p[c] : 1.0 - p[c];
        q[m] = v;
    }
}

typedef struct { uint32_t thr; uint16_t acc, ali; } aentry; /* 8 bytes; code = combo<<3 | phase */
#define NJ (NCOMBO * KMAX)

/* Vose alias build over n outcomes with weights w (sum 1). */
static void build_alias(const double *w, int n, uint32_t *thr, int *alias) {
    double sc[NJ];
    int small[NJ], large[NJ], ns = 0, nl = 0;
    for (int i = 0; i < n; i++) {
        sc[i] = w[i] * n;
        alias[i] = i;
        if (sc[i] < 1.0) small[ns++] = i; else large[nl++] = i;
    }
    while (ns && nl) {
        int l = small[--ns], g = large[--nl];
        thr[l] = to_u32(sc[l]);
        alias[l] = g;
        sc[g] = sc[g] + sc[l] - 1.0;
        if (sc[g] < 1.0) small[ns++] = g; else large[nl++] = g;
    }
    while (nl) thr[large[--nl]] = 4294967295u;
    while (ns) thr[small[--ns]] = 4294967295u;
}

static uint32_t CUMU[NS * NCOMBO][4]; /* literal: cumulative thresholds (3 used) */
static uint8_t TGT8[NS * 4];

static void init_static(void) {
    for (int i = 0; i < NS; i++) {
        for (int k = 0; k < 4; k++) TGT8[i * 4 + k] = (uint8_t)TGT[i][k];
        for (int m = 0; m < NCOMBO; m++) {
            double c = 0;
            for (int k = 0; k < 3; k++) {
                c += PK[i][m][k];
                CUMU[i * NCOMBO + m][k] = (k + 1 >= NTGT[i]) ? 4294967295u : to_u32(c);
            }
            CUMU[i * NCOMBO + m][3] = 4294967295u;
        }
    }
}

typedef struct {
    long long conv[NT];
    long long final_counts[NS];
} result_t;

#define BLK 512 /* simd mode: customers per RNG refill block */
static uint32_t THR2[NS * NJ], CODE2[NS * NJ]; /* simd mode: split alias table (thr | acc,ali) */

static void simulate(int mode, long N, int nthreads, uint64_t seed, result_t *res,
                     uint8_t *state) {
    const int alias_mode = mode >= 1;
    rng_t streams[64 * 8];
    seed_streams(streams, nthreads * (mode == 2 ? 8 : 1), seed);
    memset(state, 0, (size_t)N);
    long long counts[NS] = {0}, next_counts[NS];
    counts[0] = N;
    double adstock[NC] = {0}, p[NC], q[NCOMBO];
    uint32_t pthr[NC];
    static aentry TAB[NS * NJ];
    long long conv_t = 0;

#pragma omp parallel num_threads(nthreads)
    {
        int tid = omp_get_thread_num();
        uint64_t s[4];
        memcpy(s, streams[tid].s, sizeof s);
        v8u vs[4]; /* simd mode: 8 independent lanes per thread */
        for (int l = 0; l < 8 && mode == 2; l++)
            for (int w = 0; w < 4; w++) vs[w][l] = streams[tid * 8 + l].s[w];
        uint64_t buf[BLK] __attribute__((aligned(64)));
        for (int t = 0; t < NT; t++) {
#pragma omp single
            {
                double adv = (double)(counts[4] + counts[5]) / (double)N;
                exposure_probs(adstock, t, adv, p);
                if (alias_mode) {
                    combo_probs(p, q);
                    for (int i = 0; i < NS; i++) {
                        double w[NJ];
                        uint32_t thr[NJ];
                        int al[NJ];
                        for (int m = 0; m < NCOMBO; m++)
                            for (int k = 0; k < KMAX; k++) w[m * KMAX + k] = q[m] * PK[i][m][k];
                        build_alias(w, NJ, thr, al);
                        for (int o = 0; o < NJ; o++) {
                            aentry *e = &TAB[i * NJ + o];
                            e->thr = thr[o];
                            e->acc = (uint16_t)(((o >> 2) << 3) | TGT[i][o & 3]);
                            e->ali = (uint16_t)(((al[o] >> 2) << 3) | TGT[i][al[o] & 3]);
                            THR2[i * NJ + o] = e->thr;
                            CODE2[i * NJ + o] = (uint32_t)e->acc | ((uint32_t)e->ali << 16);
                        }
                    }
                } else {
                    for (int c = 0; c < NC; c++) pthr[c] = to_u32(p[c]);
                }
                memset(next_counts, 0, sizeof next_counts);
                conv_t = 0;
            } /* implicit barrier */
            long long lc[8] = {0};
            long long lconv = 0;
            uint64_t combo_sink = 0;
            if (mode == 2) {
                long nblk = (N + BLK - 1) / BLK;
#pragma omp for schedule(static) nowait
                for (long b = 0; b < nblk; b++) {
                    long n0 = b * BLK, nb = (N - n0) < BLK ? (N - n0) : BLK;
                    for (int j = 0; j < BLK; j += 8) *(v8u *)&buf[j] = vnext(vs);
                    uint8_t *restrict st8 = state + n0;
                    /* branch-free, gather-friendly update (gcc vectorizes it with AVX-512) */
                    for (long j = 0; j < nb; j++) {
                        uint64_t x = buf[j];
                        uint32_t idx = (uint32_t)st8[j] * NJ + (uint32_t)(x >> 56);
                        uint32_t code = CODE2[idx];
                        uint32_t out = ((uint32_t)x < THR2[idx]) ? code : (code >> 16);
                        st8[j] = (uint8_t)(out & 7);
                    }
                    for (long j = 0; j < nb; j++) { /* phase histogram, vectorizable */
                        unsigned v = st8[j];
                        lc[1] += v == 1; lc[2] += v == 2; lc[3] += v == 3;
                        lc[4] += v == 4; lc[5] += v == 5; lc[6] += v == 6;
                    }
                    lc[0] += nb;
                }
                lc[0] -= lc[1] + lc[2] + lc[3] + lc[4] + lc[5] + lc[6];
            } else if (alias_mode) {
#pragma omp for schedule(static) nowait
                for (long n = 0; n < N; n++) {
                    uint64_t x = xnext(s);
                    unsigned st = state[n];
                    const aentry *e = &TAB[st * NJ + (x >> 56)];
                    unsigned out = ((uint32_t)x < e->thr) ? e->acc : e->ali;
                    unsigned ns = out & 7;
                    combo_sink += out >> 3; /* the step's exposure combo is known here */
                    state[n] = (uint8_t)ns;
                    lc[ns]++;
                }
            } else {
                const uint32_t p0 = pthr[0], p1 = pthr[1], p2 = pthr[2], p3 = pthr[3],
                               p4 = pthr[4], p5 = pthr[5];
#pragma omp for schedule(static) nowait
                for (long n = 0; n < N; n++) {
                    uint64_t x0 = xnext(s), x1 = xnext(s), x2 = xnext(s), x3 = xnext(s);
                    unsigned combo = ((uint32_t)x0 < p0) | (((uint32_t)(x0 >> 32) < p1) << 1) |
                                     (((uint32_t)x1 < p2) << 2) |
                                     (((uint32_t)(x1 >> 32) < p3) << 3) |
                                     (((uint32_t)x2 < p4) << 4) | (((uint32_t)(x2 >> 32) < p5) << 5);
                    unsigned st = state[n];
                    const uint32_t *cum = CUMU[st * NCOMBO + combo];
                    uint32_t u = (uint32_t)(x3 >> 32);
                    unsigned k = (u >= cum[0]) + (u >= cum[1]) + (u >= cum[2]);
                    unsigned ns = TGT8[st * 4 + k];
                    state[n] = (uint8_t)ns;
                    lc[ns]++;
                }
            }
            lconv = lc[3]; /* only conversions enter phase 3 */
#pragma omp critical
            {
                for (int i = 0; i < NS; i++) next_counts[i] += lc[i];
                conv_t += lconv + (combo_sink == 0xdeadbeefULL); /* keep combo live */
            }
#pragma omp barrier
#pragma omp single
            {
                memcpy(counts, next_counts, sizeof counts);
                res->conv[t] = conv_t;
            }
        }
    }
    memcpy(res->final_counts, counts, sizeof counts);
}

static const char *MODES[] = {"literal", "alias", "alias_simd"};
static void run_sim(int mode, long N, int nthreads, int repeats, uint64_t seed) {
    init_static();
    uint8_t *state = aligned_alloc(64, ((size_t)N + 63) / 64 * 64);
    result_t res;
    double secs[128];
    for (int r = 0; r < repeats && r < 128; r++) {
        double t0 = now();
        simulate(mode, N, nthreads, seed + r, &res, state);
        secs[r] = now() - t0;
    }
    long long tot = 0;
    for (int t = 0; t < NT; t++) tot += res.conv[t];
    printf("{\"mode\": \"%s\", \"N\": %ld, \"threads\": %d, \"secs\": [", MODES[mode], N, nthreads);
    for (int r = 0; r < repeats; r++) printf("%s%.6f", r ? ", " : "", secs[r]);
    printf("], \"total_conversions_last_run\": %lld, \"conv_first10\": [", tot);
    for (int t = 0; t < 10; t++) printf("%s%lld", t ? ", " : "", res.conv[t]);
    printf("], \"final_counts\": [");
    for (int i = 0; i < NS; i++) printf("%s%lld", i ? ", " : "", res.final_counts[i]);
    printf("]}\n");
    free(state);
}

/* raw RNG throughput: each thread draws `count` numbers and xors them into a sink */
static void run_rng(int nthreads, long count, int repeats) {
    rng_t streams[64];
    double secs[128];
    uint64_t sink = 0;
    for (int r = 0; r < repeats && r < 128; r++) {
        seed_streams(streams, nthreads, 12345 + r);
        double t0 = now();
#pragma omp parallel num_threads(nthreads) reduction(^ : sink)
        {
            uint64_t s[4];
            memcpy(s, streams[omp_get_thread_num()].s, sizeof s);
            uint64_t acc = 0;
            for (long i = 0; i < count; i++) acc ^= xnext(s);
            sink ^= acc;
        }
        secs[r] = now() - t0;
    }
    printf("{\"mode\": \"rng\", \"threads\": %d, \"count_per_thread\": %ld, \"secs\": [", nthreads, count);
    for (int r = 0; r < repeats; r++) printf("%s%.6f", r ? ", " : "", secs[r]);
    printf("], \"sink\": %llu}\n", (unsigned long long)(sink & 0xffff));
}

/* 8 xoshiro256++ lanes in one 512-bit vector (GCC vector extensions -> AVX-512 with
 * -march=native): an upper bound on RNG throughput per core when numbers are consumed in batches. */
static void run_rng8(int nthreads, long count, int repeats) {
    double secs[128];
    uint64_t sink = 0;
    for (int r = 0; r < repeats && r < 128; r++) {
        double t0 = now();
#pragma omp parallel num_threads(nthreads) reduction(^ : sink)
        {
            v8u s0, s1, s2, s3, acc = {0};
            uint64_t sd = 777 + 1000 * omp_get_thread_num() + r;
            for (int l = 0; l < 8; l++) {
                s0[l] = splitmix64(&sd); s1[l] = splitmix64(&sd);
                s2[l] = splitmix64(&sd); s3[l] = splitmix64(&sd);
            }
            for (long i = 0; i < count / 8; i++) {
                v8u res = vrotl(s0 + s3, 23) + s0;
                v8u t = s1 << 17;
                s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3;
                s2 ^= t; s3 = vrotl(s3, 45);
                acc ^= res;
            }
            uint64_t a = 0;
            for (int l = 0; l < 8; l++) a ^= acc[l];
            sink ^= a;
        }
        secs[r] = now() - t0;
    }
    printf("{\"mode\": \"rng8\", \"threads\": %d, \"count_per_thread\": %ld, \"secs\": [", nthreads,
           count / 8 * 8);
    for (int r = 0; r < repeats; r++) printf("%s%.6f", r ? ", " : "", secs[r]);
    printf("], \"sink\": %llu}\n", (unsigned long long)(sink & 0xffff));
}

int main(int argc, char **argv) {
    if (argc >= 7 - 1 && strcmp(argv[1], "sim") == 0) {
        int mode = strcmp(argv[2], "alias") == 0 ? 1 : strcmp(argv[2], "alias_simd") == 0 ? 2 : 0;
        long N = atol(argv[3]);
        int th = atoi(argv[4]), rep = atoi(argv[5]);
        uint64_t seed = argc > 6 ? strtoull(argv[6], 0, 10) : 42;
        run_sim(mode, N, th, rep, seed);
    } else if (argc >= 5 && strcmp(argv[1], "rng") == 0) {
        run_rng(atoi(argv[2]), atol(argv[3]), atoi(argv[4]));
    } else if (argc >= 5 && strcmp(argv[1], "rng8") == 0) {
        run_rng8(atoi(argv[2]), atol(argv[3]), atoi(argv[4]));
    } else {
        fprintf(stderr, "usage: %s sim <literal|alias|alias_simd> N threads repeats [seed] | rng threads count "
                        "repeats | rng8 threads count repeats\n", argv[0]);
        return 2;
    }
    return 0;
}

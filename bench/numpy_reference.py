#!/usr/bin/env python3
"""Plain numpy reference benchmark for JourneyKit -- the comparison for `journey bench`.

Measures, on the benchmark scenario (scenarios/bench.yaml), the same two figures that
`journey bench` prints for the Swift engines, each the best of 3 runs:

  numpy_individual_customer_steps_per_s  individual engine: one int8 phase per customer;
      per period every customer's exposures to the channels relevant to its phase (one
      float32 uniform per relevant-channel slot, compared with the channel's reach), its
      row picked from a precomputed (phase, exposure pattern) table and its next phase
      drawn with one float64 uniform against that cumulative row (gather + compare per
      target column; all indices uint8, all buffers preallocated, ops in place).
  numpy_cohort_forecast_ms_n1e9          cohort engine with the population set to 10^9:
      per phase, rng.binomial per channel and branch splits the count over exposure
      patterns, rng.multinomial splits each pattern's count over the targets.

The model is the one docs/model.md describes: adstock a_c(t) = s_c(t) + lambda a_c(t-1); paid reach
p_c = m a^s / (a^s + K^s); organic p_c = 1 - exp(-r n_driver / N) from the counts at the
start of the period; P(i->j | e) proportional to p_ij exp(sum_c beta_ijc e_c), staying
proportional to p_ii. Only the features bench.yaml uses are implemented (one segment, no
arrivals, no seasonality); anything else fails loudly. Plain numpy (PCG64), single thread,
no numba or C.

On stderr, as a sanity check of the model: total conversions of one individual run and
of the expected mean recursion x(t+1) = x(t) P(t) (mean field for organic channels); they
should agree within ~1%.

Run from the repository root:

  python3 bench/numpy_reference.py [scenario.yaml] [--individual-only] [--repeat N]
"""

import math
import os
import sys
import time

import numpy as np
import yaml

REPEAT = 3
COHORT_SIZE = 10**9


# --------------------------------------------------------------------------- scenario


class _Loader(yaml.SafeLoader):
    """SafeLoader where only true/false are booleans (YAML 1.1 would read `on:`/`off:` as bools)."""


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    __import__("re").compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def fail(msg):
    raise SystemExit(f"numpy_reference: unsupported or bad scenario: {msg}")


def check_keys(d, allowed, where):
    if not isinstance(d, dict):
        fail(f"{where}: expected a mapping, got {d!r}")
    extra = set(d) - set(allowed)
    if extra:
        fail(f"{where}: keys {sorted(map(str, extra))} not implemented here")


PERIOD_WORDS = {"day": "daily", "week": "weekly", "month": "monthly"}


class Model:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            doc = yaml.load(f, Loader=_Loader)
        check_keys(doc, {"name", "period", "horizon", "seed", "population", "phases",
                         "transitions", "channels", "effects"}, "top level")
        self.horizon = int(doc["horizon"])
        self.seed = int(doc.get("seed", 0))
        amount_word = PERIOD_WORDS.get(doc.get("period", "week"))
        if amount_word is None:
            fail(f"period {doc.get('period')!r}")

        # phases
        self.names, self.conversion, self.value, absorbing = [], [], [], []
        for ph in doc["phases"]:
            if isinstance(ph, str):
                ph = {"name": ph}
            check_keys(ph, {"name", "conversion", "value", "absorbing"}, f"phase {ph}")
            self.names.append(str(ph["name"]))
            self.conversion.append(bool(ph.get("conversion", False)))
            self.value.append(float(ph.get("value", 0.0)))
            absorbing.append(bool(ph.get("absorbing", False)))
        n = self.n = len(self.names)
        if len(set(self.names)) != n:
            fail("duplicate phase names")
        idx = {name: i for i, name in enumerate(self.names)}

        def phase(name, where):
            if name not in idx:
                fail(f"{where}: unknown phase {name!r}")
            return idx[name]

        # baseline transitions; staying is the remainder
        base = np.zeros((n, n))
        for o, row in (doc.get("transitions") or {}).items():
            i = phase(o, "transitions")
            check_keys(row, set(self.names) - {o}, f"transitions.{o}")
            if absorbing[i] and row:
                fail(f"absorbing phase {o} has transitions")
            for t, p in row.items():
                p = float(p)
                if not 0 <= p <= 1:
                    fail(f"transitions.{o}.{t} = {p}")
                base[i, phase(t, f"transitions.{o}")] = p
            s = base[i].sum()
            if s > 1 + 1e-12:
                fail(f"transitions.{o} sum to {s} > 1")
            base[i, i] = max(0.0, 1.0 - s)
        for i in range(n):
            if base[i].sum() == 0:
                base[i, i] = 1.0
        self.base = base
        self.targets = [[i] + [j for j in range(n) if j != i and base[i, j] > 0] for i in range(n)]

        # channels
        self.channels, self.paid, self.organic = [], [], []
        chans = doc.get("channels") or {}
        T = self.horizon
        for c, (name, spec) in enumerate(chans.items()):
            self.channels.append(str(name))
            if "organic" in spec:
                check_keys(spec, {"organic"}, f"channels.{name}")
                org = spec["organic"]
                check_keys(org, {"driver", "rate"}, f"channels.{name}.organic")
                self.organic.append((c, phase(org["driver"], f"channels.{name}"), float(org["rate"])))
                continue
            check_keys(spec, {"spend", "adstock", "reach"}, f"channels.{name}")
            lam = float(spec.get("adstock", 0.0))
            if not 0 <= lam < 1:
                fail(f"channels.{name}.adstock = {lam}")
            reach = spec["reach"]
            check_keys(reach, {"max", "half", "shape"}, f"channels.{name}.reach")
            m, K, sig = float(reach["max"]), float(reach["half"]), float(reach.get("shape", 1.0))
            sp = spec["spend"]
            if isinstance(sp, (int, float)) and not isinstance(sp, bool):
                spend = np.full(T, float(sp))
            else:
                check_keys(sp, {amount_word, "per_period", "flights", "on", "off", "scale"},
                           f"channels.{name}.spend")
                amounts = [k for k in (amount_word, "per_period") if k in sp]
                if len(amounts) != 1:
                    fail(f"channels.{name}.spend: give exactly one of {amount_word}, per_period")
                a = sp[amounts[0]]
                if isinstance(a, list):
                    fail(f"channels.{name}.spend: per-period lists not implemented here")
                spend = np.full(T, float(a) * float(sp.get("scale", 1.0)))
                if ("on" in sp) != ("off" in sp):
                    fail(f"channels.{name}.spend: 'on' and 'off' go together")
                if "on" in sp:
                    on, off = int(sp["on"]), int(sp["off"])
                    if on + off > 0:
                        spend[(np.arange(T) % (on + off)) >= on] = 0.0
                for fl in sp.get("flights", []):
                    check_keys(fl, {"from", "to", "scale"}, f"channels.{name}.spend.flights")
                    lo, hi = int(fl["from"]), int(fl["to"])
                    if not 0 <= lo <= hi < T:
                        fail(f"channels.{name}: flight {lo}..{hi} outside 0..{T - 1}")
                    spend[lo:hi + 1] *= float(fl["scale"])
            if (spend < 0).any():
                fail(f"channels.{name}: negative spend")
            self.paid.append((c, spend, lam, m, K, sig))
        C = self.C = len(self.channels)
        cidx = {c: k for k, c in enumerate(self.channels)}

        # effects beta[i, j, c]
        beta = np.zeros((n, n, C))
        for key, row in (doc.get("effects") or {}).items():
            if "->" not in key:
                fail(f"effects key {key!r}")
            o, t = (s.strip() for s in key.split("->"))
            i, j = phase(o, "effects"), phase(t, "effects")
            if j not in self.targets[i][1:]:
                fail(f"effects.{key}: {t} is not an allowed target of {o}")
            check_keys(row, set(self.channels), f"effects.{key}")
            for ch, b in row.items():
                beta[i, j, cidx[ch]] = float(b)
        self.beta = beta
        self.relevant = [[c for c in range(C) if np.any(beta[i, :, c] != 0)] for i in range(n)]

        # population
        pop = doc["population"]
        check_keys(pop, {"size", "initial", "arrivals"}, "population")
        if int(pop.get("arrivals", 0)) != 0:
            fail("arrivals > 0 not implemented here")
        self.size = int(pop["size"])
        init = np.zeros(n)
        for ph, share in pop["initial"].items():
            init[phase(ph, "population.initial")] = float(share)
        if abs(init.sum() - 1) > 1e-9:
            fail("population.initial shares do not sum to 1")
        self.initial = init

        # adstock depends on spend only: precompute a_c(t)
        self.adstock = np.zeros((T, C))
        for c, spend, lam, *_ in self.paid:
            a = 0.0
            for t in range(T):
                a = spend[t] + lam * a
                self.adstock[t, c] = a

    def exposure(self, t, counts):
        """p_c(t) for all channels; counts = phase counts at the start of t."""
        p = np.zeros(self.C)
        for c, _, _, m, K, sig in self.paid:
            a = self.adstock[t, c]
            p[c] = m / (1.0 + (K / a) ** sig) if a > 0 else 0.0
        total = counts.sum()
        for c, driver, rate in self.organic:
            p[c] = -math.expm1(-rate * counts[driver] / total) if total > 0 else 0.0
        return p

    def rows(self, i):
        """(2^k, m) rows over targets[i] for every exposure pattern of phase i's relevant channels."""
        rel, tg = self.relevant[i], self.targets[i]
        k = len(rel)
        bits = (np.arange(1 << k)[:, None] >> np.arange(k)[None, :]) & 1  # (2^k, k)
        lift = bits @ self.beta[i][np.ix_(tg, rel)].T  # (2^k, m); stay has no lift
        w = self.base[i, tg][None, :] * np.exp(lift)
        return w / w.sum(axis=1, keepdims=True)

    def pattern_probs(self, i, p):
        rel = self.relevant[i]
        k = len(rel)
        bits = (np.arange(1 << k)[:, None] >> np.arange(k)[None, :]) & 1
        pr = p[rel][None, :]
        return np.prod(np.where(bits == 1, pr, 1 - pr), axis=1)

    def mean_matrix(self, p):
        P = np.zeros((self.n, self.n))
        for i in range(self.n):
            P[i, self.targets[i]] = self.pattern_probs(i, p) @ self.rows(i)
        return P


# --------------------------------------------------------------------------- engines


def expected_run(model, size):
    """Mean recursion x(t+1) = x(t) P(t); returns conversions per period."""
    x = size * model.initial
    conv = np.array(model.conversion)
    out = np.zeros(model.horizon)
    for t in range(model.horizon):
        P = model.mean_matrix(model.exposure(t, x))
        flow = x[:, None] * P
        np.fill_diagonal(flow, 0.0)
        out[t] = flow[:, conv].sum()
        x = x @ P
    return out


class Individual:
    """Layout shared by all periods.

    Row r = (phase i, exposure pattern) with r = row_off[i] + pattern, where bit b of the
    pattern is exposure to relevant[i][b]; at most 255 rows (uint8). Outcome o = r * M + s
    means "row r, then targets[i][s]" (M = most targets of any phase; padded slots repeat
    the last target and are never drawn)."""

    def __init__(self, model):
        self.m = model
        n = model.n
        self.k = [len(r) for r in model.relevant]
        self.K = max(self.k)
        npat = [1 << k for k in self.k]
        self.row_off = np.concatenate([[0], np.cumsum(npat)])[:-1]
        self.R = R = int(sum(npat))
        self.M = M = max(len(t) for t in model.targets)
        if R * M > 256:
            fail("too many (phase, exposure pattern, target) outcomes for uint8 indices")
        self.row_off8 = self.row_off.astype(np.uint8)
        self.target_of = np.zeros(R * M, dtype=np.int8)
        self.conv_entry = np.zeros(R * M, dtype=bool)
        for i in range(n):
            tg = model.targets[i]
            for pat in range(npat[i]):
                r = self.row_off[i] + pat
                for s in range(M):
                    j = tg[min(s, len(tg) - 1)]
                    self.target_of[r * M + s] = j
                    self.conv_entry[r * M + s] = s < len(tg) and model.conversion[j] and j != i

    def tables(self, p):
        """Per-period tables: exposure thresholds thr[b, phase] (float32) and cumulative
        rows cum[s, r] = P(target index <= s | row r) for s < M - 1 (2.0 where padded)."""
        m = self.m
        thr = np.zeros((self.K, m.n), dtype=np.float32)
        for i, rel in enumerate(m.relevant):
            thr[:len(rel), i] = p[rel]
        cum = np.full((self.M - 1, self.R), 2.0)
        for i in range(m.n):
            c = np.cumsum(m.rows(i), axis=1)[:, :-1]  # the last target takes the remainder
            cum[:c.shape[1], self.row_off[i]:self.row_off[i] + c.shape[0]] = c.T
        return thr, cum

    def run(self, seed):
        m, N, K, M = self.m, self.m.size, self.K, self.M
        rng = np.random.Generator(np.random.PCG64(seed))
        phase = np.searchsorted(np.cumsum(m.initial)[:-1], rng.random(N), side="right").astype(np.int8)
        counts = np.bincount(phase, minlength=m.n).astype(np.float64)
        U = np.empty((K, N), dtype=np.float32)   # exposure uniforms, one row per channel slot
        u = np.empty(N)                          # next-phase uniform
        thr_c = np.empty(N, dtype=np.float32)
        cum_c = np.empty(N)
        bit = np.empty(N, dtype=bool)
        bit8 = bit.view(np.uint8)
        row = np.empty(N, dtype=np.uint8)
        tmp8 = np.empty(N, dtype=np.uint8)
        outcome = np.empty(N, dtype=np.uint8)
        conversions = np.zeros(m.horizon, dtype=np.int64)
        for t in range(m.horizon):
            thr, cum = self.tables(m.exposure(t, counts))
            # exposures -> row index = row_off[phase] + sum_b e_b 2^b
            np.take(self.row_off8, phase, out=row, mode="clip")
            rng.random(out=U, dtype=np.float32)
            for b in range(K):
                np.take(thr[b], phase, out=thr_c, mode="clip")
                np.less(U[b], thr_c, out=bit)
                np.multiply(bit8, np.uint8(1 << b), out=tmp8)
                row += tmp8
            # next phase: target index = #{s : u >= cum[s, row]}
            rng.random(out=u)
            np.multiply(row, np.uint8(M), out=outcome)
            for s in range(M - 1):
                np.take(cum[s], row, out=cum_c, mode="clip")
                np.greater_equal(u, cum_c, out=bit)
                outcome += bit8
            np.take(self.target_of, outcome, out=phase, mode="clip")
            cnt = np.bincount(outcome, minlength=self.R * M)
            conversions[t] = cnt[self.conv_entry].sum()
            counts = np.bincount(self.target_of, weights=cnt, minlength=m.n)
        return conversions


def cohort_run(model, size, rng):
    """Counts per phase; binomial splits over exposure patterns, multinomial over targets."""
    n = model.n
    counts = rng.multinomial(size, model.initial).astype(np.int64)
    conv = np.array(model.conversion)
    conversions = np.zeros(model.horizon, dtype=np.int64)
    rows = [model.rows(i) for i in range(n)]  # constant over periods (no seasonality)
    for t in range(model.horizon):
        p = model.exposure(t, counts.astype(np.float64))
        nxt = np.zeros(n, dtype=np.int64)
        for i in range(n):
            if counts[i] == 0:
                continue
            tg = model.targets[i]
            if len(tg) == 1:
                nxt[i] += counts[i]
                continue
            split = np.array([counts[i]], dtype=np.int64)
            for b, c in enumerate(model.relevant[i]):  # bit b of the pattern = channel c
                hit = rng.binomial(split, p[c])
                split = np.concatenate([split - hit, hit])
            moves = rng.multinomial(split, rows[i]).sum(axis=0)  # (m,) over targets
            np.add.at(nxt, tg, moves)
            conversions[t] += moves[1:][conv[tg[1:]]].sum()
        counts = nxt
    return conversions


def cohort_marginal_run(model, size, rng):
    """Counts per phase; one multinomial per phase over the exposure-averaged row (the
    method of JourneyKit's cohort engine)."""
    n = model.n
    counts = rng.multinomial(size, model.initial).astype(np.int64)
    conv = np.array(model.conversion)
    conversions = np.zeros(model.horizon, dtype=np.int64)
    for t in range(model.horizon):
        p = model.exposure(t, counts.astype(np.float64))
        P = model.mean_matrix(p)
        nxt = np.zeros(n, dtype=np.int64)
        for i in range(n):
            if counts[i] == 0:
                continue
            moves = rng.multinomial(counts[i], P[i])
            nxt += moves
            entered = moves.copy()
            entered[i] = 0
            conversions[t] += entered[conv].sum()
        counts = nxt
    return conversions


# --------------------------------------------------------------------------- main


def best_of(fn, repeat=REPEAT):
    best, result = math.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def fmt(v):
    return f"{v:.4g}" if v >= 1000 else f"{v:.3f}"


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    args = sys.argv[1:]
    individual_only = "--individual-only" in args  # bench/compare: the individual figure only
    repeat = REPEAT
    if "--repeat" in args:
        repeat = int(args[args.index("--repeat") + 1])
        del args[args.index("--repeat"):args.index("--repeat") + 2]
    args = [a for a in args if a != "--individual-only"]
    path = args[0] if args else os.path.join(root, "scenarios", "bench.yaml")
    model = Model(path)
    T, N = model.horizon, model.size

    ind = Individual(model)
    secs, conv_ind = best_of(lambda: ind.run(model.seed), repeat)
    print(f"numpy_individual_customer_steps_per_s {fmt(N * T / secs)} customer-steps/s", flush=True)
    if individual_only:
        return

    rng = np.random.Generator(np.random.PCG64(model.seed))
    secs_c, conv_coh = best_of(lambda: cohort_run(model, COHORT_SIZE, rng))
    print(f"numpy_cohort_forecast_ms_n1e9 {fmt(secs_c * 1000)} ms/forecast({T} periods)", flush=True)
    secs_m, conv_m = best_of(lambda: cohort_marginal_run(model, COHORT_SIZE, rng))
    print(f"numpy_cohort_marginal_forecast_ms_n1e9 {fmt(secs_m * 1000)} ms/forecast({T} periods)", flush=True)

    exp_n = expected_run(model, N)
    exp_big = expected_run(model, COHORT_SIZE)
    tot_i, tot_e = int(conv_ind.sum()), exp_n.sum()
    print(f"sanity: individual run (N={N}, T={T}, {secs:.2f} s best) total conversions {tot_i}", file=sys.stderr)
    print(f"sanity: expected recursion (N={N}) total conversions {tot_e:.1f} "
          f"(individual/expected - 1 = {tot_i / tot_e - 1:+.4%})", file=sys.stderr)
    print(f"sanity: cohort one-multinomial (N=1e9) total conversions {int(conv_m.sum())}", file=sys.stderr)
    print(f"sanity: cohort (N=1e9) total conversions {int(conv_coh.sum())}, expected {exp_big.sum():.1f} "
          f"(cohort/expected - 1 = {conv_coh.sum() / exp_big.sum() - 1:+.5%})", file=sys.stderr)


if __name__ == "__main__":
    main()

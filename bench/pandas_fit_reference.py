#!/usr/bin/env python3
"""pandas + numpy reference for the CSV fit: `journey fit --journeys LOG`.

Reads a journey log (customer_id,period,phase,channels; `journey bench --journey-log PATH`
keeps the bench log) with pandas.read_csv, turns consecutive periods of each customer into
transitions (origin phase, channel exposure pattern, target phase), counts them, and fits
one multinomial logit per origin phase by Newton-Raphson on the grouped counts
(intercept and one effect per channel seen from the origin, for every target other than
staying, the same model `journey fit` fits). Plain pandas and numpy, single thread.

Prints the CPU seconds of reading+counting and of fitting, and the log-likelihood, on
stdout. Run it beside `journey fit` under /usr/bin/time, alternating the two.

  python3 bench/pandas_fit_reference.py journeys.csv
"""

import sys
import time

import numpy as np
import pandas as pd


def read_counts(path):
    # Lean: the channel lists and phases as categories (a journey log has a few hundred
    # distinct channel lists, so each becomes an exposure pattern once), customers
    # factorized, the sort skipped when the log is already in customer and period order.
    df = pd.read_csv(
        path,
        usecols=["customer_id", "period", "phase", "channels"],
        dtype={"customer_id": object, "period": np.int64, "phase": "category", "channels": "category"},
        keep_default_na=False,
    )
    phases = list(df["phase"].cat.categories)
    lists = [str(c) for c in df["channels"].cat.categories]
    channels = sorted({name for text in lists for name in text.split(";") if name})
    bit = {c: k for k, c in enumerate(channels)}
    list_pattern = np.array(
        [sum(1 << bit[name] for name in set(text.split(";")) if name) for text in lists] or [0], dtype=np.int64)
    codes = df["channels"].cat.codes.to_numpy()
    pattern = list_pattern[codes] if len(lists) else np.zeros(len(df), dtype=np.int64)
    customer = pd.factorize(df["customer_id"])[0]
    period = df["period"].to_numpy()
    phase = df["phase"].cat.codes.to_numpy().astype(np.int64)
    ordered = bool(np.all((customer[1:] > customer[:-1]) | ((customer[1:] == customer[:-1]) & (period[1:] > period[:-1]))))
    if not ordered:
        order = np.lexsort((period, customer))
        customer, period, phase, pattern = customer[order], period[order], phase[order], pattern[order]
    step = (customer[1:] == customer[:-1]) & (period[1:] == period[:-1] + 1)
    origin, target, exposure = phase[:-1][step], phase[1:][step], pattern[:-1][step]
    key = (origin * len(phases) + target) << len(channels) | exposure
    counts = np.bincount(key)
    keys = np.nonzero(counts)[0]
    counts = counts[keys]
    cells = {
        "origin": (keys >> len(channels)) // len(phases),
        "target": (keys >> len(channels)) % len(phases),
        "pattern": keys & ((1 << len(channels)) - 1),
        "count": counts,
    }
    return phases, channels, cells


def fit_origin(i, phases, channels, cells):
    mask = cells["origin"] == i
    targets = np.unique(cells["target"][mask])
    if len(targets) < 2:
        return 0.0
    base = i if i in targets else targets[0]
    others = [t for t in targets if t != base]
    patterns, inverse = np.unique(cells["pattern"][mask], return_inverse=True)
    seen = np.bitwise_or.reduce(patterns)
    used = [c for c in range(len(channels)) if seen >> c & 1]
    X = np.column_stack([np.ones(len(patterns))] + [(patterns >> c & 1).astype(float) for c in used])
    Y = np.zeros((len(patterns), len(targets)))
    column = {t: k for k, t in enumerate(targets)}
    np.add.at(Y, (inverse, [column[t] for t in cells["target"][mask]]), cells["count"][mask])
    n = Y.sum(axis=1)
    K, d = len(others), X.shape[1]
    beta = np.zeros((K, d))
    order = [column[t] for t in others]
    loglik = -np.inf
    for _ in range(100):
        eta = np.column_stack([np.zeros(len(patterns))] + [X @ beta[k] for k in range(K)])
        eta -= eta.max(axis=1, keepdims=True)
        p = np.exp(eta)
        p /= p.sum(axis=1, keepdims=True)
        P = np.column_stack([p[:, 0]] + [p[:, 1 + k] for k in range(K)])
        Yo = np.column_stack([Y[:, column[base]]] + [Y[:, c] for c in order])
        new = float((Yo * np.log(np.maximum(P, 1e-300))).sum())
        grad = np.concatenate([X.T @ (Yo[:, 1 + k] - n * P[:, 1 + k]) for k in range(K)])
        H = np.zeros((K * d, K * d))
        for a in range(K):
            for b in range(K):
                w = n * P[:, 1 + a] * ((a == b) - P[:, 1 + b])
                H[a * d:(a + 1) * d, b * d:(b + 1) * d] = X.T @ (X * w[:, None])
        step = np.linalg.solve(H + 1e-9 * np.eye(K * d), grad)
        beta += step.reshape(K, d)
        if abs(new - loglik) < 1e-10 * max(1.0, abs(new)):
            loglik = new
            break
        loglik = new
    return loglik


def main():
    path = sys.argv[1]
    start = time.process_time()
    phases, channels, cells = read_counts(path)
    read = time.process_time() - start
    start = time.process_time()
    loglik = sum(fit_origin(i, phases, channels, cells) for i in range(len(phases)))
    fit = time.process_time() - start
    print(f"pandas_read_count_cpu_s {read:.3f}")
    print(f"numpy_fit_cpu_s {fit:.3f}")
    print(f"log_likelihood {loglik:.6f} transitions {int(cells['count'].sum())}")


if __name__ == "__main__":
    main()

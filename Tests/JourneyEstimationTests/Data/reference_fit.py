#!/usr/bin/env python3
"""Independent reference fit for JourneyEstimationTests.

Fits the same per-origin multinomial logit as JourneyEstimation (staying is the reference
category, u = alpha_j + sum_c beta_jc * e_c) by a different route: direct BFGS
minimisation of the negative log-likelihood over individual transitions with
scipy.optimize.minimize (method="BFGS", gtol=1e-12), numpy for the arithmetic. Standard
errors come from the inverse of the analytic Hessian at the optimum.

Libraries: numpy, scipy (scipy.optimize.minimize).

Usage:
  python3 reference_fit.py --generate   # rewrite small.csv (seeded, numpy default_rng(2024))
  python3 reference_fit.py              # print the reference values used in the Swift test
"""
import csv
import os
import sys

import numpy as np
from scipy.optimize import minimize

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "small.csv")
CHANNELS = ["x", "y"]


def generate():
    rng = np.random.default_rng(2024)
    # True model: a -> b, a -> c, b -> c; c absorbing.
    params = {
        "a": {"b": (-1.5, {"x": 0.8, "y": -0.3}), "c": (-2.5, {"x": 0.2, "y": 0.5})},
        "b": {"c": (-1.0, {"x": 0.6, "y": 0.0})},
    }
    reach = {"x": 0.4, "y": 0.3}
    rows = []
    phase = {i: "a" for i in range(300)}
    for t in range(8):
        for cid in range(300):
            met = [c for c in CHANNELS if rng.random() < reach[c]]
            rows.append((cid, t, phase[cid], ";".join(met)))
            p = phase[cid]
            if p in params:
                targets = list(params[p])
                u = [0.0] + [params[p][j][0] + sum(params[p][j][1][c] for c in met) for j in targets]
                w = np.exp(u) / np.exp(u).sum()
                k = rng.choice(len(w), p=w)
                phase[cid] = p if k == 0 else targets[k - 1]
    with open(DATA, "w", newline="") as f:
        f.write("customer_id,period,phase,channels\n")
        for cid, t, p, ch in rows:
            f.write(f"{cid},{t},{p},{ch}\n")


def transitions():
    prev = {}
    out = []
    with open(DATA) as f:
        for row in csv.DictReader(f):
            cid, t = row["customer_id"], int(row["period"])
            if cid in prev:
                pt, pp, pch = prev[cid]
                assert t == pt + 1
                out.append((pp, pch, row["phase"]))
            met = set(c for c in row["channels"].split(";") if c)
            prev[cid] = (t, row["phase"], met)
    return out


def fit_origin(origin, data):
    rows = [(ch, tgt) for o, ch, tgt in data if o == origin]
    targets = sorted({tgt for _, tgt in rows if tgt != origin})
    if not targets:
        return None
    chans = [c for c in CHANNELS if 0 < sum(c in ch for ch, _ in rows) < len(rows)]
    cats = [origin] + targets
    X = np.array([[1.0] + [1.0 if c in ch else 0.0 for c in chans] for ch, _ in rows])
    Y = np.zeros((len(rows), len(cats)))
    for r, (_, tgt) in enumerate(rows):
        Y[r, cats.index(tgt)] = 1
    d, J = X.shape[1], len(targets)

    def probs(theta):
        U = np.hstack([np.zeros((len(rows), 1)), X @ theta.reshape(J, d).T])
        U -= U.max(axis=1, keepdims=True)
        E = np.exp(U)
        return E / E.sum(axis=1, keepdims=True)

    def nll(theta):
        U = np.hstack([np.zeros((len(rows), 1)), X @ theta.reshape(J, d).T])
        m = U.max(axis=1, keepdims=True)
        lse = (m + np.log(np.exp(U - m).sum(axis=1, keepdims=True))).ravel()
        return -(np.sum(Y * U) - lse.sum())

    def grad(theta):
        P = probs(theta)
        return -((Y[:, 1:] - P[:, 1:]).T @ X).ravel()

    res = minimize(nll, np.zeros(J * d), jac=grad, method="BFGS", options={"gtol": 1e-12, "maxiter": 10000})
    theta = res.x
    P = probs(theta)
    H = np.zeros((J * d, J * d))
    for j in range(J):
        for k in range(J):
            w = P[:, j + 1] * ((1.0 if j == k else 0.0) - P[:, k + 1])
            H[j * d:(j + 1) * d, k * d:(k + 1) * d] = (X * w[:, None]).T @ X
    cov = np.linalg.inv(H)
    se = np.sqrt(np.diag(cov))
    out = []
    for j, tgt in enumerate(targets):
        out.append((origin, tgt, "", theta[j * d], se[j * d]))
        for k, c in enumerate(chans):
            out.append((origin, tgt, c, theta[j * d + k + 1], se[j * d + k + 1]))
    return out, -res.fun, res.jac


def main():
    if "--generate" in sys.argv:
        generate()
    data = transitions()
    total_ll = 0.0
    for origin in ["a", "b", "c"]:
        r = fit_origin(origin, data)
        if r is None:
            continue
        out, ll, jac = r
        total_ll += ll
        print(f"# {origin}: log-likelihood {ll:.12f}, max|gradient| {np.abs(jac).max():.2e}")
        for o, t, c, est, se in out:
            print(f'("{o}", "{t}", "{c}", {est:.12f}, {se:.12f}),')
    print(f"# total log-likelihood {total_ll:.12f}")


if __name__ == "__main__":
    main()

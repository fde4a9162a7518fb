"""Notebook 07's tuned frontier on three splits: tables without L1, L1, or both?

Run from the repository root:  python benchmarks/tuned_splits.py

Notebook 07 (section 6) tunes alpha and l2 of every competitor the same way (fit on the first
two training chunks, score on the third, walk the two ladders from a 2 x 2 grid to a local best),
refits the best on the three chunks and scores it on the held-out rows. It can afford that on one
split only (the stream's first three chunks of 4,096 rows). This repeats the same search, with the
same features, ladders, competitors and byte counts, on three splits of contiguous training chunks,
the rest held out: (0, 1, 2) is the notebook's, (3, 4, 5) and (5, 6, 7) two more. For each split it
prints every competitor in order of serving bytes and whether it is on the frontier (no other
competitor has at most its serving bytes and at most its loss, to 4 decimals), by held-out loss as
in the notebook, and by validation loss, what a practitioner sees before deploying. About half a
minute on two cores.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from bucket_splits import hashed_chunks

from course_utils import measure
from course_utils.hashing import fold_buckets
from course_utils.solvers import ftrl_proximal

SPLITS = [(0, 1, 2), (3, 4, 5), (5, 6, 7)]
# as in the notebook: the ladders, the starting grid and the competitors (bits -> lambda_1 values)
ALPHAS = (0.0125, 0.025, 0.05, 0.1, 0.2, 0.4)
L2S = (0.0, 1.0, 100.0, 1e4)
START = [(a, b) for a in (2, 3) for b in (1, 2)]
TUNED = {7: [0.0], 8: [0.0], 9: [0.0], 10: [0.0], 12: [0.0, 8.0, 16.0, 32.0, 64.0],
         24: [0.0, 8.0, 16.0, 24.0, 32.0, 64.0, 128.0]}


def renumber(X, seen):
    """Columns in `seen` (sorted) become 0..k-1; every other column becomes k (weight 0)."""
    at = np.minimum(np.searchsorted(seen, X.indices), seen.size - 1)
    columns = np.where(seen[at] == X.indices, at, seen.size).astype(np.int32)
    return sp.csr_matrix((X.data, columns, X.indptr), shape=(X.shape[0], seen.size + 1))


def mean_log_loss(fit, X, y):
    f = X @ fit.coef + fit.intercept
    return float(np.mean(np.logaddexp(0.0, f) - y * f))


def tuned_fit(X_tr, y_tr, n_fit, X_te, y_te, l1):
    """The notebook's search; returns (alpha, l2, validation loss, held-out loss, fit)."""
    scores = {}
    X_fit, X_val = X_tr[:n_fit], X_tr[n_fit:]

    def score(rungs):
        if rungs not in scores:
            fit = ftrl_proximal(X_fit, y_tr[:n_fit], alpha=ALPHAS[rungs[0]], beta=1.0,
                                l1=l1, l2=L2S[rungs[1]])
            scores[rungs] = mean_log_loss(fit, X_val, y_tr[n_fit:])
        return scores[rungs]

    best = min(START, key=score)
    while True:
        a, b = best
        near = [(a + da, b + db) for da, db in ((-1, 0), (1, 0), (0, -1), (0, 1))
                if 0 <= a + da < len(ALPHAS) and 0 <= b + db < len(L2S)]
        step = min([best, *near], key=score)
        if step == best:
            break
        best = step
    alpha, l2 = ALPHAS[best[0]], L2S[best[1]]
    fit = ftrl_proximal(X_tr, y_tr, alpha=alpha, beta=1.0, l1=l1, l2=l2)
    return alpha, l2, scores[best], mean_log_loss(fit, X_te, y_te), fit


def frontier(rows, column):
    """For each row, True unless another row has at most its bytes and at most its loss."""
    return [not any(o["serving"] <= r["serving"] and round(o[column], 4) <= round(r[column], 4)
                    for o in rows if o is not r) for r in rows]


def run_split(chunks, split):
    train = [chunks[i] for i in split]
    rest = [chunks[i] for i in range(len(chunks)) if i not in split]
    X_test = sp.vstack([X for X, _ in rest], format="csr")
    y_test = np.concatenate([y for _, y in rest])
    y_train = np.concatenate([y for _, y in train])
    n_fit = sum(len(y) for _, y in train[:2])  # the third training chunk validates
    touched = np.unique(np.concatenate([X.indices for X, _ in train]))
    X_train = renumber(sp.vstack([X for X, _ in train], format="csr"), touched)
    rows = []
    for bits, l1s in TUNED.items():
        # the training rows in 2^bits buckets, renumbered to the buckets they touch
        tr = sp.csr_matrix((X_train.data.copy(), touched[X_train.indices] % 2**bits,
                            X_train.indptr.copy()), shape=(X_train.shape[0], 2**bits))
        tr.sum_duplicates()
        seen = np.unique(tr.indices)
        X_tr, X_te = renumber(tr, seen), renumber(fold_buckets(X_test, 2**bits), seen)
        for l1 in l1s:
            alpha, l2, val, held, fit = tuned_fit(X_tr, y_train, n_fit, X_te, y_test, l1)
            nonzero = seen[np.flatnonzero(fit.coef[:-1])]
            serving = min(2 * 2**bits, measure.delta_encoded_bytes(nonzero) + 2 * nonzero.size)
            name = f"2^{bits}" + (f", l1 = {l1:g}" if l1 else ", no L1")
            rows.append(dict(name=name, alpha=alpha, l2=l2, val=val, held=held,
                             nnz=nonzero.size, serving=serving))
    rows.sort(key=lambda r: r["serving"])
    on_held, on_val = frontier(rows, "held"), frontier(rows, "val")
    print(f"\ntrain chunks {split} (validation: chunk {split[-1]}), held out "
          f"{[i for i in range(len(chunks)) if i not in split]}: {len(y_test):,} rows")
    print(f"{'competitor':<15} {'alpha':>6} {'l2':>5} {'validation':>10} {'held-out':>9} "
          f"{'non-zeros':>9} {'serving':>8} {'frontier held-out':>17} {'frontier val':>12}")
    for r, h, v in zip(rows, on_held, on_val, strict=True):
        print(f"{r['name']:<15} {r['alpha']:>6g} {r['l2']:>5g} {r['val']:>10.4f} "
              f"{r['held']:>9.4f} {r['nnz']:>9,} {r['serving']:>8,} "
              f"{'yes' if h else 'no':>17} {'yes' if v else 'no':>12}", flush=True)


def main():
    chunks = hashed_chunks()
    for split in SPLITS:
        run_split(chunks, split)


if __name__ == "__main__":
    main()

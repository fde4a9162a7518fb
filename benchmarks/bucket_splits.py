"""Notebook 07's smallest budgets on other splits: few buckets without L1 against 2^24 buckets + L1.

Run from the repository root:  python benchmarks/bucket_splits.py

The notebook trains on the stream's first three chunks of 4,096 rows and holds out the other five;
on that one split, 256 buckets without L1 (512 serving bytes) beat L1 at 602 bytes by 0.001 of
held-out log loss. This repeats the comparison with three other choices of three training chunks
(the rest held out), same features (14 columns, 91 pairs, 3 triples; numeric columns in the first
chunk's deciles) and FTRL settings (alpha 0.1, beta 1, l2 1), to see whether that crossing holds.
Serving bytes as in the notebook: the smaller of the dense 16-bit table and delta-encoded indices
plus 16-bit values.
"""

from __future__ import annotations

import itertools

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import log_loss

from course_utils import datasets, measure
from course_utils.features import bucket_labels
from course_utils.hashing import fold_buckets, hash_crosses
from course_utils.solvers import FTRLProximal

# the training chunks of each split; (0, 1, 2) is the notebook's
SPLITS = [(0, 1, 2), (3, 4, 5), (1, 3, 5), (2, 4, 6)]
SETTINGS = dict(alpha=0.1, beta=1.0, l2=1.0)


def hashed_chunks(bits=24, chunk=4096):
    """Every chunk of the Adult stream, hashed as in notebook 07 (float32 counts)."""
    raw = list(datasets.iter_adult(chunk))
    first = raw[0][0]
    edges = {c: np.unique(np.quantile(first[c], np.linspace(0.1, 0.9, 9)))
             for c in datasets.ADULT_NUMERIC}
    columns = list(first.columns)
    triples = [("age", "education", "occupation"), ("age", "marital-status", "occupation"),
               ("sex", "hours-per-week", "occupation")]
    spec = columns + list(itertools.combinations(columns, 2)) + triples

    def categorical(X):
        return X.assign(**{c: bucket_labels(X[c], edges[c]) for c in datasets.ADULT_NUMERIC})

    return [(hash_crosses(categorical(X), spec, 2**bits).astype(np.float32), y) for X, y in raw]


def serving_bytes(model):
    indices, _ = model.sparse_coef()
    return min(2 * model.n_features, measure.delta_encoded_bytes(indices) + 2 * indices.size)


def fit(train, n_features, l1):
    model = FTRLProximal(n_features, l1=l1, **SETTINGS)
    for X, y in train:
        model.partial_fit(X, y)
    return model


def main():
    chunks = hashed_chunks()
    for split in SPLITS:
        train = [chunks[i] for i in split]
        X_test = sp.vstack([X for i, (X, _) in enumerate(chunks) if i not in split], format="csr")
        y_test = np.concatenate([y for i, (_, y) in enumerate(chunks) if i not in split])
        cells = []
        for bits in (8, 10):
            model = fit([(fold_buckets(X, 2**bits), y) for X, y in train], 2**bits, 0.0)
            loss = log_loss(y_test, model.predict_proba(fold_buckets(X_test, 2**bits)))
            cells.append(f"2^{bits} no L1 {serving_bytes(model):>5,} B {loss:.4f}")
        for l1 in (32.0, 64.0, 128.0):
            model = fit(train, 2**24, l1)
            loss = log_loss(y_test, model.predict_proba(X_test))
            cells.append(f"l1={l1:<3.0f} {serving_bytes(model):>5,} B {loss:.4f}")
        print(f"train chunks {split}: " + " | ".join(cells), flush=True)


if __name__ == "__main__":
    main()

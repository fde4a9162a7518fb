"""The online-L1 frontier behind notebook 05: non-zeros against held-out log loss, per method.

Run from the repository root:  python benchmarks/online_frontier.py  [--json results.json]

Data and split are notebook 05's, imported from ``course_utils.exercises.ex05.wide_adult_split``
(Adult one-hot + bucketized + crossed, 2,882 columns; 5,000 training rows, 27,561 held out).
The methods and settings are those of the notebook's section 5 on its split 0 (the notebook also
repeats them on four more splits); besides non-zeros, held-out log loss and AUC, the table gives
the fit time, the sparse size (int32 index + float64 value per non-zero) and marks with ``*`` the
models on the frontier (no other model in the table is both smaller or equal and better).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings

import numpy as np
from scipy.special import expit
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import log_loss, roc_auc_score

from course_utils import measure, penalties
from course_utils.exercises.ex05 import FIT_TOL, wide_adult_split
from course_utils.solvers import ftrl_proximal, logistic_l1, sgd_l1


def timed(fit):
    start = time.perf_counter()
    result = fit()
    return time.perf_counter() - start, result


def column_sd(X):
    """Standard deviation of every column of a sparse matrix; sqrt(f (1 - f)) for a 0/1 column."""
    mean = np.asarray(X.mean(axis=0)).ravel()
    return np.sqrt(np.asarray(X.multiply(X).mean(axis=0)).ravel() - mean**2)


def refit(X, y, keep, C):
    """Logistic regression on the columns ``keep`` only, L2 strength C (C = 1e4: almost none)."""
    model = LogisticRegression(C=C, solver="liblinear", tol=1e-8).fit(X[:, keep], y)
    w = np.zeros(X.shape[1])
    w[keep] = model.coef_.ravel()
    return w, float(model.intercept_[0])


def models(X_train, y_train):
    """Yield (method, setting, seconds, w, b) for every model of notebook 05's section 5.

    For the refitted models the seconds include the fit they start from.
    """
    ftrl_proximal(X_train[:10], y_train[:10])  # numba compiles (or loads) the loop: not timed
    for l1 in (3.0, 10.0, 30.0):
        t, fit = timed(lambda l1=l1: ftrl_proximal(X_train, y_train, alpha=0.3, beta=1.0, l1=l1))
        yield "FTRL-Proximal", f"l1={l1:g}", t, fit.coef, fit.intercept
    for method, name, alphas in (("fobos", "SGD + FOBOS", (3e-4, 1e-3, 3e-3)),
                                 ("cumulative", "SGD + cumulative", (3e-4, 1e-3, 3e-3)),
                                 ("subgradient", "SGD, plain", (3e-4,))):
        for alpha in alphas:
            t, fit = timed(lambda a=alpha, m=method: sgd_l1(X_train, y_train, a, learning_rate=0.05,
                                                            epochs=1, method=m))
            yield name, f"alpha={alpha:g}", t, fit.coef, fit.intercept
    for alpha in (5e-4, 1e-3, 3e-3):
        t, model = timed(lambda a=alpha: SGDClassifier(
            loss="log_loss", penalty="l1", alpha=a, max_iter=20, tol=None, random_state=0
        ).fit(X_train, y_train))
        yield "SGDClassifier", f"alpha={alpha:g}", t, model.coef_.ravel(), \
            float(model.intercept_[0])
    for alpha in (3e-3, 1.6e-3, 1e-3):
        t, fit = timed(lambda a=alpha: logistic_l1(X_train, y_train, a, tol=FIT_TOL))
        yield "batch L1", f"alpha={alpha:g}", t, fit.coef, fit.intercept
        t_refit, (w, b) = timed(lambda f=fit: refit(X_train, y_train, np.flatnonzero(f.coef), 1e4))
        yield "relaxed L1", f"alpha={alpha:g}", t + t_refit, w, b
    t, l2 = timed(lambda: LogisticRegression(C=0.1, solver="liblinear").fit(X_train, y_train))
    w_l2, b_l2 = l2.coef_.ravel(), float(l2.intercept_[0])
    for k in (25, 50, 100, 200):
        yield "L2, prune |w|", f"k={k}", t, penalties.hard_threshold(w_l2, k), b_l2
    yield "L2, prune |w|", "unpruned", t, w_l2, b_l2
    spread = column_sd(X_train)
    for k, C in ((25, 1.0), (50, 1.0), (100, 0.1), (200, 0.1)):
        keep = np.flatnonzero(penalties.hard_threshold(w_l2 * spread, k))
        t_refit, (w, b) = timed(lambda keep=keep, C=C: refit(X_train, y_train, keep, C))
        yield "L2, prune |w| sd, refit", f"k={k}, C={C:g}", t + t_refit, w, b


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="also write results here")
    args = parser.parse_args(argv)
    warnings.simplefilter("error")  # a warning would mean a model the notebook does not show

    X_train, X_test, y_train, y_test, _ = wide_adult_split()
    print(f"wide Adult: {X_train.shape[1]:,} columns, {X_train.shape[0]:,} training rows, "
          f"{X_test.shape[0]:,} held out; load average "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    rows = []
    for method, setting, seconds, w, b in models(X_train, y_train):
        proba = expit(X_test @ w + b)
        rows.append({"method": method, "setting": setting, "fit_s": seconds,
                     "nnz": measure.count_nonzero(w),
                     "sparse_bytes": measure.model_bytes(w, "sparse"),
                     "log_loss": float(log_loss(y_test, proba)),
                     "auc": float(roc_auc_score(y_test, proba))})
    for row in rows:
        row["frontier"] = not any(
            o["nnz"] <= row["nnz"] and o["log_loss"] < row["log_loss"] for o in rows)

    print(f"{'method':<24} {'setting':<13} {'nnz':>5} {'bytes':>7} {'log loss':>9} {'AUC':>7} "
          f"{'fit s':>6}")
    for row in rows:
        print(f"{row['method']:<24} {row['setting']:<13} {row['nnz']:>5} "
              f"{row['sparse_bytes']:>7,} {row['log_loss']:>9.4f} {row['auc']:>7.4f} "
              f"{row['fit_s']:>6.2f}{' *' if row['frontier'] else ''}")
    print("* on the frontier: no model in the table is as small or smaller with a lower loss")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

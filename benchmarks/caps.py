"""Time every iterative solver of course_utils at the cap of its count, on a small problem.

Each count a solver loops over (``max_iter``, ``epochs``, ``max_subsets``) is capped in
``course_utils/_validation.py``; this script checks that a call AT the cap, with ``tol=0``
where there is a ``tol``, still ends in seconds on a small problem (30 x 60 and 300 x 60 with
correlated columns for the batch solvers, 300 x 20 and 300 x 60 for the online ones; the
60-choose-5 best_subset is above the cap, and refused). Run from the repository root:

    python benchmarks/caps.py --timeout 120

Each case runs in its own subprocess, killed after ``--timeout`` seconds (printed as
``> T s``). It prints the wall time (imports and numba's compiling excluded), ``n_iter`` and
``converged``, and the 1-minute load average before each case: times on a shared machine are
noisy. ``--only NAME`` runs the cases whose name contains NAME.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

SETUP = """
import time, warnings
import numpy as np
import scipy.sparse as sp
from course_utils import decay, solvers
from course_utils._validation import MAX_ALPHAS, MAX_EPOCHS, MAX_ITER, MAX_SUBSETS
warnings.simplefilter("ignore")
rng = np.random.default_rng(0)
X = rng.standard_normal((30, 60))
w_true = np.zeros(60)
w_true[:5] = [3.0, -2.0, 1.5, 1.0, -1.0]
y = X @ w_true + 0.5 * rng.standard_normal(30)
y01 = (y > np.median(y)).astype(float)
X20, X60 = rng.standard_normal((300, 20)), rng.standard_normal((300, 60))
y20 = (X20[:, 0] - X20[:, 1] + rng.standard_normal(300) > 0).astype(float)
y60 = (X60[:, 0] - X60[:, 1] + rng.standard_normal(300) > 0).astype(float)
r60 = X60[:, :5].sum(axis=1) + rng.standard_normal(300)
X60c = X60 + 3.0 * X60[:, :1]  # correlated columns: gradient methods crawl
solvers.ftrl_proximal(X20[:5], y20[:5]); solvers.adagrad_fobos(X20[:5], y20[:5])
solvers.sgd_l1(sp.csr_matrix(X20[:5]), y20[:5], 0.01)  # numba compiles (or loads): not timed
start = time.perf_counter()
fit = {call}
elapsed = time.perf_counter() - start
fits = fit if isinstance(fit, list) else [fit]
n_iter = sum(getattr(f, "n_iter", 0) for f in fits)
print(f"{{elapsed:.1f}} {{n_iter}} {{all(getattr(f, 'converged', True) for f in fits)}}")
"""

CASES = {
    "lasso cd": "solvers.lasso(X, y, 0.1, tol=0, max_iter=MAX_ITER)",
    "lasso cd 300x60": "solvers.lasso(X60c, r60, 0.01, tol=0, max_iter=MAX_ITER)",
    "lasso fista": "solvers.lasso(X, y, 0.1, method='fista', tol=0, max_iter=MAX_ITER)",
    "lasso fista 300x60": "solvers.lasso(X60c, r60, 0.01, method='fista', tol=0, "
                          "max_iter=MAX_ITER)",
    "elastic_net": "solvers.elastic_net(X, y, 0.1, 0.5, tol=0, max_iter=MAX_ITER)",
    "lasso_path (10 alphas)": "solvers.lasso_path(X, y, np.geomspace(1.0, 0.01, 10), tol=0, "
                              "max_iter=MAX_ITER)",
    "lasso_path (MAX_ALPHAS)": "solvers.lasso_path(X, y, np.geomspace(1.0, 0.01, MAX_ALPHAS))",
    "lasso_path (MAX_ALPHAS, tol=0)": "solvers.lasso_path(X, y, np.geomspace(1.0, 0.01, "
                                      "MAX_ALPHAS), tol=0, max_iter=MAX_ITER)",
    "logistic_l1 fista": "solvers.logistic_l1(X, y01, 0.02, method='fista', tol=0, "
                         "max_iter=MAX_ITER)",
    "logistic_l1 fista 300x60": "solvers.logistic_l1(X60c, y60, 0.002, method='fista', tol=0, "
                                "max_iter=MAX_ITER)",
    "logistic_l1 newton": "solvers.logistic_l1(X, y01, 0.02, method='newton', tol=0, "
                          "max_iter=MAX_ITER)",
    "iht constant": "solvers.iht(X, y, 5, tol=0, max_iter=MAX_ITER)",
    "iht constant 300x60": "solvers.iht(X60c, r60, 30, tol=0, max_iter=MAX_ITER)",
    "iht normalized": "solvers.iht(X, y, 5, method='normalized', tol=0, max_iter=MAX_ITER)",
    "htp": "solvers.htp(X, y, 5, max_iter=MAX_ITER)",
    "best_subset (43 choose 5)": "solvers.best_subset(X[:, :43], y, 5, max_subsets=MAX_SUBSETS)",
    "best_subset (60 choose 5)": "solvers.best_subset(X, y, 5, max_subsets=5_461_512)",
    "sgd_l1 dense 300x20": "solvers.sgd_l1(X20, y20, 0.01, epochs=MAX_EPOCHS)",
    "sgd_l1 dense 300x60": "solvers.sgd_l1(X60, y60, 0.01, epochs=MAX_EPOCHS)",
    "sgd_l1 fobos dense 300x60": "solvers.sgd_l1(X60, y60, 0.01, method='fobos', "
                                 "epochs=MAX_EPOCHS)",
    "sgd_l1 sparse 300x60": "solvers.sgd_l1(sp.csr_matrix(X60), y60, 0.01, epochs=MAX_EPOCHS)",
    "ftrl_proximal 300x60": "solvers.ftrl_proximal(X60, y60, epochs=MAX_EPOCHS)",
    "adagrad_fobos 300x60": "solvers.adagrad_fobos(X60, y60, epochs=MAX_EPOCHS)",
    "l2_decay (MAX_STEPS)": "decay.l2_decay(1.0, 0.9, decay.MAX_STEPS)",
    "l1_decay (MAX_STEPS)": "decay.l1_decay(1.0, 1e-7, decay.MAX_STEPS)",
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    print(f"{'case':31} {'load':>5} {'seconds':>9} {'n_iter':>9}  converged")
    for name, call in CASES.items():
        if args.only not in name:
            continue
        load = os.getloadavg()[0]
        start = time.perf_counter()
        try:
            run = subprocess.run([sys.executable, "-c", SETUP.format(call=call)],
                                 capture_output=True, text=True, timeout=args.timeout)
        except subprocess.TimeoutExpired:
            print(f"{name:31} {load:5.2f} {'> ' + format(args.timeout, '.0f'):>9}", flush=True)
            continue
        if run.returncode != 0:
            print(f"{name:31} {load:5.2f} failed: {run.stderr.strip().splitlines()[-1]}",
                  flush=True)
            continue
        seconds, n_iter, converged = run.stdout.split()
        print(f"{name:31} {load:5.2f} {seconds:>9} {n_iter:>9}  {converged}"
              f"  (with imports {time.perf_counter() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    main()

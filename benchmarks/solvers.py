"""Time course_utils' solvers against scikit-learn, both solved to (nearly) the same objective.

Run from the repository root (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, when set on this machine,
slow a current numpy down: unset both for the benchmark only):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/solvers.py --blas-threads 1

Each line prints the time ratio ours / scikit-learn (best of a few runs each, < 1 means we are
faster), the relative objective gap (ours - sklearn) / sklearn beside it, so that a fast time is
never bought with a worse answer, the target of issue 6 and the 1-minute load average at the
time of the line (the machine may be shared: a load above the core count makes times noisy).
"""

from __future__ import annotations

import argparse
import functools
import inspect
import os
import platform
import time
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, LogisticRegression, SGDClassifier
from sklearn.linear_model import lasso_path as sklearn_lasso_path
from threadpoolctl import threadpool_info, threadpool_limits

from course_utils.datasets import ADULT_NUMERIC, load_adult, load_diabetes
from course_utils.exercises.ex05 import wide_adult_split
from course_utils.hashing import hash_crosses
from course_utils.solvers import FTRLProximal, ftrl_proximal, lasso, lasso_path, logistic_l1

# the clock of best_time: wall time, or with --cpu-time the process's CPU time (user + system),
# which a loaded machine inflates far less (with one BLAS thread both sides run on one core)
CLOCK = time.perf_counter


def best_time(fit, repeat):
    """Best time (``CLOCK``) of ``repeat`` runs, and the last result."""
    times = []
    for _ in range(repeat):
        start = CLOCK()
        result = fit()
        times.append(CLOCK() - start)
    return min(times), result


def lasso_objective(X, y, w, b, alpha):
    residual = y - X @ w - b
    return residual @ residual / (2 * len(y)) + alpha * np.abs(w).sum()


def alpha_max(X, y):
    Xc = X - X.mean(axis=0)
    return np.max(np.abs(Xc.T @ (y - y.mean()))) / len(y)


def report(name, t_ours, t_sklearn, f_ours, f_sklearn, target=1.0):
    ratio = t_ours / t_sklearn
    print(f"{name:<48} ours {t_ours:8.4f} s  sklearn {t_sklearn:8.4f} s  ratio {ratio:6.3f}  "
          f"objective gap {(f_ours - f_sklearn) / f_sklearn:+.1e}  target <= {target:.2f} "
          f"{'met' if ratio <= target else 'MISSED'}  load {os.getloadavg()[0]:.1f}", flush=True)


def compare_lasso(name, X, y, alpha, repeat, tol=1e-10, method="cd", target=1.0):
    """lasso vs sklearn Lasso, both to a duality gap of tol * ||y_c||^2."""
    t_ours, ours = best_time(lambda: lasso(X, y, alpha, method=method, tol=tol,
                                           max_iter=100_000), repeat)
    t_sk, sk = best_time(lambda: Lasso(alpha=alpha, tol=tol, max_iter=100_000).fit(X, y), repeat)
    report(f"{name} ({method})", t_ours, t_sk,
           lasso_objective(X, y, ours.coef, ours.intercept, alpha),
           lasso_objective(X, y, sk.coef_, sk.intercept_, alpha), target)


def wide_problem(n=1000, p=5000, k=30, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    w_true = np.zeros(p)
    w_true[rng.choice(p, k, replace=False)] = rng.standard_normal(k)
    return X, X @ w_true + 0.5 * rng.standard_normal(n)


def compare_path(X, y, repeat, n_alphas=50, tol=1e-8):
    """A warm-started path of n_alphas alphas from alpha_max down to alpha_max / 100: our
    lasso_path, then (second line) a loop of public lasso calls, each warm-started."""
    alphas = alpha_max(X, y) * np.logspace(0, -2, n_alphas)

    def ours():
        return np.array([r.coef for r in lasso_path(X, y, alphas, tol=tol, max_iter=100_000)])

    def ours_per_call():
        coef, coefs = None, []
        for alpha in alphas:
            coef = lasso(X, y, alpha, tol=tol, max_iter=100_000, coef_init=coef).coef
            coefs.append(coef)
        return np.array(coefs)

    def theirs():  # lasso_path fits no intercept: give it centered data, as Lasso does
        return sklearn_lasso_path(X - X.mean(axis=0), y - y.mean(), alphas=alphas, tol=tol,
                                  max_iter=100_000)[1].T

    t_sk, coefs_sk = best_time(theirs, repeat)
    Xc, yc = X - X.mean(axis=0), y - y.mean()

    def path_objective(coefs):
        return sum(lasso_objective(Xc, yc, w, 0.0, a) for w, a in zip(coefs, alphas, strict=True))

    name = f"path, {n_alphas} alphas, warm start ({X.shape[0]}x{X.shape[1]})"
    for label, fit in ((name, ours), ("  same, a loop of lasso() calls", ours_per_call)):
        t_ours, coefs = best_time(fit, repeat)
        report(label, t_ours, t_sk, path_objective(coefs), path_objective(coefs_sk))


def sklearn_l1_logistic(C, **kwargs):
    """L1 LogisticRegression without a deprecation warning on scikit-learn 1.4 ... 1.9+."""
    params = inspect.signature(LogisticRegression).parameters
    if "penalty" not in params or params["penalty"].default == "deprecated":
        return LogisticRegression(C=C, l1_ratio=1.0, **kwargs)
    return LogisticRegression(penalty="l1", C=C, **kwargs)


def time_to_reach(fit_at, objective, f_target, repeat):
    """Best time of ``repeat`` runs of ``fit_at(tol)`` at the first tol (1e-4, 1e-5, ..., 1e-12)
    whose objective is within 1e-8 (relative) of ``f_target``; with that objective and tol.

    Each solver defines ``tol`` its own way, so no two tols are comparable: both sides of a row
    are timed by this same search, to the same target objective, best of the same ``repeat``.
    """
    for tol in 10.0 ** -np.arange(4, 13):
        t, fitted = best_time(lambda t=tol: fit_at(t), repeat)
        f = objective(fitted)
        if f <= f_target * (1 + 1e-8):
            break
    return t, f, tol


def compare_logistic(repeat, Cs=(0.1, 0.03, 0.3)):
    """logistic_l1 (both methods) vs saga and liblinear on the wide Adult of notebook 05
    (5,000 x 2,882 CSR), every side timed to the same objective.

    The target objective of each row is the lowest any of the three reaches, untimed, at tol =
    1e-12 (ours) or 1e-10 (scikit-learn's).
    Then every solver, ours and scikit-learn's alike, is timed by :func:`time_to_reach`: best of
    ``repeat`` runs at its first tol that comes within 1e-8 of the target. saga minimizes our
    objective (intercept not penalized); liblinear penalizes the intercept, so its rows fit
    without one, on both sides.
    """
    X, _, y, _, _ = wide_adult_split()
    for C in Cs:
        for theirs, fit_intercept in (("saga", True), ("liblinear", False)):
            logistic_row(X, y, C, theirs, fit_intercept, repeat)


def logistic_row(X, y, C, theirs, fit_intercept, repeat):
    """One row of :func:`compare_logistic`: both our methods against one scikit-learn solver."""
    alpha = 1 / (X.shape[0] * C)

    def objective(w, b):
        margin = X @ w + b
        return np.mean(np.logaddexp(0.0, margin) - y * margin) + alpha * np.abs(w).sum()

    def fit_theirs(tol):
        return sklearn_l1_logistic(C, solver=theirs, fit_intercept=fit_intercept, tol=tol,
                                   max_iter=100_000).fit(X, y)

    def f_theirs(model):
        return objective(model.coef_.ravel(), float(np.ravel(model.intercept_)[0]))

    def f_ours(fit):
        return objective(fit.coef, fit.intercept)

    fit_ours = {method: functools.partial(logistic_l1, X, y, alpha, method=method,
                                          fit_intercept=fit_intercept, max_iter=100_000)
                for method in ("fista", "newton")}
    # saga at 1e-12 would take many minutes: scikit-learn's side gets 1e-10 here
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # untimed: only its objective counts
        f_target = min([f_theirs(fit_theirs(1e-10))]
                       + [f_ours(fit(tol=1e-12)) for fit in fit_ours.values()])
    t_sk, f_sk, tol_sk = time_to_reach(fit_theirs, f_theirs, f_target, repeat)
    default = inspect.signature(logistic_l1).parameters["method"].default
    for method, fit in fit_ours.items():
        t, f, tol = time_to_reach(lambda tol, fit=fit: fit(tol=tol), f_ours, f_target, repeat)
        name = f"{method}, the default" if method == default else method
        report(f"logistic_l1 ({name}, tol {tol:.0e}) vs {theirs} (tol {tol_sk:.0e}), C={C:g}",
               t, t_sk, f, f_sk)


def compare_logistic_path(repeat):
    """Notebook 05's six-alpha path (tol = 1e-4, as the notebook fits it): FISTA vs Newton."""
    X, _, y, _, _ = wide_adult_split()
    alphas = [3e-2, 1e-2, 3e-3, 1e-3, 3e-4, 1e-4]
    times = {}
    for method in ("fista", "newton"):
        times[method], fits = best_time(lambda m=method: [
            logistic_l1(X, y, alpha, method=m, tol=1e-4) for alpha in alphas], repeat)
        print(f"notebook 05 path, 6 alphas, tol 1e-4 ({method}) {times[method]:8.4f} s  "
              f"steps {[fit.n_iter for fit in fits]}  non-zeros "
              f"{[int(np.count_nonzero(fit.coef)) for fit in fits]}", flush=True)
    print(f"  newton / fista time ratio {times['newton'] / times['fista']:.3f}  "
          f"load {os.getloadavg()[0]:.1f}", flush=True)


def hashed_adult(bits=22):
    """Issue 15's calibration: Adult's 14 columns (numeric ones in deciles), one-hot plus all 91
    pairwise crosses, hashed into 2**bits buckets: 105 entries per row."""
    import itertools

    from course_utils.features import bucket_labels

    X, y = load_adult()
    table = X.assign(**{c: bucket_labels(X[c], np.unique(np.quantile(X[c], np.linspace(.1, .9, 9))))
                        for c in ADULT_NUMERIC})
    spec = list(X.columns) + list(itertools.combinations(X.columns, 2))
    return hash_crosses(table, spec, 2**bits), y


def compare_ftrl(repeat, n_train=25_000):
    """One ftrl_proximal pass against one epoch of SGDClassifier(penalty="l1") (issue 26's
    target: <= 1.0x in wall and in CPU time),
    then FTRLProximal's sparse prediction against X @ dense coef (the same logits)."""
    X, y = hashed_adult()
    X_tr, y_tr, X_te = X[:n_train], y[:n_train], X[n_train:]
    t_ftrl, fit = best_time(lambda: ftrl_proximal(X_tr, y_tr, alpha=0.1, beta=1.0, l1=2.0,
                                                  l2=1.0), repeat)
    sgd = SGDClassifier(loss="log_loss", penalty="l1", alpha=1e-5, max_iter=1, tol=None,
                        random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # one epoch, on purpose
        t_sgd, _ = best_time(lambda: sgd.fit(X_tr, y_tr), repeat)
    ratio = t_ftrl / t_sgd
    # CPU time too: on a loaded machine the best wall time favours the shorter job
    cpu = {}
    for name, fit_once in [("ftrl", lambda: ftrl_proximal(X_tr, y_tr, alpha=0.1, beta=1.0, l1=2.0,
                                                           l2=1.0)),
                           ("sgd", lambda: sgd.fit(X_tr, y_tr))]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            start = time.process_time()
            for _ in range(repeat):
                fit_once()
            cpu[name] = (time.process_time() - start) / repeat
    # Throughput only: the two minimize different objectives (FTRL's per-coordinate rates and
    # L1/L2 on z, SGD's one rate and L1 on w), so neither the losses nor the weights are compared.
    label = "throughput (objectives differ): ftrl_proximal 1 pass vs SGDClassifier(l1) 1 epoch"
    print(f"{label + ', Adult 2^22 hashed':<48} "
          f"ours {t_ftrl:8.4f} s  sklearn {t_sgd:8.4f} s  ratio {ratio:6.3f}  "
          f"(CPU-time ratio {cpu['ftrl'] / cpu['sgd']:5.2f})  "
          f"({np.count_nonzero(fit.coef)} non-zeros)  target <= 1.0 (wall and CPU) "
          f"{'met' if max(ratio, cpu['ftrl'] / cpu['sgd']) <= 1.0 else 'MISSED'}  "
          f"load {os.getloadavg()[0]:.1f}", flush=True)
    model = FTRLProximal(X.shape[1], alpha=0.1, beta=1.0, l1=2.0, l2=1.0).partial_fit(X_tr, y_tr)
    coef = model.coef_
    t_sparse, _ = best_time(lambda: model.decision_function(X_te), repeat)
    t_dense, _ = best_time(lambda: X_te @ coef + model.intercept_, repeat)
    print(f"{'predict 7,561 rows: sparse model vs dense vector':<48} "
          f"sparse {t_sparse:8.4f} s  dense {t_dense:8.4f} s  ratio {t_sparse / t_dense:6.3f}  "
          f"(model {model.sparse_coef()[0].size} weights vs {coef.nbytes:,} bytes dense)  "
          f"load {os.getloadavg()[0]:.1f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the wide Lasso only")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--blas-threads", type=int, default=None,
                        help="cap BLAS threads for both sides (default: the library's own)")
    parser.add_argument("--ftrl", action="store_true", help="the FTRL rows only (issue 15)")
    parser.add_argument("--logistic", action="store_true",
                        help="the logistic_l1 rows only (issue 26)")
    parser.add_argument("--lasso", action="store_true",
                        help="the lasso and lasso_path rows only (with --wide-path, its path too)")
    parser.add_argument("--wide-path", action="store_true",
                        help="also the 50-alpha path on 1000 x 1000 (minutes)")
    parser.add_argument("--cpu-time", action="store_true",
                        help="time by CPU time (user + system) instead of wall time: on a "
                             "loaded machine (use with --blas-threads 1)")
    args = parser.parse_args()
    global CLOCK
    if args.cpu_time:
        CLOCK = time.process_time
    with threadpool_limits(limits=args.blas_threads, user_api="blas"):
        run(args)


def run(args):
    warnings.simplefilter("error")  # a ConvergenceWarning would make a timing meaningless
    blas = ", ".join(f"{i['internal_api']} {i.get('architecture', '?')} kernel, "
                     f"{i['num_threads']} threads" for i in threadpool_info()
                     if i["user_api"] == "blas")
    print(f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
          f"{platform.machine()}, {os.cpu_count()} cores, BLAS: {blas}, "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}, "
          f"clock: {'CPU time' if CLOCK is time.process_time else 'wall time'}, "
          f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")

    if args.ftrl:
        compare_ftrl(args.repeat)
        return
    if args.logistic:
        compare_logistic(args.repeat)
        compare_logistic_path(args.repeat)
        return
    X, y = wide_problem()
    for method in ("cd", "fista"):
        compare_lasso("lasso, wide 1000x5000, 30 non-zeros, a_max/20", X, y,
                      alpha_max(X, y) / 20, args.repeat, method=method, target=0.35)
    if args.quick:
        return
    X_d, y_d = load_diabetes()
    X_d = X_d.to_numpy(dtype=float)
    # diabetes fits take under a millisecond: best of 10x more runs, or one slow run decides
    compare_lasso("lasso, diabetes 442x10, a_max/20", X_d, y_d, alpha_max(X_d, y_d) / 20,
                  10 * args.repeat)
    rng = np.random.default_rng(1)
    X_t = rng.standard_normal((20_000, 50))
    y_t = X_t @ rng.standard_normal(50) + rng.standard_normal(20_000)
    compare_lasso("lasso, tall 20000x50, a_max/20", X_t, y_t, alpha_max(X_t, y_t) / 20,
                  args.repeat)
    compare_path(X_d, y_d, 10 * args.repeat)
    if args.wide_path:
        compare_path(X[:, :1000], y, args.repeat)
    if args.lasso:
        return
    compare_logistic(args.repeat)
    compare_logistic_path(args.repeat)
    compare_ftrl(args.repeat)


if __name__ == "__main__":
    main()

"""The work the solvers do, measured against a count derived without them.

A tuning constant (a tolerance ratio, a give-up threshold, the switch to a precomputed matrix)
changes how much work a solver does, not its answer beyond ``tol``: a careless edit of one makes
a solver slower (or pointlessly different) while every test of its answer still passes. These
tests count the work on fixed problems, against scikit-learn's count on the same problem or
against the count the documented rule gives by hand. They count by wrapping a private function
of the solver's module (the learner-facing code has no hook for them).
"""

import importlib
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import Lasso

from course_utils.datasets import make_sparse_regression
from course_utils.solvers import best_subset, lasso, logistic_l1

sys.path.insert(0, str(Path(__file__).parent))
from test_solvers_batch import make_classification  # noqa: E402

# the modules themselves (course_utils.solvers.lasso is the function lasso)
lasso_module = importlib.import_module("course_utils.solvers.lasso")
logistic_module = importlib.import_module("course_utils.solvers.logistic")


def _spy(monkeypatch, module, name):
    """Replace ``module.name`` by a wrapper recording each call's arguments (copies of the arrays
    as they were before the call, which may write into them) and result; return the record and
    the original function."""
    calls = []
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        before = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        result = original(*args, **kwargs)
        calls.append((before, result))
        return result

    monkeypatch.setattr(module, name, wrapper)
    return calls, original


# -- lasso: the full Gram matrix, computed once when X is tall ---------------------------------

@pytest.mark.parametrize("n, p, full", [(40, 20, True), (39, 20, False), (400, 20, True),
                                        (20, 20, False), (30, 100, False)])
def test_lasso_computes_the_full_gram_matrix_exactly_when_x_is_tall(monkeypatch, n, p, full):
    # Documented in _products and _working_set: the full p x p Gram matrix is computed once when
    # n >= 2p (and p is moderate); otherwise only each working set's. Both give the same answer,
    # so only the work tells the two apart.
    calls, _ = _spy(monkeypatch, lasso_module, "_products")
    X, y, _ = make_sparse_regression(n, p, 3, noise=0.1, random_state=0)
    lasso(X, y, 0.05)
    assert len(calls) == 1
    gram = calls[0][1][2]
    assert (gram is not None) == full
    if full:
        Xc = X - X.mean(axis=0)
        np.testing.assert_allclose(gram, Xc.T @ Xc, rtol=1e-12, atol=1e-12)


def test_lasso_keeps_to_working_set_gram_matrices_above_the_feature_cap(monkeypatch):
    # Above GRAM_MAX_FEATURES features the full Gram matrix is never computed, however tall X is
    # (the cap lowered to 20 here, so that the test stays small): p = 20 is at the cap, 21 above.
    monkeypatch.setattr(lasso_module, "GRAM_MAX_FEATURES", 20)
    calls, _ = _spy(monkeypatch, lasso_module, "_products")
    for p, full in [(20, True), (21, False)]:
        X, y, _ = make_sparse_regression(100, p, 3, noise=0.1, random_state=1)
        lasso(X, y, 0.05)
        assert (calls[-1][1][2] is not None) == full


# -- lasso: coordinate descent passes against scikit-learn's --------------------------------

@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("n, p", [(100, 20), (50, 200), (200, 50)])
def test_lasso_cd_needs_no_more_passes_than_scikit_learn(seed, n, p):
    # The same stopping rule (the duality gap, scikit-learn's scaling): working sets and the
    # support solve make each of our passes cheaper AND need fewer of them than scikit-learn's
    # full cyclic passes (measured: 20% to 80% of them at tol 1e-8 on these problems).
    X, y, _ = make_sparse_regression(n, p, 5, noise=0.5, random_state=seed)
    alpha_max = np.max(np.abs((X - X.mean(axis=0)).T @ (y - y.mean()))) / n
    for alpha in [0.3 * alpha_max, 0.03 * alpha_max]:
        theirs = Lasso(alpha=alpha, tol=1e-8, max_iter=100_000).fit(X, y)
        ours = lasso(X, y, alpha, tol=1e-8)
        assert ours.converged
        assert ours.n_iter <= theirs.n_iter_
        np.testing.assert_allclose(ours.coef, theirs.coef_, atol=1e-5)


# -- logistic_l1, method="newton": each inner solve and the line search ------------------------

def _weighted_lasso_gap(G, Xtz, zz, n, w, alpha):
    """Duality gap of ``min_w (zz - 2 w^T Xtz + w^T G w) / (2n) + alpha ||w||_1``, written from
    the textbook (the dual point: the residual scaled into the feasible set)."""
    Xt_residual = Xtz - G @ w
    residual_y = zz - w @ Xtz
    residual2 = residual_y - w @ Xt_residual
    primal = residual2 / (2 * n) + alpha * np.abs(w).sum()
    dual_norm = np.max(np.abs(Xt_residual), initial=0.0) / n
    scale = min(1.0, alpha / dual_norm) if dual_norm > 0 else 1.0
    return primal + scale**2 * residual2 / (2 * n) - scale * residual_y / n


# Problems (make_classification's seed, n, p, alpha, tol) where some inner solve's last-but-one
# pass leaves a gap between 1e-3 and 2e-3 of the starting one (there the ratio decides the
# passes), and one at tol 1e-13 where inner solves reach 10 passes and the rounding floor.
INNER_PROBLEMS = [(2, 300, 40, 0.003, 1e-10), (5, 300, 40, 0.01, 1e-10),
                  (9, 300, 40, 0.001, 1e-10), (0, 100, 150, 0.01, 1e-10),
                  (1, 100, 150, 0.003, 1e-13)]


@pytest.mark.parametrize("seed, n, p, alpha, tol", INNER_PROBLEMS)
def test_newton_solves_each_weighted_lasso_to_a_thousandth_of_its_gap(monkeypatch, seed, n, p,
                                                                      alpha, tol):
    # As logistic.py documents (INNER_GAP_RATIO = 1e-3, INNER_MAX_PASSES = 10): each Newton step
    # runs coordinate descent passes until the weighted Lasso's duality gap is at most 1e-3 of
    # the gap at the current weights (or 1e-14 zz / n, its rounding floor), at most 10 passes:
    # the first pass that meets it is the last, so no pass is wasted and none is missing.
    calls, cd = _spy(monkeypatch, logistic_module, "_cd_gram")
    X, _, y = make_classification(seed, False, n=n, p=p)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logistic_l1(X, y, alpha, method="newton", tol=tol)
    assert calls
    for args, (w_end, passes, _) in calls:
        G, Xtz, zz, n_rows, w_start = args[:5]
        start = _weighted_lasso_gap(G, Xtz, zz, n_rows, w_start, alpha)
        target = max(1e-3 * start, 1e-14 * zz / n_rows)
        assert 1 <= passes <= 10
        end = _weighted_lasso_gap(G, Xtz, zz, n_rows, w_end, alpha)
        assert end <= target * (1 + 1e-6) or passes == 10
        if passes > 1:  # one pass fewer would not have met it
            before = cd(G, Xtz, zz, n_rows, w_start.copy(), alpha, 1.0, 0.0, passes - 1, [])[0]
            assert _weighted_lasso_gap(G, Xtz, zz, n_rows, before, alpha) > target * (1 - 1e-6)


@pytest.mark.parametrize("seed", range(2))
def test_newton_line_search_never_halves_the_step_below_1e_10(monkeypatch, seed):
    # tol 1e-20 is below the gradient's rounding: the last Newton direction lowers the objective
    # by no step. The line search tries t = 1, 1/2, 1/4, ... and gives up (and says so) once
    # t < 1e-10 (after 2**-33, the 34th change measured) or, as newGLMNET does, once the
    # predicted decrease -t * decrease is below the objective's rounding, whichever comes
    # first: so between 1 and 34 changes of the objective are measured, never more.
    log = []
    for name in ("_cd_gram", "_objective_change"):
        original = getattr(logistic_module, name)

        def wrapper(*args, _name=name, _original=original):
            log.append(_name)
            return _original(*args)

        monkeypatch.setattr(logistic_module, name, wrapper)
    X, _, y = make_classification(seed, False)
    with pytest.warns(UserWarning, match="no step along the next Newton direction"):
        logistic_l1(X, y, 0.02, method="newton", tol=1e-20, max_iter=1000)
    last_step = log[len(log) - log[::-1].index("_cd_gram"):]
    assert 1 <= len(last_step) <= 34
    assert set(last_step) == {"_objective_change"}


def test_newton_line_search_gives_up_after_the_step_2_to_the_minus_34(monkeypatch):
    # The give-up floor itself, t < 1e-10, decides only when the objective never vouches for a
    # step while the predicted decrease stays above its rounding: an objective measured as
    # rising for every step (as a wrong Newton direction would give). Then the search measures
    # t = 2**0, 2**-1, ..., 2**-34 (the first power of two below 1e-10: 2**-33 = 1.16e-10),
    # 35 changes, and stops with the step not taken; the predicted decrease of the first Newton
    # step (about 0.1 here) times 2**-34 is still far above the rounding (1e-16 of the objective).
    assert 2.0**-34 < 1e-10 < 2.0**-33
    measured = []

    def rising(margin, dmargin, y, w, w_new, alpha):
        measured.append(float(np.max(np.abs(w_new - w))))
        return 1.0  # the objective went up

    monkeypatch.setattr(logistic_module, "_objective_change", rising)
    X, _, y = make_classification(0, False)
    with pytest.warns(UserWarning, match="no step along the next Newton direction"):
        result = logistic_l1(X, y, 0.02, method="newton", tol=1e-6, max_iter=1000)
    assert len(measured) == 35
    steps = np.array(measured) / measured[0]  # the step t of each measurement
    np.testing.assert_allclose(steps, 2.0 ** -np.arange(35), rtol=1e-9)
    assert result.n_iter == 0 and np.all(result.coef == 0)


@pytest.mark.parametrize("fraction, measured", [(1.5e-4, 1), (0.5e-4, 2)])
def test_newton_line_search_asks_for_a_ten_thousandth_of_the_predicted_decrease(
        monkeypatch, fraction, measured):
    # Armijo's rule with c = 1e-4: the step t is taken when the objective goes down by at least
    # 1e-4 * t times the decrease the quadratic model predicts for the full step, with
    # m = X w + b and e = expit(m) - y: mean(e * dmargin) + alpha * sum(|w_new| - |w|). The
    # first step's change is reported as `fraction` of that: 1.5e-4 takes t = 1 (one change
    # measured before the next Newton step), 0.5e-4 halves it (a second one, at t = 1/2).
    original = logistic_module._objective_change
    log = []

    def reported(margin, dmargin, y, w, w_new, alpha):
        log.append("change")
        if log == ["solve", "change"]:  # the first step's first measurement (after its inner solve)
            predicted = (np.mean((1.0 / (1.0 + np.exp(-margin)) - y) * dmargin)
                         + alpha * np.sum(np.abs(w_new) - np.abs(w)))
            assert predicted < 0
            return fraction * predicted
        return original(margin, dmargin, y, w, w_new, alpha)

    cd = logistic_module._cd_gram

    def solve(*args):
        log.append("solve")
        return cd(*args)

    monkeypatch.setattr(logistic_module, "_objective_change", reported)
    monkeypatch.setattr(logistic_module, "_cd_gram", solve)
    X, _, y = make_classification(0, False)
    logistic_l1(X, y, 0.02, method="newton", tol=1e-6)
    first_step = log[1:log.index("solve", 1)]
    assert first_step == ["change"] * measured


# -- best_subset: batches of about 2**18 numbers -------------------------------------------------

@pytest.mark.parametrize("p, k", [(12, 3), (20, 5)])
def test_best_subset_solves_its_subsets_in_batches_of_2_to_the_18_numbers(monkeypatch, p, k):
    # As subset.py documents: the k x k systems are solved a batch at a time, about 2**18
    # numbers (2 MB) of them per batch, 2**18 // k**2 subsets: C(p, k) subsets in
    # ceil(C(p, k) / (2**18 // k**2)) stacked solves, each with that many subsets but the last;
    # then the best subset's weights, one more solve.
    from math import comb

    subset_module = importlib.import_module("course_utils.solvers.subset")
    calls, _ = _spy(monkeypatch, subset_module, "_solve_subsets")
    X, y, _ = make_sparse_regression(40, p, k, noise=0.1, random_state=0)
    best_subset(X, y, k)
    per_batch = 2**18 // k**2
    sizes = [len(args[2]) for args, _ in calls]
    expected = [per_batch] * (comb(p, k) // per_batch) + [comb(p, k) % per_batch] * bool(
        comb(p, k) % per_batch)
    assert sizes == [*expected, 1]

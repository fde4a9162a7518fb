"""Tests of the L0 solvers (iht, best_subset) and the online L1 solvers (sgd_l1, ftrl_proximal)."""

import itertools
import math
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression

from course_utils.solvers import best_subset, ftrl_proximal, iht, sgd_l1
from course_utils.solvers.online import _ftrl_pass


def _easy_regression(seed=0, n=100, p=20, support=(2, 7, 11)):
    """Well-conditioned least squares with three strong weights and an intercept of 0.5."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    w_true = np.zeros(p)
    w_true[list(support)] = [3.0, -2.0, 1.5]
    y = X @ w_true + 0.5 + 0.1 * rng.standard_normal(n)
    return X, y, w_true


def _sparse_classification(seed=0, n=400, p=60, density=0.1):
    """Sparse 0/1 design, six informative features out of ``p``, labels from a logistic model."""
    rng = np.random.default_rng(seed)
    X = sp.random(n, p, density=density, random_state=seed, format="csr")
    X.data[:] = 1.0  # one-hot-like
    w_true = np.zeros(p)
    w_true[:6] = [3.0, -3.0, 2.0, -2.0, 2.5, -1.5]
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-(X @ w_true - 0.3)))).astype(float)
    return X, y


def _mean_log_loss(X, y, fit):
    f = X @ fit.coef + fit.intercept
    return float(np.mean(np.logaddexp(0.0, f) - y * f))


# --------------------------------------------------------------------------- iht, best_subset


@pytest.mark.parametrize("solver", [iht, best_subset])
def test_l0_solvers_recover_true_support(solver):
    X, y, w_true = _easy_regression()
    fit = solver(X, y, 3)
    assert np.array_equal(np.flatnonzero(fit.coef), np.flatnonzero(w_true))
    np.testing.assert_allclose(fit.coef, w_true, atol=0.1)
    assert fit.intercept == pytest.approx(0.5, abs=0.05)
    assert fit.converged


def test_iht_objective_never_increases_and_matches_best_subset():
    X, y, _ = _easy_regression(seed=1)
    fit = iht(X, y, 3)
    assert np.all(np.diff(fit.history) <= 1e-12)
    exact = best_subset(X, y, 3)
    np.testing.assert_allclose(fit.coef, exact.coef, atol=1e-6)
    assert fit.intercept == pytest.approx(exact.intercept, abs=1e-6)



def test_iht_constant_step_is_one_over_the_lipschitz_constant():
    # The documented iteration, written out: w <- H_k(w + g / L), L = ||X_c||_2^2 / n, until
    # ||w_new - w|| <= tol ||w_new||. A longer or shorter step settles on the same support in
    # another number of steps, so the objective after each step is compared, and the count.
    X, y, _ = _easy_regression(seed=2)
    X[:, 5] += X[:, 7]  # correlated columns: more steps (67)
    n, k, tol = X.shape[0], 3, 1e-8
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    L = np.linalg.svd(Xc, compute_uv=False)[0] ** 2 / n
    w, history = np.zeros(X.shape[1]), []
    for _ in range(500):
        v = w + Xc.T @ (yc - Xc @ w) / n / L
        w_new = np.where(np.isin(np.arange(v.size), np.argsort(-np.abs(v))[:k]), v, 0.0)
        history.append((yc - Xc @ w_new) @ (yc - Xc @ w_new) / (2 * n))
        done = np.linalg.norm(w_new - w) <= tol * np.linalg.norm(w_new)
        w = w_new
        if done:
            break
    fit = iht(X, y, k, tol=tol)
    assert fit.converged and fit.n_iter == len(history) > 10
    np.testing.assert_allclose(fit.history, history, rtol=1e-9)
    np.testing.assert_allclose(fit.coef, w, rtol=1e-9)

def test_iht_warns_and_reports_when_stopped_at_max_iter():
    X, y, _ = _easy_regression()
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        fit = iht(X, y, 3, max_iter=2)
    assert not fit.converged
    assert fit.n_iter == 2


def _brute_force_rss(X, y, k, fit_intercept=True):
    """Reference: every subset of size k fitted by scikit-learn; the smallest RSS and its subset."""
    results = []
    for S in itertools.combinations(range(X.shape[1]), k):
        model = LinearRegression(fit_intercept=fit_intercept).fit(X[:, S], y)
        rss = float(np.sum((y - model.predict(X[:, S])) ** 2))
        results.append((rss, S))
    return min(results)


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_best_subset_agrees_with_brute_force_on_diabetes(k):
    X, y = load_diabetes(return_X_y=True)
    fit = best_subset(X, y, k)
    rss, S = _brute_force_rss(X, y, k)
    assert tuple(np.flatnonzero(fit.coef)) == S
    assert fit.n_iter == math.comb(10, k) == len(fit.history)
    assert min(fit.history) == pytest.approx(rss / (2 * len(y)), rel=1e-10)
    residual = y - X @ fit.coef - fit.intercept
    assert residual @ residual == pytest.approx(rss, rel=1e-10)


def test_best_subset_without_intercept_and_trivial_sizes():
    X, y = load_diabetes(return_X_y=True)
    rss, S = _brute_force_rss(X, y, 2, fit_intercept=False)
    fit = best_subset(X, y, 2, fit_intercept=False)
    assert tuple(np.flatnonzero(fit.coef)) == S and fit.intercept == 0.0
    empty = best_subset(X, y, 0)
    assert np.all(empty.coef == 0.0) and empty.intercept == pytest.approx(y.mean())
    full = best_subset(X, y, 10)
    np.testing.assert_allclose(full.coef, LinearRegression().fit(X, y).coef_, rtol=1e-8)


def test_best_subset_refuses_too_many_subsets_with_the_count():
    X = np.random.default_rng(0).standard_normal((40, 30))
    y = X[:, 0]
    with pytest.raises(ValueError, match=r"155,117,520 subsets.*max_subsets=1,000,000"):
        best_subset(X, y, 15)
    X, y = load_diabetes(return_X_y=True)
    with pytest.raises(ValueError, match=r"math.comb\(10, 5\) = 252 .*max_subsets=100\b"):
        best_subset(X, y, 5, max_subsets=100)
    assert best_subset(X, y, 5, max_subsets=252).n_iter == 252


# --------------------------------------------------------------------------- sgd_l1


@pytest.mark.parametrize("loss", ["log", "squared"])
@pytest.mark.parametrize("method", ["cumulative", "fobos", "subgradient"])
def test_sgd_l1_lazy_sparse_path_equals_dense_path(loss, method):
    # The key correctness test: on sparse X the penalty is applied lazily (only when a weight is
    # touched, plus a flush per epoch); it must give the weights of the dense path, which
    # penalizes every weight after every example.
    X, y = _sparse_classification()
    kwargs = dict(loss=loss, method=method, learning_rate=0.1, epochs=4, random_state=3)
    lazy = sgd_l1(X, y, 0.01, **kwargs)
    dense = sgd_l1(X.toarray(), y, 0.01, **kwargs)
    np.testing.assert_allclose(lazy.coef, dense.coef, rtol=0, atol=1e-10)
    assert lazy.intercept == pytest.approx(dense.intercept, abs=1e-10)
    np.testing.assert_allclose(lazy.history, dense.history, rtol=1e-10)
    if method != "subgradient":  # the exact zeros are the same weights
        assert np.array_equal(lazy.coef == 0.0, dense.coef == 0.0)
        assert np.sum(lazy.coef == 0.0) >= 3


def _fobos_reference(X, y, alpha, learning_rate, epochs, seed):
    """FOBOS for logistic loss as a plain loop over dense rows: gradient step, then clip."""
    rng = np.random.default_rng(seed)  # the same shuffling as sgd_l1(random_state=seed)
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(epochs):
        for i in rng.permutation(X.shape[0]):
            g = 1.0 / (1.0 + math.exp(-(X[i] @ w + b))) - y[i]
            w = w - learning_rate * g * X[i]
            b = b - learning_rate * g
            w = np.sign(w) * np.maximum(np.abs(w) - learning_rate * alpha, 0.0)
    return w, b


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sgd_l1_fobos_matches_a_naive_dense_loop_on_dense_and_csr(seed):
    X, y = _sparse_classification(seed=seed, n=150, p=25, density=0.2)
    w_ref, b_ref = _fobos_reference(X.toarray(), y, 0.1, 0.2, epochs=3, seed=seed)
    assert 3 <= np.sum(w_ref == 0.0) <= 22  # the test sees zeros and non-zeros
    for data in (X.toarray(), X):
        fit = sgd_l1(data, y, 0.1, learning_rate=0.2, epochs=3, method="fobos",
                     random_state=seed)
        np.testing.assert_allclose(fit.coef, w_ref, rtol=0, atol=1e-12)
        assert fit.intercept == pytest.approx(b_ref, abs=1e-12)
        assert np.array_equal(fit.coef == 0.0, w_ref == 0.0)


@pytest.mark.parametrize("sparse", [False, True])
def test_sgd_l1_cumulative_penalty_keeps_a_debt_fobos_does_not(sparse):
    # One feature x = 1, squared loss, step lr * alpha = 0.1. Ten examples with y = 0 keep the
    # weight at 0 while the cumulative penalty owes it 1.0; then examples with y = 2 push it up
    # by 0.2 a step. FOBOS lets it grow at once (towards 2 - alpha = 1); the cumulative penalty
    # first takes back the debt, 0.1 a step, and holds it at 0.0 for ten more steps.
    order = [0.0] * 10 + [2.0] * 6
    perm = np.random.default_rng(0).permutation(len(order))  # sgd_l1's visiting order
    y = np.empty(len(order))
    y[perm] = order  # the k-th visited example has target order[k]
    X = np.ones((len(order), 1))
    X = sp.csr_matrix(X) if sparse else X
    kwargs = dict(loss="squared", learning_rate=0.1, epochs=1, fit_intercept=False,
                  random_state=0)
    fobos = sgd_l1(X, y, 1.0, method="fobos", **kwargs)
    cumulative = sgd_l1(X, y, 1.0, method="cumulative", **kwargs)
    # FOBOS by hand: w <- max(0.9 w + 0.2 - 0.1, 0) six times from 0.
    expected = 0.0
    for _ in range(6):
        expected = max(0.9 * expected + 0.1, 0.0)
    assert fobos.coef[0] == pytest.approx(expected, abs=1e-12)
    assert fobos.coef[0] > 0.4
    assert cumulative.coef[0] == 0.0


def test_sgd_l1_clip_is_the_older_spelling_of_method():
    X, y = _sparse_classification()
    kwargs = dict(learning_rate=0.1, epochs=2)
    for clip, method in ((True, "cumulative"), (False, "subgradient")):
        assert np.array_equal(sgd_l1(X, y, 0.01, clip=clip, **kwargs).coef,
                              sgd_l1(X, y, 0.01, method=method, **kwargs).coef)
    assert np.array_equal(sgd_l1(X, y, 0.01, **kwargs).coef,
                          sgd_l1(X, y, 0.01, method="cumulative", **kwargs).coef)
    fobos = sgd_l1(X, y, 0.01, method="fobos", **kwargs)
    cumulative = sgd_l1(X, y, 0.01, method="cumulative", **kwargs)
    assert np.sum(cumulative.coef == 0.0) > np.sum(fobos.coef == 0.0)


def test_sgd_l1_clipped_gives_exact_zeros_plain_subgradient_does_not():
    X, y = _sparse_classification(seed=2, n=600, p=80)
    kwargs = dict(learning_rate=0.1, epochs=5, random_state=0)
    free = sgd_l1(X, y, 0.0, **kwargs)
    clipped = sgd_l1(X, y, 0.005, clip=True, **kwargs)
    plain = sgd_l1(X, y, 0.005, clip=False, **kwargs)
    # Seen: 0, 54 and 0 exact zeros; mean log loss 0.443 (alpha = 0), 0.487 (clipped).
    assert np.sum(free.coef == 0.0) == 0
    assert np.sum(clipped.coef == 0.0) >= 45  # most of the 74 uninformative weights
    assert np.sum(plain.coef == 0.0) <= 2  # bounces around zero instead
    assert np.all(np.sign(clipped.coef[:6]) == [1, -1, 1, -1, 1, -1])
    # Sparsity costs a little loss, not a lot.
    assert _mean_log_loss(X, y, clipped) <= _mean_log_loss(X, y, free) + 0.08


def test_sgd_l1_sparse_path_penalizes_rare_features():
    # Feature 1 appears in one example only; penalizing only on touch would never shrink it
    # after that example. With the lazy penalty and the end-of-epoch flush it reaches 0.0.
    rng = np.random.default_rng(0)
    X = np.zeros((200, 2))
    X[:, 0] = rng.standard_normal(200)
    X[17, 1] = 1.0
    y = X[:, 0] + 0.1 * rng.standard_normal(200)
    fit = sgd_l1(sp.csr_matrix(X), y, 0.05, loss="squared", learning_rate=0.05, epochs=3)
    assert fit.coef[1] == 0.0
    assert fit.coef[0] > 0.5


def test_sgd_l1_is_seeded():
    X, y = _sparse_classification()
    a, b = sgd_l1(X, y, 0.01, random_state=7), sgd_l1(X, y, 0.01, random_state=7)
    assert np.array_equal(a.coef, b.coef)
    assert not np.array_equal(a.coef, sgd_l1(X, y, 0.01, random_state=8).coef)


@pytest.mark.parametrize("loss", ["log", "squared"])
def test_sgd_l1_history_is_the_documented_objective_of_the_result(loss):
    # the last epoch's objective, recomputed from the returned weights: scikit-learn's mean log
    # loss of the probabilities, or half the mean squared error, plus alpha * ||w||_1
    from sklearn.metrics import log_loss, mean_squared_error

    X, y = _sparse_classification(n=100, p=20)
    fit = sgd_l1(X, y, 0.01, loss=loss, learning_rate=0.05, epochs=2)
    f = X @ fit.coef + fit.intercept
    if loss == "log":
        data = log_loss(y, 1.0 / (1.0 + np.exp(-f)))
    else:
        data = 0.5 * mean_squared_error(y, f)
    assert fit.history[-1] == pytest.approx(data + 0.01 * np.abs(fit.coef).sum(), rel=1e-9)


# --------------------------------------------------------------------------- ftrl_proximal

# A hand computation of McMahan et al. (2013), Algorithm 1, with alpha = 1, beta = 1,
# l1 = 0.3, l2 = 0, no intercept, on three examples with two features:
#   x = [1, 0], y = 1;   x = [1, 2], y = 0;   x = [0, 1], y = 1.
FTRL_X = np.array([[1.0, 0.0], [1.0, 2.0], [0.0, 1.0]])
FTRL_Y = np.array([1.0, 0.0, 1.0])


def test_ftrl_step_by_step_against_hand_computation():
    z, n = np.zeros(2), np.zeros(2)
    kwargs = dict(alpha=1.0, beta=1.0, l1=0.3, l2=0.0)

    def learn(x, y):  # one example, through the solver's own loop
        _ftrl_pass(z, n, sp.csr_matrix([x]), np.array([y]), intercept=False, **kwargs)

    # Step 1, x = [1, 0], y = 1, only coordinate 0 touched. z = 0 so w = 0, p = 0.5.
    # g0 = (0.5 - 1) * 1 = -0.5; sigma0 = (sqrt(0 + 0.25) - sqrt(0)) / 1 = 0.5;
    # z0 = 0 + g0 - sigma0 * 0 = -0.5; n0 = 0.25.
    learn([1.0, 0.0], 1.0)
    np.testing.assert_allclose(z, [-0.5, 0.0], rtol=1e-14)
    np.testing.assert_allclose(n, [0.25, 0.0], rtol=1e-14)
    # |z0| = 0.5 > 0.3: w0 = -(-0.5 + 0.3) / ((1 + sqrt(0.25)) / 1 + 0) = 0.2 / 1.5 = 2/15.
    w_after_1 = [2 / 15, 0.0]
    fit = ftrl_proximal(FTRL_X[:1], FTRL_Y[:1], fit_intercept=False, **kwargs)
    np.testing.assert_allclose(fit.coef, w_after_1, rtol=1e-14)

    # Step 2, x = [1, 2], y = 0. w = [2/15, 0], p = sigmoid(2/15) = 0.5332840382511314.
    p = 1 / (1 + math.exp(-2 / 15))
    assert p == pytest.approx(0.5332840382511314, rel=1e-14)
    # g = [p, 2p]; sigma0 = sqrt(0.25 + p^2) - 0.5; sigma1 = sqrt(0 + 4 p^2) - 0 = 2p.
    # z0 = -0.5 + p - sigma0 * 2/15 = 0.0024812233849445; z1 = 0 + 2p - 2p * 0 = 1.0665680765022627.
    # n0 = 0.25 + p^2 = 0.5343918654534341; n1 = 4 p^2 = 1.1375674618137366.
    learn([1.0, 2.0], 0.0)
    np.testing.assert_allclose(z, [0.0024812233849445, 1.0665680765022627], rtol=1e-12)
    np.testing.assert_allclose(n, [0.5343918654534341, 1.1375674618137366], rtol=1e-12)
    # |z0| = 0.0025 <= 0.3: w0 is exactly 0 again (the L1 zero);
    # w1 = -(z1 - 0.3) / (1 + sqrt(n1)) = -(2p - 0.3) / (1 + 2p) = -0.37093773257143575.
    w_after_2 = [0.0, -0.37093773257143575]
    fit = ftrl_proximal(FTRL_X[:2], FTRL_Y[:2], fit_intercept=False, **kwargs)
    np.testing.assert_allclose(fit.coef, w_after_2, rtol=1e-12)
    assert fit.coef[0] == 0.0

    # Step 3, x = [0, 1], y = 1: coordinate 0 is not touched, z0 and n0 keep their values.
    # p = sigmoid(w1) = 0.40831445176610104; g1 = p - 1; sigma1 = sqrt(n1 + g1^2) - sqrt(n1);
    # z1 += g1 - sigma1 * w1 -> 0.5316835925031929; n1 += g1^2 -> 1.4876592498025862.
    learn([0.0, 1.0], 1.0)
    np.testing.assert_allclose(z, [0.0024812233849445, 0.5316835925031929], rtol=1e-12)
    np.testing.assert_allclose(n, [0.5343918654534341, 1.4876592498025862], rtol=1e-12)
    # w1 = -(0.5316835925031929 - 0.3) / (1 + sqrt(1.4876592498025862)) = -0.10437625388802399.
    fit = ftrl_proximal(FTRL_X, FTRL_Y, fit_intercept=False, **kwargs)
    np.testing.assert_allclose(fit.coef, [0.0, -0.10437625388802399], rtol=1e-12)
    assert fit.intercept == 0.0
    # Progressive validation loss: each example's loss before it was learned.
    f = np.array([0.0, 2 / 15, -0.37093773257143575])
    expected = np.mean(np.log1p(np.exp(f)) - FTRL_Y * f)
    assert fit.history == [pytest.approx(expected, rel=1e-12)]


def test_ftrl_intercept_is_an_unpenalized_always_on_feature():
    # One example x = [1, 0], y = 1: the feature and the intercept both get g = -0.5 and
    # z = -0.5, n = 0.25; the feature pays l1 = 0.3, w0 = 0.2 / 1.5 = 2/15, the intercept
    # does not, b = 0.5 / 1.5 = 1/3.
    fit = ftrl_proximal(FTRL_X[:1], FTRL_Y[:1], alpha=1.0, beta=1.0, l1=0.3)
    np.testing.assert_allclose(fit.coef, [2 / 15, 0.0], rtol=1e-14)
    assert fit.intercept == pytest.approx(1 / 3, rel=1e-14)


def test_ftrl_zeros_grow_with_l1():
    # dense and sparse input against an independent implementation: tests/test_ftrl_reference.py
    X, y = _sparse_classification(seed=1, n=800, p=100)
    zeros = []
    for l1 in [0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0]:
        fit = ftrl_proximal(X, y, alpha=0.5, l1=l1, epochs=2)
        zeros.append(int(np.sum(fit.coef == 0.0)))
    assert zeros == sorted(zeros), zeros
    assert zeros[0] == 0 and zeros[-1] >= 80, zeros  # seen: [0, 9, 20, 30, 49, 66, 90]


def test_ftrl_with_beta_zero_and_l2_is_finite_and_warning_free():
    # beta = 0 makes the denominator (beta + sqrt(n)) / alpha zero for an untouched coordinate.
    X, y = _sparse_classification()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = ftrl_proximal(X, y, beta=0.0, l1=0.0, l2=0.0)
        shrunk = ftrl_proximal(X, y, beta=0.0, l1=0.0, l2=10.0)
    assert np.all(np.isfinite(fit.coef)) and np.isfinite(fit.intercept)
    assert np.abs(shrunk.coef).sum() < np.abs(fit.coef).sum()



def test_ftrl_magnitude_bound_counts_one_squared_gradient_per_row():
    # n_i adds g_i**2 = ((p - y) x_i)**2, up to x_i**2, once per row and epoch: 1,000 rows of
    # one feature at 1e153 overflow it (1e309), though a single product (1e306) does not. The
    # bound must refuse that X by name, not leave it to the overflow inside the loop.
    y = (np.arange(1000) % 2).astype(float)
    with pytest.raises(ValueError, match="X is too large to fit in float64"):
        ftrl_proximal(np.full((1000, 1), 1e153), y)
    assert np.isfinite(ftrl_proximal(np.full((1000, 1), 1e150), y).coef).all()  # sums to 1e303

def test_ftrl_learns_the_signal():
    X, y = _sparse_classification(seed=1, n=800, p=100)
    fit = ftrl_proximal(X, y, alpha=0.5, l1=1.0, epochs=3)
    assert np.all(np.sign(fit.coef[:4]) == [1, -1, 1, -1])
    assert fit.history[-1] < fit.history[0] < math.log(2)


# --------------------------------------------------------------------------- bad input

_X, _y, _ = _easy_regression()
_Xb, _yb = _sparse_classification()

BAD_INPUT = [
    # (function, args, kwargs, exception, message pattern naming the argument)
    (iht, (_X, _y[:-1], 3), {}, ValueError, "same number of rows"),
    (iht, (_X[:, 0], _y, 1), {}, ValueError, "X must be 2-D"),
    (iht, (np.where(_X > 2, np.nan, _X), _y, 3), {}, ValueError, "X must not contain NaN"),
    (iht, (_X, np.full_like(_y, np.inf), 3), {}, ValueError, "y must not contain NaN"),
    (iht, (_X, _y, 21), {}, ValueError, "k must be <= 20"),
    (iht, (_X, _y, -1), {}, ValueError, "k must be >= 0"),
    (iht, (_X, _y, 2.5), {}, TypeError, "k must be an integer"),
    (iht, (_X, _y, 3), {"max_iter": 0}, ValueError, "max_iter"),
    (iht, (_X, _y, 3), {"tol": -1.0}, ValueError, "tol"),
    (iht, (sp.csr_matrix(_X), _y, 3), {}, TypeError, "X must be a dense array"),
    (best_subset, (np.empty((0, 3)), np.empty(0), 1), {}, ValueError, "X must not be empty"),
    (best_subset, ("abc", _y, 1), {}, TypeError, "X must be an array of numbers"),
    (best_subset, (_X, _y, 3), {"fit_intercept": "yes"}, TypeError, "fit_intercept"),
    (best_subset, (_X, _y, 3), {"max_subsets": 0}, ValueError, "max_subsets"),
    (best_subset, (_X, _y, None), {}, TypeError, "k must be an integer"),
    (sgd_l1, (_Xb, _yb[:-1], 0.1), {}, ValueError, "same number of rows"),
    (sgd_l1, (_Xb, _yb, -0.1), {}, ValueError, "alpha must be >= 0"),
    (sgd_l1, (_Xb, _yb, np.nan), {}, ValueError, "alpha must be finite"),
    (sgd_l1, (_Xb, _yb, "0.1"), {}, TypeError, "alpha must be a real number"),
    (sgd_l1, (_Xb, _yb + 1, 0.1), {}, ValueError, "y must hold only the labels 0 and 1"),
    (sgd_l1, (_Xb, _yb, 0.1), {"loss": "hinge"}, ValueError, "loss must be one of"),
    (sgd_l1, (_Xb, _yb, 0.1), {"learning_rate": 0.0}, ValueError, "learning_rate must be > 0"),
    (sgd_l1, (_Xb, _yb, 0.1), {"learning_rate": np.inf}, ValueError, "learning_rate must be fin"),
    (sgd_l1, (_Xb, _yb, 0.1), {"epochs": 0}, ValueError, "epochs must be >= 1"),
    (sgd_l1, (_Xb, _yb, 0.1), {"clip": "False"}, TypeError, "clip must be True or False"),
    (sgd_l1, (_Xb, _yb, 0.1), {"method": "l1"}, ValueError, "method must be one of"),
    (sgd_l1, (_Xb, _yb, 0.1), {"method": "fobos", "clip": True}, ValueError, "not both"),
    (sgd_l1, (_Xb, _yb, 0.1), {"random_state": -1}, ValueError, "random_state"),
    (sgd_l1, (_X, _y, 0.1), {"loss": "squared", "learning_rate": 10.0}, ValueError, "diverged"),
    (ftrl_proximal, (_Xb, _yb[:-1]), {}, ValueError, "same number of rows"),
    (ftrl_proximal, (_Xb.toarray()[:, 0], _yb), {}, ValueError, "X must be 2-D"),
    (ftrl_proximal, (_Xb, 2 * _yb - 1), {}, ValueError, "y must hold only the labels 0 and 1"),
    (ftrl_proximal, (_Xb, _yb), {"alpha": 0.0}, ValueError, "alpha must be > 0"),
    (ftrl_proximal, (_Xb, _yb), {"beta": -1.0}, ValueError, "beta must be >= 0"),
    (ftrl_proximal, (_Xb, _yb), {"l1": -0.5}, ValueError, "l1 must be >= 0"),
    (ftrl_proximal, (_Xb, _yb), {"l2": np.inf}, ValueError, "l2 must be finite"),
    (ftrl_proximal, (_Xb, _yb), {"beta": np.nan}, ValueError, "beta must be finite"),
    (ftrl_proximal, (_Xb, _yb), {"epochs": 1.5}, TypeError, "epochs must be an integer"),
    (ftrl_proximal, (sp.csr_matrix((0, 3)), np.empty(0)), {}, ValueError, "X must not be empty"),
]


@pytest.mark.parametrize(
    "func, args, kwargs, exc, match",
    BAD_INPUT,
    ids=[f"{row[0].__name__}-{row[4]}" for row in BAD_INPUT],
)
def test_bad_input_raises_naming_the_argument(func, args, kwargs, exc, match):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the overflow before "diverged"
        with pytest.raises(exc, match=match):
            func(*args, **kwargs)


@pytest.mark.parametrize("solver", ["sgd_l1", "sgd_l1 sparse", "ftrl_proximal", "adagrad_fobos"])
def test_epochs_are_capped_and_a_fit_at_the_cap_runs(solver):
    # The cap is a count a caller may ask for: at it, a small problem still fits (in seconds);
    # one more is refused, naming the argument and the cap.
    from course_utils._validation import MAX_EPOCHS
    from course_utils.solvers import adagrad_fobos

    X, y = _Xb[:30].toarray(), _yb[:30]
    fit = {"sgd_l1": lambda epochs: sgd_l1(X, y, 0.01, epochs=epochs),
           "sgd_l1 sparse": lambda epochs: sgd_l1(sp.csr_matrix(X), y, 0.01, epochs=epochs),
           "ftrl_proximal": lambda epochs: ftrl_proximal(X, y, epochs=epochs),
           "adagrad_fobos": lambda epochs: adagrad_fobos(X, y, epochs=epochs)}[solver]
    result = fit(MAX_EPOCHS)
    assert result.n_iter == len(result.history) == MAX_EPOCHS
    with pytest.raises(ValueError, match=f"epochs must be <= {MAX_EPOCHS:,}"):
        fit(MAX_EPOCHS + 1)


def test_max_subsets_is_capped():
    from course_utils._validation import MAX_SUBSETS

    X, y = _X[:, :6], _y
    assert best_subset(X, y, 3, max_subsets=MAX_SUBSETS).n_iter == 20
    with pytest.raises(ValueError, match=f"max_subsets must be <= {MAX_SUBSETS:,}"):
        best_subset(X, y, 3, max_subsets=MAX_SUBSETS + 1)

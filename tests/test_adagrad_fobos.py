"""AdaGrad-FOBOS (notebook 05's comparator of FTRL-Proximal): the lazy compiled loop against a
plain reference that shrinks every weight after every example."""

import math

import numpy as np
import pytest
import scipy.sparse as sp

from course_utils.solvers import adagrad_fobos
from course_utils.solvers._adagrad_loop import adagrad_fobos_rows


def _problem(seed=0, n=300, p=40):
    rng = np.random.default_rng(seed)
    X = sp.random(n, p, density=0.15, random_state=seed, format="csr", data_rvs=rng.standard_normal)
    w_true = np.where(rng.random(p) < 0.3, rng.standard_normal(p), 0.0)
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ w_true)))).astype(float)
    return X, y


def _reference(X, y, alpha, beta, l1, epochs, fit_intercept=True):
    # Every weight gets its L1 step after every example, touched or not (no laziness).
    # Without an intercept there is no ones column, and the intercept is 0.
    if fit_intercept:
        X = sp.hstack([X, np.ones((X.shape[0], 1))], format="csr")
    p = X.shape[1]
    last = p - 1 if fit_intercept else -1  # the unpenalized column
    w, n = np.zeros(p), np.zeros(p)
    for _ in range(epochs):
        for t in range(X.shape[0]):
            idx, x = X.indices[X.indptr[t]:X.indptr[t + 1]], X.data[X.indptr[t]:X.indptr[t + 1]]
            prob = 1 / (1 + math.exp(-float(x @ w[idx])))
            touched = np.zeros(p, dtype=bool)
            for i, v in zip(idx, x, strict=True):
                g = (prob - y[t]) * v
                n[i] += g * g
                eta = alpha / (beta + math.sqrt(n[i]))
                step = w[i] - eta * g
                lam = 0.0 if i == last else eta * l1
                w[i] = math.copysign(max(abs(step) - lam, 0.0), step)
                touched[i] = True
            for i in np.flatnonzero(~touched & (n > 0)):
                if i != last:
                    eta = alpha / (beta + math.sqrt(n[i]))
                    w[i] = math.copysign(max(abs(w[i]) - eta * l1, 0.0), w[i])
    return (w[:-1], w[-1]) if fit_intercept else (w, 0.0)


@pytest.mark.parametrize("epochs", [1, 2])
def test_lazy_loop_equals_the_plain_reference(epochs):
    X, y = _problem()
    fit = adagrad_fobos(X, y, alpha=0.3, beta=1.0, l1=0.01, epochs=epochs)
    w, b = _reference(X, y, 0.3, 1.0, 0.01, epochs)
    np.testing.assert_allclose(fit.coef, w, rtol=0, atol=1e-12)
    assert fit.intercept == pytest.approx(b, abs=1e-12)
    assert np.array_equal(fit.coef == 0, w == 0)


def test_without_intercept_the_weights_are_the_reference_and_the_intercept_is_zero():
    X, y = _problem(3)
    fit = adagrad_fobos(X, y, alpha=0.3, beta=1.0, l1=0.01, epochs=1, fit_intercept=False)
    w, b = _reference(X, y, 0.3, 1.0, 0.01, 1, fit_intercept=False)
    np.testing.assert_allclose(fit.coef, w, rtol=0, atol=1e-12)
    assert fit.intercept == b == 0.0
    assert np.array_equal(fit.coef == 0, w == 0)


def test_compiled_loop_equals_its_plain_python_source():
    X, y = _problem(1)
    X = sp.hstack([X, np.ones((X.shape[0], 1))], format="csr")
    out = []
    plain = getattr(adagrad_fobos_rows, "py_func", adagrad_fobos_rows)
    for function in (adagrad_fobos_rows, plain):
        w, n = np.zeros(X.shape[1]), np.zeros(X.shape[1])
        last, f = np.zeros(X.shape[1], dtype=np.int64), np.empty(len(y))
        function(w, n, last, 0, X.indptr.astype(np.int64), X.indices.astype(np.int64),
                 X.data.astype(np.float64), y, 0.3, 1.0, 0.01, True, f)
        out.append((w.tobytes(), n.tobytes(), f.tobytes()))
    assert out[0] == out[1]


def test_more_l1_gives_fewer_nonzeros_and_no_l1_none():
    X, y = _problem(2)
    counts = [np.count_nonzero(adagrad_fobos(X, y, alpha=0.3, l1=l1).coef)
              for l1 in (0.0, 0.01, 0.1)]
    assert counts[0] == np.count_nonzero(X.getnnz(axis=0))  # every feature seen keeps a weight
    assert counts[0] > counts[1] > counts[2]



def test_magnitude_bound_counts_one_squared_gradient_per_row():
    # the accumulated squared gradients add up to x**2 once per row and epoch: 1,000 rows of
    # one feature at 1e153 sum past float64's largest value, though one product does not
    y = (np.arange(1000) % 2).astype(float)
    with pytest.raises(ValueError, match="X is too large to fit in float64"):
        adagrad_fobos(np.full((1000, 1), 1e153), y)
    assert np.isfinite(adagrad_fobos(np.full((1000, 1), 1e150), y).coef).all()  # sums to 1e303

def test_bad_input_names_the_argument():
    X, y = _problem()
    with pytest.raises(ValueError, match="alpha"):
        adagrad_fobos(X, y, alpha=0.0)
    with pytest.raises(ValueError, match="l1"):
        adagrad_fobos(X, y, l1=-1.0)
    with pytest.raises(ValueError):
        adagrad_fobos(X, 2 * y)


def test_weights_that_diverge_are_not_reported_converged():
    """A step of 1e300 gives finite weights of about 1e300 (main at a9513eb: converged=True)."""
    from sklearn.exceptions import ConvergenceWarning

    from course_utils.solvers import sgd_l1

    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 5))
    y = (X[:, 0] > 0) * 1.0
    with pytest.warns(ConvergenceWarning, match="adagrad_fobos diverged"):
        assert adagrad_fobos(X, y, alpha=1e300, beta=0.0, l1=0.0).converged is False
    for data in (X, sp.csr_matrix(X)):
        with pytest.warns(ConvergenceWarning, match="sgd_l1 diverged"):
            assert sgd_l1(data, y, 0.01, learning_rate=1e300).converged is False
    assert sgd_l1(X, y, 0.01).converged is True


def test_history_of_one_row_is_the_loss_at_zero_weights():
    # The first row is predicted before anything is learned: w = 0 and b = 0, logit 0, loss
    # log(1 + e^0) - y * 0 = log 2 whatever y is. One row, one epoch: history = [log 2].
    for y in ([0.0], [1.0]):
        fit = adagrad_fobos(np.array([[1.0, -2.0]]), np.array(y))
        assert fit.history == [pytest.approx(math.log(2.0), rel=1e-15)]


def test_subgradient_steps_closed_form_equals_the_plain_steps():
    # online._subgradient_steps (the closed form the compiled sgd loop copies): m steps
    # w <- w - step * sign(w) at once, against the m steps taken one at a time. Multiples of
    # 1/4 and steps 1/2, 1 keep every number exact; step 0 leaves w as it is.
    from course_utils.solvers.online import _subgradient_steps

    start = np.array([2.25, -1.0, 0.0, 0.75, -3.5, 1.5])
    for step in (0.5, 1.0, 0.0):
        for m in range(9):
            w = start.copy()
            idx = np.array([0, 1, 2, 3, 4])  # the last entry is not stepped
            _subgradient_steps(w, m, step, idx)
            plain = start.copy()
            for _ in range(m):
                plain[idx] = plain[idx] - step * np.sign(plain[idx])
            np.testing.assert_array_equal(w, plain)

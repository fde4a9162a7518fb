"""FTRL-Proximal against an independent implementation, and final weights with l2 by hand.

``reference_ftrl`` is McMahan et al. (2013), Algorithm 1, written again from the paper with
none of the package's code: Python dicts for ``z`` and ``n``, one example and one non-zero
coordinate at a time, the dense row read directly (no CSR, no canonical form, no slots), the
intercept as one more coordinate ``"b"`` with ``l1 = l2 = 0``. ``ftrl_proximal`` (dense and
every sparse format) and ``FTRLProximal`` (any chunking, any state dtype) must agree with it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from course_utils.solvers import FTRLProximal, ftrl_proximal


def reference_ftrl(X, y, alpha, beta, l1, l2, *, fit_intercept=True, epochs=1, store=float):
    """Return (coef, intercept, progressive loss of each epoch); ``store`` rounds each stored
    z_i and n_i as the state's dtype would (``float``: float64, or ``np.float32``...)."""
    X = np.asarray(X, dtype=float)
    z, n = {}, {}

    def weight(i, l1_i, l2_i):
        z_i, n_i = z.get(i, 0.0), n.get(i, 0.0)
        if abs(z_i) <= l1_i:  # also an untouched coordinate: z_i = 0
            return 0.0
        return -(z_i - math.copysign(l1_i, z_i)) / ((beta + math.sqrt(n_i)) / alpha + l2_i)

    losses = []
    for _ in range(epochs):
        total = 0.0
        for row, label in zip(X, y, strict=True):
            coordinates = [(j, float(v)) for j, v in enumerate(row) if v != 0.0]
            if fit_intercept:
                coordinates.append(("b", 1.0))
            penalty = {i: (0.0, 0.0) if i == "b" else (l1, l2) for i, _ in coordinates}
            w = {i: weight(i, *penalty[i]) for i, _ in coordinates}
            logit = 0.0
            for i, v in coordinates:
                logit += w[i] * v
            p = 1.0 / (1.0 + math.exp(-logit)) if logit >= 0 else (
                math.exp(logit) / (1.0 + math.exp(logit)))
            total += float(np.logaddexp(0.0, logit)) - label * logit
            for i, v in coordinates:
                g = (p - label) * v
                n_i = n.get(i, 0.0)
                sigma = (math.sqrt(n_i + g * g) - math.sqrt(n_i)) / alpha
                z[i] = float(store(z.get(i, 0.0) + g - sigma * w[i]))
                n[i] = float(store(n_i + g * g))
        losses.append(total / len(y))
    coef = np.array([weight(j, l1, l2) for j in range(X.shape[1])])
    return coef, (weight("b", 0.0, 0.0) if fit_intercept else 0.0), losses


def _data(seed=0, n=300, p=40):
    rng = np.random.default_rng(seed)
    X = sp.random(n, p, density=0.08, random_state=seed, format="csr")
    X.data[:] = rng.choice([1.0, 0.5, 2.0, -1.0], size=X.nnz)  # not only one-hot values
    w_true = np.zeros(p)
    w_true[:5] = [2.0, -2.0, 1.5, -1.0, 1.0]
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ w_true)))).astype(float)
    return X, y


SETTINGS = [
    dict(alpha=0.5, beta=1.0, l1=1.0, l2=0.0),
    dict(alpha=0.1, beta=1.0, l1=0.5, l2=2.0),  # l2 > 0
    dict(alpha=0.3, beta=0.0, l1=0.0, l2=0.5),  # beta = 0: zero denominators before learning
    dict(alpha=0.2, beta=1.0, l1=0.3, l2=1.0, fit_intercept=False),
]
FORMATS = {"dense": lambda X: X.toarray(), "csr": sp.csr_matrix, "csc": sp.csc_matrix,
           "coo": sp.coo_matrix, "csr_array": sp.csr_array}


@pytest.mark.parametrize("settings", SETTINGS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_ftrl_proximal_equals_the_independent_implementation(settings, fmt):
    X, y = _data()
    coef, intercept, losses = reference_ftrl(X.toarray(), y, epochs=2, **settings)
    fit = ftrl_proximal(FORMATS[fmt](X), y, epochs=2, **settings)
    np.testing.assert_allclose(fit.coef, coef, rtol=1e-12, atol=1e-15)
    assert fit.intercept == pytest.approx(intercept, rel=1e-12, abs=1e-15)
    np.testing.assert_allclose(fit.history, losses, rtol=1e-12)
    if settings["l1"] > 0:
        assert np.count_nonzero(coef) < coef.size  # exact zeros to compare, too


@pytest.mark.parametrize("chunk", [300, 64, 7, 1])
@pytest.mark.parametrize("settings", SETTINGS)
def test_streaming_equals_the_independent_implementation(chunk, settings):
    X, y = _data(seed=1)
    coef, intercept, losses = reference_ftrl(X.toarray(), y, **settings)
    model = FTRLProximal(X.shape[1], **settings)
    for start in range(0, X.shape[0], chunk):
        model.partial_fit(X[start:start + chunk], y[start:start + chunk])
    np.testing.assert_allclose(model.coef_, coef, rtol=1e-12, atol=1e-15)
    assert model.intercept_ == pytest.approx(intercept, rel=1e-12, abs=1e-15)
    assert model.progressive_loss_ == pytest.approx(losses[0], rel=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_reduced_precision_state_equals_the_independent_implementation(dtype):
    # the reference stores z_i and n_i through numpy's own rounding to dtype
    X, y = _data(seed=2, n=200)
    settings = dict(alpha=0.1, beta=1.0, l1=0.5, l2=1.0)
    coef, intercept, _ = reference_ftrl(X.toarray(), y, store=dtype, **settings)
    model = FTRLProximal(X.shape[1], state_dtype=dtype, **settings).partial_fit(X, y)
    np.testing.assert_allclose(model.coef_, coef, rtol=1e-12, atol=1e-15)
    assert model.intercept_ == pytest.approx(intercept, rel=1e-12, abs=1e-15)


def test_ftrl_final_weights_with_l2_by_hand():
    # alpha = beta = 1, l1 = 0.3, l2 = 0.5, intercept (unpenalized); examples
    # x = [1, 0], y = 1, then x = [1, 2], y = 0.
    X, y = np.array([[1.0, 0.0], [1.0, 2.0]]), np.array([1.0, 0.0])
    # Example 1: w = 0 and b = 0, p = 1/2. Feature 0 and the intercept: g = -1/2, sigma = 1/2,
    # z = -1/2, n = 1/4. Then w0 = -(z0 + l1) / ((1 + sqrt(n0)) + l2) = 0.2 / 2 = 0.1
    # (l2 adds 0.5 to the denominator) and b = 0.5 / 1.5 = 1/3 (no l1, no l2).
    fit = ftrl_proximal(X[:1], y[:1], alpha=1.0, beta=1.0, l1=0.3, l2=0.5)
    np.testing.assert_allclose(fit.coef, [0.1, 0.0], rtol=1e-14)
    assert fit.intercept == pytest.approx(1 / 3, rel=1e-14)
    # Example 2: logit = 0.1 + 1/3 = 13/30, p = sigmoid(13/30); x = [1, 2] gives g = [p, 2p]
    # and g_b = p.
    p = 1 / (1 + math.exp(-13 / 30))
    sigma = math.sqrt(0.25 + p * p) - 0.5  # feature 0 and the intercept: same n, same g
    z0, n0 = -0.5 + p - sigma * 0.1, 0.25 + p * p
    z1, n1 = 2 * p, 4 * p * p  # feature 1 was untouched: w1 = 0, sigma1 * w1 = 0
    z_b, n_b = -0.5 + p - sigma / 3, 0.25 + p * p
    w0 = 0.0 if abs(z0) <= 0.3 else -(z0 - math.copysign(0.3, z0)) / (1 + math.sqrt(n0) + 0.5)
    w1 = -(z1 - 0.3) / (1 + math.sqrt(n1) + 0.5)
    b = -z_b / (1 + math.sqrt(n_b))
    assert w0 == 0.0  # z0 = 0.034...: inside [-l1, l1], the L1 zero
    fit = ftrl_proximal(X, y, alpha=1.0, beta=1.0, l1=0.3, l2=0.5)
    np.testing.assert_allclose(fit.coef, [w0, w1], rtol=1e-14)
    assert fit.intercept == pytest.approx(b, rel=1e-14)
    assert w1 == pytest.approx(-0.33661065, rel=1e-7)  # the number, once, to read
    # the same fit without l2 has a larger |w1|: l2 only shrinks
    no_l2 = ftrl_proximal(X, y, alpha=1.0, beta=1.0, l1=0.3, l2=0.0)
    assert abs(no_l2.coef[1]) > abs(w1)


@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
def test_unused_columns_and_the_callers_matrix(index_dtype):
    # ftrl_proximal keeps state only for the columns X uses, renumbered in order of first use
    # in its own copy of X: spread over 5,000 columns in reverse order, the 40 columns give the
    # reference's weights where they land and exact zeros elsewhere, and the caller's matrix
    # (indices included) is left as it was
    X, y = _data(seed=3)
    at = 4_999 - 120 * np.arange(X.shape[1])  # column j lands at at[j], the last one first
    wide = sp.csr_matrix((X.data, at[X.indices], X.indptr), shape=(X.shape[0], 5_000))
    wide.indices, wide.indptr = wide.indices.astype(index_dtype), wide.indptr.astype(index_dtype)
    before = [wide.data.copy(), wide.indices.copy(), wide.indptr.copy()]
    settings = dict(alpha=0.1, beta=1.0, l1=0.5, l2=2.0)
    coef, intercept, losses = reference_ftrl(X.toarray(), y, epochs=2, **settings)
    fit = ftrl_proximal(wide, y, epochs=2, **settings)
    expected = np.zeros(5_000)
    expected[at] = coef
    np.testing.assert_allclose(fit.coef, expected, rtol=1e-12, atol=1e-15)
    assert fit.intercept == pytest.approx(intercept, rel=1e-12, abs=1e-15)
    np.testing.assert_allclose(fit.history, losses, rtol=1e-12)
    for array, copy in zip((wide.data, wide.indices, wide.indptr), before, strict=True):
        assert array.dtype == copy.dtype and np.array_equal(array, copy)


@pytest.mark.parametrize("fit", ["ftrl_proximal dense", "ftrl_proximal csr", "FTRLProximal"])
def test_weight_at_the_l1_edge_is_zero_and_just_inside_it_is_not(fit):
    # One example x = [1, 2, 0.5], y = 1, from z = n = 0: w = 0 and b = 0, p = 1/2, so
    # g_j = -x_j / 2, and with w = 0 no sigma term: z_j = -x_j / 2 exactly, |z| = [0.5, 1, 0.25].
    # The rule |z_j| <= l1 gives w_j = 0: at l1 = 0.5, feature 0 is on the edge, exactly +0.0
    # (a -0.0 prints as "-0." in a notebook); with l1 one float below 0.5 it is not zero, and
    # its weight has the sign of -z_j. Feature 1 is outside ([-1, 1] is not inside), feature 2
    # inside, at both.
    X, y = np.array([[1.0, 2.0, 0.5]]), np.array([1.0])

    def weights(l1):
        settings = dict(alpha=0.5, beta=1.0, l1=l1, l2=0.25)
        if fit == "FTRLProximal":
            return FTRLProximal(3, **settings).partial_fit(X, y).coef_
        return ftrl_proximal(X if fit.endswith("dense") else sp.csr_matrix(X), y,
                             **settings).coef

    for l1 in (0.5, math.nextafter(0.5, 0.0)):
        coef = weights(l1)
        expected, _, _ = reference_ftrl(X, y, alpha=0.5, beta=1.0, l1=l1, l2=0.25)
        np.testing.assert_array_equal(coef, expected)
        assert not np.any(np.signbit(coef[coef == 0.0]))  # +0.0, never -0.0
        assert coef[1] == pytest.approx(0.5 / ((1.0 + 1.0) / 0.5 + 0.25), rel=1e-15)
        assert coef[2] == 0.0
    assert weights(0.5)[0] == 0.0
    assert weights(math.nextafter(0.5, 0.0))[0] > 0.0

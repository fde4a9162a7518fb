"""Each solver refuses X (and y) at the scale where its largest sum would overflow, and not below.

``check_magnitude(a, name, n_terms)`` refuses a largest ``|value|`` above
``sqrt(float64 max / (100 n_terms))``, ``n_terms`` being the number of products the solver's
largest sum adds up: ``X^T X`` (and ``x @ w`` over a pass) adds ``n * p``; FTRL's and AdaGrad's
``n_i`` add one squared gradient per row and epoch, ``n * epochs``; ``y^T y`` adds ``n``. A
solver that counts its sums wrong accepts data that overflows, or refuses data it can fit. The
bound is computed here from that rule, on both sides: 1% above it is refused, 1% below is not.
The low end, ``1e4 * sqrt(float64 tiny)`` (about 1.5e-150, squares 1e8 times the smallest
normal number), is the same for every solver: 1% below it is refused ("too small"), 1% above
is not, and for the solvers that center X, the same for the spread of its columns.
"""

import warnings

import numpy as np
import pytest

from course_utils.solvers import (
    adagrad_fobos,
    best_subset,
    elastic_net,
    ftrl_proximal,
    htp,
    iht,
    lasso,
    lasso_path,
    logistic_l1,
    ridge,
    sgd_l1,
)

N, P, EPOCHS = 60, 3, 2
_rng = np.random.default_rng(0)
X0 = _rng.uniform(-1.0, 1.0, size=(N, P))
X0[0, 0] = 1.0  # largest |value| exactly 1
LABELS = (_rng.random(N) < 0.5).astype(float)
TARGET = _rng.uniform(-1.0, 1.0, size=N)
TARGET[0] = 1.0

# name, call, products in its largest sum of X, whether y is a target (checked too) or labels
SOLVERS = [
    ("ridge", lambda X, y: ridge(X, y, 1.0), N * P, True),
    ("lasso", lambda X, y: lasso(X, y, 0.1, max_iter=1), N * P, True),
    ("lasso_path", lambda X, y: lasso_path(X, y, [0.1], max_iter=1), N * P, True),
    ("elastic_net", lambda X, y: elastic_net(X, y, 0.1, max_iter=1), N * P, True),
    ("iht", lambda X, y: iht(X, y, 1, max_iter=1), N * P, True),
    ("htp", lambda X, y: htp(X, y, 1, max_iter=1), N * P, True),
    ("best_subset", lambda X, y: best_subset(X, y, 1), N * P, True),
    ("sgd_l1 squared", lambda X, y: sgd_l1(X, y, 0.1, loss="squared", epochs=EPOCHS),
     N * P, True),
    ("sgd_l1 log", lambda X, y: sgd_l1(X, y, 0.1, epochs=EPOCHS), N * P, False),
    ("logistic_l1", lambda X, y: logistic_l1(X, y, 0.1, max_iter=1), N * P, False),
    ("ftrl_proximal", lambda X, y: ftrl_proximal(X, y, epochs=EPOCHS), N * EPOCHS, False),
    ("adagrad_fobos", lambda X, y: adagrad_fobos(X, y, epochs=EPOCHS), N * EPOCHS, False),
]


def _bound(n_terms):
    return float(np.sqrt(np.finfo(np.float64).max / (100.0 * n_terms)))


def _low():
    return 1e4 * float(np.sqrt(np.finfo(np.float64).tiny))


def _not_refused_for_size(call, X, y, name):
    """Run ``call``; any error it raises must not be the size refusal of ``name``."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            call(X, y)
        except ValueError as error:  # e.g. a fit that overflows later says so, differently
            assert not str(error).startswith(f"{name} is too "), str(error)
            assert not str(error).startswith(f"{name}'s columns are constant"), str(error)


@pytest.mark.parametrize("name, call, n_terms, regression", SOLVERS, ids=[s[0] for s in SOLVERS])
def test_x_is_refused_just_above_its_bound_and_not_just_below(name, call, n_terms, regression):
    y = TARGET if regression else LABELS
    bound = _bound(n_terms)
    with pytest.raises(ValueError, match=r"^X is too large"):
        call(X0 * (1.01 * bound), y)
    _not_refused_for_size(call, X0 * (0.99 * bound), y, "X")
    _not_refused_for_size(call, X0 * bound, y, "X")  # the range is closed: its largest |value| 1


@pytest.mark.parametrize("name, call, n_terms, regression",
                         [s for s in SOLVERS if s[3]], ids=[s[0] for s in SOLVERS if s[3]])
def test_y_is_refused_just_above_its_bound_and_not_just_below(name, call, n_terms, regression):
    bound = _bound(N)  # y^T y adds n products
    with pytest.raises(ValueError, match=r"^y is too large"):
        call(X0, TARGET * (1.01 * bound))
    _not_refused_for_size(call, X0, TARGET * (0.99 * bound), "y")


@pytest.mark.parametrize("name, call, n_terms, regression", SOLVERS, ids=[s[0] for s in SOLVERS])
def test_x_is_refused_just_below_the_low_end_and_not_just_above(name, call, n_terms, regression):
    y = TARGET if regression else LABELS
    low = _low()
    assert 1.4e-150 < low < 1.6e-150
    with pytest.raises(ValueError, match=r"^X is too small"):
        call(X0 * (0.99 * low), y)
    _not_refused_for_size(call, X0 * (1.01 * low), y, "X")
    _not_refused_for_size(call, X0 * low, y, "X")  # the range is closed


@pytest.mark.parametrize("name, call, n_terms, regression",
                         [s for s in SOLVERS if s[3]], ids=[s[0] for s in SOLVERS if s[3]])
def test_y_is_refused_just_below_the_low_end_and_not_just_above(name, call, n_terms, regression):
    with pytest.raises(ValueError, match=r"^y is too small"):
        call(X0, TARGET * (0.99 * _low()))
    _not_refused_for_size(call, X0, TARGET * (1.01 * _low()), "y")


@pytest.mark.parametrize("name", ["iht", "htp", "best_subset"])
def test_x_spread_is_refused_just_below_the_low_end_and_not_just_above(name):
    # iht, htp and best_subset center X: columns whose largest range (max - min) is below the
    # low end are refused even though X itself is in range (its values are near 10 * low).
    call = dict((s[0], s[1]) for s in SOLVERS)[name]
    ranges = np.ptp(X0, axis=0)
    for factor, refused in ((0.99, True), (1.01, False)):
        X = 10 * _low() + X0 * (factor * _low() / ranges.max())
        assert np.ptp(X, axis=0).max() == pytest.approx(factor * _low(), rel=1e-3)
        if refused:
            with pytest.raises(ValueError, match=r"^X's columns are constant to within"):
                call(X, TARGET)
        else:
            _not_refused_for_size(call, X, TARGET, "X")
    # at the low end exactly: columns of 0 and 1 times it, ranges exactly the low end
    X = _low() * (X0 > 0).astype(float)
    assert np.ptp(X, axis=0).max() == _low()
    _not_refused_for_size(call, X, TARGET, "X")


# Each solver with its penalty and step settings rescaled along with X, so that X * s and the
# unit-scale X0 pose the same problem in w * s: its weights at scale s, times s, are the
# weights at unit scale (lasso's alpha ||w||_1 becomes alpha * s, ridge's alpha ||w||^2
# alpha * s**2, logistic_l1's tol (on a gradient) tol * s, a learning rate 1/s**2, FTRL's and
# AdaGrad's alpha 1/s, beta and l1 s; the online solvers' intercept column is not scaled, so
# they fit none here).
RESCALED = {
    "ridge": lambda X, y, s: ridge(X, y, 1.0 * s**2),
    "lasso": lambda X, y, s: lasso(X, y, 0.01 * s),
    "lasso_path": lambda X, y, s: lasso_path(X, y, [0.01 * s])[0],
    "elastic_net": lambda X, y, s: elastic_net(X, y, 0.01 * s, l1_ratio=1.0),
    "iht": lambda X, y, s: iht(X, y, 2, method="normalized"),
    "htp": lambda X, y, s: htp(X, y, 2),
    "best_subset": lambda X, y, s: best_subset(X, y, 2),
    "sgd_l1 squared": lambda X, y, s: sgd_l1(X, y, 0.01 * s, loss="squared", epochs=EPOCHS,
                                             learning_rate=0.1 / s**2, fit_intercept=False),
    "sgd_l1 log": lambda X, y, s: sgd_l1(X, y, 0.01 * s, epochs=EPOCHS,
                                         learning_rate=0.1 / s**2, fit_intercept=False),
    "logistic_l1": lambda X, y, s: logistic_l1(X, y, 0.01 * s, tol=1e-10 * s),
    "ftrl_proximal": lambda X, y, s: ftrl_proximal(X, y, alpha=0.1 / s, beta=1.0 * s,
                                                   l1=0.01 * s, epochs=EPOCHS,
                                                   fit_intercept=False),
    "adagrad_fobos": lambda X, y, s: adagrad_fobos(X, y, alpha=0.1 / s, beta=1.0 * s,
                                                   l1=0.01 * s, epochs=EPOCHS,
                                                   fit_intercept=False),
}


def test_every_solver_has_a_rescaled_call():
    assert sorted(RESCALED) == sorted(s[0] for s in SOLVERS)


@pytest.mark.parametrize("end", ["high", "low"])
@pytest.mark.parametrize("name, call, n_terms, regression", SOLVERS, ids=[s[0] for s in SOLVERS])
def test_the_fit_at_each_end_of_the_range_is_the_fit_at_unit_scale(name, call, n_terms,
                                                                    regression, end):
    # A sum of squares of X's squares (a fourth power of its scale) overflows at X of 1e78 and
    # underflows at 1e-78, inside the accepted range: a step computed that way became 0 and
    # the weights all zero, "converged". At both ends of the range the fit must be the fit of
    # the same problem at unit scale, rescaled.
    y = TARGET if regression else LABELS
    s = _bound(n_terms) if end == "high" else _low()
    rescaled = RESCALED[name]
    reference = rescaled(X0, y, 1.0)
    assert np.any(reference.coef != 0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = rescaled(X0 * s, y, s)
    np.testing.assert_allclose(result.coef * s, reference.coef, rtol=1e-6,
                               atol=1e-9 * np.abs(reference.coef).max())
    assert result.intercept == pytest.approx(reference.intercept, rel=1e-6, abs=1e-9)
    # it may stop short of tol at an end (logistic_l1's intercept gradient keeps its rounding
    # while tol shrinks with s), but then it says so
    assert result.converged == (not caught), [str(w.message) for w in caught]

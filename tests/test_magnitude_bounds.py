"""Each solver refuses X (and y) at the scale where its largest sum would overflow, and not below.

``check_magnitude(a, name, n_terms)`` refuses a largest ``|value|`` above
``sqrt(float64 max / (100 n_terms))``, ``n_terms`` being the number of products the solver's
largest sum adds up: ``X^T X`` (and ``x @ w`` over a pass) adds ``n * p``; FTRL's and AdaGrad's
``n_i`` add one squared gradient per row and epoch, ``n * epochs``; ``y^T y`` adds ``n``. A
solver that counts its sums wrong accepts data that overflows, or refuses data it can fit. The
bound is computed here from that rule, on both sides: 1% above it is refused, 1% below is not.
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


def _not_refused_for_size(call, X, y, name):
    """Run ``call``; any error it raises must not be the size refusal of ``name``."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            call(X, y)
        except ValueError as error:  # e.g. a fit that overflows later says so, differently
            assert not str(error).startswith(f"{name} is too large"), str(error)


@pytest.mark.parametrize("name, call, n_terms, regression", SOLVERS, ids=[s[0] for s in SOLVERS])
def test_x_is_refused_just_above_its_bound_and_not_just_below(name, call, n_terms, regression):
    y = TARGET if regression else LABELS
    bound = _bound(n_terms)
    with pytest.raises(ValueError, match=r"^X is too large"):
        call(X0 * (1.01 * bound), y)
    _not_refused_for_size(call, X0 * (0.99 * bound), y, "X")


@pytest.mark.parametrize("name, call, n_terms, regression",
                         [s for s in SOLVERS if s[3]], ids=[s[0] for s in SOLVERS if s[3]])
def test_y_is_refused_just_above_its_bound_and_not_just_below(name, call, n_terms, regression):
    bound = _bound(N)  # y^T y adds n products
    with pytest.raises(ValueError, match=r"^y is too large"):
        call(X0, TARGET * (1.01 * bound))
    _not_refused_for_size(call, X0, TARGET * (0.99 * bound), "y")

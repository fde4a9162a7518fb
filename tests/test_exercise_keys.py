"""Every exercise key, derived again here without the code that made it (issue 22, item 4).

``test_accepts_its_answer`` graded each key against itself, so a wrong key passed. Here each
question is graded with an answer derived independently: with scikit-learn instead of
``course_utils.solvers``, a plain loop instead of ``course_utils.decay``, a direct count
instead of a formula, a second implementation of each ``Function``'s reference, and, for
multiple choice, the right letter written down a second time. Every question must have an entry
(``test_every_question_has_an_independent_derivation``), so a new question needs one.
"""

from __future__ import annotations

import importlib
import itertools
import math
import pkgutil
import re
from fractions import Fraction

import numpy as np
import pytest
import sklearn

import course_utils.exercises as exercises
from course_utils.exercises._engine import MultipleChoice, Question

# --------------------------------------------------------------------------- helpers


def _float_loop_stall(w0, q, dtype):
    """(first step n at which w_n already has its final value, that value); w_n = w_(n-1) * q."""
    w, q, step = dtype(w0), dtype(q), 0
    while True:
        new = dtype(w * q)
        if new == w:
            return step, float(w)
        w, step = new, step + 1


def _standardized(X):
    X = np.asarray(X, dtype=float)
    return (X - X.mean(axis=0)) / X.std(axis=0)


def _sklearn_lasso(X, y, alpha):
    from sklearn.linear_model import Lasso

    return Lasso(alpha=alpha, tol=1e-10, max_iter=100_000).fit(X, y).coef_


def _one_se_by_hand(X, y, alphas, n_folds):
    """(alpha_1SE, alpha_min): cross-validation written out, one sklearn lasso_path per fold."""
    from sklearn.linear_model import lasso_path
    from sklearn.model_selection import KFold

    errors = []
    for train, test in KFold(n_splits=n_folds, shuffle=True, random_state=0).split(X):
        x_mean, y_mean = X[train].mean(axis=0), y[train].mean()
        _, coefs, _ = lasso_path(X[train] - x_mean, y[train] - y_mean, alphas=alphas, tol=1e-8,
                                 max_iter=100_000)
        predictions = (X[test] - x_mean) @ coefs + y_mean  # (n_test, n_alphas)
        errors.append(((predictions - y[test][:, None]) ** 2).mean(axis=0))
    errors = np.array(errors)  # (n_folds, n_alphas)
    mean, se = errors.mean(axis=0), errors.std(axis=0, ddof=1) / math.sqrt(n_folds)
    best = int(np.argmin(mean))
    within = [a for a, m in zip(alphas, mean, strict=True) if m <= mean[best] + se[best]]
    return max(within), alphas[best]


def _grid(X, y):
    """The notebooks' grid: 60 alphas from alpha_max down 3 decades (alpha_max by correlation)."""
    n = len(y)
    # |X_j . (y - mean y)| / n = |corr(X_j, y)| * std(X_j) * std(y): another route to alpha_max
    corr = np.array([np.corrcoef(X[:, j], y)[0, 1] for j in range(X.shape[1])])
    alpha_max = np.max(np.abs(corr) * X.std(axis=0) * y.std()) * n / n
    return np.logspace(np.log10(alpha_max), np.log10(alpha_max) - 3, 60)


def _leb128(gap):
    out = []
    while True:
        byte, gap = gap & 0x7F, gap >> 7
        out.append(byte | (0x80 if gap else 0))
        if not gap:
            return bytes(out)


# --------------------------------------------------------------------------- the derivations


def _ex01_q2():
    from course_utils import datasets

    X, _ = datasets.load_adult()
    return len(X[["education", "occupation", "sex"]].drop_duplicates())


def _ex01_q3():
    from sklearn.utils import murmurhash3_32

    from course_utils import datasets

    X, _ = datasets.load_adult()
    pairs = X[["education", "occupation"]].drop_duplicates().itertuples(index=False)
    names = [f"education={e} & occupation={o}" for e, o in pairs]
    buckets = [abs(murmurhash3_32(name, seed=0)) % 1024 for name in names]
    load = {b: buckets.count(b) for b in set(buckets)}
    return sum(load[b] > 1 for b in buckets) / len(names)


def _ex04_data(name):
    from course_utils import datasets

    X, y = getattr(datasets, f"load_{name}")()
    return _standardized(X.to_numpy()), np.asarray(y, dtype=float)


def _ex04_q3():
    X, y = _ex04_data("breast_cancer")
    corr = [np.corrcoef(X[:, j], y)[0, 1] for j in range(X.shape[1])]
    return float(np.max(np.abs(corr)) * y.std())  # each standardized column has std 1


_SKLEARN = tuple(int(part) for part in sklearn.__version__.split(".")[:2])


def _ex05_q3():
    from sklearn.linear_model import LogisticRegression

    from course_utils.exercises import ex05

    data = ex05.wide_adult_split()
    n = data.X_train.shape[0]
    # scikit-learn's objective divided by C n is logistic_l1's (see its docstring)
    # L1 is l1_ratio=1 from scikit-learn 1.8, penalty="l1" before (l1_ratio alone is ignored)
    l1 = {"l1_ratio": 1} if _SKLEARN >= (1, 8) else {"penalty": "l1"}
    model = LogisticRegression(C=1 / (n * 1.6e-3), solver="saga", tol=1e-6, max_iter=20_000,
                               **l1)
    return model.fit(data.X_train, data.y_train)


def _ex06_q4():
    from course_utils import datasets

    X, y = datasets.load_diabetes()
    X, y = X.to_numpy(), np.asarray(y, dtype=float)
    return float(_one_se_by_hand(X, y, _grid(X - X.mean(axis=0), y), 10)[0])


def _ex06_q15():
    from course_utils import datasets

    X, y = datasets.load_breast_cancer()
    X, y = _standardized(X.to_numpy()), np.asarray(y, dtype=float)
    alpha_1se, _ = _one_se_by_hand(X, y, _grid(X, y), 5)
    return int(np.count_nonzero(_sklearn_lasso(X, y, alpha_1se)))


def _one_se_alpha(alphas, mse_mean, mse_se):
    rows = list(zip(np.asarray(alphas, float).tolist(), np.asarray(mse_mean, float).tolist(),
                    np.asarray(mse_se, float).tolist(), strict=True))
    best = min(rows, key=lambda row: row[1])  # the first minimum, as np.argmin
    return max(a for a, m, _ in rows if m <= best[1] + best[2])


def _selection_frequency(coefs):
    coefs = np.asarray(coefs)
    return np.array([sum(row[j] != 0 for row in coefs) / len(coefs) if len(coefs) else np.nan
                     for j in range(coefs.shape[1])])


def _sparse_logit(indices, values, intercept, x_indices, x_values):
    weight = dict(zip(np.asarray(indices).tolist(), np.asarray(values).tolist(), strict=True))
    return float(intercept) + sum(weight.get(i, 0.0) * v for i, v in
                                  zip(np.asarray(x_indices).tolist(),
                                      np.asarray(x_values).tolist(), strict=True))


def _l1_step(w, step):
    w = np.asarray(w, dtype=float)
    moved = np.where(w > step, w - step, np.where(w < -step, w + step, 0.0))
    return moved if moved.ndim else float(moved)


def _cd_update(rho, z, alpha):
    if rho > alpha:
        return (rho - alpha) / z
    if rho < -alpha:
        return (rho + alpha) / z
    return 0.0


W00 = [0.0, 1.5, 0.0, 0.0, -2.0, 0.0]

# question -> a function returning the independently derived answer
DERIVED = {
    "ex00.q1": lambda: sum(1 for x in W00 if x != 0),
    "ex00.q2": lambda: np.array([i for i, x in enumerate(W00) if x != 0]),
    "ex00.q3": lambda: lambda w: sum(1 for x in np.ravel(w).tolist() if x != 0),
    "ex01.q1": lambda: lambda nnz, n_rows, vb, ib: vb * nnz + ib * nnz + ib * (n_rows + 1),
    "ex01.q2": _ex01_q2,
    "ex01.q3": _ex01_q3,
    "ex01.q7": lambda: (10**6 * 50_000 * 8) / (10**6 * 30 * (8 + 4) + (10**6 + 1) * 4),
    "ex02.q1": lambda: lambda w: float(sum(x * x for x in np.asarray(w, float).tolist())),
    "ex02.q2": lambda: np.array([1.0, -1.0, 0.0, 1.0]),  # sign where w != 0, 0 where w == 0
    "ex02.q3": lambda: sum(1 for _ in itertools.combinations(range(20), 5)),
    "ex02.q8": lambda: sum(math.comb(30, k) for k in range(31))
    // sum(math.comb(10, k) for k in range(11)),
    "ex03.q1": lambda: _float_loop_stall(3.0, 1 - 2 * 0.05 * 0.5, np.float32)[0],
    "ex03.q2": lambda: _l1_step,
    "ex03.q3": lambda: round(_float_loop_stall(1.0, 0.95, np.float64)[1] / 2.0**-1074),
    "ex03.q4": lambda: next(n for n in itertools.count(1) if 0.95 - 0.1 * n <= 1e-12),
    "ex03.q8": lambda: round(_float_loop_stall(1.0, 0.95, np.float16)[1] / 2.0**-24),
    "ex04.q1": lambda: _cd_update,
    "ex04.q2": lambda: int(np.sum(_sklearn_lasso(*_ex04_data("diabetes"), 4.0) == 0)),
    "ex04.q3": _ex04_q3,
    "ex04.q7": lambda: int(np.count_nonzero(_sklearn_lasso(*_ex04_data("breast_cancer"), 0.01))),
    "ex05.q1": lambda: lambda w, vb, ib: sum(vb + ib for x in np.ravel(w).tolist() if x != 0),
    "ex05.q2": lambda: max(n for n in range(2883) if n * (8 + 4) < 2882 * 8),
    "ex05.q3": _ex05_q3,
    "ex05.q7": lambda: max(n for n in range(2883) if n * (2 + 2) < 2882 * 2),
    "ex06.q1": lambda: _one_se_alpha,
    "ex06.q2": lambda: _selection_frequency,
    "ex06.q3": lambda: next(n for n in itertools.count() if n >= 2 * 10 * math.log(1000 - 10)),
    "ex06.q4": _ex06_q4,
    "ex06.q15": _ex06_q15,
    "ex07.q1": lambda: sum(1 for _ in itertools.combinations(range(14), 2)),
    "ex07.q2": lambda: lambda gap: len(_leb128(gap)),
    "ex07.q4": lambda: float(sum(Fraction(1, 27) for coins in itertools.product(range(3), repeat=3)
                                 if 0 not in coins)),  # three 1-in-3 coins, none admits
    "ex07.q5": lambda: _sparse_logit,
    # 24 bytes per feature admitted; admitted at sighting j + 1 after j misses (a first success)
    "ex07.q6": lambda: float(24 * sum(
        count * sum(Fraction(2, 3) ** j * Fraction(1, 3) for j in range(seen))
        for count, seen in [(6_000_000, 1), (3_000_000, 2), (1_000_000, 10)])),
    # one message per worker each way, a (4-byte index, 8-byte value) pair per weight
    "ex08.q1": lambda: sum(n * (np.dtype(np.int32).itemsize + np.dtype(np.float64).itemsize)
                           for n in [600] * 8 + [1500] * 8),
}

# multiple choice: the right letter, written down again from the notebooks' reasoning
LETTERS = {
    "ex00.q4": "b",
    "ex01.q4": "d", "ex01.q5": "c", "ex01.q6": "a",
    "ex02.q4": "b", "ex02.q5": "d", "ex02.q6": "a", "ex02.q7": "c",
    "ex03.q5": "b", "ex03.q6": "d", "ex03.q7": "a",
    "ex04.q4": "a", "ex04.q5": "c", "ex04.q6": "d",
    "ex05.q4": "c", "ex05.q5": "d", "ex05.q6": "b",
    "ex06.q5": "a", "ex06.q6": "c", "ex06.q7": "b", "ex06.q8": "d", "ex06.q9": "b",
    "ex06.q10": "a", "ex06.q11": "c", "ex06.q12": "d", "ex06.q13": "b", "ex06.q14": "a",
    "ex07.q3": "b",
    "ex08.q2": "c",
}


def _questions() -> dict[str, Question]:
    found = {}
    for info in pkgutil.iter_modules(exercises.__path__):
        if re.fullmatch(r"ex\d\d", info.name):
            module = importlib.import_module(f"course_utils.exercises.{info.name}")
            for attr, value in vars(module).items():
                if re.fullmatch(r"q\d+", attr) and isinstance(value, Question):
                    found[f"{info.name}.{attr}"] = value
    return found


QUESTIONS = _questions()


def test_every_question_has_an_independent_derivation():
    missing = sorted(set(QUESTIONS) - set(DERIVED) - set(LETTERS))
    assert not missing, f"no independent derivation for {missing}"
    assert not (set(DERIVED) | set(LETTERS)) - set(QUESTIONS), "a derivation of no question"
    assert all(isinstance(QUESTIONS[key], MultipleChoice) for key in LETTERS)


@pytest.mark.parametrize("key", sorted(DERIVED))
def test_the_key_agrees_with_an_independent_derivation(key):
    verdict = QUESTIONS[key].grade(DERIVED[key]())
    assert verdict.passed, verdict


@pytest.mark.parametrize("key", sorted(LETTERS))
def test_the_right_letter_is_the_one_written_down_again(key):
    assert QUESTIONS[key].answer == LETTERS[key]
    assert QUESTIONS[key].grade(f"({LETTERS[key].upper()})").passed

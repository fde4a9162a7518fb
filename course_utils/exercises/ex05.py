"""Exercises for notebook 05, hands-on: measuring sparsity and memory.

Besides the questions, this module builds the notebook's data, :func:`wide_adult_split`, so that
the notebook and the memory-budget checker (``q3``) measure held-out loss on the same rows.
"""

from __future__ import annotations

import functools
import math
import warnings
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split

from .. import datasets
from .. import features as F
from ..measure import count_nonzero, model_bytes
from ..solvers import logistic_l1
from ._engine import (
    CORRECT,
    INCORRECT,
    Function,
    MultipleChoice,
    Question,
    Value,
    Verdict,
    _describe,
)
from ._values import _is_number

# ----------------------------------------------------------------------------- the data

AGE_EDGES = [25, 30, 35, 40, 45, 50, 55, 60, 65]
HOURS_EDGES = [20, 35, 41, 50, 60]
CROSSES = [
    ["education", "occupation"],
    ["age", "education", "occupation"],
    ["age", "marital-status", "occupation"],
    ["sex", "hours-per-week", "occupation"],
]
N_TRAIN = 5000
RANDOM_STATE = 0
FIT_TOL = 1e-4  # the tolerance the notebook passes to logistic_l1


class WideAdult(NamedTuple):
    """The wide Adult design matrix of notebook 05, split into training and held-out rows."""

    X_train: sp.csr_matrix
    X_test: sp.csr_matrix
    y_train: np.ndarray
    y_test: np.ndarray
    feature_names: list


@functools.lru_cache(maxsize=1)
def _wide_adult() -> WideAdult:
    X, y = datasets.load_adult()
    table = X.assign(**{
        "age": F.bucket_labels(X["age"], AGE_EDGES),
        "hours-per-week": F.bucket_labels(X["hours-per-week"], HOURS_EDGES),
    })
    X_wide, names = F.stack_features(
        F.one_hot(table), *(F.cross(table, columns) for columns in CROSSES)
    )
    X_train, X_test, y_train, y_test = train_test_split(
        X_wide, y, train_size=N_TRAIN, random_state=RANDOM_STATE, stratify=y
    )
    return WideAdult(X_train, X_test, y_train, y_test, names)


def wide_adult_split() -> WideAdult:
    """The data of notebook 05: Adult one-hot, bucketized and crossed, split into train/held-out.

    Built exactly as in the notebook's section 1: every categorical column one-hot, age and
    hours-per-week bucketized (``AGE_EDGES``, ``HOURS_EDGES``) and one-hot, plus the crosses in
    ``CROSSES``; then ``train_test_split(train_size=5000, random_state=0, stratify=y)``.

    Returns
    -------
    WideAdult
        ``(X_train, X_test, y_train, y_test, feature_names)``; copies, so changing them does not
        change what the checker uses.
    """
    data = _wide_adult()
    return WideAdult(
        data.X_train.copy(), data.X_test.copy(), data.y_train.copy(), data.y_test.copy(),
        list(data.feature_names),
    )


def held_out_log_loss(coef, intercept) -> float:
    """Held-out log loss of the linear model ``(coef, intercept)``, as the notebook computes it."""
    data = _wide_adult()
    return float(log_loss(data.y_test, expit(data.X_test @ coef + intercept)))


# ----------------------------------------------------------------------------- q1: a function


def _sparse_bytes(w, value_bytes, index_bytes):
    return int(np.count_nonzero(np.asarray(w))) * (value_bytes + index_bytes)


q1 = Function(
    prompt=(
        "Write `sparse_bytes(w, value_bytes, index_bytes)`: the number of bytes needed to "
        "store the weight vector `w` as (index, value) pairs, one pair per non-zero "
        "weight."
    ),
    answer=_sparse_bytes,
    cases=[
        (np.array([0.0, 1.5, 0.0, -2.0, 0.0]), 8, 4),
        (np.array([0.0, 1.5, 0.0, -2.0, 0.0]), 4, 4),
        (np.array([0.0, 1.5, 0.0, -2.0, 0.0]), 2, 4),
        (np.zeros(10), 8, 4),
        (np.array([-0.25, -1.0, -3.0]), 8, 4),
        (np.array([3.0, 0.0, 0.0, 0.0, 1e-300]), 8, 2),
        (np.arange(-3.0, 4.0), 4, 2),
        (np.array([]), 8, 4),  # no weights at all: nothing to store
        (np.array([-0.5]), 4, 4),  # a single negative weight
        (np.array([0.0, 5e-324]), 8, 4),  # the smallest subnormal is not zero: it is stored
    ],
    mistakes=[
        (
            lambda w, value_bytes, index_bytes: np.asarray(w).size * (value_bytes + index_bytes),
            "That stores every weight, zeros included: count only the non-zero weights "
            "(np.count_nonzero(w)).",
        ),
        (
            lambda w, value_bytes, index_bytes: int(np.count_nonzero(w)) * value_bytes,
            "Only the values are counted. Each stored value also needs its index, so that we "
            "know which feature it belongs to: value_bytes + index_bytes per non-zero.",
        ),
        (
            lambda w, value_bytes, index_bytes: int(np.sum(np.asarray(w) > 0))
            * (value_bytes + index_bytes),
            "Negative weights are non-zero too: w > 0 misses them. Count w != 0 "
            "(np.count_nonzero(w)).",
        ),
        (
            lambda w, value_bytes, index_bytes: np.asarray(w).size * value_bytes,
            "That is the dense size (every weight, no indices). Sparse storage keeps only the "
            "non-zero weights, each with its index.",
        ),
    ],
    hints=[
        "Two numbers: how many weights are non-zero, and how many bytes one (index, value) "
        "pair takes.",
        "`np.count_nonzero(w)` counts the non-zero weights, negative ones included.",
        "`np.count_nonzero(w) * (value_bytes + index_bytes)` is the whole body, after "
        "return.",
    ],
    solution=(
        "def sparse_bytes(w, value_bytes, index_bytes):\n"
        "    return np.count_nonzero(w) * (value_bytes + index_bytes)"
    ),
)


# ----------------------------------------------------------------------------- q2: break-even

_P = 2882  # columns of the wide Adult matrix (the notebook prints it)
_Q2 = (_P * 8 - 1) // 12  # the largest nnz with nnz * (8 + 4) < p * 8

q2 = Value(
    prompt=(
        "Our model has $p = 2{,}882$ weights. Stored sparsely with float64 values and "
        "int32 indices, at most how many non-zero weights can it have and still take fewer "
        "bytes than the dense float64 vector?"
    ),
    answer=_Q2,
    atol=0,
    mistakes=[
        (_P * 8 / 12, "A number of weights is a whole number: round p * 8 / 12 down."),
        (
            _Q2 + 1,
            "At 1,922 non-zeros the sparse copy takes 23,064 bytes, more than the 23,056 of the "
            "dense one. Round down.",
        ),
        (
            _P * 4 // 12,
            "That compares against 4 bytes per dense weight; the dense vector here is float64, "
            "8 bytes per weight.",
        ),
        (
            _P // 2,
            "Half of p would be the break-even if a stored pair cost twice a dense weight. Here "
            "a pair costs 8 + 4 = 12 bytes against 8 per dense weight: compare k * 12 with p * 8.",
        ),
        (_P, "With every weight non-zero the sparse copy is 1.5 times the dense one: each "
         "value carries a 4-byte index."),
    ],
    hints=[
        "Dense: p * 8 bytes. Sparse: nnz * (8 + 4) bytes. When is the second smaller?",
        "Compute `2882 * 8 / 12`: the largest whole nnz with nnz * 12 < p * 8 is just below "
        "that value.",
    ],
    solution="p = 2882\nanswer = (p * 8 - 1) // 12   # the largest nnz with nnz * 12 < p * 8",
)


# ----------------------------------------------------------------------------- q3: the challenge

BUDGET = 50  # non-zero weights
TARGET = 0.356  # held-out log loss
_SMALLEST_ALPHA = 2e-4  # below this the checker does not fit: hundreds of non-zeros (see the table)

OVER_BUDGET = (
    "Over budget but good enough: the loss meets the target, the model is too big. Raise alpha "
    "a little to push a few more weights to exactly zero"
)
LOSS_TOO_HIGH = (
    "Under budget but the loss is too high: alpha is too strong and has removed useful weights. "
    "Lower alpha a little"
)
BOTH = (
    "Over budget and the loss is too high. Start from the L1 table of section 3: pick an alpha "
    "between two rows that each meet one condition"
)
FAR_OVER = (
    "Far over budget: with an alpha this small the model keeps hundreds of weights (see the "
    "table of section 3). Raise alpha"
)
# The same verdicts for a fitted model, which may have no alpha at all (an L2 model pruned to k
# weights, scikit-learn's LogisticRegression with its C): they name every way to the fix.
MODEL_OVER_BUDGET = (
    "Over budget but good enough: the loss meets the target, the model keeps too many weights. "
    "Make it sparser: a stronger L1 penalty (a larger alpha in logistic_l1, a smaller C in "
    f"scikit-learn), or prune it to {BUDGET} weights and refit those"
)
MODEL_LOSS_TOO_HIGH = (
    "Under budget but the loss is too high: the weights kept do not predict well enough. Keep "
    "a few more (a weaker L1 penalty: a smaller alpha, a larger C), or choose them better: "
    "rank by |w| times sd(x), then refit the kept weights"
)
MODEL_BOTH = (
    "Over budget and the loss is too high. Start from the L1 table of section 3: fit "
    "logistic_l1 with an alpha between two rows that each meet one condition"
)
NO_ZEROS = (
    "Every weight your model could train is non-zero: an L2 penalty (scikit-learn's default) "
    "shrinks weights but never makes them exactly zero. Use an L1 penalty (logistic_l1, or "
    "scikit-learn with the L1 penalty and solver='saga'), or keep the "
    f"{BUDGET} largest |w| times sd(x) and refit them"
)
BARE_COEF = (
    "Only the weights: the checker also needs the intercept. Pass the FitResult itself, "
    "(coef, intercept), or just your alpha"
)


@functools.lru_cache(maxsize=32)  # checking the same alpha twice does not fit twice
def _fit(alpha: float):
    data = _wide_adult()
    # FISTA, as notebook 05's section 3 fits (logistic_l1's default is Newton)
    return logistic_l1(data.X_train, data.y_train, alpha, method="fista", tol=FIT_TOL)


def _weights(answer):
    """``(coef, intercept, alpha or None)`` from the learner's answer, or a Verdict: why not."""
    p = len(_wide_adult().feature_names)
    if isinstance(answer, (bool, np.bool_)):
        return Verdict(INCORRECT, "expected a fitted model or an alpha, got True or False.")
    if _is_number(answer):  # a Python or numpy real number, or a 0-d array of one
        try:
            alpha = float(answer)
        except OverflowError:
            alpha = math.inf
        if not (math.isfinite(alpha) and alpha >= 0):
            return Verdict(
                INCORRECT, f"alpha must be a finite number >= 0, got {_describe(answer)}."
            )
        if alpha < _SMALLEST_ALPHA:
            return Verdict(
                INCORRECT, f"{FAR_OVER} (you gave alpha = {alpha:.3g}; the budget is {BUDGET})."
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = _fit(alpha)
        if not fit.converged:
            return Verdict(INCORRECT, f"the fit with alpha = {alpha:.3g} did not converge.")
        return fit.coef, fit.intercept, alpha
    if isinstance(answer, str):
        return Verdict(
            INCORRECT, "that is a string: pass your fitted model, or alpha as a number (no quotes)."
        )
    if isinstance(answer, np.ndarray) and answer.ndim == 1:
        return Verdict(INCORRECT, BARE_COEF + ".")
    if hasattr(answer, "coef") and hasattr(answer, "intercept"):  # a FitResult
        coef, intercept = answer.coef, answer.intercept
    elif hasattr(answer, "coef_") and hasattr(answer, "intercept_"):  # a scikit-learn model
        coef, intercept = np.ravel(answer.coef_), np.ravel(answer.intercept_)
        intercept = intercept[0] if intercept.size == 1 else intercept
    elif isinstance(answer, (tuple, list)) and len(answer) == 2:
        coef, intercept = answer
        if isinstance(intercept, np.ndarray) and intercept.size == 1:  # scikit-learn's intercept_
            intercept = intercept.reshape(-1)[0]
    else:
        return Verdict(
            INCORRECT,
            "expected your fitted model (the FitResult), a pair (coef, intercept), or an alpha.",
        )
    try:
        coef = np.asarray(coef, dtype=float)
    except (TypeError, ValueError):
        return Verdict(INCORRECT, "coef must be an array of numbers.")
    if coef.shape == (1, p):  # scikit-learn's coef_ of a binary classifier
        coef = coef.reshape(-1)
    if coef.shape != (p,):
        return Verdict(INCORRECT, f"coef must have shape ({p},), one weight per column; got "
                       f"shape {coef.shape}.")
    if not np.all(np.isfinite(coef)):
        return Verdict(INCORRECT, "coef contains NaN or infinite values.")
    if isinstance(intercept, np.ndarray) and intercept.ndim == 0:
        intercept = intercept.item()
    if not _is_number(intercept) or isinstance(intercept, (bool, np.bool_)):
        return Verdict(INCORRECT, "the intercept must be a single number.")
    if not math.isfinite(float(intercept)):
        return Verdict(INCORRECT, "the intercept must be finite.")
    return coef, float(intercept), None


def _n_trained() -> int:
    """How many columns of X_train have a non-zero value: the weights any fit can move."""
    return int(np.count_nonzero(_wide_adult().X_train.getnnz(axis=0)))


class _BudgetChallenge(Question):
    """A model must have at most ``budget`` non-zero weights and held-out log loss <= ``target``.

    The answer may be a FitResult, a scikit-learn linear model, ``(coef, intercept)``, or an
    alpha (then the checker fits ``logistic_l1`` itself, as the notebook does).
    """

    def __init__(self, prompt, *, budget, target, answer, mistakes, hints, solution):
        super().__init__(prompt, hints=hints, solution=solution)
        self.budget, self.target, self.answer = budget, target, answer
        self.mistakes = [(value, feedback) for value, feedback in mistakes]

    def _grade(self, answer) -> Verdict:
        got = _weights(answer)
        if isinstance(got, Verdict):
            return got
        coef, intercept, alpha = got
        nnz = count_nonzero(coef)
        loss = held_out_log_loss(coef, intercept)
        fitted = f" (alpha = {alpha:.3g})" if alpha is not None else ""
        measured = (
            f"Your model{fitted}: {nnz} non-zero weights (budget {self.budget}), held-out log "
            f"loss {loss:.4f} (target {self.target:.3f})."
        )
        small, good = nnz <= self.budget, loss <= self.target
        if small and good:
            dense = model_bytes(coef, "dense")
            sparse = model_bytes(coef, "sparse", value_dtype=np.float32)
            ratio = f"{dense / sparse:,.0f} times smaller" if sparse else "nothing to store"
            return Verdict(
                CORRECT,
                f"{measured} Stored sparsely (float32 value + int32 index) it takes "
                f"{sparse:,} bytes instead of {dense:,} as a dense float64 vector: {ratio}.",
            )
        if alpha is not None:  # the checker fitted the learner's alpha: advise on alpha
            reason = OVER_BUDGET if good else LOSS_TOO_HIGH if small else BOTH
        elif nnz >= _n_trained():  # no zero but those of columns empty in X_train: no L1
            reason = NO_ZEROS
        else:
            reason = MODEL_OVER_BUDGET if good else MODEL_LOSS_TOO_HIGH if small else MODEL_BOTH
        return Verdict(INCORRECT, f"{reason}. {measured}")


q3 = _BudgetChallenge(
    prompt=(
        "Memory budget: find a model with at most 50 non-zero weights (400 bytes as "
        "float32 values with int32 indices) whose held-out log loss is at most 0.356; the "
        "smaller, the better. Fit it on `X_train` only: the checker measures the loss on "
        "the held-out rows and cannot see which rows a model was fitted on, so a model "
        "fitted on them would pass unfairly (passing an alpha makes the checker fit on "
        "`X_train` itself)."
    ),
    budget=BUDGET,
    target=TARGET,
    answer=1.6e-3,
    mistakes=[
        (1e-3, OVER_BUDGET),
        (3e-3, LOSS_TOO_HIGH),
        (1e-4, FAR_OVER),
        (np.zeros(3), BARE_COEF),
    ],
    hints=[
        "In the table of section 3, alpha = 1e-3 meets the loss target but keeps too many "
        "weights, and alpha = 3e-3 is small enough but loses too much. Try alphas in between.",
        "You can pass just a number, e.g. `ex05.q3.check(0.002)`: the checker fits that alpha "
        "and tells you which condition fails.",
        "Halve the interval on a log scale: try the geometric middle of 1e-3 and 3e-3, "
        "`np.sqrt(1e-3 * 3e-3)`; then keep the half where the answer changes.",
    ],
    solution=(
        "fit = logistic_l1(X_train, y_train, 1.6e-3, tol=TOL)\n"
        "answer = fit   # 46 non-zero weights, held-out log loss 0.3544"
    ),
)


# ----------------------------------------------------------------------------- quiz

q4 = MultipleChoice(
    prompt=(
        "A weight is $w = 0.002$, the data gradient on it is 0 at this step, and "
        "$\\eta\\alpha = 0.003$. What do one plain subgradient step and one clipped "
        "(FOBOS) step give?"
    ),
    options={
        "a": (
            "Plain: 0.0; clipped: 0.0",
            "The plain step subtracts lr * alpha * sign(w) = 0.003 and lands on -0.001, on the "
            "other side of zero; only the clipped step stops at 0.0",
        ),
        "b": (
            "Plain: -0.001; clipped: 0.002, as the clip refuses a step that would cross zero",
            "The clip does not refuse the step, it shortens it: the weight stops at exactly 0.0",
        ),
        "c": (
            "Plain: -0.001; clipped: 0.0",
            "The plain step overshoots to -0.001, the next one back to +0.002, and so on: no "
            "exact zero. The clipped step lands on 0.0 and stays while the data gradient is "
            "small",
        ),
        "d": (
            "Plain: 0.005; clipped: 0.0, because the penalty only acts on the clipped update",
            "Both steps move towards zero: w - 0.003 * sign(w) is -0.001, not 0.005",
        ),
    },
    answer="c",
    hints=["Compute w - lr * alpha * sign(w), then ask what the clip does when it crosses 0."],
)

q5 = MultipleChoice(
    prompt=(
        "Your model has 40 non-zero weights out of 2,882. How does the cost of one "
        "prediction on a dense feature vector change if you store the model sparsely "
        "instead of densely?"
    ),
    options={
        "a": (
            "It does not change: the dot product still runs over all 2,882 weights",
            "Only if you keep the dense vector. With the (index, value) pairs the dot product "
            "runs over the 40 stored weights, and the other features need not even be computed",
        ),
        "b": (
            "It halves, because sparse storage halves the bytes",
            "The saving is not a fixed factor: it is the fraction of weights that are zero, here "
            "40 of 2,882",
        ),
        "c": (
            "It gets slower, because indices must be looked up",
            "The look-ups cost a little per stored weight, but 40 look-ups and 40 multiply-adds "
            "cost far less than 2,882 multiply-adds: section 6 times 1,000 predictions of its "
            "64-weight model on dense rows, look-ups included, and they are over 5 times faster "
            "than with the dense vector",
        ),
        "d": (
            "At most 40 multiply-adds, and only 40 features need computing",
            "Right: a zero weight costs no memory and no arithmetic, and its feature need not be "
            "built at prediction time",
        ),
    },
    answer="d",
    hints=["Count the multiply-adds of w @ x when only 40 entries of w are non-zero."],
)

q6 = MultipleChoice(
    prompt=(
        "On split 0, at 50 non-zero weights, the L2 model pruned by raw $|w|$ without a "
        "refit (row \"L2, prune |w|\", k=50) has a held-out loss of 0.3747, an L2 model "
        "pruned by $|w|$ times $\\mathrm{sd}(x)$ and refitted (row \"L2, prune |w| sd, "
        "refit\", k=50) 0.3493. Over the five splits the gap averages 0.0177, with a "
        "corrected standard error of 0.0202: not established, because the raw-pruned model "
        "varies so much from split to split. What best explains the gap on split 0?"
    ),
    options={
        "a": (
            "Pruning cannot make L2 weights exactly zero",
            "It can: both rows set every weight outside the kept 50 to exactly 0.0, so both "
            "models are as small as the L1 one",
        ),
        "b": (
            "Raw |w| ignores how often a feature is active, and the kept weights were fitted "
            "together with the ones that were cut",
            "Right: a large weight on a rare cross changes few predictions, so |w| times the "
            "feature's spread ranks usefulness better; and removing hundreds of small weights "
            "shifts the rest unless they are refitted. The second row fixes both",
        ),
        "c": (
            "The L2 model overfits the training rows",
            "Unpruned (row k=all) it scores 0.3542 on split 0, far better than the "
            "raw-pruned 50-weight row (0.3747); the damage is done by cutting it to 50 "
            "weights without care",
        ),
        "d": (
            "The refitted row keeps more weights than 50",
            "Both rows keep exactly 50 non-zero weights: the nnz column says so",
        ),
    },
    answer="b",
    hints=[
        "Compare three rows of the table: 'L2, prune |w|' at k=50 and k=all, and "
        "'L2, prune |w| sd, refit' at k=50."
    ],
)


# q7, transfer: the break-even of exercise 2 for the 16-bit storage of a small device.
_Q7 = (_P * 2 - 1) // 4  # the largest nnz with nnz * (2 + 2) < p * 2
_Q7_INT32 = (_P * 2 - 1) // 6  # the same with 4-byte indices: nnz * (2 + 4) < p * 2

q7 = Value(
    prompt=(
        "The model must now run on a small device that stores weights as float16 (2 bytes) "
        "and indices as int16 (2 bytes). Predict first: is the break-even density still "
        "2/3, as in exercise 2, or lower? Then give the largest number of non-zero weights "
        "for which the sparse copy of the $p = 2{,}882$-weight model takes fewer bytes "
        "than the dense float16 vector."
    ),
    answer=_Q7,
    predicted=[2 / 3],  # the "predict first" guess "still 2/3" ("or lower" is not a number)
    mistakes=[
        (1 / 2, "That is the break-even density, 1/2: the answer to the predict-first question "
         "('lower'). Now give the count it leads to: the largest number of non-zero weights "
         "whose sparse copy takes fewer bytes than the dense float16 vector."),
        (_Q2, "That is the answer of exercise 2, 2/3 of p, for float64 values and int32 "
         "indices. Here a value and an index take 2 bytes each, so a pair costs twice a dense "
         "weight and the break-even density is 1/2."),
        (_Q7_INT32, "That counts 4-byte (int32) indices: 2 + 4 = 6 bytes a pair. On this device "
         "an index is int16, 2 bytes, so a pair takes 2 + 2 = 4."),
        (_Q7 + 1, "At that many non-zeros the sparse copy takes exactly as many bytes as the "
         "dense one (p * 2 / 4 is a whole number here), not fewer."),
    ],
    hints=[
        "Dense: p * 2 bytes. Sparse: nnz * (2 + 2) bytes. The break-even density is now 1/2.",
        "`(2882 * 2 - 1) // 4`",
    ],
    solution="p = 2882\nanswer = (p * 2 - 1) // 4   # the largest nnz with nnz * 4 < p * 2",
)

"""Exercises for notebook 06, Beyond the Lasso: elastic net, cross-validation and support recovery.

Questions 1-4 are the notebook's exercises, 5-7 its check-your-understanding quiz and 8-14 the
final quiz over the whole course. Expected values are computed when this module is imported, with
the same data and folds as the notebook, so they always agree with what the notebook prints.
"""

import math

import numpy as np
from sklearn.linear_model import LassoCV
from sklearn.model_selection import KFold

from .. import datasets, solvers
from ._engine import Function, MultipleChoice, Value

# --------------------------------------------------------------------------- q1: one-SE rule


def _one_se_alpha(alphas, mse_mean, mse_se):
    alphas, mse_mean, mse_se = (np.asarray(a, dtype=float) for a in (alphas, mse_mean, mse_se))
    best = np.argmin(mse_mean)
    return float(alphas[mse_mean <= mse_mean[best] + mse_se[best]].max())


def _rule_variant(strict=False, own_se=False, pick=max):
    """A typical wrong version of the one-SE rule, for targeted feedback.

    strict: compare with < instead of <=; own_se: each alpha's own SE as the margin instead
    of the SE at the minimum; pick: how to choose among the alphas within the margin
    (``max`` is right; ``min`` is the least sparse; ``first`` takes the first in grid order).
    """

    def wrong(alphas, mse_mean, mse_se):
        alphas, mse_mean, mse_se = (
            np.asarray(a, dtype=float) for a in (alphas, mse_mean, mse_se)
        )
        best = np.argmin(mse_mean)
        threshold = mse_mean[best] + (mse_se if own_se else mse_se[best])
        inside = alphas[mse_mean < threshold] if strict else alphas[mse_mean <= threshold]
        return float(inside[0] if pick == "first" else pick(inside))

    return wrong


_DECREASING = np.array([1.0, 0.5, 0.2, 0.1, 0.05, 0.02])
_CURVE = np.array([30.0, 22.0, 17.0, 15.0, 14.0, 14.5])
_SE = np.array([2.0, 1.5, 1.2, 1.0, 1.1, 1.3])

q1 = Function(
    prompt=(
        "Write `one_se_alpha(alphas, mse_mean, mse_se)`: given a grid of penalties, the "
        "mean cross-validation error of each and its standard error, return the largest "
        "$\\alpha$ whose mean error is at most the minimum mean error plus the standard "
        "error at the minimum. Do not assume the grid is sorted in any particular order. "
        "An empty grid has no answer: raise `ValueError` (`np.argmin` of an empty array "
        "does)."
    ),
    answer=_one_se_alpha,
    cases=[
        (_DECREASING, _CURVE, _SE),  # minimum at 0.05; 0.1 (15.0 <= 15.1) is within one SE
        (_DECREASING[::-1].copy(), _CURVE[::-1].copy(), _SE[::-1].copy()),  # increasing grid
        (_DECREASING, _CURVE, np.zeros(6)),  # SE 0: the minimum itself
        (np.array([3.0, 2.0, 1.0]), np.array([5.0, 6.0, 7.0]), np.array([0.5, 0.5, 0.5])),
        (np.array([0.3, 0.1, 1.0, 0.03]), np.array([10.0, 9.0, 13.0, 9.5]),
         np.array([1.5, 0.8, 0.2, 0.1])),  # unsorted; 0.3 is within its own SE only
        # the margin is the SE at the minimum (0.5), not the smallest SE nor each alpha's own
        (np.array([1.0, 0.3, 0.1]), np.array([10.4, 10.0, 10.3]), np.array([0.1, 0.5, 0.05])),
        (np.array([0.5]), np.array([2.0]), np.array([0.1])),  # a single alpha
        (np.array([]), np.array([]), np.array([])),  # an empty grid has no answer: ValueError
    ],
    mistakes=[
        (
            _rule_variant(strict=True),
            "On these cases your function behaves like a rule with < instead of <=. Use <=: the "
            "minimum itself is within one SE of itself; with < and a standard error of 0 no "
            "alpha is left.",
        ),
        (
            lambda alphas, mse_mean, mse_se: float(np.asarray(alphas)[np.argmin(mse_mean)]),
            "On every case your function returned alpha_min, the alpha with the smallest mean "
            "error. The rule then moves to the largest alpha whose error is within one SE of "
            "that minimum.",
        ),
        (
            _rule_variant(pick=min),
            "On every case your function returned the smallest alpha within one SE, the least "
            "sparse model. The rule takes the largest one: the strongest penalty, the fewest "
            "features.",
        ),
        (
            _rule_variant(own_se=True),
            "The threshold is one number, the minimum plus the SE at the minimum "
            "(mse_se[best]), not each alpha's own SE.",
        ),
        (
            _rule_variant(pick="first"),
            "On every case your function returned the first alpha within one SE in grid order, "
            "which is the largest only when the grid runs from large to small. Take the maximum "
            "of the alphas within one SE.",
        ),
    ],
    hints=[
        "Find `best = np.argmin(mse_mean)`; the threshold is "
        "`mse_mean[best] + mse_se[best]`.",
        "A boolean mask, `mask = mse_mean <= mse_mean[best] + mse_se[best]`, selects the alphas "
        "within one SE.",
        "Return `alphas[mask].max()` (with `alphas` as a NumPy array).",
    ],
    solution=(
        "def one_se_alpha(alphas, mse_mean, mse_se):\n"
        "    alphas, mse_mean, mse_se = (np.asarray(a, dtype=float) for a in (alphas, mse_mean, "
        "mse_se))\n"
        "    best = np.argmin(mse_mean)\n"
        "    return float(alphas[mse_mean <= mse_mean[best] + mse_se[best]].max())"
    ),
)

# ---------------------------------------------------------------------- q2: selection frequency


def _selection_frequency(coefs):
    return (np.asarray(coefs) != 0).mean(axis=0)


q2 = Function(
    prompt=(
        "Write `selection_frequency(coefs)`: `coefs` is an array of shape `(n_fits, p)`, "
        "one row of fitted weights per bootstrap refit. Return an array of length `p`: for "
        "each feature, the fraction of refits in which its weight is non-zero (positive or "
        "negative)."
    ),
    answer=_selection_frequency,
    cases=[
        (np.array([[0.5, 0.0, -1.2], [0.3, 0.0, 0.0], [0.0, 0.0, -0.7], [0.1, 0.0, -0.2]]),),
        (np.array([[1.0, -2.0, 0.0, 0.0, 3.0]]),),
        (np.zeros((3, 4)),),
        (np.array([[-0.1, -0.2], [-0.3, 0.0], [0.0, 0.4]]),),
        (np.array([[1e-12, 0.0], [0.0, 0.0]]),),
        (np.array([[5e-324, -2.0, 0.0]]),),  # a single fit; the smallest subnormal is selected
        (np.zeros((3, 0)),),  # no features: an empty array of frequencies
    ],
    mistakes=[
        (
            lambda coefs: (np.asarray(coefs) != 0).sum(axis=0),
            "Those are counts. Divide by the number of fits to get a fraction between 0 and 1 "
            "(or use .mean instead of .sum).",
        ),
        (
            lambda coefs: (np.asarray(coefs) != 0).mean(axis=1),
            "That averages over each row, giving one number per fit. Average over the fits, "
            "axis=0, to get one number per feature.",
        ),
        (
            lambda coefs: (np.asarray(coefs) > 0).mean(axis=0),
            "A negative weight is selected too: test coefs != 0, not coefs > 0.",
        ),
        (
            lambda coefs: (np.asarray(coefs) == 0).mean(axis=0),
            "That is how often each feature is zero, one minus the selection frequency.",
        ),
        (
            lambda coefs: np.abs(np.asarray(coefs)).mean(axis=0),
            "That is the mean size of each weight. Selection only asks whether the weight is "
            "non-zero: average coefs != 0.",
        ),
    ],
    hints=[
        "`coefs != 0` is a boolean array: True where a feature was selected in a fit.",
        "The mean of booleans is the fraction of True values; rows are fits, so average over "
        "axis=0.",
    ],
    solution="def selection_frequency(coefs):\n    return (np.asarray(coefs) != 0).mean(axis=0)",
)

# --------------------------------------------------------------------------- q3: threshold

_Q3 = math.ceil(2 * 10 * math.log(1000 - 10))

q3 = Value(
    prompt=(
        "A screening study measures $p = 1{,}000$ features and expects about $k = 10$ of "
        "them to matter. According to the threshold $n = 2k\\log(p - k)$ of section 3 "
        "(natural logarithm), how many samples does the Lasso need to recover the support? "
        "Give the threshold rounded up to a whole number."
    ),
    answer=_Q3,
    atol=0,
    mistakes=[
        (
            math.ceil(2 * 10 * math.log10(1000 - 10)),
            "That uses log10. The threshold uses the natural logarithm: np.log, not np.log10.",
        ),
        (
            2 * 10 * math.log10(1000 - 10),
            "That uses log10, and is not rounded. The threshold uses the natural logarithm "
            "(np.log); then round up to a whole number of samples.",
        ),
        (
            math.ceil(2 * 10 * math.log(1000)),
            "That is probably log(p) in place of log(p - k) (it is also one sample too many): "
            "the threshold has log(p - k), the number of features that are not in the "
            "support: log(990).",
        ),
        (
            2 * 10 * math.log(1000),
            "That uses log(p), and is not rounded: the threshold has log(p - k) = log(990), "
            "rounded up.",
        ),
        (
            math.ceil(10 * math.log(1000 - 10)),
            "That is k log(p - k); the threshold has a factor 2: 2 k log(p - k).",
        ),
        (
            2 * 10 * math.log(1000 - 10),
            "A number of samples is a whole number: round 2 k log(p - k) up with math.ceil.",
        ),
        (
            math.floor(2 * 10 * math.log(1000 - 10)),
            "That is rounded down. Below the threshold the Lasso tends to fail: round up "
            "(math.ceil).",
        ),
        (
            1000,
            "n = p would be enough for least squares alone. The point of the threshold is that "
            "the Lasso needs far fewer samples: compute 2 k log(p - k).",
        ),
    ],
    hints=[
        "Plug in k = 10 and p = 1000: 2 * 10 * log(990).",
        "Use np.log (natural logarithm) and round up with math.ceil or np.ceil.",
    ],
    solution="answer = int(np.ceil(2 * 10 * np.log(1000 - 10)))",
)

# --------------------------------------------------------------------------- q4: 10-fold one-SE


def _cv_alphas(n_folds):
    """(alpha_1se, alpha_min, alpha with std instead of SE, alpha with the SE of 5 folds).

    On diabetes, with the notebook's grid and folds; the last two are typical slips.
    """
    X, y = datasets.load_diabetes()
    X_centered = X.to_numpy() - X.to_numpy().mean(axis=0)
    alpha_max = np.max(np.abs(X_centered.T @ (y - y.mean()))) / len(y)
    alphas = np.logspace(np.log10(alpha_max), np.log10(alpha_max) - 3, 60)
    folds = KFold(n_splits=n_folds, shuffle=True, random_state=0)
    model = LassoCV(alphas=alphas, cv=folds).fit(X, y)
    mean = model.mse_path_.mean(axis=1)
    std = model.mse_path_.std(axis=1, ddof=1)
    best = np.argmin(mean)

    def within(margin):
        return float(model.alphas_[mean <= mean[best] + margin].max())

    return (
        within(std[best] / np.sqrt(n_folds)),
        float(model.alphas_[best]),
        within(std[best]),
        within(std[best] / np.sqrt(5)),
    )


_Q4, _Q4_MIN, _Q4_STD, _Q4_SQRT5 = _cv_alphas(10)
_Q4_FIVE = _cv_alphas(5)[0]

q4 = Value(
    prompt=(
        "Repeat the cross-validation of section 2 on diabetes with 10 folds instead of 5 "
        "(`KFold(n_splits=10, shuffle=True, random_state=0)`, the same grid `alphas`). "
        "What is $\\alpha_{1\\mathrm{SE}}$ now? Remember that the standard error divides "
        "by $\\sqrt{K}$. Give 4 significant digits."
    ),
    answer=_Q4,
    mistakes=[
        (
            _Q4_SQRT5,
            "Almost: you kept np.sqrt(5) from section 2. With 10 folds the standard error "
            "divides the standard deviation by np.sqrt(10).",
        ),
        (
            _Q4_MIN,
            "That is alpha_min (LassoCV's alpha_), the minimum of the mean CV error. Now apply "
            "the one-SE rule: the largest alpha within one standard error of it.",
        ),
        (
            _Q4_STD,
            "That used the standard deviation over folds. The standard error of the mean "
            "divides it by sqrt(10).",
        ),
        (
            _Q4_FIVE,
            "That is the 5-fold answer of the notebook, and also what 10 folds give when each "
            "alpha is compared with its own SE. If you refitted with n_splits=10, the margin is "
            "one number, the SE at the minimum: `se10[np.argmin(mean10)]`; if not, refit with "
            "n_splits=10.",
        ),
    ],
    hints=[
        "`cv10 = LassoCV(alphas=alphas, cv=KFold(n_splits=10, shuffle=True, random_state=0))"
        ".fit(X_diab, y_diab)`",
        "The attribute mse_path_ has one column per fold: the mean is "
        "`mean10 = cv10.mse_path_.mean(axis=1)`, the SE "
        "`se10 = cv10.mse_path_.std(axis=1, ddof=1) / np.sqrt(10)`.",
        "Then the rule of section 2 (or your one_se_alpha) with cv10.alphas_.",
    ],
    solution=(
        "cv10 = LassoCV(alphas=alphas, cv=KFold(n_splits=10, shuffle=True, random_state=0))"
        ".fit(X_diab, y_diab)\n"
        "mean10 = cv10.mse_path_.mean(axis=1)\n"
        "se10 = cv10.mse_path_.std(axis=1, ddof=1) / np.sqrt(10)\n"
        "answer = cv10.alphas_[mean10 <= mean10.min() + se10[np.argmin(mean10)]].max()"
    ),
)

# --------------------------------------------------------------------------- q5-q7: this notebook

q5 = MultipleChoice(
    prompt=(
        "Features `x1` and `x2` are near-copies of each other. The Lasso gives them "
        "weights $1.4$ and $0$. What does the elastic net (same data, some L2 in the "
        "penalty) typically give?"
    ),
    options={
        "a": (
            "About 0.7 and 0.7: the L2 part makes splitting the weight cheaper",
            "0.7**2 + 0.7**2 = 0.98 < 1.4**2 = 1.96 at the same L1 norm, so the "
            "elastic net shares the weight between the copies (the grouping effect)",
        ),
        "b": (
            "1.4 and 0, like the Lasso: the L1 part decides which features are zero",
            "For exact copies the L1 part cannot choose: (1.4, 0) and (0.7, 0.7) have the same "
            "L1 norm. The L2 part then prefers the split, as section 1 showed",
        ),
        "c": (
            "0 and 0: the extra L2 penalty removes both",
            "L2 shrinks weights but does not zero them, and the copies carry real signal; "
            "in section 1 the elastic net kept all twelve group features",
        ),
        "d": (
            "1.4 and 1.4: each copy gets the full weight",
            "That would double the copies' contribution to the prediction, and cost twice "
            "the penalty; the total weight of the group stays about the same",
        ),
    },
    answer="a",
    hints=["Compare the L1 and the L2 norm of (1.4, 0) and of (0.7, 0.7)."],
)

q6 = MultipleChoice(
    prompt="Why choose $\\alpha_{1\\mathrm{SE}}$ rather than the $\\alpha$ with the "
           "smallest cross-validation error?",
    options={
        "a": (
            "It always has a lower error on new data",
            "Not always: its CV error is a little higher. The point is that the difference is "
            "within the noise of the estimate",
        ),
        "b": (
            "It does not depend on how the rows were split into folds",
            "It does: other folds give other means and SEs (exercise 4 changes K and gets "
            "another alpha). That is why the notebook fixes KFold's random_state",
        ),
        "c": (
            "Nearby errors are within noise, so take the sparsest",
            "The minimum is picked among many noisy estimates; any alpha within one SE "
            "is about as good, and the largest one gives the fewest features",
        ),
        "d": (
            "It needs fewer folds",
            "It uses the same folds and the same errors as alpha_min; it only reads the curve "
            "differently",
        ),
    },
    answer="c",
    hints=["What does one standard error measure?"],
)

q7 = MultipleChoice(
    prompt=(
        "The true model has $k = 10$ non-zero weights. You go from $p = 1{,}000$ to $p = "
        "1{,}000{,}000$ candidate features. By the threshold $n \\approx 2k\\log(p-k)$, "
        "the number of samples the Lasso needs for support recovery..."
    ),
    options={
        "a": (
            "grow a thousandfold, like p",
            "The threshold depends on p only through log(p - k); a thousandfold p adds a "
            "constant to the log",
        ),
        "b": (
            "about double, because log(10**6) = 2 log(10**3)",
            "2 * 10 * log(999,990) = 276 against 2 * 10 * log(990) = 138 samples",
        ),
        "c": (
            "stay the same: only k matters",
            "k matters most, but log(p - k) is there too: more candidates means more chances "
            "that a noise feature looks relevant",
        ),
        "d": (
            "grow like sqrt(p), about 32-fold",
            "The threshold has no square root of p; it grows with log(p - k)",
        ),
    },
    answer="b",
    hints=["Compute 2 * 10 * np.log(990) and 2 * 10 * np.log(999_990)."],
)

# --------------------------------------------------------------------------- q8-q14: final quiz

q8 = MultipleChoice(
    prompt=(
        "Notebook 01: a feature with 1,000 values and a feature with 500 values are "
        "one-hot encoded and crossed. How many columns does the cross add, and how many of "
        "them are non-zero in one row?"
    ),
    options={
        "a": (
            "1,500 columns, 2 non-zero",
            "That describes the two one-hot encodings side by side. A cross has one column per "
            "pair of values: 1,000 x 500",
        ),
        "b": (
            "1,500 columns, 1 non-zero",
            "Crossing multiplies the numbers of values, it does not add them",
        ),
        "c": (
            "500,000 columns, 2 non-zero",
            "The count of columns is right, but a row holds one pair of values, so exactly one "
            "crossed column is 1",
        ),
        "d": (
            "500,000 columns, 1 non-zero",
            "One column per combination, and each row has exactly one combination",
        ),
    },
    answer="d",
    hints=["A crossed column stands for one pair (value of the first, value of the second)."],
)

q9 = MultipleChoice(
    prompt=(
        "Notebooks 01 and 05: a linear model has 1,000,000 weights, of which 1,000 are "
        "non-zero. How many bytes does each storage take, with float64 values and int32 "
        "indices?"
    ),
    options={
        "a": (
            "Dense 8,000,000; sparse 8,000",
            "Sparse storage needs the position of each non-zero too: 8 bytes of value plus 4 "
            "bytes of index",
        ),
        "b": (
            "Dense 8,000,000; sparse 12,000",
            "Dense is 1,000,000 x 8 bytes; sparse is 1,000 x (8 + 4) bytes, as "
            "measure.model_bytes computes",
        ),
        "c": (
            "Dense 4,000,000; sparse 12,000",
            "A float64 takes 8 bytes, so dense storage is 8,000,000 bytes",
        ),
        "d": (
            "Dense 8,000,000; sparse 4,000",
            "That counts only the indices; the values (8 bytes each) must be stored too",
        ),
    },
    answer="b",
    hints=["Sparse storage keeps, for each non-zero, its value and its index."],
)

q10 = MultipleChoice(
    prompt="Notebook 02: why do we minimize with an L1 penalty instead of the L0 count we "
           "actually care about?",
    options={
        "a": (
            "L0 is combinatorial; L1 is its convex envelope on the box",
            "Exact L0 means searching subsets (2**p of them); L1 is its convex envelope "
            "on [-1, 1]**p, so it can be minimized efficiently and still gives exact zeros",
        ),
        "b": (
            "L0 punishes large weights too much",
            "L0 does not look at the size of a weight at all, only at whether it is zero",
        ),
        "c": (
            "L1 is differentiable everywhere, L0 is not",
            "L1 is not differentiable at 0 either; its kink there is what produces exact zeros",
        ),
        "d": (
            "L1 always selects the same features as L0 would, only faster",
            "It does not always (notebook 02 compared best subset with the Lasso path, and "
            "section 4 here shows L1 selecting extra features)",
        ),
    },
    answer="a",
    hints=["How many subsets does exact L0 have to consider with p features?"],
)

q11 = MultipleChoice(
    prompt=(
        "Notebook 03: gradient steps with an L2 penalty multiply a weight by $q = 1 - "
        "2\\eta\\lambda$ each step, here $q = 0.9$, in float64. What happens to a weight "
        "that gets no push from the data?"
    ),
    options={
        "a": (
            "It reaches exactly 0.0 after about 7,000 steps",
            "After 7,050 steps it stalls at 5 x 2**-1074, a non-zero subnormal number; only "
            "factors of 0.5 or less end at 0.0",
        ),
        "b": (
            "It reaches exactly 0.0 after ceil(|w0| / 0.1) steps",
            "That is the clipped L1 step, which subtracts a constant. L2 removes a fraction of "
            "what is left",
        ),
        "c": (
            "It never reaches zero: it stalls on a tiny subnormal number",
            "Geometric decay approaches zero without arriving (Zeno), and rounding "
            "freezes it at 5 x 2**-1074",
        ),
        "d": (
            "It oscillates around zero",
            "Multiplying by 0.9 never changes the sign; oscillation is what unclipped L1 steps do",
        ),
    },
    answer="c",
    hints=["Does each step remove a constant amount or a fraction of what is left?"],
)

q12 = MultipleChoice(
    prompt="Notebook 04: what is the soft-threshold $S_t(x) = \\mathrm{sign}(x)\\max(|x| - "
           "t, 0)$ of $x = (1.2, -0.3, 0.5)$ with $t = 0.5$?",
    options={
        "a": (
            "(0.7, 0.2, 0.0)",
            "|-0.3| - 0.5 is negative, so the max with 0 gives exactly 0, not 0.2",
        ),
        "b": (
            "(0.7, -0.8, 0.0)",
            "-0.3 - 0.5 moves away from zero. Soft-thresholding shrinks |x| and clips at 0: "
            "|-0.3| - 0.5 < 0 gives 0",
        ),
        "c": (
            "(1.2, 0.0, 0.0)",
            "That is hard thresholding, which keeps large entries unchanged. Soft-thresholding "
            "also shrinks them by t",
        ),
        "d": (
            "(0.7, 0.0, 0.0)",
            "1.2 moves down by 0.5; -0.3 and 0.5 have |x| <= t, so they become exactly 0",
        ),
    },
    answer="d",
    hints=["Apply max(|x| - 0.5, 0) to each entry, then put the sign back."],
)

q13 = MultipleChoice(
    prompt=(
        "Notebook 05: you train a logistic regression online, one example at a time, on "
        "billions of sparse rows, and you need a small model. Which update gives many "
        "weights that are exactly zero?"
    ),
    options={
        "a": (
            "Plain SGD with the L1 subgradient lambda * sign(w) added to each step",
            "Unclipped subgradient steps jump across zero and almost never land on 0.0 exactly",
        ),
        "b": (
            "FTRL-Proximal, or SGD whose L1 step is clipped at zero",
            "Both apply the L1 penalty as a proximal (soft-thresholding) step per "
            "coordinate, so weights with little signal land on exactly 0.0",
        ),
        "c": (
            "SGD with L2 weight decay and a small learning rate",
            "L2 shrinks by a fraction and never makes a weight exactly zero",
        ),
        "d": (
            "Any of them, if you train long enough",
            "Training longer does not help: L2 and unclipped L1 give (almost) no exact zeros "
            "however long they run",
        ),
    },
    answer="b",
    hints=["Which updates can land a weight on exactly 0.0 and keep it there?"],
)

q14 = MultipleChoice(
    prompt=(
        "Notebook 06 and the whole course: your model must fit in a memory budget, and the "
        "features include groups of strongly correlated columns. Which plan follows from "
        "this course?"
    ),
    options={
        "a": (
            "An elastic net or L1, alpha by the one-SE rule or budget, sparse storage",
            "L1 gives the exact zeros that sparse storage needs, the L2 part keeps "
            "correlated groups stable, and the one-SE rule or the budget picks the sparsest "
            "model that is good enough",
        ),
        "b": (
            "Use the Lasso with the smallest cross-validated alpha: it has the lowest error",
            "alpha_min is tuned for prediction and keeps many features; on correlated groups "
            "the Lasso's choice is also unstable",
        ),
        "c": (
            "Use L2 and store the weights densely: L2 keeps correlated groups together",
            "L2 does keep groups, but gives no zeros, so the model is as large as the number "
            "of features",
        ),
        "d": (
            "Train without a penalty and delete the smallest weights",
            "Deleting the smallest weights of an unpenalized fit ranks features badly (a rare "
            "feature needs a large weight to matter, a frequent one only a small weight), keeps "
            "weights fitted together with the ones deleted, and on correlated groups splits the "
            "weight unstably between near-copies. Pruning can work: in notebook 05, ranked by "
            "|w| times sd(x) and refitted with a tuned L2 strength, it tied with the relaxed L1. "
            "This plan does neither",
        ),
    },
    answer="a",
    hints=["You need exact zeros (memory) and stable groups (correlation)."],
)


# --------------------------------------------------------------------------- q15: transfer


def _one_se_count_breast_cancer():
    """Non-zeros of the Lasso at (alpha_1SE, alpha_min) on breast cancer, section 2's recipe."""
    X_df, y = datasets.load_breast_cancer()
    X = X_df.to_numpy()
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    alpha_max = np.max(np.abs(X.T @ (y - y.mean()))) / len(y)
    alphas = np.logspace(np.log10(alpha_max), np.log10(alpha_max) - 3, 60)
    folds = KFold(n_splits=5, shuffle=True, random_state=0)
    model = LassoCV(alphas=alphas, cv=folds).fit(X, y)
    mean = model.mse_path_.mean(axis=1)
    se = model.mse_path_.std(axis=1, ddof=1) / np.sqrt(5)
    best = np.argmin(mean)
    alpha_1se = model.alphas_[mean <= mean[best] + se[best]].max()
    return tuple(
        int(np.count_nonzero(solvers.lasso(X, y, a).coef)) for a in (alpha_1se, model.alphas_[best])
    )


_Q15, _Q15_MIN = _one_se_count_breast_cancer()

q15 = Value(
    prompt=(
        "Apply the one-SE rule of section 2 to the breast cancer data: standardize its 30 "
        "features with `(X - X.mean(axis=0)) / X.std(axis=0)`, use the 0/1 labels as the "
        "target, a grid of 60 alphas from its $\\alpha_{\\max}$ down 3 decades, and "
        "`KFold(n_splits=5, shuffle=True, random_state=0)`. Predict first: will "
        "$\\alpha_{1\\mathrm{SE}}$ keep most of the 30 features, or a handful? Then give "
        "the number of non-zero weights of `solvers.lasso` at $\\alpha_{1\\mathrm{SE}}$."
    ),
    answer=_Q15,
    mistakes=[
        (
            _Q15_MIN,
            "That is the count at alpha_min, the minimum of the mean CV error. The one-SE rule "
            "moves to the largest alpha within one SE of it, a sparser model.",
        ),
        (30 - _Q15, "That is the number of exact zeros; the question asks for the non-zeros."),
    ],
    hints=[
        "Section 2's cells with the breast cancer data: `X_bc_df, y_bc = "
        "datasets.load_breast_cancer()`, then standardize `X_bc_df.to_numpy()`.",
        "Then the grid and LassoCV as in section 2, the rule of your one_se_alpha, and "
        "measure.count_nonzero of solvers.lasso's coef at that alpha.",
    ],
    solution=(
        "X_bc_df, y_bc = datasets.load_breast_cancer()\n"
        "X_bc = X_bc_df.to_numpy()\n"
        "X_bc = (X_bc - X_bc.mean(axis=0)) / X_bc.std(axis=0)\n"
        "alpha_max_bc = np.max(np.abs(X_bc.T @ (y_bc - y_bc.mean()))) / len(y_bc)\n"
        "alphas_bc = np.logspace(np.log10(alpha_max_bc), np.log10(alpha_max_bc) - 3, 60)\n"
        "cv_bc = LassoCV(alphas=alphas_bc, cv=KFold(n_splits=5, shuffle=True, random_state=0))"
        ".fit(X_bc, y_bc)\n"
        "mean_bc = cv_bc.mse_path_.mean(axis=1)\n"
        "se_bc = cv_bc.mse_path_.std(axis=1, ddof=1) / np.sqrt(5)\n"
        "within_bc = mean_bc <= mean_bc.min() + se_bc[np.argmin(mean_bc)]\n"
        "alpha_1se_bc = cv_bc.alphas_[within_bc].max()\n"
        "answer = measure.count_nonzero(solvers.lasso(X_bc, y_bc, alpha_1se_bc).coef)"
    ),
)

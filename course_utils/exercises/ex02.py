"""Exercises for notebook 02, penalties: L0, L1 and L2."""

import math

import numpy as np

from ._engine import INCORRECT, Array, Function, MultipleChoice, Value, Verdict, _as_array


def _l2_squared(w):
    w = np.asarray(w, dtype=float)
    return float(np.sum(w**2))


q1 = Function(
    prompt=(
        "Write `l2_squared(w)`: the squared L2 norm, the sum of the squared weights "
        "$\\sum_i w_i^2$, of a 1-D array `w`. Write it yourself with numpy (rather than "
        "calling `course_utils`) and return a float."
    ),
    answer=_l2_squared,
    cases=[
        (np.array([3.0, -4.0]),),
        (np.array([0.5, 0.5, 0.5, 0.5]),),
        (np.array([-2.0]),),
        (np.array([0.0, 0.0, 0.0]),),
        (np.array([1.0, -1.0, 2.0, 0.0, -3.0]),),
        (np.array([]),),  # the empty vector: no weights, no penalty
        (np.array([5e-324, -1e-200]),),  # tiny weights: their squares underflow to 0.0
        # results that are not whole numbers: int(...) or round(...) must not pass
        (np.array([0.5, -0.25]),),
        (np.array([0.1, -0.2, 0.3]),),
    ],
    mistakes=[
        (
            lambda w: float(np.sqrt(np.sum(np.asarray(w, dtype=float) ** 2))),
            "That is the L2 norm, not its square: drop the square root. "
            "For w = (3, -4) the penalty is 25, not 5.",
        ),
        (
            lambda w: float(np.sum(np.asarray(w, dtype=float)) ** 2),
            "You squared the sum; square each weight first, then sum. "
            "With the sum first, opposite signs cancel: (3 + (-4))**2 = 1.",
        ),
        (
            lambda w: float(np.sum(np.abs(np.asarray(w, dtype=float)))),
            "That is the L1 norm, the sum of |w_i|. Square the weights instead.",
        ),
        (
            lambda w: float(np.sum(2 * np.asarray(w, dtype=float))),
            "You summed 2 w_i, the gradient of the penalty, not the penalty itself.",
        ),
        (
            lambda w: int(np.sum(np.asarray(w, dtype=float) ** 2)),
            "That cuts the sum to a whole number (int(...) or round(...)): for w = (0.5, -0.25) "
            "the penalty is 0.3125, not 0. Return float(...) of the sum.",
        ),
    ],
    hints=[
        "Square every weight (`w ** 2` or `w * w`), then add them up.",
        "`np.sum(w ** 2)` is the whole body; wrap it in float(...) to return a Python float. "
        "For an empty array it gives 0.0, as it should.",
    ],
    solution="def l2_squared(w):\n    return float(np.sum(w ** 2))",
)


_W_Q2 = np.array([0.5, -2.0, 0.0, 3.0])


class _MinimumNormSubgradient(Array):
    """An Array question that also explains a valid subgradient that is not the minimum-norm one."""

    def _grade(self, answer):
        verdict = super()._grade(answer)
        if verdict.passed or any(feedback == verdict.message for _, feedback in self.mistakes):
            return verdict
        got = _as_array(answer)
        if got is None or got.shape != _W_Q2.shape or not np.all(np.isfinite(got)):
            return verdict
        nonzero = _W_Q2 != 0
        if not np.allclose(got[nonzero], np.sign(_W_Q2[nonzero])):
            return verdict
        at_zero = got[~nonzero]
        if np.all(np.abs(at_zero) <= 1):
            value = float(at_zero[0])
            return Verdict(
                INCORRECT,
                f"{value:g} for the third weight (0.0) is allowed: at 0 any number in [-1, 1] "
                "is a subgradient entry, so your vector is a valid subgradient. But the "
                "minimum-norm one has 0 there, the point of [-1, 1] closest to zero. Your "
                "entries for the three non-zero weights are right.",
            )
        return Verdict(
            INCORRECT,
            f"{float(at_zero[0]):g} for the third weight (0.0) is outside [-1, 1], the "
            "subdifferential of |w| at 0, so the vector is not a subgradient; the minimum-norm "
            "choice there is 0. Your entries for the three non-zero weights are right.",
        )


q2 = _MinimumNormSubgradient(
    prompt=(
        "For `w = np.array([0.5, -2.0, 0.0, 3.0])`, give the minimum-norm subgradient of "
        "the L1 norm $\\|w\\|_1$ (the valid subgradient whose entries are closest to 0) as "
        "an array of four numbers."
    ),
    answer=np.sign(_W_Q2),
    mistakes=[
        (
            np.array([1.0, -1.0, 0.0, -1.0]),
            "w_4 = 3.0 is positive, so its slope is +1: the sign of each non-zero weight is "
            "kept.",
        ),
        (
            np.array([1.0, 1.0, 0.0, 1.0]),
            "w_2 = -2.0 is negative: |w| has slope -1 there, not +1.",
        ),
        (
            np.array([1.0, -4.0, 0.0, 6.0]),
            "That is 2 w, the gradient of the squared L2 norm. The L1 subgradient does not "
            "depend on how large the weight is, only on its sign.",
        ),
        (
            np.array([0.5, 2.0, 0.0, 3.0]),
            "That is |w|, the penalty of each weight, not its derivative.",
        ),
        (
            np.array([0.0, 0.0, 0.0, 0.0]),
            "Zero is the derivative of the L0 penalty away from 0. The L1 norm has slope +1 "
            "or -1 wherever w_i is not zero.",
        ),
    ],
    hints=[
        "Where w_i is not zero, |w_i| has slope +1 (w_i > 0) or -1 (w_i < 0).",
        "At w_i = 0 the subdifferential is the interval [-1, 1]; its entry closest to 0 is 0.",
        "`np.sign(np.array([0.5, -2.0, 0.0, 3.0]))` does exactly this: `np.sign(0.0)` is 0.0.",
    ],
    solution="answer = np.sign(np.array([0.5, -2.0, 0.0, 3.0]))",
)


q3 = Value(
    prompt=(
        "A data set has $p = 20$ features. How many different subsets of exactly $k = 5$ "
        "features must exhaustive best subset solve to find the best model with 5 "
        "features?"
    ),
    answer=15504,
    atol=0,
    mistakes=[
        (2**20, "2**20 counts the subsets of every size; we want those with exactly 5 features."),
        (
            20 * 19 * 18 * 17 * 16,
            "That counts ordered choices. The order of the features does not change the model: "
            "divide by 5! = 120.",
        ),
        (20**5, "That counts sequences with repetition; a subset has no order and no repeats."),
        (100, "20 * 5 is not a subset count: use the binomial coefficient 'p choose k'."),
    ],
    hints=[
        "The number of ways to choose k items from p, ignoring order, is the binomial coefficient.",
        "`math.comb(20, 5)` computes it: p! / (k! (p - k)!).",
    ],
    solution="import math\nanswer = math.comb(20, 5)",
)


q4 = MultipleChoice(
    prompt=(
        "Two weight vectors fit your data equally well: $u = (2, 0, 0)$ and $v = (1, 0.5, "
        "0.5)$. A penalty prefers the one it makes smaller. Which does L1 prefer, and "
        "which squared L2?"
    ),
    options={
        "a": (
            "Both penalties prefer u, the one with a single non-zero weight",
            "Compute them: ||u||_1 = 2 = ||v||_1, so L1 ties them; squared L2 gives 4 for u and "
            "1.5 for v, so L2 prefers v.",
        ),
        "b": (
            "L1 cannot choose (both 2); squared L2 prefers v",
            "||u||_1 = ||v||_1 = 2, while ||u||_2**2 = 4 > 1.5 = ||v||_2**2. L2 prefers weight "
            "spread over several features; L1 alone does not pick the sparse u here.",
        ),
        "c": (
            "L1 prefers u, the sparser vector; squared L2 prefers v, the spread one",
            "Sparser does not always mean a smaller L1 norm: here both L1 norms are 2. L1 finds "
            "sparse solutions through the corners of its ball, not by counting non-zeros.",
        ),
        "d": (
            "L1 prefers v; squared L2 cannot tell them apart",
            "Compute both: L1 gives 2 and 2, squared L2 gives 4 and 1.5.",
        ),
    },
    answer="b",
    hints=["Compute `penalties.l1_norm` and `penalties.l2_squared` of both vectors."],
)


q5 = MultipleChoice(
    prompt="Why can we not train with an L0 penalty by (sub)gradient descent?",
    options={
        "a": (
            "Its gradient 2 w shrinks weights only by a fraction",
            "That describes the squared L2 penalty, not L0.",
        ),
        "b": (
            "Its values are too large: it counts every weight",
            "Its size is not the problem; we could scale it by a small lambda. The problem is "
            "its shape: flat everywhere with a jump at 0.",
        ),
        "c": (
            "It is convex, but gradient descent converges too slowly on it",
            "L0 is not convex: the segment between (1, 0) and (0, 1) contains (0.5, 0.5), whose "
            "L0 is 2, above both ends (1 each).",
        ),
        "d": (
            "Its gradient is 0 wherever it exists: no push towards 0",
            "The penalty is flat except for a jump at 0. A gradient step sees only the "
            "flat part, so the L0 term contributes nothing to the update.",
        ),
    },
    answer="d",
    hints=["Look at the lower-right panel of the derivatives figure."],
)


q6 = MultipleChoice(
    prompt=(
        "On diabetes, best subset and the Lasso pick different features at size k = 4. "
        "Which statement holds at every size k?"
    ),
    options={
        "a": (
            "Best subset's training MSE is at most that of any other k features",
            "Best subset tried every subset of size k, the Lasso's picks among them.",
        ),
        "b": (
            "The Lasso picks the same features as best subset, only with smaller weights",
            "The table shows it does not: at k = 4 the Lasso picks s3 where best subset picks s1.",
        ),
        "c": (
            "The Lasso's fitted model has a lower training MSE, because it uses a penalty",
            "The penalty shrinks the weights, which raises the training error; the Lasso's own "
            "MSE is the highest of the three columns.",
        ),
        "d": (
            "Best subset is cheaper, because it fits only least squares models",
            "Each fit is cheap, but it needs 'p choose k' of them: 210 for p = 10 and k = 4, "
            "and far too many for large p.",
        ),
    },
    answer="a",
    hints=["What did best subset search over, and were the Lasso's 4 features in that search?"],
)


q7 = MultipleChoice(
    prompt=(
        "On the box $[-1, 1]^d$ the convex envelope of $\\|w\\|_0$ is $\\|w\\|_1$. What is "
        "it on the larger box $[-2, 2]^d$?"
    ),
    options={
        "a": (
            "||w||_1, the same: the envelope does not depend on the box",
            "It does depend on the box. In 1-D a convex function below ||w||_0 must stay under "
            "the chord from (0, 0) to (2, 1), whose slope is 1/2.",
        ),
        "b": (
            "2 ||w||_1",
            "At w = (2, 0, ..., 0) that gives 4, above ||w||_0 = 1: not below L0, so not an "
            "envelope.",
        ),
        "c": (
            "||w||_1 / 2",
            "The chord from (0, 0) to (+-2, 1) has slope 1/2 in each coordinate. "
            "The wider the box, the weaker L1 is as a stand-in for L0.",
        ),
        "d": (
            "||w||_0 itself, because L0 is convex on a larger box",
            "L0 is not convex on any box containing more than the origin: it jumps at 0.",
        ),
    },
    answer="c",
    hints=[
        "Redo the 1-D argument: a convex g with g(0) <= 0 and g(2) <= 1 lies under the chord.",
        "Or check it: run lower_envelope on a grid of [-2, 2].",
    ],
)


# q8, transfer: the subset count of section 4 for a data set the notebook did not search.
q8 = Value(
    prompt=(
        "The breast cancer data of notebook 04 has $p = 30$ features. Predict first: is "
        "exhaustive best subset over every size 3 times, 1,000 times or a million times "
        "more work than on diabetes ($p = 10$)? Then give the ratio of the two numbers of "
        "subsets."
    ),
    answer=2**30 // 2**10,
    predicted=[3, 1000, 10**6],  # the "predict first" choices of the prompt
    mistakes=[
        (3, "The number of subsets is not proportional to p: it is 2**p, so each extra "
         "feature doubles it."),
        (2**30, "2**30 is the number of subsets for p = 30; divide by the 2**10 of diabetes."),
        (
            math.comb(30, 5) // math.comb(10, 5),
            "That compares the subsets of size 5 only; the question counts every size, 2**p.",
        ),
        (2**20 - 1, "Nearly: 2**30 / 2**10 is exactly 2**20."),
    ],
    hints=[
        "With p features there are 2**p subsets (each feature is in or out).",
        "`2**30 // 2**10`",
    ],
    solution="answer = 2**30 // 2**10   # 2**20, about a million",
)

"""Exercises for notebook 04, L1 in practice: soft-thresholding, coordinate descent and paths.

The expected values are computed with :mod:`course_utils` when this module is imported, not typed
in, so they always agree with what the notebook prints.
"""

import numpy as np
from sklearn.preprocessing import StandardScaler

from .. import datasets, solvers
from ._engine import Function, MultipleChoice, Value


def _cd_update(rho, z, alpha):
    return float(np.sign(rho) * max(abs(rho) - alpha, 0.0) / z)


def _soft(x, t):
    return float(np.sign(x) * max(abs(x) - t, 0.0))


q1 = Function(
    prompt=(
        "Write `cd_update(rho, z, alpha)`, the coordinate-descent update of one Lasso "
        "weight: given $\\rho_j$, $z_j = \\|X_j\\|^2/n$ and $\\alpha$, return the new "
        "$w_j$ as a float. Mind the cases $|\\rho_j| \\le \\alpha$ and $z_j \\neq 1$."
    ),
    answer=_cd_update,
    cases=[
        (3.0, 1.0, 1.0),
        (-3.0, 1.0, 1.0),
        (0.5, 1.0, 1.0),
        (-1.0, 1.0, 1.0),
        (3.0, 2.0, 1.0),
        (-1.5, 0.5, 1.0),
        (-0.9, 0.5, 1.0),
        (2.0, 0.5, 0.0),
        (0.0, 1.0, 0.1),
    ],
    mistakes=[
        (
            lambda rho, z, alpha: rho / z,
            "That is the least-squares update, without the penalty: no weight ever becomes 0. "
            "Soft-threshold rho by alpha first.",
        ),
        (
            lambda rho, z, alpha: _soft(rho, alpha),
            "The threshold is right, but the result must be divided by z_j = ||X_j||**2 / n "
            "(it is 1 only for features scaled so that ||X_j||**2 = n).",
        ),
        (
            lambda rho, z, alpha: _soft(rho / z, alpha),
            "You divided by z before thresholding with alpha. After dividing by z the threshold "
            "is alpha / z too: S(rho / z, alpha / z) = S(rho, alpha) / z.",
        ),
        (
            lambda rho, z, alpha: rho / z if abs(rho) > alpha else 0.0,
            "That is hard thresholding: surviving weights must also be shrunk by alpha, "
            "S(rho, alpha) = sign(rho) * (|rho| - alpha) when |rho| > alpha.",
        ),
        (
            lambda rho, z, alpha: max(rho - alpha, 0.0) / z,
            "Right for positive rho, but a negative rho must give a negative weight: work on |rho| "
            "and put the sign back.",
        ),
        (
            lambda rho, z, alpha: (rho - alpha * np.sign(rho)) / z,
            "The shift by alpha is right, but it must stop at 0: when |rho| <= alpha the new "
            "weight is exactly 0.0, not a weight of the opposite sign.",
        ),
    ],
    hints=[
        "The new weight is S(rho, alpha) / z, with S the soft-thresholding of section 1.",
        "S(rho, alpha) = sign(rho) * max(|rho| - alpha, 0); "
        "`penalties.soft_threshold(3.0, 1.0)` computes it for rho = 3, alpha = 1.",
    ],
    solution=(
        "def cd_update(rho, z, alpha):\n"
        "    return float(np.sign(rho) * max(abs(rho) - alpha, 0.0) / z)\n"
        "# or: return penalties.soft_threshold(rho, alpha) / z"
    ),
)


_X_diabetes, _y_diabetes = datasets.load_diabetes()
_X_diabetes_std = StandardScaler().fit_transform(_X_diabetes)


def _zeros(coef):
    return int(np.count_nonzero(coef == 0))


_Q2 = _zeros(solvers.lasso(_X_diabetes_std, _y_diabetes, 4.0).coef)
_Q2_RAW = _zeros(solvers.lasso(_X_diabetes.to_numpy(), _y_diabetes, 4.0).coef)
_Q2_ENET = _zeros(solvers.elastic_net(_X_diabetes_std, _y_diabetes, 4.0, l1_ratio=0.5).coef)
_Q2_ALPHA2 = _zeros(solvers.lasso(_X_diabetes_std, _y_diabetes, 2.0).coef)
_Q2_ALPHA5 = _zeros(solvers.lasso(_X_diabetes_std, _y_diabetes, 5.0).coef)

q2 = Value(
    prompt=(
        "Fit the Lasso on the standardized diabetes data (`X`, `y`, as in section 2) at "
        "$\\alpha = 4$. How many of the 10 weights are exactly zero?"
    ),
    answer=_Q2,
    atol=0,
    mistakes=[
        (
            10 - _Q2,
            "That is the number of non-zero weights; the question asks for the exact zeros.",
        ),
        (
            _Q2_RAW,
            "That is the count without standardizing: scikit-learn's diabetes columns are "
            "scaled to norm 1, so z_j = 1/n and alpha = 4 removes every feature. Use "
            "StandardScaler().fit_transform(X) first.",
        ),
        (
            _Q2_ENET,
            "That is the elastic net with l1_ratio = 0.5; the question is about the Lasso.",
        ),
        (
            _Q2_ALPHA2,
            "That is the count at alpha = 2, the solver table of section 2. At alpha = 4 "
            "one more feature has left.",
        ),
        (
            _Q2_ALPHA5,
            "Too many: s6 leaves somewhere between the grid values 3.93 and 5.04 (in fact near "
            "4.2), so at alpha = 4 it is still in. The event list cannot tell; fit the Lasso.",
        ),
    ],
    hints=[
        "`X` and `y` of section 2 are the standardized diabetes data: "
        "`fit = solvers.lasso(X, y, 4.0)`.",
        "`np.count_nonzero(fit.coef == 0)` counts the exact zeros. Check it against the path: "
        "which features leave below alpha = 4?",
    ],
    solution="answer = int(np.count_nonzero(solvers.lasso(X, y, 4.0).coef == 0))",
)


_X_bc, _y_bc = datasets.load_breast_cancer()
_X_bc_std = StandardScaler().fit_transform(_X_bc)
_n_bc = len(_y_bc)
_corr_bc = np.abs(_X_bc_std.T @ (_y_bc - _y_bc.mean()))
_Q3 = float(_corr_bc.max() / _n_bc)
_corr_raw = np.abs(_X_bc.to_numpy().T @ (_y_bc - _y_bc.mean()))
_Q3_DIABETES = float(
    np.max(np.abs(_X_diabetes_std.T @ (_y_diabetes - _y_diabetes.mean()))) / len(_y_diabetes)
)

q3 = Value(
    prompt=(
        "For the standardized breast cancer features and the 0/1 labels of section 3 "
        "(`Xbc` and `ybc`; in this notebook `X` and `y` hold diabetes), compute "
        "$\\alpha_{\\max} = \\max_j |X_j^\\top (y - \\bar y)| / n$, the smallest $\\alpha$ "
        "at which the L1 logistic regression (and the Lasso) sets every weight to zero. "
        "Give 4 significant digits."
    ),
    answer=_Q3,
    mistakes=[
        (
            _Q3_DIABETES,
            "That is alpha_max of the diabetes data: in this notebook X and y hold diabetes. "
            "Use the breast cancer data of section 3, Xbc and ybc.",
        ),
        (
            _Q3 * _n_bc,
            "You forgot to divide by n: the loss is an average over the n samples, so its "
            "gradient is X.T @ (...) / n.",
        ),
        (
            _Q3 / 2,
            "That divides by 2n. The 1/2 of the squared loss disappears in its derivative, "
            "and the log-loss has none: divide by n.",
        ),
        (
            float(_corr_bc.sum() / _n_bc),
            "That sums over the features; alpha_max is the largest single "
            "|Xbc_j . (ybc - mean(ybc))| / n (use max).",
        ),
        (
            float(_corr_raw.max() / _n_bc),
            "That uses the unscaled features Xbc_df: use the standardized Xbc.",
        ),
        (
            _Q3 * 2,
            "That is the value for labels coded -1/+1; here the labels are 0 and 1.",
        ),
    ],
    hints=[
        "`Xbc` is already standardized. `r = ybc - ybc.mean()`; then `Xbc.T @ r` has one "
        "entry per feature.",
        "`np.max(np.abs(Xbc.T @ (ybc - ybc.mean()))) / len(ybc)`",
    ],
    solution="answer = float(np.max(np.abs(Xbc.T @ (ybc - ybc.mean()))) / len(ybc))",
)


q4 = MultipleChoice(
    prompt=(
        "Coordinate descent on the Lasso produces exact zeros; plain subgradient descent "
        "on the same objective almost never does. Why?"
    ),
    options={
        "a": (
            "Each update is an exact soft-threshold, which is 0.0 for |rho_j| <= alpha.",
            "A whole interval of rho_j values maps to exactly 0.0, so the zero is the "
            "exact answer of each update, not a coincidence of rounding.",
        ),
        "b": (
            "Coordinate descent runs more iterations, so small weights have time to reach zero.",
            "More iterations do not help subgradient steps: like the unclipped L1 steps of "
            "notebook 03 they hop across zero instead of landing on it.",
        ),
        "c": (
            "Coordinate descent rounds weights below its tolerance tol to zero.",
            "No rounding happens: tol only decides when to stop. The zeros come from the "
            "soft-thresholding in every update.",
        ),
        "d": (
            "Because the features were standardized.",
            "Standardizing changes which features are zeroed at a given alpha, not whether the "
            "zeros are exact; CD gives exact zeros on any scaling.",
        ),
    },
    answer="a",
    hints=["Look at what S(rho, alpha) returns when |rho| is below alpha."],
)


q5 = MultipleChoice(
    prompt="Each digit's L2 logistic regression above has exactly 4 weights equal to "
           "`0.0`. Why?",
    options={
        "a": (
            "L2 does produce a few exact zeros once the penalty is strong enough.",
            "The ridge path shows the opposite: 0 exact zeros at every alpha. L2 shrinks by a "
            "factor and never lands on 0.",
        ),
        "b": (
            "They are the 4 least useful pixels, and L2 removes the least useful weights.",
            "L2 removes nothing: useless but non-constant pixels still get small non-zero "
            "weights. Look at what these 4 pixels contain.",
        ),
        "c": (
            "Those pixels are blank in every training image, so their weights never move.",
            "The notebook counts 4 always-blank training pixels, the same 4 dots in "
            "every L2 image. Any penalty, or none, leaves them at 0.",
        ),
        "d": (
            "Rounding: the weights were tiny and underflowed to zero.",
            "Underflow needs values below about 1e-308; the optimizer never moves these weights "
            "at all because their gradient is exactly 0.",
        ),
    },
    answer="c",
    hints=["The notebook prints how many pixels are 0 in every training image."],
)


q6 = MultipleChoice(
    prompt=(
        "On another data set, a feature's Lasso weight is 0 at $\\alpha = 1.0$, 0.3 at "
        "$\\alpha = 0.5$, 0 again at $\\alpha = 0.2$ and $-0.1$ at $\\alpha = 0.05$. What "
        "does this tell you?"
    ),
    options={
        "a": (
            "The solver has a bug: once a feature enters the path it must stay",
            "Nothing forces a weight to stay: the diabetes path shows s3 leaving and coming "
            "back. The path is piecewise linear and a weight may cross zero at a kink.",
        ),
        "b": (
            "The features were not standardized; with standardized features it cannot happen",
            "Standardizing changes the path, but s3 left and came back on the standardized "
            "diabetes features.",
        ),
        "c": (
            "Smaller alphas are noisier, so the weights there should not be trusted",
            "The path is exact and deterministic for a given data set; nothing about small "
            "alphas is random.",
        ),
        "d": (
            "Other features, probably correlated with it, took over its role at smaller alpha",
            "When correlated features enter, they can take a weight's role, push it to zero "
            "and later let it return, even with the other sign, as with s3 on diabetes.",
        ),
    },
    answer="d",
    hints=["Look at the list of events printed under the diabetes path: did every feature stay?"],
)


# q7, transfer: the Lasso of section 2 on the breast cancer data, a data set the notebook fitted
# only with L1 logistic regression.
_Q7_ALPHA = 0.01
_Q7 = int(np.count_nonzero(solvers.lasso(_X_bc_std, _y_bc, _Q7_ALPHA).coef))
_Q7_RAW = int(np.count_nonzero(solvers.lasso(_X_bc.to_numpy(), _y_bc, _Q7_ALPHA).coef))
_Q7_LOGISTIC = int(
    np.count_nonzero(solvers.logistic_l1(_X_bc_std, _y_bc, _Q7_ALPHA, tol=1e-6, max_iter=5000).coef)
)

q7 = Value(
    prompt=(
        "Section 3 fitted the breast cancer data only with L1 logistic regression. Fit the "
        "Lasso (`solvers.lasso`, squared loss) to the standardized features `Xbc` with the "
        "0/1 labels `ybc` as the target, at $\\alpha = 0.01$, far below the "
        "$\\alpha_{\\max}$ of exercise 3. Predict first: a handful of the 30 weights, or "
        "most of them? Then count the non-zero weights."
    ),
    answer=_Q7,
    mistakes=[
        (30 - _Q7, "That is the number of exact zeros; the question asks for the non-zeros."),
        (
            _Q7_RAW,
            "That is the count on the unscaled features Xbc_df; use the standardized Xbc.",
        ),
        (
            _Q7_LOGISTIC,
            "That is the L1 logistic regression of section 3 at this alpha; the question asks "
            "for the Lasso, solvers.lasso.",
        ),
    ],
    hints=[
        f"`fit = solvers.lasso(Xbc, ybc, {_Q7_ALPHA})`",
        "`np.count_nonzero(fit.coef)` counts the non-zero weights.",
    ],
    solution=f"answer = int(np.count_nonzero(solvers.lasso(Xbc, ybc, {_Q7_ALPHA}).coef))",
)

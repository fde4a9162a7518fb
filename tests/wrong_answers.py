"""Plausible wrong answers to every question of notebooks 00-07 that is not multiple choice.

Data for tests/test_exercise_feedback.py: question id -> list of (wrong answer, the slip it
stands for, a phrase the feedback must contain, or None when no slip is expected to be named).
The answers are written as a learner would make them, from each notebook's context: bits for
bytes, a percentage for a fraction, the guess of a "predict first" prompt, an off-by-one count,
a rounding, a sign; for a function question, a function with a typical bug.

Print the share of wrong answers whose feedback names the mistake (issue 24 asks for 80%)::

    PYTHONPATH=. python tests/wrong_answers.py
"""

from __future__ import annotations

import math

import numpy as np

# --------------------------------------------------------------------------- functions


# ex00.q3: count_nonzero(w)
def count_positive(w):
    return int(np.sum(np.asarray(w) > 0))


def count_all(w):
    return len(w)


def count_above_tolerance(w):
    return int(np.sum(np.abs(w) > 1e-12))


def count_with_nonzero(w):
    return np.nonzero(w)


def positions_of_nonzero(w):
    return np.flatnonzero(w)


def count_no_return(w):
    n = int(np.sum(np.asarray(w) != 0))  # noqa: F841  (the slip: no return)


def count_none_when_empty(w):
    return int(np.count_nonzero(w)) if len(w) else None  # None only on the empty input


# ex01.q1: csr_bytes(nnz, n_rows, value_bytes, index_bytes)
def csr_without_indptr(nnz, n_rows, value_bytes, index_bytes):
    return nnz * (value_bytes + index_bytes)


def csr_indptr_one_short(nnz, n_rows, value_bytes, index_bytes):
    return nnz * (value_bytes + index_bytes) + n_rows * index_bytes


def csr_without_indices(nnz, n_rows, value_bytes, index_bytes):
    return nnz * value_bytes + (n_rows + 1) * index_bytes


def csr_indptr_as_values(nnz, n_rows, value_bytes, index_bytes):
    return nnz * (value_bytes + index_bytes) + (n_rows + 1) * value_bytes


def csr_bits(nnz, n_rows, value_bytes, index_bytes):
    return 8 * (nnz * (value_bytes + index_bytes) + (n_rows + 1) * index_bytes)


# ex02.q1: l2_squared(w)
def l2_norm(w):
    return float(np.sqrt(np.sum(np.asarray(w, dtype=float) ** 2)))


def square_of_sum(w):
    return float(np.sum(w) ** 2)


def l1_norm(w):
    return float(np.sum(np.abs(w)))


def gradient_of_l2(w):
    return float(np.sum(2 * np.asarray(w, dtype=float)))


def half_l2_squared(w):
    return float(np.sum(np.asarray(w, dtype=float) ** 2) / 2)  # the 1/2 of the loss


def l2_squared_int(w):
    return int(np.sum(np.asarray(w) ** 2))  # right whenever the answer is a whole number


def l2_squared_rounded(w):
    return float(round(np.sum(np.asarray(w) ** 2)))


# ex03.q2: l1_step(w, step)
def step_crosses_zero(w, step):
    return w - step * np.sign(w)


def step_subtracts(w, step):
    return w - step


def step_positive_only(w, step):
    return np.maximum(w - step, 0.0)


def step_python_max(w, step):
    return max(w - step, 0.0)


def step_scalar_only(w, step):
    return np.sign(w) * max(abs(w) - step, 0.0)


def step_shrinks(w, step):
    return w * (1 - step)


def step_one_dimension(w, step):
    if np.ndim(w) == 0:
        return float(np.sign(w) * max(abs(w) - step, 0.0))
    return np.array([np.sign(x) * max(abs(x) - step, 0.0) for x in w])  # fails on 2-D


# ex04.q1: cd_update(rho, z, alpha)
def soft(x, t):
    return float(np.sign(x) * max(abs(x) - t, 0.0))


def cd_least_squares(rho, z, alpha):
    return rho / z


def cd_not_divided(rho, z, alpha):
    return soft(rho, alpha)


def cd_divided_first(rho, z, alpha):
    return soft(rho / z, alpha)


def cd_hard_threshold(rho, z, alpha):
    return rho / z if abs(rho) > alpha else 0.0


def cd_positive_only(rho, z, alpha):
    return max(rho - alpha, 0.0) / z


def cd_no_clip(rho, z, alpha):
    return (rho - alpha * np.sign(rho)) / z


# ex05.q1: sparse_bytes(w, value_bytes, index_bytes)
def sparse_every_weight(w, value_bytes, index_bytes):
    return np.asarray(w).size * (value_bytes + index_bytes)


def sparse_values_only(w, value_bytes, index_bytes):
    return int(np.count_nonzero(w)) * value_bytes


def sparse_positive_only(w, value_bytes, index_bytes):
    return int(np.sum(np.asarray(w) > 0)) * (value_bytes + index_bytes)


def sparse_dense(w, value_bytes, index_bytes):
    return np.asarray(w).size * value_bytes


def sparse_bits(w, value_bytes, index_bytes):
    return 8 * int(np.count_nonzero(w)) * (value_bytes + index_bytes)


# ex06.q1: one_se_alpha(alphas, mse_mean, mse_se)
def _arrays(*arrays):
    return [np.asarray(a, dtype=float) for a in arrays]


def one_se_strict(alphas, mse_mean, mse_se):
    alphas, mse_mean, mse_se = _arrays(alphas, mse_mean, mse_se)
    best = np.argmin(mse_mean)
    return float(alphas[mse_mean < mse_mean[best] + mse_se[best]].max())


def one_se_alpha_min(alphas, mse_mean, mse_se):
    return float(np.asarray(alphas)[np.argmin(mse_mean)])


def one_se_smallest(alphas, mse_mean, mse_se):
    alphas, mse_mean, mse_se = _arrays(alphas, mse_mean, mse_se)
    best = np.argmin(mse_mean)
    return float(alphas[mse_mean <= mse_mean[best] + mse_se[best]].min())


def one_se_own_se(alphas, mse_mean, mse_se):
    alphas, mse_mean, mse_se = _arrays(alphas, mse_mean, mse_se)
    best = np.argmin(mse_mean)
    return float(alphas[mse_mean <= mse_mean[best] + mse_se].max())


def one_se_first_in_grid(alphas, mse_mean, mse_se):
    alphas, mse_mean, mse_se = _arrays(alphas, mse_mean, mse_se)
    best = np.argmin(mse_mean)
    return float(alphas[np.flatnonzero(mse_mean <= mse_mean[best] + mse_se[best])[0]])


def _one_se_or(on_empty):
    """The right rule, with ``on_empty(alphas)`` for an empty grid instead of ValueError."""

    def one_se(alphas, mse_mean, mse_se):
        if len(alphas) == 0:
            return on_empty(alphas)
        alphas, mse_mean, mse_se = _arrays(alphas, mse_mean, mse_se)
        best = np.argmin(mse_mean)
        return float(alphas[mse_mean <= mse_mean[best] + mse_se[best]].max())

    return one_se


one_se_none_when_empty = _one_se_or(lambda alphas: None)
one_se_nan_when_empty = _one_se_or(lambda alphas: float("nan"))
one_se_index_error_when_empty = _one_se_or(lambda alphas: alphas[0])


# ex06.q2: selection_frequency(coefs)
def selection_counts(coefs):
    return (np.asarray(coefs) != 0).sum(axis=0)


def selection_per_fit(coefs):
    return (np.asarray(coefs) != 0).mean(axis=1)


def selection_positive(coefs):
    return (np.asarray(coefs) > 0).mean(axis=0)


def selection_zero(coefs):
    return (np.asarray(coefs) == 0).mean(axis=0)


def selection_size(coefs):
    return np.abs(np.asarray(coefs)).mean(axis=0)


def selection_percent(coefs):
    return 100 * (np.asarray(coefs) != 0).mean(axis=0)


# ex07.q2: varint_bytes(gap)
def varint_8_bits(gap):
    return max(1, (int(gap).bit_length() + 7) // 8)


def varint_rounds_down(gap):
    return int(gap).bit_length() // 7


def varint_fixed(gap):
    return 4


def varint_ceil(gap):
    return math.ceil(int(gap).bit_length() / 7)  # 0 bytes for gap 0


def varint_plus_one(gap):
    return int(gap).bit_length() // 7 + 1  # one too many at 7, 14, 21... bits


# Float logarithms: right at every small boundary, wrong only near 2**49 and beyond
def varint_floor_log(gap):
    return math.floor(math.log(gap, 128)) + 1 if gap > 0 else 1


def varint_ceil_log2(gap):
    return max(1, math.ceil(math.log2(gap + 1) / 7))


def varint_int_log2(gap):
    return int(math.log2(gap) / 7) + 1 if gap > 0 else 1


# Not in the table yet: ex07.q2's "8 bits per byte" mistake agrees with this boundary slip on
# every case, so it gets that feedback (issue 24, item 3 adds the case that tells them apart).
def varint_strict(gap):
    n = 1
    while gap > 128:  # the boundary: 128 needs 2 bytes
        gap >>= 7
        n += 1
    return n


# ex07.q5: sparse_logit(indices, values, intercept, x_indices, x_values)
def _lookup(indices, values, x_indices):
    at = np.minimum(np.searchsorted(indices, x_indices), max(len(indices) - 1, 0))
    hit = np.asarray(indices)[at] == x_indices if len(indices) else np.zeros(len(x_indices), bool)
    return np.where(hit, np.asarray(values)[at] if len(indices) else 0.0, 0.0)


def logit_no_intercept(indices, values, intercept, x_indices, x_values):
    return float(np.sum(_lookup(indices, values, x_indices) * x_values))


def logit_first_weights(indices, values, intercept, x_indices, x_values):
    return float(intercept + np.sum(np.asarray(values)[: len(x_indices)] * x_values))


def logit_ignores_values(indices, values, intercept, x_indices, x_values):
    return float(intercept + np.sum(_lookup(indices, values, x_indices)))


def logit_hints_unguarded(indices, values, intercept, x_indices, x_values):
    at = np.minimum(np.searchsorted(indices, x_indices), len(indices) - 1)
    hit = np.asarray(indices)[at] == x_indices  # IndexError on an empty model
    return float(intercept + np.sum(np.where(hit, np.asarray(values)[at], 0.0) * x_values))


def logit_indexes_by_column(indices, values, intercept, x_indices, x_values):
    return float(intercept + np.sum(np.asarray(values)[x_indices] * x_values))


# --------------------------------------------------------------------------- the table

WRONG_ANSWERS = {
    "ex00.q1": [
        (4, "counted the zeros", "number of zeros"),
        (6, "gave the length of w", "length of w"),
        (1, "missed the negative weight", "negative weights count too"),
        (3, "counted one too many", "1 more than the right value"),
        ("2", "typed the number as text", "without quotes"),
    ],
    "ex00.q2": [
        ([2, 5], "counted positions from 1", "counts from 0"),
        ([0, 2, 3, 5], "positions of the zeros", "positions of the zeros"),
        ([1.5, -2.0], "the values, not their positions", "we want their positions"),
        ([4, 1], "the positions in reverse order", "another order"),
        ([False, True, False, False, True, False], "the mask w != 0", "np.flatnonzero"),
    ],
    "ex00.q3": [
        (count_positive, "w > 0 misses negative weights", "not zero either"),
        (count_all, "len(w) counts the zeros too", "counts every entry"),
        (count_above_tolerance, "a tolerance instead of exactly 0", "compare with 0 exactly"),
        (count_with_nonzero, "np.nonzero gives a tuple", "tuple of 1 value where a number"),
        (positions_of_nonzero, "the positions instead of their count", "where a number"),
        (count_no_return, "forgot return", "forget `return`"),
        (count_none_when_empty, "None on empty input only", "empty input: there it returns None"),
    ],
    "ex01.q1": [
        (csr_without_indptr, "left out indptr", "not indptr"),
        (csr_indptr_one_short, "indptr with n_rows entries", "n_rows + 1 entries"),
        (csr_without_indices, "left out indices", "left out indices"),
        (csr_indptr_as_values, "indptr entries with value_bytes", "holds positions"),
        (csr_bits, "bits instead of bytes", "8 times"),
    ],
    "ex01.q2": [
        (480, "product of the cardinalities", "product of the cardinalities"),
        (217, "the two-way cross", "two-way cross"),
        (32561, "the number of rows", "number of rows"),
        ((32561, 393), "typed X.shape", "give it alone"),
        (392, "one column short", "1 less than the right value"),
    ],
    "ex01.q3": [
        (23.96, "a percentage", "percentage"),
        (52, "the count of colliding combinations", "number of colliding"),
        (0.05078, "divided by the buckets", "1,024 buckets"),
        (0.24, "too few digits", "give 4 significant digits"),
        (0.7604, "the share that does not collide", "1 minus the right value"),
        (0.19, "the formula's prediction", "formula's prediction"),
    ],
    "ex01.q7": [
        (1000, "the predict-first guess", "predict first"),
        (100, "the predict-first guess", "predict first"),
        (1098, "truncated instead of rounded", "significant digits, correctly rounded"),
        (1111, "left out indptr", "left out indptr"),
        (819.7, "int64 indices", "int64 indices"),
        (0.00091, "CSR divided by dense", "CSR divided by dense"),
    ],
    "ex02.q1": [
        (l2_norm, "the norm, not its square", "L2 norm, not its square"),
        (square_of_sum, "squared the sum", "squared the sum"),
        (l1_norm, "the L1 norm", "L1 norm"),
        (gradient_of_l2, "the gradient", "gradient"),
        (half_l2_squared, "half the squared norm", "half the expected value"),
        (l2_squared_int, "an int, not a float", "whole number (int(...) or round(...))"),
        (l2_squared_rounded, "rounded to a whole number", "whole number (int(...) or round(...))"),
    ],
    "ex02.q2": [
        ([1.0, -1.0, 0.0, -1.0], "wrong sign for w_4", "w_4 = 3.0 is positive"),
        ([1.0, 1.0, 0.0, 1.0], "wrong sign for w_2", "w_2 = -2.0 is negative"),
        ([1.0, -4.0, 0.0, 6.0], "the L2 gradient 2w", "2 w"),
        ([0.5, 2.0, 0.0, 3.0], "|w|", "|w|"),
        ([1.0, -1.0, 0.5, 1.0], "a subgradient, not the minimum-norm one", "is allowed"),
        ([-1.0, 1.0, 0.0, -1.0], "every sign flipped", "opposite sign"),
    ],
    "ex02.q3": [
        (1048576, "subsets of every size", "every size"),
        (1860480, "ordered choices", "ordered choices"),
        (3200000, "sequences with repetition", "repetition"),
        (100, "p times k", "binomial coefficient"),
        (38760, "C(20, 6): k off by one", None),
    ],
    "ex02.q8": [
        (3, "proportional to p", "not proportional to p"),
        (1073741824, "2**30 alone", "divide by the 2**10"),
        (1000000, "the predict-first guess, a million", "predict first"),
        (1000, "the predict-first guess", "predict first"),
        (20, "the exponent 30 - 10", "the exponent of the right value, 2**20"),
        (565, "subsets of size 5 only", "size 5 only"),
    ],
    "ex03.q1": [
        (14488, "float64", "float64 answer"),
        (1989, "the first repeated step", "Off by one"),
        (4000, "q = 1 - eta * lambda", "q = 1 - eta * lambda"),
        (1987, "one step early", "1 less than the right value"),
        (1725, "flush to zero", "flush-to-zero"),
        (1988.4, "not a whole number", "a count is a whole number"),
    ],
    "ex03.q2": [
        (step_crosses_zero, "crosses zero", "crossed zero"),
        (step_subtracts, "w - step", "away from zero"),
        (step_positive_only, "np.maximum(w - step, 0)", "negative weight becomes 0"),
        (step_python_max, "Python's max(w - step, 0)", "negative weight becomes 0"),
        (step_scalar_only, "Python's max on arrays", "not for arrays"),
        (step_shrinks, "L2 decay", "like L2 decay"),
        (step_one_dimension, "a loop over a 1-D array", "fails on a 2-D array"),
    ],
    "ex03.q3": [
        (10, "the tie 10 * 0.05 = 0.5", "looks like a tie"),
        (1, "factors just above 0.5", "just above 0.5"),
        (0, "reaches zero", "reaches exactly 0.0"),
        (8, "one too few", "1 less than the right value"),
        (9 * 2.0**-1074, "the stalled value itself, not k", None),
    ],
    "ex03.q4": [
        (9, "rounded down", "Round |w0| / step up"),
        (9.5, "not rounded", "whole number"),
        (0.95 / 0.1, "the float quotient", "whole number"),
        (11, "one step too many", "1 more than the right value"),
        (0.05, "the weight left after 9 steps, not a number of steps", None),
    ],
    "ex03.q8": [
        (9, "the float64 stall of exercise 3", "float64 stall"),
        (0, "reaches zero", "reaches exactly 0.0"),
        (1, "factors just above 0.5", "just above 0.5"),
        (279, "the step, not k", "stops changing"),
        (11, "one too many", "1 more than the right value"),
        (10 * 2.0**-24, "the stalled weight itself, not k", "weight itself"),
    ],
    "ex04.q1": [
        (cd_least_squares, "no penalty", "least-squares update"),
        (cd_not_divided, "not divided by z", "divided by z_j"),
        (cd_divided_first, "divided before thresholding", "divided by z before"),
        (cd_hard_threshold, "hard thresholding", "hard thresholding"),
        (cd_positive_only, "positive rho only", "negative rho"),
        (cd_no_clip, "no clip at 0", "must stop at 0"),
    ],
    "ex04.q2": [
        (6, "the non-zeros", "number of non-zero weights"),
        (10, "without standardizing", "without standardizing"),
        (1, "the elastic net", "elastic net"),
        (3, "alpha = 2", "alpha = 2"),
        (5, "one too many", "Too many"),
    ],
    "ex04.q3": [
        (45.16, "the diabetes data", "diabetes"),
        (218.3, "not divided by n", "forgot to divide by n"),
        (0.1918, "divided by 2n", "divides by 2n"),
        (6.822, "summed over the features", "sums over the features"),
        (0.7674, "labels -1/+1", "-1/+1"),
        (0.38, "too few digits", "give 4 significant digits"),
        (0.3836, "truncated", "significant digits, correctly rounded"),
        (38.37, "100 times (alpha_max is not a fraction)", "100 times the right value"),
    ],
    "ex04.q7": [
        (18, "the zeros", "exact zeros"),
        (8, "unscaled features", "unscaled"),
        (9, "the logistic regression", "L1 logistic regression"),
        (11, "one short", "1 less than the right value"),
        (30, "every weight (the 'most of them' guess)", None),
    ],
    "ex05.q1": [
        (sparse_every_weight, "zeros stored too", "zeros included"),
        (sparse_values_only, "values without indices", "Only the values"),
        (sparse_positive_only, "w > 0", "Negative weights are non-zero"),
        (sparse_dense, "the dense size", "dense size"),
        (sparse_bits, "bits instead of bytes", "8 times"),
    ],
    "ex05.q2": [
        (1921.333, "not rounded", "whole number"),
        (1922, "rounded up", "Round down"),
        (960, "4 bytes per dense weight", "4 bytes per dense weight"),
        (2882, "every weight", "1.5 times the dense one"),
        (1920, "strictly fewer, one too few", "1 less than the right value"),
        (15368, "the bytes, not the number of weights", "8 times"),
        (1921.33, "not a whole number", "a count is a whole number"),
    ],
    "ex05.q3": [
        (1e-3, "over budget", "Over budget"),
        (3e-3, "loss too high", "loss is too high"),
        (1e-4, "far over budget", "Far over budget"),
        (np.zeros(3), "the weights without the intercept", "Only the weights"),
        (0.05, "alpha far too strong", "loss is too high"),
    ],
    "ex05.q7": [
        (1921, "the float64 / int32 answer", "2/3 of p"),
        (1441, "break-even, not smaller", "exactly as many bytes"),
        (2 / 3, "the predicted density", "predict first"),
        (0.5, "the break-even density, not the count", "break-even density"),
        (1440.5, "p / 2 not rounded", "a count is a whole number"),
        (1439, "one too few", "1 less than the right value"),
        (2880, "2 bytes per pair", "twice the right value"),
    ],
    "ex06.q1": [
        (one_se_strict, "< instead of <=", "< instead of <="),
        (one_se_alpha_min, "alpha_min", "alpha_min"),
        (one_se_smallest, "the smallest alpha within one SE", "smallest alpha"),
        (one_se_own_se, "each alpha's own SE", "one number"),
        (one_se_first_in_grid, "the first in grid order", "grid order"),
        (one_se_none_when_empty, "None on an empty grid", "empty input: there it returns None, "
         "and the prompt asks for a ValueError"),
        (one_se_nan_when_empty, "NaN on an empty grid", "empty input: there it returns nan, "
         "and the prompt asks for a ValueError"),
        (one_se_index_error_when_empty, "IndexError on an empty grid", "empty input: there it "
         "raises IndexError, and the prompt asks for a ValueError"),
    ],
    "ex06.q2": [
        (selection_counts, "counts", "Those are counts"),
        (selection_per_fit, "axis=1", "axis=0"),
        (selection_positive, "> 0", "A negative weight is selected"),
        (selection_zero, "how often zero", "how often each feature is zero"),
        (selection_size, "mean size", "mean size"),
        (selection_percent, "a percentage", "100 times the expected values: probably a percentage"),
    ],
    "ex06.q3": [
        (60, "log10", "log10"),
        (139, "log(p), also one too many", "probably log(p)"),
        (69, "no factor 2", "factor 2"),
        (137.95, "not rounded", "whole number"),
        (137, "rounded down", "rounded down"),
    ],
    "ex06.q4": [
        (0.371, "sqrt(5) kept", "sqrt(5)"),
        (0.05069, "alpha_min", "alpha_min"),
        (0.5925, "the standard deviation", "standard deviation"),
        (0.2322, "the 5-fold answer", "5-fold"),
        (0.26, "too few digits", "give 4 significant digits"),
        (0.261, "too few digits (3)", "give 4 significant digits"),
    ],
    "ex06.q15": [
        (23, "alpha_min", "alpha_min"),
        (10, "the zeros", "exact zeros"),
        (21, "counted the intercept", "1 more than the right value"),
        (19, "one short", "1 less than the right value"),
        (30, "every feature (the 'most of them' guess)", None),
    ],
    "ex07.q1": [
        (196, "14 x 14", "14 x 14"),
        (182, "14 x 13", "14 x 13"),
        (105, "the one-hot columns added", "adds the 14"),
        (364, "three-way crosses", "three-way"),
        (78, "C(13, 2): a column left out", None),
    ],
    "ex07.q2": [
        (varint_8_bits, "8 bits per byte", "8 bits per byte"),
        (varint_rounds_down, "rounds down", "rounds down"),
        (varint_fixed, "a fixed 4 bytes", "fixed 32-bit"),
        (varint_ceil, "0 bytes for gap 0", "1 less than the expected value"),
        (varint_plus_one, "one byte too many at the boundaries", "1 more than the expected"),
        (varint_floor_log, "a float logarithm", "fails only on large integers (2**31 and more)"),
        (varint_ceil_log2, "a float logarithm", "fails only on large integers (2**31 and more)"),
        (varint_int_log2, "a float logarithm", "fails only on large integers (2**31 and more)"),
    ],
    "ex07.q4": [
        (0.037, "all three admit it", "all 3 coins"),
        (0.7037, "it does get state", "does get state"),
        (0.6667, "one sighting", "one sighting"),
        (29.63, "a percentage", "percentage"),
        (3.375, "(3/2)**3: the ratio upside down", "1 divided by the right value"),
    ],
    "ex07.q5": [
        (logit_no_intercept, "no intercept", "intercept b"),
        (logit_first_weights, "the first weights of the model", "first weights"),
        (logit_ignores_values, "ignores x_values", "values x_j matter"),
        (logit_hints_unguarded, "the hints without the empty-model guard", "empty input"),
        (logit_indexes_by_column, "values indexed by column number", None),
    ],
    "ex07.q6": [
        (240_000_000, "every feature admitted", "admits every feature"),
        (80_000_000, "p applied once per feature", "probability p once"),
        (128_416_196.7, "the features left out", "left out"),
        (4_649_325, "a count of features, not bytes", "number of features"),
        (111.5838, "megabytes", "megabytes"),
        (0.5351, "the fraction saved", "saves"),
        (892_670_426, "bits instead of bytes", "8 times"),
        (120_000_000, "the 'about half' guess, also k * p", "'about half' guess"),
        (160_000_000, "the 'about a third' guess", "predict first"),
    ],
    "ex08.q1": [
        (57_600, "only the way up", "only what the workers send up"),
        (144_000, "only the way down", "only the way down"),
        (75_600, "the average sent once", "goes to every worker"),
        (134_400, "values without indices", "4-byte index"),
        (25_200, "one worker's messages", "one worker's share"),
        (115_200, "the average taken as 600 weights", "1,500 non-zero weights"),
        (1_612_800, "bits instead of bytes", "8 times"),
    ],
}


def main() -> None:
    """Grade every wrong answer and print the share whose feedback names the mistake."""
    from test_exercise_feedback import graded, names_the_mistake

    rows = graded()
    named = sum(names_the_mistake(message) for _, _, _, message in rows)
    print(f"{named} of {len(rows)} wrong answers ({named / len(rows):.1%}) get feedback that "
          "names the mistake")


if __name__ == "__main__":
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()

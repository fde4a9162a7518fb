"""Exercises for notebook 07, at scale: hashed crosses, serving bytes, inclusion, sparse serving,
and a transfer: the training state of a log the notebook never trained on."""

import math

import numpy as np

from ._engine import Function, MultipleChoice, Value

q1 = Value(
    prompt="The Adult table has 14 columns. How many different pairwise crosses ($a "
           "\\times b$, with $a$ and $b$ two different columns, order ignored) does it "
           "have?",
    answer=91,
    mistakes=[
        (196, "14 x 14 counts each column crossed with itself and every pair twice."),
        (182, "14 x 13 counts every pair twice: age x sex is the same cross as sex x age."),
        (105, "that adds the 14 one-hot columns: count only the crosses."),
        (364, "364 is the number of three-way crosses, C(14, 3)."),
    ],
    hints=[
        "Choose 2 columns out of 14, order ignored.",
        "C(14, 2): the number of ways to pick 2 of the 14 columns, math.comb(14, 2).",
    ],
    solution="answer = 14 * 13 // 2   # math.comb(14, 2)",
)


def _varint_bytes(gap):
    n = 1
    while gap >= 128:
        gap >>= 7
        n += 1
    return n


def _varint_bytes_from_129(gap):
    n = 1
    while gap > 128:
        gap >>= 7
        n += 1
    return n


q2 = Function(
    prompt="Write `varint_bytes(gap)`: the number of bytes a varint (LEB128, the code of "
           "section 3's delta-encoded indices) takes for an integer `gap >= 0`. A varint "
           "stores the number 7 bits per byte, and the eighth bit of each byte says "
           "whether another byte follows: 1 byte for 0 to 127, 2 bytes for 128 to 16,383, "
           "3 bytes from 16,384, and so on. The answer must be exact for every integer, "
           "however large (`2**35` and beyond).",
    answer=_varint_bytes,
    # 0, 300, the 8-bit boundary 255/256 (which tells 7 bits a byte from 8), and both sides of
    # every 7-bit boundary up to 64-bit gaps: a floating-point logarithm is off near 2**35 - 1,
    # 2**49 and beyond, where the gap no longer fits a float's 53 bits exactly
    cases=[(0,), (1,), (255,), (256,), (300,)]
    + [(2 ** (7 * k) + side,) for k in range(1, 10) for side in (-1, 0)],
    mistakes=[
        (lambda gap: max(1, (int(gap).bit_length() + 7) // 8),
         "that packs 8 bits per byte; a varint keeps one bit of each byte to say "
         "'another byte follows', so only 7 carry the number."),
        (_varint_bytes_from_129,
         "the boundaries are one off: 128 = 2**7 already needs a second byte, since one byte "
         "holds 0 to 127. Loop while gap >= 128, not gap > 128."),
        (lambda gap: int(gap).bit_length() // 7,
         "that rounds down, and gives 0 bytes for small gaps: even 0 takes one byte."),
        (lambda gap: max(1, math.ceil(math.log(gap + 1, 128))),
         "a floating-point logarithm is not exact: log(2**35, 128) comes out just above 5, and "
         "above 2**53 a float cannot even hold gap + 1. Count with integers: shift the gap right "
         "by 7 bits until it is below 128, or use gap.bit_length()."),
        (lambda gap: 4, "that is a fixed 32-bit index; a varint grows with the gap."),
    ],
    hints=["Count how many times you can shift the gap right by 7 bits before it is < 128.",
           "Start at 1 byte; while gap >= 128: gap >>= 7 and add a byte."],
    solution="def varint_bytes(gap):\n    n = 1\n    while gap >= 128:\n        gap >>= 7\n"
    "        n += 1\n    return n",
)

q3 = MultipleChoice(
    prompt="Training with FTRL-Proximal and a strong L1 penalty, which memory does L1 "
           "shrink?",
    options={
        "a": ("The training state: z and n of every feature seen",
              "no: every feature that was seen keeps its z and n, whatever its weight; "
              "the notebook's state is the same size with and without L1."),
        "b": ("The serving model: the indices and values of the non-zero weights",
              "yes: a zero weight is not shipped, so the model that answers queries shrinks; "
              "the state needed to keep training does not."),
        "c": ("Both, in the same proportion",
              "the state keeps every feature seen: only the serving model loses the zeros."),
        "d": ("Neither: hashing fixes the memory",
              "hashing fixes the number of buckets, not how many weights are non-zero; "
              "the serving model stores only those."),
    },
    answer="b",
    hints=["A weight is zero while |z_i| <= l1: what happens to z_i itself then?"],
)

q4 = Value(
    prompt="Poisson inclusion with $p = 1/3$: a feature appears exactly 3 times in the "
           "whole stream. What is the probability that it never gets training state? Give "
           "4 significant digits.",
    answer=8 / 27,
    mistakes=[
        (0.3, "0.3 is the answer rounded to one digit: give 4 significant digits."),
        (1 / 27, "that is the probability that all 3 coins admit it; we want none of them to."),
        (19 / 27, "that is the probability that it does get state: 1 - (2/3)**3."),
        (2 / 3, "that is one sighting; the three coins are independent."),
    ],
    hints=["Each sighting admits it with probability 1/3, independently.",
           "Never admitted: three misses in a row, (1 - p)**3."],
    solution="answer = (1 - 1 / 3) ** 3   # 8/27 = 0.2963",
)


def _sparse_logit(indices, values, intercept, x_indices, x_values):
    at = np.searchsorted(indices, x_indices)
    at = np.minimum(at, max(len(indices) - 1, 0))
    hit = (np.asarray(indices)[at] == x_indices) if len(indices) else np.zeros(len(x_indices), bool)
    weights = np.where(hit, np.asarray(values)[at] if len(indices) else 0.0, 0.0)
    return float(intercept + np.sum(weights * x_values))


def _dense_logit(indices, values, intercept, x_indices, x_values):
    # what the prompt forbids: a weight for every index up to the largest one
    w = np.zeros(int(max(np.max(indices, initial=-1), np.max(x_indices, initial=-1))) + 1)
    w[indices] = values
    return float(intercept + np.sum(w[x_indices] * x_values))


_model = (np.array([3, 17, 40, 1_000_000]), np.array([0.5, -1.0, 2.0, 0.25]), -0.75)
# Hashed feature ids of 64 bits: a dense vector up to 2**40 would take 8 TiB, one up to 2**62 more
# than any address space, so numpy refuses it at once (MemoryError or ValueError), never a crash.
_wide = (np.array([3, 17, 2**40]), np.array([0.5, -1.0, 0.25]), 0.1)
q5 = Function(
    prompt="Write `sparse_logit(indices, values, intercept, x_indices, x_values)`: the "
           "logit $b + \\sum_j w_j x_j$ of one row, where the model is the sorted array "
           "`indices` of its non-zero weights and their `values`, `intercept` is $b$, and "
           "the row is its sorted non-zero columns `x_indices` with values `x_values`. A "
           "column that is not in `indices` has weight 0. Never build the dense weight "
           "vector: an index can be as large as the number of buckets, or larger.",
    answer=_sparse_logit,
    cases=[
        (*_model, np.array([3, 40]), np.array([1.0, 1.0])),
        (*_model, np.array([2, 17, 999_999]), np.array([1.0, 2.0, 1.0])),  # misses included
        (*_model, np.array([1_000_000]), np.array([4.0])),  # the last weight
        (*_model, np.array([5_000_000]), np.array([1.0])),  # beyond every index
        (*_model, np.array([], dtype=np.int64), np.array([])),  # an empty row
        (np.array([], dtype=np.int64), np.array([]), 0.3, np.array([1, 2]), np.array([1.0, 1.0])),
        (*_wide, np.array([17, 2**40]), np.array([1.0, 2.0])),  # a weight at index 2**40
        (*_wide, np.array([3, 2**62]), np.array([2.0, 1.0])),  # a column far beyond the model
    ],
    mistakes=[
        (lambda i, v, b, xi, xv: _sparse_logit(i, v, 0.0, xi, xv),
         "the intercept b is part of the logit, even for an empty row."),
        (lambda i, v, b, xi, xv: float(b + np.sum(np.asarray(v)[:len(xi)] * xv)),
         "that multiplies the first weights of the model, not the weights of the row's "
         "columns: look each column up in `indices`."),
        (lambda i, v, b, xi, xv: _sparse_logit(i, v, b, xi, np.ones(len(xi))),
         "the row's values x_j matter too (a collided bucket counts 2)."),
        (_dense_logit,
         "that builds the dense weight vector, one float per index up to the largest: hashed "
         "feature ids go up to 2**64, and a vector up to 2**40 alone takes 8 TiB. Look each "
         "column up in the sorted `indices` instead (np.searchsorted)."),
    ],
    hints=[
        "np.searchsorted(indices, x_indices) says where each column would sit in `indices`.",
        "A column is in the model only if indices[position] == column. A position can be "
        "len(indices), one past the end: clip it to len(indices) - 1. A model with no weights "
        "has no position at all: return the intercept.",
        "Sum weight * x over the hits and add the intercept.",
    ],
    solution=(
        "def sparse_logit(indices, values, intercept, x_indices, x_values):\n"
        "    if len(indices) == 0:\n"
        "        return float(intercept)\n"
        "    at = np.minimum(np.searchsorted(indices, x_indices), len(indices) - 1)\n"
        "    hit = indices[at] == x_indices\n"
        "    return float(intercept + np.sum(np.where(hit, values[at], 0.0) * x_values))"
    ),
)


# q6, transfer: section 5's inclusion probability and section 3's state bytes, on a log the
# notebook never trained on. Expected features with state: sum of count * (1 - (1 - p)**k).
_Q6_LOG = [(6_000_000, 1), (3_000_000, 2), (1_000_000, 10)]  # (features, times each is seen)
_Q6_STATE = 24  # bytes per feature with state: an 8-byte index, z and n in float64


def _q6_state(admit):
    """Expected training-state bytes when a feature seen k times gets state with admit(k)."""
    return _Q6_STATE * sum(count * admit(k) for count, k in _Q6_LOG)


_Q6 = _q6_state(lambda k: 1 - (1 - 1 / 3) ** k)
q6 = Value(
    prompt="A click log has 10,000,000 distinct features: 6,000,000 are seen once, "
    "3,000,000 twice and 1,000,000 ten times each. Training keeps 24 bytes for each feature "
    "with state (an 8-byte index, $z_i$ and $n_i$ in float64, as in section 3; ignore the "
    "intercept). With Poisson inclusion at $p = 1/3$ (section 5), what is the expected "
    "training state, in bytes? Predict first: does inclusion save about a third of the "
    "240,000,000 bytes that admitting every feature takes, about half, or more? Give 4 "
    "significant digits.",
    answer=_Q6,
    # the "predict first" guesses: inclusion saves about a third, or about half (listed above)
    predicted=[_q6_state(lambda k: 1) * 2 / 3],
    mistakes=[
        (_q6_state(lambda k: 1), "that admits every feature: with Poisson inclusion a feature "
         "seen k times gets state with probability 1 - (1 - p)**k."),
        (_q6_state(lambda k: 1 / 3), "that admits each feature with probability p once; a "
         "feature seen k times has k chances, so it gets state with probability "
         "1 - (1 - p)**k."),
        (_q6_state(lambda k: (1 - 1 / 3) ** k), "that is the expected state of the features "
         "left out: (1 - p)**k is the probability of never getting state."),
        (_q6_state(lambda k: min(1.0, k / 3)), "That is half of 240,000,000: the 'about "
         "half' guess of the predict-first question, or k * p taken as a probability (it is not "
         "one: it passes 1 at k = 3). Compute the expected state: a feature seen k times gets "
         "state with probability 1 - (1 - p)**k."),
        (_Q6 / _Q6_STATE, "that is the expected number of features with state; each takes "
         "24 bytes."),
        (_Q6 / 1e6, "that is in megabytes; give the bytes."),
        (1 - _Q6 / _q6_state(lambda k: 1), "that is the fraction of the state inclusion "
         "saves; give the expected state itself, in bytes."),
        (_Q6 / _q6_state(lambda k: 1), "that is the fraction of the state that is kept; "
         "give the expected state itself, in bytes."),
    ],
    hints=[
        "A feature seen k times never gets state with probability (1 - p)**k (section 5), so "
        "the 3,000,000 features seen twice give `twice = 3_000_000 * (1 - (1 - 1 / 3) ** 2)` "
        "features with state on average.",
        "Add the three groups, then multiply by 24 bytes.",
        "`24 * (6_000_000 * (1 - (2 / 3) ** 1) + 3_000_000 * (1 - (2 / 3) ** 2) "
        "+ 1_000_000 * (1 - (2 / 3) ** 10))`",
    ],
    solution=(
        "p_admit = 1 / 3\n"
        "click_log = [(6_000_000, 1), (3_000_000, 2), (1_000_000, 10)]  # (features, times seen)\n"
        "admitted = sum(count * (1 - (1 - p_admit) ** k) for count, k in click_log)\n"
        "answer = 24 * admitted"
    ),
)

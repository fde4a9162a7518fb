"""Exercises for notebook 00, Start here: one demo question of each kind.

The weights below belong to a tiny model; the questions are about which of
them a sparse model would have to store.
"""

import numpy as np

from ._engine import Array, Function, MultipleChoice, Value

w = np.array([0.0, 1.5, 0.0, 0.0, -2.0, 0.0])

q1 = Value(
    prompt="How many weights of `w = [0.0, 1.5, 0.0, 0.0, -2.0, 0.0]` are not zero?",
    answer=2,
    mistakes=[
        (4, "4 is the number of zeros; count the weights that are not zero."),
        (6, "6 is the length of w; count only the weights that are not zero."),
        (1, "-2.0 is not zero either: negative weights count too."),
    ],
    hints=["Look for entries different from 0.0.", "1.5 is one of them."],
    solution="answer = 2   # 1.5 and -2.0",
)

q2 = Array(
    prompt="Give the positions (indices) of the non-zero weights of `w`, as an array.",
    answer=np.array([1, 4]),
    mistakes=[
        (np.array([2, 5]), "Python counts from 0: the first weight has index 0."),
        (np.array([0, 2, 3, 5]), "those are the positions of the zeros."),
        (np.array([1.5, -2.0]), "those are the values; we want their positions."),
    ],
    hints=["`np.flatnonzero(w)` gives the positions of the non-zero entries."],
    solution="answer = np.flatnonzero(w)",
)


def _count_nonzero(w):
    return int(np.sum(np.asarray(w) != 0))


q3 = Function(
    prompt="Write `count_nonzero(w)`: how many entries of the 1-D array `w` are not "
           "exactly 0.",
    answer=_count_nonzero,
    cases=[
        (w,),
        (np.array([-1.0, -2.0]),),
        (np.zeros(3),),
        (np.array([]),),
        (np.array([-3.0]),),  # a single, negative weight
        (np.array([5e-324, -0.0]),),  # the smallest float64 is not zero; -0.0 is zero
    ],
    mistakes=[
        (lambda w: int(np.sum(np.asarray(w) > 0)), "negative weights are not zero either."),
        (lambda w: len(w), "that counts every entry, zeros included."),
        (
            lambda w: int(np.sum(np.abs(w) > 1e-12)),
            "a tiny weight such as 5e-324 is not zero, and a model must store it: "
            "compare with 0 exactly.",
        ),
    ],
    hints=[
        "`w != 0` is an array of True/False.",
        "Summing True/False counts the True values; return it as an int.",
    ],
    solution="def count_nonzero(w):\n    return int(np.sum(w != 0))",
)

q4 = MultipleChoice(
    prompt="Which weight can a sparse model leave out of memory?",
    options={
        "a": ("1e-300", "1e-300 is tiny but not zero: the model must still store it."),
        "b": ("0.0", "only a weight that is exactly zero removes its feature from the model."),
        "c": ("-0.5", "a negative weight is stored like a positive one."),
    },
    answer="b",
    hints=["Storing a weight is about whether it is zero, not whether it is small."],
)

"""Boundaries of the shared validation helpers (course_utils/_validation.py).

The API sweep (tests/test_api_sweep.py) checks that every public function refuses hostile input
with a clear message; these tests pin the helpers' exact boundaries, where a ``<`` written as
``<=`` would still pass the sweep.
"""

import re

import numpy as np
import pytest

from course_utils._validation import _short, check_array


def test_short_keeps_a_repr_of_40_characters_and_cuts_41():
    assert _short("x" * 38) == repr("x" * 38)  # 40 characters with the quotes
    cut = _short("x" * 39)
    assert cut.startswith(repr("x" * 39)[:30] + "...") and cut.endswith("(41 characters)")


def test_a_1d_design_matrix_gets_the_reshape_hint_and_only_it():
    with pytest.raises(ValueError, match=re.escape("X must be 2-D, got an array of shape (3,) "
                                                   "(for a single feature use X.reshape(-1, 1))")):
        check_array(np.zeros(3), "X", ndim=2)
    with pytest.raises(ValueError, match=r"w must be 1-D, got an array of shape \(2, 2\)\.$"):
        check_array(np.zeros((2, 2)), "w", ndim=1)

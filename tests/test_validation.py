"""Boundaries of the shared validation helpers (course_utils/_validation.py).

The API sweep (tests/test_api_sweep.py) checks that every public function refuses hostile input
with a clear message; these tests pin the helpers' exact boundaries, where a ``<`` written as
``<=`` would still pass the sweep.
"""

from course_utils._validation import _short


def test_short_keeps_a_repr_of_40_characters_and_cuts_41():
    assert _short("x" * 38) == repr("x" * 38)  # 40 characters with the quotes
    cut = _short("x" * 39)
    assert cut.startswith(repr("x" * 39)[:30] + "...") and cut.endswith("(41 characters)")

"""Boundaries of the shared validation helpers (course_utils/_validation.py).

The API sweep (tests/test_api_sweep.py) checks that every public function refuses hostile input
with a clear message; these tests pin the helpers' exact boundaries, where a ``<`` written as
``<=`` would still pass the sweep.
"""

import re

import numpy as np
import pytest
import scipy.sparse as sp

from course_utils._validation import (
    MAX_ALPHAS,
    MAX_DENSE_FEATURES,
    _short,
    check_array,
    check_indices,
    check_length,
    check_X_y,
    n_elements,
    sum_dtype,
)


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


def test_n_elements_is_exact_where_np_prod_wraps():
    assert n_elements(sp.csr_matrix((2, 2**62))) == 2**63  # np.prod: -2**63
    assert n_elements(sp.csr_matrix((4, 2**62))) == 2**64  # np.prod: 0
    assert check_array(sp.csr_matrix((4, 2**62)), "w", sparse_ok=True).shape == (4, 2**62)


def test_sum_dtype_widens_what_a_sum_could_overflow():
    assert sum_dtype(np.int8) == sum_dtype(np.uint32) == sum_dtype(bool) == np.int64
    assert sum_dtype(np.int64) == sum_dtype(np.uint64) == sum_dtype(np.float16) == np.float64
    M = check_array(sp.csr_matrix(np.array([[100]], dtype=np.int8)), "X", sparse_ok=True,
                    dtype="sum")
    assert M.dtype == np.int64


def test_check_indices_refuses_uint64_ids_that_int64_would_wrap():
    assert check_indices(np.array([2**63 - 1], dtype=np.uint64), "f").tolist() == [2**63 - 1]
    with pytest.raises(ValueError, match="features must hold integer indices"):
        check_indices(np.array([2**63], dtype=np.uint64), "features")
    with pytest.raises(ValueError, match="features must hold integer indices"):
        check_indices(np.array([-1]), "features")


def test_lil_whose_rows_and_data_disagree_is_refused_before_conversion():
    m = sp.lil_matrix((2, 3))
    m.rows[0] = [0, 1]
    m.data[0] = [1.0]
    with pytest.raises(ValueError, match="w is not a valid sparse matrix: its rows and data"):
        check_array(m, "w", sparse_ok=True)
    m = sp.lil_matrix((2, 3))
    m.rows[0] = [5]
    m.data[0] = [1.0]
    with pytest.raises(ValueError, match=r"column indices must be integers in \[0, 3\)"):
        check_array(m, "w", sparse_ok=True)


@pytest.mark.parametrize("shape", [(5, 4), (4, 5), (5, 5)])
def test_bsr_whose_blocks_do_not_tile_its_shape_is_refused(shape):
    """A BSR matrix's shape must be a whole number of its blocks each way: one whose shape was
    set past its 2 x 2 blocks (a row or a column no block covers) is refused by name, not read
    as a matrix with an empty row or column added."""
    m = sp.bsr_matrix(np.arange(16.0).reshape(4, 4), blocksize=(2, 2))
    m._shape = shape
    with pytest.raises(ValueError, match=rf"w is not a valid sparse matrix: its blocks do not "
                                         rf"tile its shape \({shape[0]}, {shape[1]}\)"):
        check_array(m, "w", sparse_ok=True)


def test_lil_with_no_entries_is_a_valid_matrix():
    # its column list is empty, so a float array: the integer check must not run on it
    m = check_array(sp.lil_matrix((2, 3)), "w", sparse_ok=True)
    assert sp.issparse(m) and m.shape == (2, 3) and m.nnz == 0


def test_check_X_y_caps_the_number_of_columns():
    y = np.ones(3)
    assert check_X_y(sp.csr_matrix((3, MAX_DENSE_FEATURES)), y)[0].shape[1] == MAX_DENSE_FEATURES
    with pytest.raises(ValueError, match="X has 134,217,729 columns, more than"):
        check_X_y(sp.csr_matrix((3, MAX_DENSE_FEATURES + 1)), y)
    assert check_X_y(sp.csr_matrix((3, 2**31)), y, max_features=2**31)[0].shape[1] == 2**31


def test_lasso_path_caps_the_number_of_alphas():
    from course_utils.solvers import lasso_path

    assert check_length(np.ones(MAX_ALPHAS), "alphas", MAX_ALPHAS).size == MAX_ALPHAS
    X = np.eye(3)
    with pytest.raises(ValueError, match=f"alphas must hold at most {MAX_ALPHAS:,} values"):
        lasso_path(X, np.ones(3), np.full(MAX_ALPHAS + 1, 0.1))


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "bsr", "dia", "lil", "dok"])
def test_every_sparse_format_of_a_valid_matrix_is_accepted_as_its_values(fmt):
    """The checks that run before a sparse matrix is converted must pass every valid matrix of
    every scipy format (a check that refuses a valid one would pass the hostile sweep, which takes
    a clear ValueError as an answer): the solver then sees the same values as the dense array."""
    dense = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -3.0], [0.0, 0.0, 4.0], [5.0, 0.0, 0.0]])
    y = np.array([1.0, 2.0, 3.0, 4.0])
    X, _ = check_X_y(sp.csr_matrix(dense).asformat(fmt), y)
    np.testing.assert_array_equal(X.toarray() if sp.issparse(X) else X, dense)


@pytest.mark.parametrize("key", [(1.0, 0), (0, 0.5), (0, 1, 2), 2],
                         ids=["float row", "float column", "three numbers", "a number"])
def test_a_dok_matrix_with_a_malformed_key_is_refused_before_conversion(key):
    # DOK keys must be (row, column) pairs of integers: each of the three conditions alone (a
    # float, not a pair, not even a tuple) is a malformed key. scipy's own __setitem__ refuses
    # them, so the key is put in past it, as the only entry.
    m = sp.dok_matrix((3, 3))
    dict.__setitem__(getattr(m, "_dict", m), key, 1.0)
    with pytest.raises(ValueError, match=r"^X .*keys must be \(row, column\) pairs of integers"):
        check_X_y(m, np.ones(3))

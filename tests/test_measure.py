"""Tests of course_utils.measure on hand-made cases (expected numbers worked out by hand)."""

import numpy as np
import pytest
import scipy.sparse as sp

from course_utils.measure import (
    SupportRecovery,
    count_nonzero,
    model_bytes,
    sparsity,
    support_recovery,
)

W = [0.0, 1.5, 0.0, -2.0, 1e-9, 0.0, 0.0, 0.0, 0.0, 3.0]  # 10 weights, 4 non-zeros


def test_count_nonzero_and_sparsity():
    assert count_nonzero(W) == 4
    assert count_nonzero(W, tol=1e-6) == 3
    assert count_nonzero(W, tol=2.0) == 1  # |-2.0| is not > 2.0
    assert sparsity(W) == 0.6
    assert sparsity(W, tol=1e-6) == 0.7
    assert sparsity(np.zeros(4)) == 1.0
    assert sparsity(np.ones((2, 2))) == 0.0
    assert count_nonzero(np.array([[0.0, 1.0], [2.0, 0.0]])) == 2


def test_sparse_input_counts_explicit_zeros_as_zeros():
    m = sp.csr_matrix(np.array([[0.0, 1.0, 0.0], [2.0, 0.0, 0.0]]))
    m.data[0] = 0.0  # an explicitly stored zero
    assert count_nonzero(m) == 1
    assert sparsity(m) == 5 / 6
    assert model_bytes(m, "sparse") == 12
    assert model_bytes(m, "dense") == 48


def test_duplicate_sparse_entries_are_summed_on_a_copy():
    # position 0 stored twice, 1.0 and -1.0: its value is their sum, an exact zero
    m = sp.csr_matrix((np.array([1.0, -1.0, 2.0]), np.array([0, 0, 1]), np.array([0, 3])), (1, 3))
    stored = (m.data.copy(), m.indices.copy(), m.nnz)
    assert count_nonzero(m) == 1
    assert sparsity(m) == 2 / 3
    assert model_bytes(m, "sparse") == 12
    assert count_nonzero(m.tocoo()) == 1 and count_nonzero(m.T.tocsc()) == 1
    np.testing.assert_array_equal(m.data, stored[0])  # the caller's matrix is untouched
    np.testing.assert_array_equal(m.indices, stored[1])
    assert m.nnz == stored[2]


@pytest.mark.parametrize(
    "storage, value_dtype, index_dtype, expected",
    [
        ("dense", np.float64, np.int32, 80),  # 10 * 8
        ("dense", np.float32, np.int32, 40),  # 10 * 4
        ("dense", np.float16, np.int64, 20),  # 10 * 2, index type unused
        ("sparse", np.float64, np.int32, 48),  # 4 * (8 + 4)
        ("sparse", np.float64, np.int64, 64),  # 4 * (8 + 8)
        ("sparse", np.float32, np.int32, 32),  # 4 * (4 + 4)
        ("sparse", np.float16, np.int16, 16),  # 4 * (2 + 2)
        ("sparse", "float32", "int64", 48),  # 4 * (4 + 8), dtype names work too
    ],
)
def test_model_bytes(storage, value_dtype, index_dtype, expected):
    assert model_bytes(W, storage, value_dtype, index_dtype) == expected


def test_model_bytes_tol_and_all_zero():
    assert model_bytes(W, "sparse", tol=1e-6) == 36  # 3 * (8 + 4)
    assert model_bytes(np.zeros(1000), "sparse") == 0
    assert model_bytes(np.zeros(1000), "dense") == 8000


def test_model_bytes_index_too_narrow():
    # int16 indices reach 32,767: enough for 32,768 weights, not for 32,769.
    assert model_bytes(np.ones(32_768), "sparse", index_dtype=np.int16) == 327_680  # * (8 + 2)
    with pytest.raises(ValueError, match="index_dtype"):
        model_bytes(np.ones(32_769), "sparse", index_dtype=np.int16)
    assert model_bytes(np.ones(32_769), "sparse", index_dtype=np.uint16) == 327_690


@pytest.mark.parametrize(
    "w_hat, w_true, expected",
    [
        ([1, 0, 2, 0], [1, 0, 2, 0], (1.0, 1.0)),  # perfect
        ([1, 1, 1, 1], [1, 0, 2, 0], (0.5, 1.0)),  # selects everything: 2 of 4 right
        ([1, 0, 0, 0], [1, 0, 2, 0], (1.0, 0.5)),  # finds one of two
        ([0, 3, 0, 0], [1, 0, 2, 0], (0.0, 0.0)),  # all wrong
        ([1, 5, 0, 7], [1, 0, 2, 3], (2 / 3, 2 / 3)),
        ([0, 0, 0, 0], [1, 0, 2, 0], (1.0, 0.0)),  # nothing selected: precision 0/0 -> 1
        ([0, 1, 0, 0], [0, 0, 0, 0], (0.0, 1.0)),  # nothing to find: recall 0/0 -> 1
        ([0, 0, 0, 0], [0, 0, 0, 0], (1.0, 1.0)),  # both empty
    ],
)
def test_support_recovery_by_hand(w_hat, w_true, expected):
    result = support_recovery(w_hat, w_true)
    assert isinstance(result, SupportRecovery)
    assert result == pytest.approx(expected, abs=1e-15)


def test_support_recovery_tol_applies_to_w_hat_only():
    w_true = [1e-9, 0.0, 1.0]
    assert support_recovery([1e-9, 1e-9, 1.0], w_true) == (2 / 3, 1.0)
    assert support_recovery([1e-9, 1e-9, 1.0], w_true, tol=1e-6) == (1.0, 0.5)


BAD = [
    (count_nonzero, ([np.nan],), {}, ValueError, "w"),
    (count_nonzero, ("abc",), {}, TypeError, "w"),
    (count_nonzero, ([1.0],), {"tol": -1.0}, ValueError, "tol"),
    (count_nonzero, ([1.0],), {"tol": np.inf}, ValueError, "tol"),
    (sparsity, ([np.inf],), {}, ValueError, "w"),
    (sparsity, (None,), {}, TypeError, "w"),
    (sparsity, ([1.0],), {"tol": "0"}, TypeError, "tol"),
    (model_bytes, ([1.0],), {"storage": "csr"}, ValueError, "storage"),
    (model_bytes, ([1.0],), {"storage": None}, ValueError, "storage"),
    (model_bytes, ([1.0],), {"value_dtype": np.int32}, TypeError, "value_dtype"),
    (model_bytes, ([1.0],), {"value_dtype": "double-ish"}, TypeError, "value_dtype"),
    (model_bytes, ([1.0],), {"index_dtype": np.float32}, TypeError, "index_dtype"),
    (model_bytes, ([1.0],), {"index_dtype": None}, TypeError, "index_dtype"),
    (model_bytes, ([1.0],), {"tol": -0.5}, ValueError, "tol"),
    (model_bytes, ([np.nan],), {}, ValueError, "w"),
    (support_recovery, ([1.0], [1.0, 0.0]), {}, ValueError, "w_hat and w_true"),
    (support_recovery, ([np.nan], [1.0]), {}, ValueError, "w_hat"),
    (support_recovery, ([1.0], ["a"]), {}, TypeError, "w_true"),
    (support_recovery, ([1.0], [1.0]), {"tol": -1}, ValueError, "tol"),
    # not numbers, though numpy files timedelta64 under integers
    (count_nonzero, (np.array([1, 2], dtype="m8[s]"),), {}, TypeError, "w"),
    (sparsity, (np.array(["2020-01-01"], dtype="M8[D]"),), {}, TypeError, "w"),
    (model_bytes, (np.array([1 + 2j]),), {}, TypeError, "w"),
    (count_nonzero, (np.array([1.0, "a"], dtype=object),), {}, TypeError, "w"),
    (count_nonzero, (sp.csr_matrix(np.array([[1 + 1j]])),), {}, TypeError, "w"),
    (support_recovery, ([1.0], np.array([1], dtype="m8[D]")), {}, TypeError, "w_true"),
    (count_nonzero, ([1.0],), {"tol": np.timedelta64(1, "s")}, TypeError, "tol"),
    # integers too large for a float
    (count_nonzero, ([1.0],), {"tol": 10**400}, ValueError, "tol"),
    (model_bytes, ([1.0],), {"tol": 10**400}, ValueError, "tol"),
    (model_bytes, ([1.0],), {"value_dtype": np.zeros(1, np.float32)}, TypeError, "value_dtype"),
    (support_recovery, ([1.0], [1.0]), {"tol": -(10**400)}, ValueError, "tol"),
]


@pytest.mark.parametrize("func, args, kwargs, exc, name", BAD)
def test_bad_input_names_the_argument(func, args, kwargs, exc, name):
    with pytest.raises(exc, match=rf"^{name} "):
        func(*args, **kwargs)


def test_empty_weights_work_as_in_numpy():
    # a model without weights stores nothing; only the fraction of zeros is undefined (0 / 0)
    assert count_nonzero([]) == 0 and count_nonzero(sp.csr_matrix((0, 3))) == 0
    assert model_bytes([]) == model_bytes([], "sparse") == 0
    assert support_recovery([], []) == (1.0, 1.0)  # nothing to find, nothing selected
    with pytest.raises(ValueError, match="^w "):
        sparsity([])


def test_integer_weights_are_compared_with_tol_exactly():
    """As float64, 2**53 + 1 is 2**53, not above tol = 2**53 (main at a9513eb counted 0)."""
    from course_utils.penalties import l0_norm

    w = np.array([2**53 + 1, 2**53, -(2**53) - 1, 0])
    assert count_nonzero(w, tol=2.0**53) == 2
    assert l0_norm(w, tol=2.0**53) == 2
    assert sparsity(w, tol=2.0**53) == 0.5
    assert count_nonzero(sp.csr_matrix(w.reshape(1, -1)), tol=2.0**53) == 2
    assert count_nonzero(np.array([-(2**63)], dtype=np.int64), tol=1.0) == 1  # abs() would wrap

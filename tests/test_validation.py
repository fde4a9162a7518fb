"""Boundaries of the shared validation helpers (course_utils/_validation.py).

The API sweep (tests/test_api_sweep.py) checks that every public function refuses hostile input
with a clear message; these tests pin the helpers' exact boundaries, where a ``<`` written as
``<=`` would still pass the sweep.
"""

import re

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.lib.stride_tricks import as_strided

from course_utils._validation import (
    MAX_ALPHAS,
    MAX_ARRAY_ELEMENTS,
    MAX_DENSE_FEATURES,
    MAX_FIT_MAGNITUDE,
    _short,
    above,
    check_array,
    check_fit,
    check_indices,
    check_length,
    check_magnitude,
    check_text,
    check_X_y,
    n_elements,
    sum_dtype,
    user_values,
)
from course_utils.solvers import FitResult


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


def _wrapped(fmt, dtype, data_shape=None):
    """A 4 x 3 matrix whose indptr holds ``dtype``'s maximum, then a negative (0 if unsigned):
    ``np.diff`` wraps around and sees no decrease."""
    m = sp.bsr_matrix((4, 3), blocksize=(1, 1)) if fmt == "bsr" else getattr(
        sp, f"{fmt}_matrix")((4, 3))
    major = 3 if fmt == "csc" else 4
    indptr = np.full(major + 1, 3, dtype=dtype)
    indptr[:3] = [0, np.iinfo(dtype).max, -5 if np.iinfo(dtype).min < 0 else 0]
    m.indptr, m.indices = indptr, np.array([0, 1, 2], dtype=dtype)
    m.data = np.ones(data_shape or ((3, 1, 1) if fmt == "bsr" else (3,)))
    return m


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint64])
@pytest.mark.parametrize("fmt", ["csr", "csc", "bsr"])
def test_an_indptr_that_wraps_around_is_refused_before_scipy_reads_it(fmt, dtype):
    """(In main, a9513eb: SIGSEGV for CSC and BSR, a C++ RuntimeError for CSR.)"""
    with pytest.raises(ValueError, match="w is not a valid sparse matrix: its indptr"):
        check_array(_wrapped(fmt, dtype), "w", sparse_ok=True)


def test_an_indptr_that_decreases_inside_its_range_is_refused():
    m = sp.csr_matrix(np.eye(4))
    m.indptr[1], m.indptr[2] = 4, 0
    with pytest.raises(ValueError, match="indptr must start at 0 and not decrease"):
        check_array(m, "w", sparse_ok=True)


def test_sparse_data_must_be_1d_and_bsr_data_3d():
    with pytest.raises(ValueError, match="w is not a valid sparse matrix: its data must be a 1-D"):
        check_array(_wrapped("csr", np.int64, data_shape=(3, 1)), "w", sparse_ok=True)
    m = sp.bsr_matrix(np.eye(4), blocksize=(2, 2))
    m.data = m.data.reshape(-1)
    with pytest.raises(ValueError, match="its data must be a 3-D"):
        check_array(m, "w", sparse_ok=True)


def test_coordinates_beyond_int64_are_refused_and_small_index_dtypes_accepted():
    m = sp.coo_array(np.eye(3))
    row, col = m.row.astype(np.uint64), np.array([0, 1, 2**64 - 1], dtype=np.uint64)
    if hasattr(m, "coords"):  # scipy >= 1.13 keeps coords (row and col are views of it)
        m.coords = (row, col)
    else:
        m.row, m.col = row, col
    with pytest.raises(ValueError, match="axis-1 coordinates must be in \\[0, 2\\]"):
        check_array(m, "w", sparse_ok=True)
    small = sp.csc_matrix(np.arange(12.0).reshape(4, 3))
    small.indptr, small.indices = small.indptr.astype(np.int8), small.indices.astype(np.int8)
    assert np.array_equal(check_array(small, "w", sparse_ok=True).toarray(),
                          np.arange(12.0).reshape(4, 3))


def test_a_checked_sparse_matrix_shares_no_memory_with_the_input():
    m = sp.csr_matrix(np.eye(3))
    checked = check_array(m, "X", sparse_ok=True)
    for part in ("data", "indices", "indptr"):
        assert not np.shares_memory(getattr(checked, part), getattr(m, part))


def test_arrays_are_capped_by_their_logical_size():
    at_cap = np.broadcast_to(0.0, (MAX_ARRAY_ELEMENTS,))  # 8 bytes of memory
    assert check_array(at_cap, "x").shape == (MAX_ARRAY_ELEMENTS,)
    with pytest.raises(ValueError, match="x holds 134,217,729 values, more than the 134,217,728"):
        check_array(np.broadcast_to(0.0, (MAX_ARRAY_ELEMENTS + 1,)), "x")


def test_a_view_whose_strides_leave_its_buffer_is_refused():
    base = np.zeros(4)
    inside = as_strided(base, shape=(2,), strides=(24,))  # elements 0 and 3: inside
    assert check_array(inside, "x").tolist() == [0.0, 0.0]
    for outside in (as_strided(base, shape=(2,), strides=(32,)),  # one element past the end
                    as_strided(base[:1], shape=(5,)),  # contiguous, but past the end
                    as_strided(base, shape=(2,), strides=(2**40,))):
        with pytest.raises(ValueError, match="x is an array that may reach outside its memory"):
            check_array(outside, "x")


def test_an_array_over_memory_of_unknown_size_is_refused():
    import ctypes

    buffer = (ctypes.c_double * 4)(1, 2, 3, 4)

    class Pointer:  # 4 doubles described as 10**7: reading it would crash the process
        def __init__(self, n):
            self.__array_interface__ = {"data": (ctypes.addressof(buffer), False),
                                        "shape": (n,), "typestr": "<f8", "version": 3}

    for n in (4, 10**7):  # the owner cannot state its size, whatever the shape claims
        with pytest.raises(ValueError, match="w is an array that may reach outside its memory"):
            check_array(Pointer(n), "w")
    # memory whose size is known is accepted: a ctypes array, bytes, a view inside them
    assert check_array(np.ctypeslib.as_array(buffer)[1:], "w").tolist() == [2.0, 3.0, 4.0]
    assert check_array(np.frombuffer(bytes(16)), "w").tolist() == [0.0, 0.0]


def test_above_is_exact_for_integers_and_compares_floats_in_float64():
    assert above(np.array([2**53 + 1, 2**53, -(2**53) - 1]), 2.0**53).tolist() == [
        True, False, True]
    assert above(np.array([-(2**63)], dtype=np.int64), 1.0).tolist() == [True]
    assert above(np.array([2**64 - 1], dtype=np.uint64), 2.0**64).tolist() == [False]
    # float16(0.1) is 0.0999755859375: below 0.1 in float64, equal to it in float16
    assert above(np.array([0.1], dtype=np.float16), 0.0999).tolist() == [True]
    assert above(np.array([0.1], dtype=np.float16), 0.1).tolist() == [False]


def test_check_fit_marks_a_diverged_result_not_converged():
    one = np.ones((1, 1))
    ok = check_fit(FitResult(coef=np.array([MAX_FIT_MAGNITUDE]), converged=True), "s", X=one)
    assert ok.converged is True
    with pytest.warns(Warning, match="s diverged: its weights or decision values reach 3e"):
        out = check_fit(FitResult(coef=np.array([3e300]), converged=True), "s", X=one)
    assert out.converged is False
    X = np.full((2, 1), 1e10)  # weights of 1e150, decision values of 1e160
    with pytest.warns(Warning, match="diverged"):
        assert check_fit(FitResult(coef=np.array([1e150])), "s", X=X).converged is False
    with pytest.raises(ValueError, match="s overflowed float64"):
        check_fit(FitResult(coef=np.array([np.inf])), "s", X=one)
    with pytest.raises(TypeError, match="X"):  # no solver can skip the decision values
        check_fit(FitResult(coef=np.array([1.0])), "s")


def test_user_values_names_the_argument_and_lets_clear_errors_through():
    with pytest.raises(TypeError, match="table: reading its values failed with RuntimeError"):
        with user_values("table"):
            raise RuntimeError("from __hash__")
    with pytest.raises(ValueError, match="^table must not be empty$"):
        with user_values("table"):
            raise ValueError("table must not be empty")
    with pytest.raises(KeyboardInterrupt):
        with user_values("table"):
            raise KeyboardInterrupt


def test_check_text_parses_mathtext_as_matplotlib_would_draw_it():
    for good in (r"$\alpha$ path", "costs $5", r"a \$ and $x^2$", "plain"):
        assert check_text(good, "title") == good
    for bad in (r"$\undefinedcmd$", r"$\foo{$", "a $^$ b"):
        with pytest.raises(ValueError, match="title is not valid matplotlib mathtext"):
            check_text(bad, "title")
    with pytest.raises(TypeError, match="title must be a string"):
        check_text(3, "title")


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


def test_a_sparse_matrix_with_too_many_rows_is_refused_before_conversion():
    from course_utils._validation import MAX_SPARSE_ROWS

    for fmt in ("coo", "csc"):  # at the cap: accepted (LIL would build 2**24 lists)
        small = sp.coo_matrix((np.ones(1), ([MAX_SPARSE_ROWS - 1], [0])),
                              shape=(MAX_SPARSE_ROWS, 3)).asformat(fmt)
        assert check_array(small, "X", sparse_ok=True).shape == (MAX_SPARSE_ROWS, 3)
    # one entry, 2**34 rows: CSR's index alone would be 128 GiB
    tall = sp.coo_matrix((np.ones(1), ([0], [0])), shape=(2**34, 3))
    with pytest.raises(ValueError, match="X has 17,179,869,184 rows, more than the 16,777,216"):
        check_array(tall, "X", sparse_ok=True)
    with pytest.raises(ValueError, match="X has 16,777,217 rows"):
        check_array(sp.coo_matrix((MAX_SPARSE_ROWS + 1, 3)), "X", sparse_ok=True)


def test_a_masked_array_given_by_an_objects_array_method_is_refused():
    class Wrapper:  # numpy.asarray would keep the data and drop the mask: l1 of 6, not 1
        def __array__(self, dtype=None, copy=None):
            return np.ma.array([5.0, 1.0], mask=[1, 0])

    with pytest.raises(TypeError, match="w must be a plain array, but it gives a masked array"):
        check_array(Wrapper(), "w")
    from course_utils.penalties import l1_norm

    with pytest.raises(TypeError, match="masked array"):
        l1_norm(Wrapper())


def test_text_checks_return_exact_str_copies_and_cap_the_length():
    from course_utils._validation import MAX_TEXT_LENGTH, check_strings, check_text

    class Sneaky(str):  # what matplotlib would draw is str(title): a formula it cannot parse
        def __str__(self):
            return "$\\undefinedcmd$"

        def count(self, *args):
            return 0

    class Hostile(str):
        def encode(self, *args, **kwargs):
            raise RuntimeError("enc")

        def __hash__(self):
            raise RuntimeError("hash")

    checked = check_text(Sneaky("plain"), "title")
    assert type(checked) is str and checked == "plain" and str(checked) == "plain"
    values = check_strings([Hostile("a"), "b"], "names")
    assert [type(v) for v in values] == [str, str] and len(set(values)) == 2
    assert check_text("x" * MAX_TEXT_LENGTH, "title") == "x" * MAX_TEXT_LENGTH
    for long in ("x" * (MAX_TEXT_LENGTH + 1), "$a$ " * 10_000, "x" * 10**6):
        with pytest.raises(ValueError, match="title must be at most 500 characters"):
            check_text(long, "title")


@pytest.mark.parametrize("attribute", ["indices", "indptr", "data", "dtype", "shape", "format"])
def test_a_sparse_attribute_that_raises_gives_an_error_naming_the_argument(attribute):
    class Raising(sp.csr_matrix):
        pass

    def fail(self):
        raise RuntimeError("boom")

    matrix = Raising(sp.csr_matrix(np.eye(3)))
    setattr(Raising, attribute, property(fail))
    with pytest.raises((TypeError, ValueError), match="X") as info:
        check_array(matrix, "X", sparse_ok=True, dtype="sum")
    assert str(info.value).startswith("X ")


@pytest.mark.parametrize("values", [[1e308, 1e308], [-1e308, -1e308, 5.0]],
                         ids=["sum overflows", "sum overflows negative"])
def test_finite_values_whose_sum_overflows_are_accepted(values):
    # check_array looks at every value only when the sum is not finite: here it is inf (or
    # -inf) from finite values alone, which must pass
    np.testing.assert_array_equal(check_array(np.array(values), "x"), values)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_one_nan_or_inf_among_many_values_is_refused(bad):
    values = np.ones((40, 50))
    values[17, 23] = bad
    with pytest.raises(ValueError, match="x must not contain NaN or infinity"):
        check_array(values, "x")
    values[0, 0] = -bad  # inf - inf: a sum of NaN, refused just the same
    with pytest.raises(ValueError, match="x must not contain NaN or infinity"):
        check_array(values, "x")


@pytest.mark.parametrize("layout", ["C", "F", "strided"])
@pytest.mark.parametrize("size", [1, 12])
@pytest.mark.parametrize("side, factor", [("high", 1 - 1e-6), ("high", 1 + 1e-12),
                                           ("low", 1 + 1e-6), ("low", 1 - 1e-12),
                                           ("middle", 1.0)])
def test_check_magnitude_refuses_exactly_outside_its_range(layout, size, side, factor):
    # The one-pass test (sum of squares) may only say "fine" where the max and min agree:
    # just inside [low, high] is accepted, just outside refused, in every memory layout.
    n_terms = 7
    high = np.sqrt(np.finfo(np.float64).max / (100.0 * n_terms))
    low = np.sqrt(np.finfo(np.float64).tiny) * 1e4
    largest = {"high": high, "low": low, "middle": 1.0}[side] * factor
    values = np.full(2 * size, largest * 0.5 if side != "low" else largest)
    values[1] = -largest
    values = values.reshape(2, size)
    if layout == "F":
        values = np.asfortranarray(values)
    elif layout == "strided":
        values = np.repeat(values, 2, axis=1)[:, ::2]
    outside = largest > high or largest < low
    if outside:
        with pytest.raises(ValueError, match="x is too"):
            check_magnitude(values, "x", n_terms)
    else:
        assert check_magnitude(values, "x", n_terms) is values

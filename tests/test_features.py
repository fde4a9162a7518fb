"""Tests for course_utils.features: exact small cases, agreement with scikit-learn, bad input."""

import doctest

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction import FeatureHasher
from sklearn.preprocessing import OneHotEncoder
from sklearn.utils import murmurhash3_32

from course_utils import datasets, features
from course_utils.features import (
    bucket_labels,
    bucketize,
    collision_rate,
    cross,
    cross_dimension,
    hash_buckets,
    hash_features,
    one_hot,
    stack_features,
)


@pytest.fixture(scope="module")
def adult():
    X, _ = datasets.load_adult()
    return X


@pytest.fixture
def small():
    return pd.DataFrame(
        {
            "colour": ["red", "blue", "red", "green"],
            "size": pd.Categorical(["S", "L", "S", "M"], categories=["S", "M", "L"]),
            "age": [18, 25, 40, 70],
        }
    )


def assert_csr(M, shape):
    assert isinstance(M, sp.csr_matrix)
    assert M.shape == shape and M.dtype == np.float64


# ---------------------------------------------------------------- exact small cases


def test_one_hot_small_exact(small):
    M, names = one_hot(small)  # default: the non-numeric columns only
    assert names == ["colour=blue", "colour=green", "colour=red", "size=S", "size=M", "size=L"]
    assert_csr(M, (4, 6))
    expected = [[0, 0, 1, 1, 0, 0], [1, 0, 0, 0, 0, 1], [0, 0, 1, 1, 0, 0], [0, 1, 0, 0, 1, 0]]
    np.testing.assert_array_equal(M.toarray(), expected)


def test_one_hot_named_numeric_column_and_series(small):
    M, names = one_hot(small, "age")
    assert names == ["age=18", "age=25", "age=40", "age=70"]
    np.testing.assert_array_equal(M.toarray(), np.eye(4))
    M2, names2 = one_hot(small["colour"])
    assert names2 == ["colour=blue", "colour=green", "colour=red"]
    assert M2.shape == (4, 3)


def test_bucketize_small_exact():
    M, names = bucketize(pd.Series([18, 25, 34.9, 35, 80], name="age"), [25, 35])
    assert names == ["age=(-inf, 25)", "age=[25, 35)", "age=[35, inf)"]
    assert_csr(M, (5, 3))
    expected = [[1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1]]
    np.testing.assert_array_equal(M.toarray(), expected)


def test_bucketize_keeps_empty_buckets_and_formats_edges():
    M, names = bucketize([0.5, 0.5], [0.25, 1.0, 2.5], name="x")
    assert names == ["x=(-inf, 0.25)", "x=[0.25, 1)", "x=[1, 2.5)", "x=[2.5, inf)"]
    np.testing.assert_array_equal(M.toarray(), [[0, 1, 0, 0], [0, 1, 0, 0]])
    assert bucketize([1.0], [0.0])[1] == ["x=(-inf, 0)", "x=[0, inf)"]


def test_bucket_labels_align_and_match_bucketize():
    x = pd.Series([70, 18, 40], index=[10, 11, 12], name="age")
    labels = bucket_labels(x, [25, 35, 65])
    assert labels.name == "age" and list(labels.index) == [10, 11, 12]
    assert labels.tolist() == ["[65, inf)", "(-inf, 25)", "[35, 65)"]
    assert labels.cat.ordered and len(labels.cat.categories) == 4
    # one_hot of the labels is bucketize without the empty buckets, same names
    M, names = one_hot(labels)
    B, bucket_names = bucketize(x, [25, 35, 65])
    keep = [bucket_names.index(n) for n in names]
    assert names == ["age=(-inf, 25)", "age=[35, 65)", "age=[65, inf)"]
    np.testing.assert_array_equal(M.toarray(), B.toarray()[:, keep])


def test_cross_small_exact(small):
    M, names = cross(small, ["colour", "size"])
    assert names == ["colour=blue & size=L", "colour=green & size=M", "colour=red & size=S"]
    assert_csr(M, (4, 3))
    np.testing.assert_array_equal(M.toarray(), [[0, 0, 1], [1, 0, 0], [0, 0, 1], [0, 1, 0]])


def test_cross_three_columns_with_bucket(small):
    table = small.assign(age=bucket_labels(small["age"], [30]))
    M, names = cross(table, ["age", "colour", "size"])
    assert names == [
        "age=(-inf, 30) & colour=blue & size=L",
        "age=(-inf, 30) & colour=red & size=S",
        "age=[30, inf) & colour=green & size=M",
        "age=[30, inf) & colour=red & size=S",
    ]
    np.testing.assert_array_equal(M.toarray().argmax(axis=1), [1, 0, 3, 2])


def test_cross_dimension_small(small):
    assert cross_dimension(small, ["colour", "size"]) == (9, 3)
    assert cross_dimension(small, ["colour", "size"]).possible == 9


def test_hash_features_small_exact():
    table = pd.DataFrame({"a": ["x", "y"], "b": ["u", "u"]})
    M, names = hash_features(table, ["a", ("a", "b")], n_buckets=1)
    assert names == ["hash_0"]
    np.testing.assert_array_equal(M.toarray(), [[2.0], [2.0]])  # everything collides
    M, _ = hash_features(table, "a", n_buckets=1000)
    expected = hash_buckets(["a=x", "a=y"], 1000)
    assert_csr(M, (2, 1000))
    np.testing.assert_array_equal(M.indices, expected)


def test_hash_buckets_are_deterministic_murmurhash():
    # Pinned values: the same in every process and on every machine (no salted hash()).
    assert hash_buckets(["education=Bachelors", "a=x"], 2**31).tolist() == [1197078720, 648017120]
    assert hash_buckets(["a=x"], 1).tolist() == [0]


def test_collision_rate_small():
    assert collision_rate(["a=1", "a=2", "a=1"], n_buckets=1) == 1.0
    assert collision_rate(["a=1"], n_buckets=1) == 0.0
    names = [f"f={i}" for i in range(50)]
    buckets = hash_buckets(names, 64)
    shared = np.bincount(buckets, minlength=64)[buckets] > 1
    assert collision_rate(names, 64) == pytest.approx(shared.mean())


def test_stack_features(small):
    M, names = stack_features(one_hot(small), bucketize(small["age"], [30]))
    assert_csr(M, (4, 8))
    assert names[-2:] == ["age=(-inf, 30)", "age=[30, inf)"]
    np.testing.assert_array_equal(M.getnnz(axis=1), [3, 3, 3, 3])


# ---------------------------------------------------------------- agreement with scikit-learn


def test_one_hot_matches_onehotencoder(adult):
    columns = ["workclass", "education", "occupation", "native-country"]
    M, names = one_hot(adult, columns)
    encoder = OneHotEncoder().fit(adult[columns].astype(object))
    reference = encoder.transform(adult[columns].astype(object))
    assert M.shape == reference.shape
    assert (M != reference).nnz == 0
    assert names == [n.replace("_", "=", 1) for n in encoder.get_feature_names_out()]


@pytest.mark.parametrize(
    "columns",
    [["education", "occupation"], ["workclass", "education", "sex"], ["age", "education"]],
)
def test_cross_dimension_matches_onehotencoder_on_joined(adult, columns):
    table = adult.assign(age=bucket_labels(adult["age"], [25, 35, 45, 55, 65]))
    joined = table[columns[0]].astype(str)
    for column in columns[1:]:
        joined = joined + "|" + table[column].astype(str)
    joined = joined.to_frame()
    expected = OneHotEncoder().fit(joined).transform(joined).shape[1]
    M, names = cross(table, columns)
    assert M.shape == (len(adult), expected) == (len(adult), len(names))
    assert cross_dimension(table, columns).observed == expected
    assert M.getnnz(axis=1).min() == M.getnnz(axis=1).max() == 1


def test_cross_dimension_possible_is_product(adult):
    columns = ["education", "occupation", "race"]
    dim = cross_dimension(adult, columns)
    assert dim.possible == 16 * 15 * 5
    assert dim.observed < dim.possible


@pytest.mark.parametrize("n_buckets", [1, 7, 64, 1024, 2**16])
def test_hash_features_matches_featurehasher(adult, n_buckets):
    rows = adult.iloc[:3000]
    specs = ["education", "occupation", ("education", "occupation")]
    M, names = hash_features(rows, specs, n_buckets)
    tokens = [
        [f"education={e}", f"occupation={o}", f"education={e} & occupation={o}"]
        for e, o in zip(rows["education"], rows["occupation"], strict=True)
    ]
    hasher = FeatureHasher(n_features=n_buckets, input_type="string", alternate_sign=False)
    reference = hasher.transform(tokens)
    assert_csr(M, reference.shape)
    assert len(names) == n_buckets
    assert (M != reference).nnz == 0


def test_adult_one_hot_zeros_per_row(adult):
    M, names = one_hot(adult)
    assert len(names) == M.shape[1] == 102  # 9 + 16 + 7 + 15 + 6 + 5 + 2 + 42 categories
    zeros = M.shape[1] - M.getnnz(axis=1)
    assert np.all(zeros == M.shape[1] - 8)  # 8 categorical columns: 8 ones per row


def test_module_docstring_examples_run():
    result = doctest.testmod(features)
    assert result.attempted > 5 and result.failed == 0


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "error", "argument"),
    [
        (lambda t: one_hot(t, ["colour", "nope"]), ValueError, "nope"),
        (lambda t: one_hot(t.iloc[:0]), ValueError, "table"),
        (lambda t: one_hot(t[["age"]]), ValueError, "non-numeric"),
        (lambda t: one_hot(t.to_numpy()), TypeError, "table"),
        (lambda t: one_hot(t, 3), TypeError, "columns"),
        (lambda t: one_hot(t, ["colour", "colour"]), ValueError, "repeat"),
        (lambda t: one_hot(t.assign(colour=[None, "a", "b", "c"])), ValueError, "colour"),
        (lambda t: cross(t, ["colour"]), ValueError, "at least 2"),
        (lambda t: cross(t, "colour"), ValueError, "at least 2"),
        (lambda t: cross(t, ["colour", "missing"]), ValueError, "missing"),
        (lambda t: cross(t.iloc[:0], ["colour", "size"]), ValueError, "table"),
        (lambda t: cross_dimension(t, ["size"]), ValueError, "at least 2"),
        (lambda t: cross_dimension([1, 2], ["a", "b"]), TypeError, "table"),
        (lambda t: hash_features(t, ["colour"], 0), ValueError, "n_buckets"),
        (lambda t: hash_features(t, ["colour"], 2.5), TypeError, "n_buckets"),
        (lambda t: hash_features(t, ["nope"], 8), ValueError, "nope"),
        (lambda t: hash_features(t, [("colour",)], 8), ValueError, "at least 2"),
        (lambda t: hash_features(t, [], 8), TypeError, "columns"),
        (lambda t: hash_features(t, None, 8), TypeError, "columns"),
        (lambda t: hash_features(t.iloc[:0], ["colour"], 8), ValueError, "table"),
        # unhashable values, and values that would give two columns one name
        (lambda t: hash_features(t.assign(colour=[[1], [2], [1], [3]]), ["colour"], 8),
         TypeError, "column 'colour' must hold hashable"),
        (lambda t: one_hot(t.assign(colour=[{"a": 1}, {}, {}, {}]), ["colour"]),
         TypeError, "column 'colour'"),
        (lambda t: cross(t.assign(colour=[[1], [2], [1], [3]]), ["colour", "size"]),
         TypeError, "column 'colour'"),
        (lambda t: cross_dimension(t.assign(colour=[[1], [2], [1], [3]]), ["colour", "size"]),
         TypeError, "column 'colour'"),
        (lambda t: one_hot(t.assign(colour=["1", 1, "1", 2]), ["colour"]),
         ValueError, "column 'colour' holds different values that print alike"),
        # no upper bound asked for: refused before any work, saying the limit
        (lambda t: hash_features(t, ["colour"], 2**30), ValueError, "n_buckets must be <= 16,777"),
        (lambda t: hash_features(t, ["colour"], 2**40), ValueError, "n_buckets"),
        (lambda t: hash_features(t, ["colour"], 10**400), ValueError, "n_buckets"),
        (lambda t: hash_features(t, ["colour"], np.timedelta64(8)), TypeError, "n_buckets"),
    ],
)
def test_table_functions_reject_bad_input(small, call, error, argument):
    with pytest.raises(error, match=argument):
        call(small)


@pytest.mark.parametrize("function", [bucketize, bucket_labels])
@pytest.mark.parametrize(
    ("x", "edges", "name", "error", "argument"),
    [
        ([1.0, np.nan], [0.0], None, ValueError, "x"),
        ([1.0, np.inf], [0.0], None, ValueError, "x"),
        (["a", "b"], [0.0], None, TypeError, "x"),
        ([], [0.0], None, ValueError, "x"),
        ([[1.0]], [0.0], None, ValueError, "x"),
        ([1.0], [2.0, 1.0], None, ValueError, "edges"),
        ([1.0], [1.0, 1.0], None, ValueError, "edges"),
        ([1.0], [], None, ValueError, "edges"),
        ([1.0], [0.0, np.nan], None, ValueError, "edges"),
        ([1.0], None, None, TypeError, "edges"),
        ([1.0], [0.0], 3, TypeError, "name"),
        ([True, False], [0.5], None, TypeError, "x"),
        (np.array([1, 2], dtype="m8[s]"), [0.5], None, TypeError, "x"),
        (np.array(["2020-01-01"], dtype="M8[D]"), [0.5], None, TypeError, "x"),
        ([1.0 + 1j], [0.5], None, TypeError, "x"),
        ([1.0], np.array([1], dtype="m8[s]"), None, TypeError, "edges"),
    ],
)
def test_bucket_functions_reject_bad_input(function, x, edges, name, error, argument):
    with pytest.raises(error, match=argument):
        function(x, edges, name)


@pytest.mark.parametrize("function", [hash_buckets, collision_rate])
@pytest.mark.parametrize(
    ("names", "n_buckets", "error", "argument"),
    [
        (["a=1"], 0, ValueError, "n_buckets"),
        (["a=1"], 1.0, TypeError, "n_buckets"),
        ("a=1", 4, TypeError, "names"),
        (None, 4, TypeError, "names"),
        ([], 4, ValueError, "names"),
        ([1, 2], 4, TypeError, "names"),
        (["a=1"], 2**31 + 1, ValueError, "n_buckets must be <= 2,147,483,648"),
        (["a=1"], 10**400, ValueError, "n_buckets"),
    ],
)
def test_hash_helpers_reject_bad_input(function, names, n_buckets, error, argument):
    with pytest.raises(error, match=argument):
        function(names, n_buckets)


def test_collision_rate_with_the_largest_bucket_count():
    # 2**31 buckets: counted per used bucket, no array of 2**31 counts
    names = [f"a={i}" for i in range(100)]
    assert collision_rate(names, 2**31) == 0.0
    assert collision_rate(names, 1) == 1.0
    buckets = hash_buckets(names, 64)  # the same fraction as counting with a bincount
    assert collision_rate(names, 64) == np.mean(np.bincount(buckets, minlength=64)[buckets] > 1)


def test_stack_features_rejects_bad_blocks(small):
    block = one_hot(small)
    with pytest.raises(ValueError, match="blocks"):
        stack_features()
    with pytest.raises(TypeError, match="blocks"):
        stack_features(block, block[0])
    with pytest.raises(ValueError, match="names"):
        stack_features((block[0], block[1][:-1]))
    with pytest.raises(ValueError, match="rows"):
        stack_features(block, one_hot(small.iloc[:2]))


def test_one_hot_of_a_table_without_columns_names_the_table():
    with pytest.raises(ValueError, match="table has no columns"):
        features.one_hot(pd.DataFrame(index=range(3)))


def test_hash_buckets_takes_up_to_2_31_buckets_as_documented():
    names = ["education=Bachelors", "age=[25, 35)"]
    expected = [abs(int(h)) % 2**31 for h in
                (murmurhash3_32(s, seed=0) for s in names)]
    assert features.hash_buckets(names, 2**31).tolist() == expected
    with pytest.raises(ValueError, match="n_buckets"):
        features.hash_buckets(names, 2**31 + 1)


class _HashRaises:
    def __hash__(self):
        raise RuntimeError("no hash")


class _StrRaises:
    def __init__(self, key):
        self.key = key

    def __hash__(self):
        return hash(self.key)

    def __eq__(self, other):
        return isinstance(other, _StrRaises) and other.key == self.key

    def __str__(self):
        raise RuntimeError("no str")


def test_values_whose_hash_or_str_raises_are_a_type_error_naming_table():
    from course_utils.hashing import hash_crosses

    table = pd.DataFrame({"a": list("xy") * 3})
    with pytest.raises(TypeError, match="table: reading the values of column 'a' failed with "
                                        "RuntimeError: no hash"):
        one_hot(table.assign(a=[_HashRaises()] * 6), ["a"])
    with pytest.raises(TypeError, match="table: .* RuntimeError: no str"):
        hash_crosses(table.assign(a=[_StrRaises(i % 2) for i in range(6)]), ["a"], 16)


def test_two_features_with_the_same_name_are_refused():
    """Column "a=x" with value "y" and column "a" with value "x=y" are both "a=x=y"."""
    table = pd.DataFrame({"a=x": ["y", "y"], "a": ["x=y", "x=y"]})
    with pytest.raises(ValueError, match="table: two different features would have the same "
                                         "name 'a=x=y'"):
        one_hot(table, ["a=x", "a"])
    crossing = pd.DataFrame({"a": ["1 & b=2", "1"], "b": ["3", "2 & b=3"]})
    with pytest.raises(ValueError, match="'a=1 & b=2 & b=3'"):
        cross(crossing, ["a", "b"])
    assert one_hot(table, ["a"])[1] == ["a=x=y"]  # one column alone is fine

"""Tests of the streaming pieces of notebook 07: FTRLProximal.partial_fit, feature
inclusion, delta-encoded index bytes and the chunked Adult reader."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from course_utils.datasets import iter_adult, load_adult
from course_utils.inclusion import BloomInclusion, PoissonInclusion
from course_utils.measure import delta_encoded_bytes, model_bytes
from course_utils.solvers import FTRLProximal, ftrl_proximal
from course_utils.solvers._ftrl_loop import ftrl_rows, round_to


def _stream(seed=0, n=900, p=300, density=0.03):
    """Sparse 0/1 rows with a few informative columns, labels from a logistic model."""
    rng = np.random.default_rng(seed)
    X = sp.random(n, p, density=density, random_state=seed, format="csr")
    X.data[:] = 1.0
    w_true = np.zeros(p)
    w_true[:8] = [3.0, -3.0, 2.0, -2.0, 2.5, -1.5, 1.0, -1.0]
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-(X @ w_true - 0.5)))).astype(float)
    return X, y


def _feed(model, X, y, chunk):
    for start in range(0, X.shape[0], chunk):
        model.partial_fit(X[start:start + chunk], y[start:start + chunk])
    return model


# ------------------------------------------------------------------ streaming == one call


@pytest.mark.parametrize("chunk", [900, 256, 77, 1])
@pytest.mark.parametrize("settings", [
    dict(alpha=0.1, beta=1.0, l1=2.0, l2=1.0),
    dict(alpha=0.5, beta=0.0, l1=0.0, l2=0.0),
    dict(alpha=0.3, beta=1.0, l1=0.5, fit_intercept=False),
])
def test_streaming_equals_one_call_exactly(chunk, settings):
    # a property of the two paths (they share the weights' formula); each is checked against an
    # independent implementation of the algorithm in tests/test_ftrl_reference.py
    X, y = _stream()
    batch = ftrl_proximal(X, y, **settings)
    model = _feed(FTRLProximal(X.shape[1], **settings), X, y, chunk)
    assert model.coef_.tobytes() == batch.coef.tobytes()  # bit for bit
    assert model.intercept_ == batch.intercept
    assert model.progressive_loss_ == batch.history[0]
    assert model.n_rows_ == X.shape[0]


def test_state_is_kept_only_for_features_seen():
    X, y = _stream()
    model = _feed(FTRLProximal(X.shape[1], l1=2.0), X, y, 100)
    seen = np.unique(X.indices)
    np.testing.assert_array_equal(model.features_, seen)
    assert model.z_.size == model.n_.size == seen.size + 1  # + the intercept
    indices, values = model.sparse_coef()
    np.testing.assert_array_equal(indices, np.flatnonzero(model.coef_))
    np.testing.assert_array_equal(values, model.coef_[indices])
    assert indices.size < seen.size  # L1 zeros weights, not their state


def test_sparse_prediction_equals_dense_prediction():
    X, y = _stream()
    model = _feed(FTRLProximal(X.shape[1], l1=1.0), X[:600], y[:600], 200)
    dense = X[600:] @ model.coef_ + model.intercept_
    np.testing.assert_allclose(model.decision_function(X[600:]), dense, rtol=1e-12, atol=1e-12)
    p = model.predict_proba(X[600:])
    assert np.all((p > 0) & (p < 1))
    # more rows than one block of decision_function (4,096), float32 values
    many = sp.vstack([X[600:]] * 30, format="csr").astype(np.float32)
    assert many.shape[0] > 2 * 4096
    np.testing.assert_allclose(model.decision_function(many), np.tile(dense, 30),
                               rtol=1e-12, atol=1e-12)


def test_prediction_of_an_empty_model_or_an_untrained_one_is_the_intercept():
    X, y = _stream()
    empty = _feed(FTRLProximal(X.shape[1], l1=1e9), X[:600], y[:600], 200)
    assert empty.sparse_coef()[0].size == 0
    np.testing.assert_array_equal(empty.decision_function(X[600:]),
                                  np.full(300, empty.intercept_))
    untrained = FTRLProximal(X.shape[1])
    np.testing.assert_array_equal(untrained.decision_function(X[:5]), np.zeros(5))


def test_float32_state_halves_the_bytes_and_stays_close():
    X, y = _stream()
    full = _feed(FTRLProximal(X.shape[1], l1=1.0), X, y, 300)
    half = _feed(FTRLProximal(X.shape[1], l1=1.0, state_dtype=np.float32), X, y, 300)
    assert half.z_.nbytes * 2 == full.z_.nbytes and half.z_.dtype == np.float32
    np.testing.assert_allclose(half.coef_, full.coef_, atol=1e-4)


def _float16_cases():
    """Every finite float16, the midpoints between neighbours (ties), points just off them,
    values beyond the largest float16 and deep below the smallest, of both signs."""
    every = np.arange(2**16, dtype=np.uint16).view(np.float16).astype(np.float64)
    every = np.unique(every[np.isfinite(every)])
    mid = (every[:-1] + every[1:]) / 2
    off = np.concatenate([np.nextafter(mid, np.inf), np.nextafter(mid, -np.inf)])
    rng = np.random.default_rng(0)
    wide = rng.standard_normal(20_000) * 10.0 ** rng.uniform(-12, 8, 20_000)
    return np.concatenate([every, mid, off, wide, [65519.99, 65520.0, 1e300, 2.0**-26, 0.0]])


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_round_to_stores_exactly_as_numpy_does(dtype):
    # the compiled loop rounds its float64 work to the storage type itself (numba has no
    # float16 on the CPU): it must agree with numpy's astype on every case, ties included
    values = _float16_cases()
    if dtype is not np.float16:
        values = np.concatenate([values, np.random.default_rng(1).standard_normal(10_000)])
    bits = 8 * np.dtype(dtype).itemsize
    rounded = np.array([round_to(v, bits) for v in values])
    with np.errstate(over="ignore"):
        expected = values.astype(dtype).astype(np.float64)
    np.testing.assert_array_equal(rounded, expected)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_compiled_loop_equals_its_plain_python_source(dtype):
    # numba compiles ftrl_rows; its .py_func is the same code as plain Python: every z, n and
    # logit must agree bit for bit (no reordered sums, no fused multiply-adds)
    if not hasattr(ftrl_rows, "py_func"):
        pytest.skip("numba is not compiling here (NUMBA_DISABLE_JIT=1, or numba missing)")
    X, y = _stream(n=200)
    bits = 8 * np.dtype(dtype).itemsize
    results = []
    for loop in (ftrl_rows, ftrl_rows.py_func):  # the intercept: one more coordinate, the last
        z, n, f = np.zeros(X.shape[1] + 1), np.zeros(X.shape[1] + 1), np.empty(X.shape[0])
        root_n = np.zeros(X.shape[1] + 1)
        loop(z, n, root_n, X.indptr.astype(np.int64), X.indices.astype(np.int64), X.data, y,
             0.5, 1.0, 0.3, 0.1, True, bits, bits, f)
        results.append((z, n, root_n, f))
        # the roots the loop keeps are those of the stored n_i, exactly
        assert np.sqrt(n).tobytes() == root_n.tobytes()
    for compiled, plain in zip(*results, strict=True):
        assert compiled.tobytes() == plain.tobytes()


@pytest.mark.parametrize("stored", ["z", "n"])
def test_z_and_n_can_be_stored_in_different_types(stored):
    # state_dtype=(type of z_, type of n_): only the array stored in float16 is rounded to it,
    # the other keeps float64; a pair of one type is that type
    X, y = _stream()
    pair = (np.float16, np.float64) if stored == "z" else (np.float64, np.float16)
    model = _feed(FTRLProximal(X.shape[1], l1=1.0, state_dtype=pair), X, y, 300)
    assert (model.z_.dtype, model.n_.dtype) == tuple(np.dtype(d) for d in pair)
    half, full = (model.z_, model.n_) if stored == "z" else (model.n_, model.z_)
    assert np.all(half.astype(np.float16).astype(half.dtype) == half)
    assert not np.all(full.astype(np.float16).astype(np.float64) == full)  # not rounded
    # rounding only one of them gives a third model, between float64 and float16 for both
    both16 = _feed(FTRLProximal(X.shape[1], l1=1.0, state_dtype=np.float16), X, y, 300)
    both64 = _feed(FTRLProximal(X.shape[1], l1=1.0), X, y, 300)
    assert model.z_.tobytes() != both16.z_.astype(model.z_.dtype).tobytes()
    assert model.coef_.tobytes() != both64.coef_.tobytes()
    same = _feed(FTRLProximal(X.shape[1], l1=1.0, state_dtype=(np.float16, np.float16)), X, y, 300)
    assert same.z_.tobytes() == both16.z_.tobytes() and same.n_.tobytes() == both16.n_.tobytes()


def test_randomized_rounding_of_n_alone_is_seeded_and_keeps_z_exact():
    X, y = _stream()
    runs = [_feed(FTRLProximal(X.shape[1], l1=1.0, state_dtype=(np.float64, np.float16),
                               rounding="random"), X, y, 300) for _ in range(2)]
    assert runs[0].n_.tobytes() == runs[1].n_.tobytes()
    nearest = _feed(FTRLProximal(X.shape[1], l1=1.0, state_dtype=(np.float64, np.float16)),
                    X, y, 300)
    assert runs[0].n_.tobytes() != nearest.n_.tobytes()  # rounded at random, not to nearest
    assert runs[0].z_.dtype == np.float64


# ------------------------------------------------------------------ bad input


def _pointing_outside(kind):
    """A CSR matrix whose arrays were edited by hand after it was built."""
    X = sp.csr_matrix(np.eye(3))
    if kind == "column too large":
        X.indices[0] = 7
    elif kind == "negative column":
        X.indices[0] = -1
    else:  # row pointers that go backwards
        X.indptr[1] = 3
    return X


@pytest.mark.parametrize("kind", ["column too large", "negative column", "row pointers"])
def test_a_matrix_pointing_outside_itself_is_refused(kind):
    # the compiled loop does not check its indices: a bad one would write outside z and n
    message = "X is not a valid sparse matrix"
    y = np.array([1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match=message):
        ftrl_proximal(_pointing_outside(kind), y)
    with pytest.raises(ValueError, match=message):
        FTRLProximal(3).partial_fit(_pointing_outside(kind), y)
    with pytest.raises(ValueError, match=message):
        FTRLProximal(3).decision_function(_pointing_outside(kind))


def test_bad_input_names_the_argument():
    X, y = _stream()
    model = FTRLProximal(X.shape[1])
    with pytest.raises(ValueError, match="n_features=300"):
        model.partial_fit(X[:, :299], y)
    with pytest.raises(ValueError, match="y must hold only the labels 0 and 1"):
        model.partial_fit(X, 2 * y - 1)
    with pytest.raises(ValueError, match="same number of rows"):
        model.partial_fit(X, y[:-1])
    with pytest.raises(ValueError, match="n_features must be >= 1"):
        FTRLProximal(0)
    with pytest.raises(ValueError, match="n_features must be <= 2,147,483,648"):
        FTRLProximal(2**40)
    with pytest.raises(TypeError, match="n_features must be an integer"):
        FTRLProximal(2.0**20)
    with pytest.raises(ValueError, match="alpha"):
        FTRLProximal(10, alpha=0.0)
    with pytest.raises(TypeError, match="inclusion"):
        FTRLProximal(10, inclusion="poisson")
    with pytest.raises(TypeError, match="state_dtype"):
        FTRLProximal(10, state_dtype=np.int32)
    with pytest.raises(TypeError, match="state_dtype"):
        FTRLProximal(10, state_dtype=(np.float16, np.int32))
    with pytest.raises(TypeError, match="state_dtype must be one dtype or a pair"):
        FTRLProximal(10, state_dtype=(np.float16,) * 3)
    assert model.n_rows_ == 0  # nothing was learned from the refused chunks


# ------------------------------------------------------------------ inclusion


def test_features_must_be_strictly_increasing_a_repeat_too():
    X = sp.csr_matrix(np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0]]))
    y = np.array([1.0, 0.0])
    model = FTRLProximal(3).partial_fit(X, y)
    model.features_ = np.array([0, 0, 2], dtype=np.int64)  # feature 0 twice, 1 missing
    with pytest.raises(ValueError, match="features_ must be strictly increasing"):
        model.partial_fit(X, y)


@pytest.mark.parametrize("dtype, scale, hint", [
    (np.float16, 300.0, True), ((np.float64, np.float16), 300.0, True), (np.float32, 1e20, False),
])
def test_state_overflow_names_float16_s_limit_only_when_float16_is_stored(dtype, scale, hint):
    # squared gradients of 300 (9e4) pass float16's 65504; of 1e20 (1e40), float32's 3.4e38
    X = sp.csr_matrix(np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0]]) * scale)
    with pytest.raises(ValueError, match="state overflowed") as caught:
        FTRLProximal(3, state_dtype=dtype).partial_fit(X, np.array([1.0, 0.0]))
    assert ("float16 holds at most 65504" in str(caught.value)) == hint


def test_bloom_inclusion_no_state_below_the_threshold():
    X, y = _stream(seed=3)
    counts = np.bincount(X.indices, minlength=X.shape[1])
    # A filter far larger than the 300 features: no two share all their counters.
    model = _feed(FTRLProximal(X.shape[1], inclusion=BloomInclusion(5, n_counters=2**20)),
                  X, y, 128)
    np.testing.assert_array_equal(model.features_, np.flatnonzero(counts >= 5))
    assert not np.isin(np.flatnonzero((counts > 0) & (counts < 5)), model.features_).any()


def test_bloom_first_sightings_are_not_learned_and_counts_only_overestimate():
    bloom = BloomInclusion(3, n_counters=2**16)
    learned = bloom.admit([5, 7, 5, 5, 9, 7, 5])
    np.testing.assert_array_equal(learned, [0, 0, 0, 1, 0, 0, 1])  # 5's 3rd and 4th sighting
    np.testing.assert_array_equal(bloom.admit([7, 9, 9]), [1, 0, 1])
    # One counter for everything: every feature shares it, so counts overestimate.
    tiny = BloomInclusion(4, n_counters=1, n_hashes=1)
    np.testing.assert_array_equal(tiny.admit([1, 2, 3, 4, 5]), [0, 0, 0, 1, 1])
    assert tiny.counts([99]).tolist() == [5]  # never seen, counted 5
    assert tiny.counters_.nbytes == 1


def test_bloom_counters_saturate_at_255_and_never_wrap():
    # one byte per counter, saturating (documented): 300 sightings read 255, not 300 - 256 = 44
    bloom = BloomInclusion(255, n_counters=1, n_hashes=1)
    learned = bloom.admit(np.zeros(300, dtype=np.int64))
    assert bloom.counters_.dtype == np.uint8 and bloom.counters_.tolist() == [255]
    np.testing.assert_array_equal(np.flatnonzero(learned), np.arange(254, 300))  # from the 255th
    assert bloom.counts([0]).tolist() == [255]
    # more sightings, in two calls: still 255, and still admitted (a wrap would forget them)
    assert bloom.admit([0] * 10).all()
    assert bloom.admit([0]).all() and bloom.counters_.tolist() == [255]
    # 254 + 1 + 1 in separate calls reaches exactly 255 and stops there
    step = BloomInclusion(255, n_counters=1, n_hashes=1)
    step.admit([0] * 254)
    assert step.admit([0, 0]).tolist() == [True, True] and step.counters_.tolist() == [255]


def test_bloom_cells_are_murmurhash_of_the_feature():
    # an independent derivation of the cells: murmurhash3_32 of the 32-bit key with the seeds
    # drawn by random_state, modulo n_counters; after admitting [5, 5, 9] once, exactly those
    # cells hold 2 (for 5) and 1 (for 9), unless the two features share a cell
    from sklearn.utils import murmurhash3_32

    bloom = BloomInclusion(2, n_counters=997, n_hashes=3, random_state=7)
    seeds = np.random.default_rng(7).integers(0, 2**31, size=3)
    expected = np.zeros(997, dtype=np.uint8)
    for feature in (5, 5, 9):
        for seed in seeds:
            expected[murmurhash3_32(np.array([feature], dtype=np.int32), seed=int(seed),
                                    positive=True)[0] % 997] += 1
    bloom.admit([5, 5, 9])
    np.testing.assert_array_equal(bloom.counters_, expected)


def test_bloom_features_above_2_to_the_32_have_their_own_counters():
    # 5 + 2**32 used to be cast to int32 (5) and read 5's counters
    bloom = BloomInclusion(2, n_counters=2**20)
    bloom.admit([5, 5, 5])
    assert bloom.counts([5]).tolist() == [3]
    assert bloom.counts([5 + 2**32, 5 + 2**33, 2**62 + 5]).tolist() == [0, 0, 0]
    assert bloom.admit([5 + 2**32]).tolist() == [False]  # its first sighting
    assert bloom.counts([5 + 2**32, 5]).tolist() == [1, 3]


def test_poisson_inclusion_is_seeded_and_admits_about_p():
    features = np.arange(20_000) % 1000  # 1,000 features seen 20 times each, interleaved
    a = PoissonInclusion(0.1, random_state=4).admit(features)
    b = PoissonInclusion(0.1, random_state=4).admit(features)
    c = PoissonInclusion(0.1, random_state=5).admit(features)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    # The first sighting is admitted with probability p: about 100 of 1,000 features.
    assert 60 < a[:1000].sum() < 140
    # Once admitted, always learned: per feature, the learned sightings are a suffix.
    per_feature = a.reshape(20, 1000)
    assert np.all(np.diff(per_feature.astype(int), axis=0) >= 0)
    inclusion = PoissonInclusion(1.0)
    assert inclusion.admit([3, 1, 3]).all() and inclusion.admitted_.tolist() == [1, 3]


def test_poisson_inclusion_learns_every_sighting_of_a_feature_admitted_before():
    from course_utils.inclusion import _in_sorted

    inclusion = PoissonInclusion(1e-12)  # no coin comes up: only the admitted are learned
    inclusion.admitted_ = np.array([2, 5, 9])
    learned = inclusion.admit([1, 2, 5, 7, 9, 10, 0, 9])
    assert learned.tolist() == [False, True, True, False, True, False, False, True]
    rng = np.random.default_rng(0)
    for size in (0, 1, 7, 300):
        table = np.unique(rng.integers(0, 500, size))
        values = rng.integers(-5, 520, 1000)
        np.testing.assert_array_equal(_in_sorted(values, table), np.isin(values, table))


def test_poisson_inclusion_shrinks_the_state():
    X, y = _stream(seed=1)
    everything = _feed(FTRLProximal(X.shape[1]), X, y, 100)
    some = _feed(FTRLProximal(X.shape[1], inclusion=PoissonInclusion(0.05, random_state=0)),
                 X, y, 100)
    assert set(some.features_) < set(everything.features_)


def test_inclusion_bad_input():
    with pytest.raises(ValueError, match="p must be"):
        PoissonInclusion(0.0)
    with pytest.raises(ValueError, match="min_count"):
        BloomInclusion(0)
    with pytest.raises(ValueError, match="n_counters"):
        BloomInclusion(2, n_counters=0)
    with pytest.raises(ValueError, match="n_counters"):  # documented: at most 2**31 (2 GiB)
        BloomInclusion(2, n_counters=2**31 + 1)
    with pytest.raises(ValueError, match="features"):
        BloomInclusion(2).admit([-1, 2])
    with pytest.raises(TypeError, match="features"):
        PoissonInclusion(0.5).admit("abc")


# ------------------------------------------------------------------ bytes


def _leb128(value):
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def test_delta_encoded_bytes_by_hand():
    assert delta_encoded_bytes([0, 1, 130, 20000]) == 1 + 1 + 2 + 3  # gaps 0, 1, 129, 19870
    assert delta_encoded_bytes([20000, 0, 130, 1]) == 7  # any order
    assert delta_encoded_bytes([]) == 0
    assert delta_encoded_bytes([127]) == 1 and delta_encoded_bytes([128]) == 2
    assert delta_encoded_bytes([2**21 - 1]) == 3 and delta_encoded_bytes([2**21]) == 4
    assert delta_encoded_bytes(np.arange(1000)) == 1000  # a dense run: 1 byte each
    # every 7-bit boundary up to 64-bit indices, counted against a byte-by-byte LEB128 count
    for k in range(1, 10):
        for index in (2 ** (7 * k) - 1, 2 ** (7 * k)):
            assert delta_encoded_bytes([index]) == len(_leb128(index)), index
    assert delta_encoded_bytes([2**64 - 1]) == 10
    assert delta_encoded_bytes(np.array([5, 2**63], dtype=np.uint64)) == 1 + 9  # gap 2**63 - 5
    with pytest.raises(ValueError, match="repeat"):
        delta_encoded_bytes([3, 3])
    with pytest.raises(ValueError, match="indices"):
        delta_encoded_bytes([-1])


def test_serving_bytes_by_hand():
    w = np.zeros(2**20)
    w[[3, 70_000, 500_000]] = [0.5, -1.25, 2.0]
    assert model_bytes(w) == 8 * 2**20
    assert model_bytes(w, "sparse", value_dtype=np.float16, index_dtype=np.int32) == 3 * 6
    assert delta_encoded_bytes(np.flatnonzero(w)) == 1 + 3 + 3  # gaps 3, 69,997, 430,000


# ------------------------------------------------------------------ the chunked reader


def test_iter_adult_is_load_adult_in_chunks():
    X, y = load_adult()
    chunks = list(iter_adult(chunk_size=10_000))
    assert [len(c[0]) for c in chunks] == [10_000, 10_000, 10_000, 2_561]
    pd.testing.assert_frame_equal(pd.concat([c[0] for c in chunks], ignore_index=True), X)
    np.testing.assert_array_equal(np.concatenate([c[1] for c in chunks]), y)


def test_iter_adult_bad_chunk_size():
    with pytest.raises(ValueError, match="chunk_size"):
        iter_adult(0)
    with pytest.raises(TypeError, match="chunk_size"):
        iter_adult(100.5)


def test_iter_adult_verifies_the_checksum_at_the_call(tmp_path, monkeypatch):
    from course_utils.datasets import DataFileError

    (tmp_path / "adult.csv.gz").write_bytes(b"not the census")
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    with pytest.raises(DataFileError, match="sha256"):
        iter_adult(100)


def test_bloom_filter_matches_one_sighting_at_a_time():
    # The vectorized admit equals the filter updated one sighting after another.
    rng = np.random.default_rng(1)
    for trial in range(20):
        features = rng.integers(0, 30, 200)
        bloom = BloomInclusion(3, n_counters=int(rng.integers(1, 40)),
                               n_hashes=int(rng.integers(1, 4)), random_state=trial)
        cells = bloom._cells(features.astype(np.int64), bloom.n_counters)
        counters, expected = np.zeros(bloom.counters_.size, dtype=int), []
        for j in range(features.size):
            for cell in cells[:, j]:
                counters[cell] += 1
            expected.append(min(counters[cell] for cell in cells[:, j]) >= 3)
        first, second = bloom.admit(features[:120]), bloom.admit(features[120:])
        np.testing.assert_array_equal(np.r_[first, second], expected)
        np.testing.assert_array_equal(bloom.counters_, np.minimum(counters, 255))


# ------------------------------------------------------------------ hashing


def test_hash_crosses_is_per_row_and_folds_exactly():
    from course_utils.hashing import fold_buckets, hash_crosses

    table = pd.DataFrame({"a": ["x", "y", "x", "z"], "b": ["u", "u", "v", "v"],
                          "c": ["p", "q", "p", "q"]})
    spec = ["a", "b", ("a", "b"), ("b", "a"), ("a", "b", "c")]
    M = hash_crosses(table, spec, 2**20)
    assert M.shape == (4, 2**20) and M.sum(axis=1).A1.tolist() == [5.0] * 4
    # a row gets the same buckets whatever else is in its chunk
    np.testing.assert_array_equal(hash_crosses(table.iloc[2:], spec, 2**20).toarray(),
                                  M[2:].toarray())
    # rows 0 and 2 share a=x: the same bucket for that feature
    assert set(M[0].indices) & set(M[2].indices)
    small = fold_buckets(M, 2**6)
    assert (small != hash_crosses(table, spec, 2**6)).nnz == 0
    assert M.nnz == 20 and small.sum() == 20.0  # folding adds collided counts up
    assert hash_crosses(table, ["a"], 1).toarray().tolist() == [[1.0]] * 4
    with pytest.raises(ValueError, match="n_buckets must be >= 1"):
        hash_crosses(table, spec, 0)
    with pytest.raises(ValueError, match="n_buckets must be <= 4,294,967,296"):
        hash_crosses(table, spec, 2**33)
    with pytest.raises(ValueError, match="unknown column"):
        hash_crosses(table, ["a", ("a", "nope")], 8)
    with pytest.raises(ValueError, match="n_buckets must divide"):
        fold_buckets(M, 3)
    with pytest.raises(TypeError, match="X must be a scipy.sparse"):
        fold_buckets(M.toarray(), 2)


def test_hash_crosses_hashes_each_column_once_per_chunk(monkeypatch):
    # a column in several crosses has its values hashed once (notebook 07: 14 columns in 108
    # features), and the result is the sum of hashing every item of spec on its own
    import course_utils.hashing as hashing

    table = pd.DataFrame({"a": ["x", "y", "x"], "b": ["u", "u", "v"], "c": ["p", "q", "p"]})
    spec = ["a", ("a", "b"), ("b", "a"), ("a", "b", "c"), "c"]
    expected = sum(hashing.hash_crosses(table, [item], 2**12) for item in spec)
    calls = []
    original = hashing._value_hashes
    monkeypatch.setattr(hashing, "_value_hashes",
                        lambda table, column: calls.append(column) or original(table, column))
    M = hashing.hash_crosses(table, spec, 2**12)
    assert calls == ["a", "b", "c"]
    assert M.shape == expected.shape and (M != expected).nnz == 0


def test_fold_buckets_adds_small_integers_without_wrapping_and_caps_n_buckets():
    from course_utils.hashing import fold_buckets

    for dtype, value in ((np.int8, 100), (np.uint8, 200), (np.int32, 2**31 - 1)):
        X = sp.csr_matrix(np.array([[value, 0, value, 0]], dtype=dtype))
        assert fold_buckets(X, 2).toarray().tolist() == [[2 * value, 0]]  # int8: not -56
    X = sp.csr_matrix(np.array([[2.0**62, 0, 2.0**62, 0]]).astype(np.int64))
    assert fold_buckets(X, 2).toarray().tolist() == [[2.0**63, 0]]  # int64 would wrap
    assert fold_buckets(sp.csr_matrix((3, 0)), 2**32).shape == (3, 2**32)
    with pytest.raises(ValueError, match="n_buckets must be <= 4,294,967,296"):
        fold_buckets(sp.csr_matrix((3, 0)), 2**32 + 1)  # 0 % n_buckets == 0: the cap decides


# ------------------------------------------------------------------ randomized rounding


def test_randomized_rounding_is_unbiased_and_the_compiled_code_equals_its_source():
    from course_utils.solvers._ftrl_loop import seed_rounding

    value = 2048.0 + 0.3  # between the float16 neighbours 2048 and 2050
    seed_rounding(3)
    draws = np.array([round_to(value, -16) for _ in range(20_000)])
    assert set(np.unique(draws)) == {2048.0, 2050.0}
    assert abs(draws.mean() - value) < 0.02  # the standard error is about 0.007
    if hasattr(round_to, "py_func"):
        seed_rounding(3)
        compiled = [round_to(value, -16) for _ in range(50)]
        seed_rounding.py_func(3)
        assert compiled == [round_to.py_func(value, -16) for _ in range(50)]


def test_randomized_rounding_draws_for_z_then_n_in_the_papers_order():
    # Algorithm 1 updates z_i, then n_i: with both stored in float16 at random, each update
    # draws first for z_i, then for n_i. A plain loop written from the paper, rounding through
    # the same round_to (the same seeded generator), must give the loop's state bit for bit;
    # drawing for n_i first gives other numbers (checked below, so the test can fail).
    from course_utils.solvers._ftrl_loop import seed_rounding

    X, y = _stream(n=120)
    alpha, beta, l1, l2 = 0.5, 1.0, 0.3, 0.1

    def plain(n_first):
        z, n = np.zeros(X.shape[1] + 1), np.zeros(X.shape[1] + 1)
        for t in range(X.shape[0]):
            cols = list(X.indices[X.indptr[t]:X.indptr[t + 1]]) + [X.shape[1]]
            vals = list(X.data[X.indptr[t]:X.indptr[t + 1]]) + [1.0]
            w = []
            for i in cols:
                l1_i, l2_i = (0.0, 0.0) if i == X.shape[1] else (l1, l2)
                w.append(0.0 if abs(z[i]) <= l1_i else -(z[i] - np.sign(z[i]) * l1_i)
                         / ((beta + np.sqrt(n[i])) / alpha + l2_i))
            logit = 0.0
            for w_i, x in zip(w, vals, strict=True):
                logit += w_i * x
            p = (1.0 / (1.0 + math.exp(-logit)) if logit >= 0
                 else math.exp(logit) / (1.0 + math.exp(logit)))
            for i, x, w_i in zip(cols, vals, w, strict=True):
                g = (p - y[t]) * x
                sigma = (np.sqrt(n[i] + g * g) - np.sqrt(n[i])) / alpha
                new_z, new_n = z[i] + g - sigma * w_i, n[i] + g * g
                if n_first:
                    n[i] = round_to(new_n, -16)
                    z[i] = round_to(new_z, -16)
                else:
                    z[i] = round_to(new_z, -16)
                    n[i] = round_to(new_n, -16)
        return z, n

    z, n, f = np.zeros(X.shape[1] + 1), np.zeros(X.shape[1] + 1), np.empty(X.shape[0])
    seed_rounding(11)
    ftrl_rows(z, n, np.zeros(X.shape[1] + 1), X.indptr.astype(np.int64),
              X.indices.astype(np.int64), X.data, y, alpha, beta, l1, l2, True, -16, -16, f)
    seed_rounding(11)
    z_ref, n_ref = plain(n_first=False)
    np.testing.assert_allclose(z, z_ref, rtol=0, atol=0)
    np.testing.assert_allclose(n, n_ref, rtol=0, atol=0)
    seed_rounding(11)
    z_swapped, n_swapped = plain(n_first=True)
    assert z_swapped.tobytes() != z.tobytes() or n_swapped.tobytes() != n.tobytes()


def test_randomized_rounding_lets_a_float16_sum_of_squares_keep_growing():
    # The intercept's n_i sums (p - y)^2 < 1 every row: in float16 rounded to nearest it stalls
    # once its spacing (1 from 1024, 2 from 2048) is more than twice each (p - y)^2; rounded at
    # random it keeps growing, like float64.
    X, y = _stream(n=900)
    options = {"f64": {}, "nearest": dict(state_dtype=np.float16),
               "random": dict(state_dtype=np.float16, rounding="random")}
    models = {name: FTRLProximal(X.shape[1], alpha=0.1, l1=1.0, **kw)
              for name, kw in options.items()}
    for _ in range(30):
        for model in models.values():
            model.partial_fit(X, y)
    n64, nearest, random = (float(m.n_[-1]) for m in models.values())
    assert n64 > 3000 and nearest <= 2048.0  # stalled where the spacing outgrew 2 g^2
    assert abs(random - n64) / n64 < 0.05
    again = FTRLProximal(X.shape[1], alpha=0.1, l1=1.0, state_dtype=np.float16, rounding="random")
    for _ in range(30):
        again.partial_fit(X, y)
    assert again.n_.tobytes() == models["random"].n_.tobytes()  # seeded: the same every run


def test_rounding_must_be_named():
    with pytest.raises(ValueError, match="rounding"):
        FTRLProximal(10, rounding="stochastic")


def test_bloom_min_count_is_capped_at_255_also_when_replaced():
    # counters are uint8: a min_count of 256 could never be reached, at construction or later
    bloom = BloomInclusion(255, n_counters=64)
    assert bloom.admit(np.zeros(255, dtype=np.int64))[-1]  # the 255th sighting is learned
    with pytest.raises(ValueError, match="min_count"):
        BloomInclusion(256)
    bloom.min_count = 256
    with pytest.raises(ValueError, match="min_count"):
        bloom.admit(np.array([1]))


def test_bloom_n_counters_is_capped_at_2_to_the_31_also_when_replaced():
    # the documented cap (2 GiB of one-byte counters): one more is refused before any memory
    # is taken, at construction or when the setting is replaced
    with pytest.raises(ValueError, match=r"^n_counters must be <= 2,147,483,648"):
        BloomInclusion(2, n_counters=2**31 + 1)
    bloom = BloomInclusion(2, n_counters=64)
    bloom.n_counters = 2**31 + 1
    with pytest.raises(ValueError, match=r"^n_counters must be <= 2,147,483,648"):
        bloom.admit(np.array([1]))


def test_hashing_is_sklearns_murmurhash3_bit_for_bit():
    # course_utils.hashing computes MurmurHash3 itself (so that a stream loads without
    # scikit-learn): the same numbers as sklearn's, for 32-bit keys and for text of every
    # length modulo 4, ASCII or not
    from sklearn.utils import murmurhash3_32

    from course_utils.hashing import _murmurhash_keys, _murmurhash_text

    keys = np.random.default_rng(0).integers(0, 2**32, 50_000, dtype=np.uint64)
    keys[:4] = [0, 1, 2**31, 2**32 - 1]
    for seed in (0, 1, 7, 2**32 - 1):
        expected = murmurhash3_32(keys.astype(np.uint32).view(np.int32), seed=seed,
                                  positive=True)
        np.testing.assert_array_equal(_murmurhash_keys(keys, seed), expected)
        assert _murmurhash_keys(keys, seed).dtype == np.uint32
    for text in ["", "a", "ab", "abc", "abcd", "age=30", "native-country=Côte d'Ivoire",
                 "é", "日本語", "x" * 37]:
        for seed in (0, 5):
            assert _murmurhash_text(text, seed) == murmurhash3_32(text, seed=seed,
                                                                  positive=True), text


class _Admit:
    """An inclusion whose admit runs ``before(model)`` once armed, then admits everything."""

    def __init__(self, before):
        self.before, self.model, self.armed = before, None, False

    def admit(self, features):
        if self.armed:
            self.before(self.model)
        return np.ones(features.size, dtype=bool)


@pytest.mark.parametrize("change", [
    lambda m: setattr(m, "z_", np.zeros(1)) or setattr(m, "n_", np.zeros(1)),
    lambda m: setattr(m.z_.flags, "writeable", False),
    lambda m: setattr(m, "n_features", 1),
])
def test_an_admit_that_changes_the_model_is_refused_naming_inclusion(change):
    """(In main at a9513eb: a double free, a numba TypingError, or a corrupted model.)"""
    X = sp.random(20, 50, density=0.2, random_state=1, format="csr")
    y = np.arange(20) % 2 * 1.0
    inclusion = _Admit(change)
    model = inclusion.model = FTRLProximal(50, inclusion=inclusion)
    model.partial_fit(X, y)
    inclusion.armed = True
    with pytest.raises((ValueError, TypeError), match="inclusion.admit changed the model's "
                                                      "state"):
        model.partial_fit(X, y)


def test_an_admit_that_writes_into_the_callers_chunk_does_not_change_what_is_learned():
    X = sp.random(20, 50, density=0.2, random_state=1, format="csr")
    y = np.arange(20) % 2 * 1.0
    expected = FTRLProximal(50).partial_fit(X, y)

    def scribble(model):
        X.indices[:] = 5
        y[:] = 1.0

    inclusion = _Admit(scribble)
    inclusion.armed = True
    model = FTRLProximal(50, inclusion=inclusion).partial_fit(X, y)
    assert np.array_equal(model.features_, expected.features_)
    assert np.array_equal(model.z_, expected.z_) and np.array_equal(model.n_, expected.n_)


def test_progressive_loss_before_any_row_is_refused():
    with pytest.raises(ValueError, match="progressive_loss_ is the mean over the rows learned"):
        _ = FTRLProximal(3).progressive_loss_


def test_a_cross_is_hashed_as_hash_crosses_documents_with_sklearns_murmurhash():
    # hash_crosses' Notes: h = murmurhash3_32("column=value") for the first value, then for the
    # j-th (j = 2, 3, ...) h = murmurhash3_32(((h * 2654435761 + h_j) % 2**32) as 4 bytes,
    # little-endian, seed=j); the bucket is h % n_buckets. Computed here with scikit-learn's.
    from sklearn.utils import murmurhash3_32

    from course_utils.hashing import hash_crosses

    def murmur(data, seed=0):
        return murmurhash3_32(data, seed=seed, positive=True)

    table = pd.DataFrame({"a": ["x", "y", "x"], "b": ["u", "v", "w"], "c": ["1", "2", "3"]})
    n_buckets = 2**20
    M = hash_crosses(table, ["a", ("a", "b"), ("a", "b", "c")], n_buckets)
    for row, (a, b, c) in enumerate(table.itertuples(index=False)):
        h = murmur(f"a={a}")
        expected = [h % n_buckets]
        for j, value in enumerate([f"b={b}", f"c={c}"], start=2):
            key = (h * 2654435761 + murmur(value)) % 2**32
            h = murmur(key.to_bytes(4, "little"), seed=j)
            expected.append(h % n_buckets)
        np.testing.assert_array_equal(np.sort(M[row].indices), np.sort(expected))

"""course_utils.sharding: the workers of notebook 08, without and with a Dask cluster."""

from __future__ import annotations

import builtins
import logging
import os
import sys

import numpy as np
import pandas as pd
import psutil
import pytest
import scipy.sparse as sp

from course_utils import sharding
from course_utils.solvers import FTRLProximal

SETTINGS = dict(alpha=0.1, beta=1.0, l2=1.0)
N_FEATURES = 2**20


def hashed_rows(n_rows=300, per_row=12, seed=0):
    """Rows like notebook 07's: a few features per row among many buckets, labels 0/1."""
    rng = np.random.default_rng(seed)
    vocabulary = rng.choice(N_FEATURES, size=60, replace=False)
    indices = np.concatenate([np.sort(rng.choice(vocabulary, per_row, replace=False))
                              for _ in range(n_rows)])
    indptr = np.arange(n_rows + 1) * per_row
    X = sp.csr_matrix((np.ones(indices.size), indices, indptr), shape=(n_rows, N_FEATURES))
    w = rng.normal(size=N_FEATURES)
    y = (rng.random(n_rows) < 1 / (1 + np.exp(-(X @ w) / 3))).astype(np.int64)
    return X, y


def one_machine(X, y, l1):
    model = FTRLProximal(N_FEATURES, l1=l1, **SETTINGS)
    model.partial_fit(X, y)
    indices, values = model.sparse_coef()
    return indices, values, model.intercept_


def feature_sharded(X, y, l1, n_shards, batch):
    shards = [sharding.FeatureShard(part, l1=l1, intercept=(k == 0), **SETTINGS)
              for k, part in enumerate(sharding.split_buckets(X, n_shards))]
    for start in range(0, len(y), batch):
        stop = min(start + batch, len(y))
        logits = sum(shard.partial_logits(start, stop) for shard in shards)
        for shard in shards:
            shard.learn(1 / (1 + np.exp(-logits)) - y[start:stop], start)
    parts = [shard.sparse_coef() for shard in shards]
    return (np.concatenate([i for i, _, _ in parts]), np.concatenate([v for _, v, _ in parts]),
            parts[0][2])


@pytest.mark.parametrize("l1", [0.0, 2.0])
@pytest.mark.parametrize("n_shards", [1, 2, 3])
def test_batches_of_one_row_are_one_machine_ftrl(l1, n_shards):
    X, y = hashed_rows()
    expected = one_machine(X, y, l1)
    indices, values, intercept = feature_sharded(X, y, l1, n_shards, batch=1)
    np.testing.assert_array_equal(indices, expected[0])
    np.testing.assert_allclose(values, expected[1], rtol=1e-10)
    assert intercept == pytest.approx(expected[2], rel=1e-10)


def test_larger_batches_are_a_different_algorithm():
    X, y = hashed_rows()
    _, values, _ = feature_sharded(X, y, 0.0, 2, batch=100)
    assert not np.allclose(values, one_machine(X, y, 0.0)[1])


def test_step_learns_then_predicts_the_next_batch():
    X, y = hashed_rows()
    a, b = (sharding.FeatureShard(X, l1=1.0, intercept=True, **SETTINGS) for _ in range(2))
    first = a.partial_logits(0, 50)
    np.testing.assert_array_equal(first, b.step(None, 0, 50))
    residuals = 1 / (1 + np.exp(-first)) - y[:50]
    a.learn(residuals, 0)
    np.testing.assert_array_equal(a.partial_logits(50, 100), b.step(residuals, 50, 100))


@pytest.mark.parametrize("l1", [0.0, 2.0])
def test_a_row_shard_continues_from_the_mixed_weights(l1):
    X, y = hashed_rows()
    shards = [sharding.RowShard(X[k::2], y[k::2], l1=l1, **SETTINGS) for k in range(2)]
    mixed = sharding.average_weights([shard.learn(0, 100) for shard in shards])
    for shard in shards:
        shard.mix(*mixed)
        indices, values = shard.model.sparse_coef()
        np.testing.assert_array_equal(indices, mixed[0])
        np.testing.assert_allclose(values, mixed[1], rtol=1e-12)
        assert shard.model.intercept_ == pytest.approx(mixed[2], rel=1e-12)
    # learn() with the mixed weights mixes first, then learns
    again = sharding.RowShard(X[0::2], y[0::2], l1=l1, **SETTINGS)
    again.learn(0, 100)
    np.testing.assert_array_equal(again.learn(100, 150, mixed)[1], shards[0].learn(100, 150)[1])


def test_float32_rows_are_kept_and_learn_the_same_model():
    # a worker keeps float32 rows as they came (half the memory of float64) and learns exactly
    # what it learns from the same rows in float64: the values are read as float64 when used
    X32, y = hashed_rows()
    X32.data = np.random.default_rng(1).uniform(0.5, 2.0, X32.nnz).astype(np.float32)
    X = X32.astype(np.float64)  # the same numbers
    rows = [sharding.RowShard(rows, y, l1=2.0, **SETTINGS) for rows in (X, X32)]
    assert rows[0]._X.dtype == np.float64 and rows[1]._X.dtype == np.float32
    for a, b in zip(*(shard.learn(0, len(y)) for shard in rows), strict=True):
        np.testing.assert_array_equal(a, b)
    parts = [sharding.split_buckets(rows, 2)[1] for rows in (X, X32)]
    features = [sharding.FeatureShard(part, l1=2.0, intercept=True, **SETTINGS)
                for part in parts]
    assert features[0]._X.dtype == np.float64 and features[1]._X.dtype == np.float32
    logits = [shard.step(None, 0, 100) for shard in features]
    np.testing.assert_array_equal(logits[0], logits[1])
    for shard in features:
        shard.learn(1 / (1 + np.exp(-logits[0])) - y[:100], 0)
    for a, b in zip(*(shard.sparse_coef() for shard in features), strict=True):
        np.testing.assert_array_equal(a, b)


def test_average_weights_keeps_the_union_of_the_supports():
    a = (np.array([1, 5]), np.array([2.0, 4.0]), 1.0)
    b = (np.array([5, 9]), np.array([-4.0, 6.0]), 3.0)
    indices, values, intercept = sharding.average_weights([a, b])
    np.testing.assert_array_equal(indices, [1, 9])  # 5 cancels to exactly 0: not sent
    np.testing.assert_array_equal(values, [1.0, 3.0])
    assert intercept == 2.0
    empty = (np.array([], dtype=np.int32), np.array([]), 0.0)
    assert sharding.average_weights([empty, empty])[0].size == 0


def test_split_buckets_cuts_the_columns_into_ranges():
    X, _ = hashed_rows()
    parts = sharding.split_buckets(X, 3)
    assert (sum(parts) != X).nnz == 0
    for k, part in enumerate(parts):
        assert part.shape == X.shape
        assert np.all((part.indices >= k * N_FEATURES // 3)
                      & (part.indices < (k + 1) * N_FEATURES // 3))


def test_sparse_decision_is_the_dense_product():
    X, y = hashed_rows()
    indices, values, intercept = one_machine(X, y, 1.0)
    w = np.zeros(N_FEATURES)
    w[indices] = values
    np.testing.assert_allclose(sharding.sparse_decision(X, indices, values, intercept),
                               X @ w + intercept, rtol=1e-12)
    np.testing.assert_array_equal(
        sharding.sparse_decision(X, np.array([], dtype=np.int64), np.array([]), 0.5), 0.5)


def test_payload_bytes_is_the_buffer_plus_a_header():
    dense = np.zeros(1000)
    assert dense.nbytes < sharding.payload_bytes(dense) < dense.nbytes + 1000
    indices, values = sharding.sparse_vector(np.r_[np.zeros(990), np.ones(10)])
    assert indices.dtype == np.int32 and values.size == 10
    assert sharding.payload_bytes((indices, values)) < sharding.payload_bytes(dense)


def test_missing_dask_gives_the_install_command(monkeypatch):
    real_import = builtins.__import__

    def no_dask(name, *args, **kwargs):
        if name.startswith("dask"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    with pytest.raises(ImportError, match=r"pip install \"dask\[distributed\]\""):
        sharding.import_dask()


def test_the_cluster_is_shut_down_when_a_cell_fails():
    # notebook 08's with block (workers forked on Linux), with a failure inside: no worker
    # process may be left
    import dask

    LocalCluster, Client = sharding.import_dask()
    start_method = "fork" if sys.platform == "linux" else "spawn"
    worker_pids = {}
    with pytest.raises(RuntimeError, match="a cell fails"):
        with dask.config.set({"distributed.worker.multiprocessing-method": start_method}), \
                LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                             dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
                Client(cluster) as client:
            assert len(client.scheduler_info()["workers"]) == 2
            worker_pids = client.run(os.getpid)
            children = {p.pid for p in psutil.Process().children(recursive=True)}
            assert len(set(worker_pids.values()) & children) == 2
            raise RuntimeError("a cell fails inside the with block")
    children = {p.pid for p in psutil.Process().children(recursive=True)}
    assert set(worker_pids.values()) & children == set()


def test_arguments_are_checked_at_the_door():
    X, y = hashed_rows(n_rows=20)
    shard = sharding.FeatureShard(X, l1=1.0, intercept=True, **SETTINGS)
    with pytest.raises(ValueError, match="residuals must be in"):
        shard.learn(np.full(5, 2.0), 0)
    with pytest.raises(ValueError, match="stop"):
        shard.partial_logits(5, 21)
    with pytest.raises(ValueError, match="start"):
        shard.step(np.zeros(5), 3, 10)  # the last batch would start before row 0
    rows = sharding.RowShard(X, y, l1=1.0, **SETTINGS)
    with pytest.raises(TypeError, match="mixed"):
        rows.learn(0, 5, mixed=[1, 2])
    with pytest.raises(ValueError, match="indices must be strictly increasing"):
        rows.mix(np.array([4, 2]), np.array([1.0, 1.0]), 0.0)
    with pytest.raises(ValueError, match="n_shards must be <= 1,024"):
        sharding.split_buckets(X, 1025)
    with pytest.raises(TypeError, match=r"messages\[1\]"):
        sharding.average_weights([(np.array([1]), np.array([1.0]), 0.0), "no"])
    with pytest.raises(ValueError, match=r"message\[0\]"):
        sharding.payload_bytes((np.array([np.nan]), 0.0))
    with pytest.raises(ValueError, match="indices"):
        sharding.sparse_decision(X, np.array([N_FEATURES]), np.array([1.0]), 0.0)


def test_payload_bytes_refuses_what_is_not_a_course_message():
    with pytest.raises(TypeError, match=r"message\[0\] must hold real numbers, got booleans"):
        sharding.payload_bytes((np.array([True, False]), 0.0))
    with pytest.raises(TypeError, match="message must hold real numbers, got booleans"):
        sharding.payload_bytes(np.ones(3, dtype=bool))
    cap = sharding.MAX_MESSAGE_PARTS
    assert sharding.payload_bytes((0.0,) * cap) > 0  # at the cap: measured
    with pytest.raises(ValueError, match=f"at most {cap:,} parts, got {cap + 1:,}"):
        sharding.payload_bytes((0.0,) * (cap + 1))
    for huge in (10**400, -(10**400)):
        with pytest.raises(ValueError, match=r"message\[1\] is too large") as caught:
            sharding.payload_bytes((np.zeros(2), huge))
        assert "finite" not in str(caught.value)
    with pytest.raises(ValueError, match="must be finite"):
        sharding.payload_bytes((np.zeros(2), float("inf")))


def test_average_weights_of_no_message_says_it_is_empty():
    with pytest.raises(ValueError, match="messages is empty"):
        sharding.average_weights([])
    with pytest.raises(TypeError, match="messages must be a non-empty list"):
        sharding.average_weights("no")


def test_q2_feedback_says_a_zero_weight_does_not_make_a_zero_gradient():
    from course_utils.exercises import ex08

    feedback = ex08.q2.options["b"][1]
    assert "does not make $g_i" in feedback and "zero" in feedback
    assert "does not depend on the weight" not in feedback


def test_public_state_is_checked_again_before_every_call():
    X, y = hashed_rows(n_rows=20)
    shard = sharding.FeatureShard(X, l1=1.0, intercept=True, **SETTINGS)
    shard.partial_logits(0, 10)
    shard.z_ = shard.z_[:-1].copy()
    with pytest.raises(ValueError, match="z_ must have shape"):
        shard.partial_logits(0, 10)
    shard = sharding.FeatureShard(X, l1=1.0, intercept=True, **SETTINGS)
    shard.n_ = -np.ones_like(shard.n_)
    with pytest.raises(ValueError, match="n_ must be >= 0"):
        shard.learn(np.zeros(3), 0)
    shard = sharding.FeatureShard(X, l1=1.0, intercept=True, **SETTINGS)
    shard.intercept = False
    with pytest.raises(ValueError, match="intercept"):
        shard.sparse_coef()
    rows = sharding.RowShard(X, y, l1=1.0, **SETTINGS)
    rows.model = "a model"
    with pytest.raises(TypeError, match="model must be"):
        rows.learn(0, 5)


def test_arrays_are_capped_by_their_logical_size_not_their_bytes():
    """np.broadcast_to(0.0, 10**9) takes 8 bytes; in main at a9513eb sparse_vector ran 20 s."""
    huge = np.broadcast_to(0.0, (10**9,))
    with pytest.raises(ValueError, match="values holds 1,000,000,000 values, more than"):
        sharding.sparse_vector(huge)
    with pytest.raises(ValueError, match="message holds 1,000,000,000 values"):
        sharding.payload_bytes(huge)


def test_row_shard_refuses_rows_whose_squared_gradients_would_overflow_their_sum():
    # FTRL's n_i adds one squared gradient (|x_ij| <= the largest |value|) per row: a shard of
    # n rows needs n * max|x|**2 below float64's 1.8e308, with check_magnitude's margin of 100,
    # max|x| <= sqrt(1.8e308 / (100 n)): 4.2e151 for 1,000 rows. 1e152 is refused, though for
    # the 2 columns alone it would be in range (9.5e152).
    n = 1000
    y = np.arange(n) % 2.0
    limit = np.sqrt(np.finfo(np.float64).max / (100 * n))
    assert limit < 1e152 < np.sqrt(np.finfo(np.float64).max / (100 * 2))
    with pytest.raises(ValueError, match=r"^X is too large"):
        sharding.RowShard(np.full((n, 2), 1e152), y)
    sharding.RowShard(np.full((n, 2), 0.99 * limit), y)  # just inside: accepted


def test_feature_shard_owns_the_first_and_the_last_bucket_and_refuses_features_outside():
    # features_ must be strictly increasing, in [0, n_features): bucket 0 and bucket
    # n_features - 1 are the two ends of that range, and a shard touching both works.
    X = sp.csr_matrix(np.array([[1.0, 0.0, 1.0, 0.0, 2.0], [0.0, 0.0, 0.0, 0.0, 1.0],
                                [3.0, 0.0, 0.0, 0.0, 0.0]]))
    shard = sharding.FeatureShard(X, l1=0.0, **SETTINGS)
    np.testing.assert_array_equal(shard.features_, [0, 2, 4])
    logits = shard.step(None, 0, 3)
    shard.step(1 / (1 + np.exp(-logits)) - np.array([1.0, 0.0, 1.0]), 3, 3)
    indices, values, _ = shard.sparse_coef()
    np.testing.assert_array_equal(indices, [0, 2, 4])  # all learned (l1 = 0)
    assert np.all(values != 0)
    for features in ([-1, 2, 4], [0, 2, 5], [0, 2, 2], [0, 0, 4], [4, 2, 0]):
        shard.features_ = np.array(features, dtype=np.int64)
        with pytest.raises(ValueError, match=r"features_ must be strictly increasing, in \[0, 5\)"):
            shard.step(None, 0, 3)


@pytest.mark.parametrize("n_rows, blocks", [(4096, 1), (4097, 2), (8192, 2), (8193, 3)])
def test_sparse_decision_scores_4096_rows_at_a_time(monkeypatch, n_rows, blocks):
    # As sharding.py documents: rows are scored in blocks of 4096 (temporary arrays of a few
    # MB whatever the number of rows), one hash lookup (pandas.Index) per block; the logits are
    # the dense product, block boundaries or not.
    lookups, get_indexer = [], pd.Index.get_indexer

    def counting(self, target, *args, **kwargs):
        lookups.append(len(target))
        return get_indexer(self, target, *args, **kwargs)

    monkeypatch.setattr(pd.Index, "get_indexer", counting)
    rng = np.random.default_rng(0)
    X = sp.random(n_rows, 50, density=0.1, format="csr", random_state=rng)
    indices = np.arange(0, 50, 3)
    values = rng.normal(size=indices.size)
    logits = sharding.sparse_decision(X, indices, values, 0.25)
    assert len(lookups) == blocks
    dense = np.zeros(50)
    dense[indices] = values
    np.testing.assert_allclose(logits, X @ dense + 0.25, rtol=1e-12, atol=1e-12)


def test_average_weights_takes_features_up_to_the_last_of_2_to_the_31():
    # features are buckets below MAX_FEATURES = 2**31: the last one, 2**31 - 1, is a feature
    last = 2**31 - 1
    indices, values, _ = sharding.average_weights([(np.array([0, last]), np.array([1.0, 2.0]),
                                                    0.0), (np.array([last]), np.array([4.0]), 1.0)])
    np.testing.assert_array_equal(indices, [0, last])
    np.testing.assert_array_equal(values, [0.5, 3.0])
    with pytest.raises(ValueError, match=r"messages\[0\]'s indices"):
        sharding.average_weights([(np.array([2**31]), np.array([1.0]), 0.0)])


def test_one_element_budget_per_call_across_all_arrays():
    from course_utils.sharding import MAX_MIX_ELEMENTS

    half = MAX_MIX_ELEMENTS // 4  # indices and values of one message: half the budget
    message = (np.arange(half), np.ones(half), 0.0)
    indices, values, _ = sharding.average_weights([message, message])  # exactly the budget
    assert indices.size == half and np.all(values == 1.0)
    with pytest.raises(ValueError, match=r"messages\[2\]'s indices holds .* more than the 0 left"):
        sharding.average_weights([message] * 3)  # each array alone is far below its own cap
    part = np.broadcast_to(0.0, (2**27,))  # 8 bytes each, 2**27 values each
    with pytest.raises(ValueError, match=r"message\[1\] holds 134,217,728 values, more than"):
        sharding.payload_bytes((part,) * 1024)

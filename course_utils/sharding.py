"""FTRL-Proximal past one machine: the pieces each worker runs, and the bytes of a message.

Notebook 08 trains notebook 07's hashed model on a Dask cluster in two ways. The cluster
(processes, scheduling, moving data, failures) is Dask's; this module holds only what a
worker computes and what the learner measures:

* :class:`RowShard`: a worker that owns some *rows*. It runs one-row-at-a-time FTRL-Proximal
  (:class:`~course_utils.solvers.FTRLProximal`) on them, sends its non-zero weights, and
  continues from the average of every worker's weights (iterative parameter mixing,
  McDonald et al. 2010; Vowpal Wabbit's AllReduce averages in the same way, Agarwal et al.
  2014). :func:`average_weights` is the mixing.
* :class:`FeatureShard`: a worker that owns the ``z``, ``n`` of some *buckets*. For a batch of
  rows it sends its partial logits; given the batch's residuals ``p - y`` it updates its
  coordinates once for the whole batch (FTRL-Proximal on mini-batches).
* :func:`split_buckets` cuts the columns into the workers' ranges; :func:`sparse_decision`
  scores rows with a model kept as its non-zero weights.
* :func:`payload_bytes`: the bytes of the frames Dask's serializer makes from a message;
  :func:`sparse_vector` turns a dense vector into the ``(indices, values)`` of its non-zeros.
* :func:`import_dask`: Dask's ``LocalCluster`` and ``Client``, or a clear message.

Everything here is plain numpy and runs without Dask too (the tests do), one object per
worker.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ._validation import check_int, check_scalar
from .solvers import FTRLProximal
from .solvers.online import _canonical_csr, _ftrl_weights

__all__ = ["import_dask", "payload_bytes", "sparse_vector", "average_weights", "RowShard",
           "FeatureShard", "split_buckets", "sparse_decision"]

DASK_MISSING = (
    "Dask's distributed scheduler is not installed here: run "
    "`python -m pip install \"dask[distributed]\"` (or `python -m pip install -r "
    "requirements.txt` in the course folder), then restart the kernel."
)


def import_dask():
    """Return ``(LocalCluster, Client)`` from ``dask.distributed``.

    Raises
    ------
    ImportError
        With the command that installs Dask, when ``dask.distributed`` cannot be imported.
    """
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise ImportError(DASK_MISSING) from None
    return LocalCluster, Client


def payload_bytes(message) -> int:
    """Bytes of the frames Dask's serializer makes from ``message``.

    A numpy array travels as a short header plus its raw buffer; a tuple or list of them as
    one frame per array plus headers (``distributed.protocol.serialize_bytelist``, compressed
    as the comms are configured to compress). The comm adds a few bytes of framing per
    message, not counted here. Serializing a numpy array does not copy it, so the size of a large
    message can be measured without building a second copy.
    """
    import dask
    from distributed.protocol import serialize_bytelist

    compression = dask.config.get("distributed.comm.compression")  # Dask's default: none
    frames = serialize_bytelist(message, compression=compression)
    return sum(memoryview(frame).nbytes for frame in frames)


def sparse_vector(values, index_dtype=np.int32):
    """``(indices, values)`` of the non-zero entries of the 1-D array ``values``."""
    values = np.asarray(values)
    indices = np.flatnonzero(values)
    return indices.astype(index_dtype), values[indices]


def average_weights(messages, n_workers=None):
    """Average sparse weight vectors: iterative parameter mixing with equal weights.

    Parameters
    ----------
    messages : list of (indices, values, intercept)
        One per worker: the sorted indices of its non-zero weights, their values, and its
        intercept.
    n_workers : int, optional
        What to divide by (default ``len(messages)``). A weight absent from a message is 0.

    Returns
    -------
    (indices, values, intercept)
        The mean weight vector, as the sorted indices of its non-zero entries (the union of
        the supports, in the messages' index type) and their values, and the mean intercept.

    Notes
    -----
    McDonald, Hall and Mann (2010) average the workers' weights after every epoch,
    :math:`\\bar w = \\sum_k \\mu_k w_k` with :math:`\\mu_k = 1/K` here, and every worker starts
    the next epoch from :math:`\\bar w`.
    """
    n_workers = len(messages) if n_workers is None else check_int(n_workers, "n_workers", low=1)
    indices = np.concatenate([np.asarray(i) for i, _, _ in messages])  # dtype kept: int32
    values = np.concatenate([np.asarray(v, dtype=np.float64) for _, v, _ in messages])
    union, where = np.unique(indices, return_inverse=True)
    total = np.bincount(where, weights=values, minlength=union.size)
    keep = total != 0.0
    intercept = sum(float(b) for _, _, b in messages) / n_workers
    return union[keep], total[keep] / n_workers, intercept


class RowShard:
    """A worker that owns rows: one-row-at-a-time FTRL-Proximal, mixed with the others.

    Parameters
    ----------
    X : scipy.sparse matrix of shape (n_rows, n_features)
        The worker's rows (hashed features), learned in order.
    y : array-like of shape (n_rows,)
        Their labels, 0 or 1.
    **settings
        ``alpha``, ``beta``, ``l1``, ``l2`` of :class:`~course_utils.solvers.FTRLProximal`.
    """

    def __init__(self, X, y, **settings):
        self.X, self.y = sp.csr_matrix(X), np.asarray(y)
        self.model = FTRLProximal(self.X.shape[1], **settings)

    def learn(self, start, stop, mixed=None):
        """Continue from the ``mixed`` weights (if given, see :meth:`mix`), learn the rows
        ``start:stop`` of the shard, and return the message to the mixer: the
        ``(indices, values, intercept)`` of the non-zero weights (int32 indices)."""
        if mixed is not None:
            self.mix(*mixed)
        self.model.partial_fit(self.X[start:stop], self.y[start:stop])
        indices, values = self.model.sparse_coef()
        return indices.astype(np.int32), values, self.model.intercept_

    def mix(self, indices, values, intercept):
        """Continue from the weights ``(indices, values, intercept)`` (weights not listed: 0).

        FTRL-Proximal keeps ``z`` and ``n``, not the weights; each coordinate keeps its ``n``
        and gets the ``z`` whose closed-form weight is the given one:
        ``z = -(w d + sign(w) l1)`` with ``d = (beta + sqrt(n)) / alpha + l2``. A coordinate
        whose given weight is 0 keeps its ``z`` clipped to ``[-l1, l1]``, where its weight is 0.
        """
        m = self.model
        indices = np.asarray(indices, dtype=np.int64)
        new = np.setdiff1d(indices, m.features_)
        if new.size:  # seen by another worker only: give it state, as partial_fit would
            at = np.searchsorted(m.features_, new)
            m.z_, m.n_ = np.insert(m.z_, at, 0.0), np.insert(m.n_, at, 0.0)
            m.features_ = np.insert(m.features_, at, new)
        w = np.zeros(m.z_.size)
        w[pd.Index(m.features_).get_indexer(indices)] = values
        w[-1] = intercept
        l1 = np.full(w.size, m.l1)
        l2 = np.full(w.size, m.l2)
        l1[-1] = l2[-1] = 0.0  # the intercept, the last slot, is not penalized
        d = (m.beta + np.sqrt(m.n_)) / m.alpha + l2
        m.z_[:] = np.where(w != 0.0, -(w * d + np.sign(w) * l1), np.clip(m.z_, -l1, l1))


class FeatureShard:
    """A worker that owns the ``z``, ``n`` of some buckets: FTRL-Proximal on mini-batches.

    Parameters
    ----------
    X : scipy.sparse matrix of shape (n_rows, n_features)
        Every training row, restricted to this worker's buckets (the other columns empty).
    alpha, beta, l1, l2 : float
        As in :func:`~course_utils.solvers.ftrl_proximal`.
    intercept : bool, default=False
        Whether this worker also owns the intercept (an always-on feature, not penalized).

    Notes
    -----
    A batch :math:`B` of rows is one round of FTRL-Proximal (McMahan et al. 2013) whose loss
    is the sum of the rows' log losses, all predicted with the same weights. With the rows'
    residuals :math:`r_t = p_t - y_t`, coordinate :math:`i` receives

    .. math::

        g_i = \\sum_{t \\in B} r_t x_{ti}, \\quad
        \\sigma_i = \\frac{\\sqrt{n_i + g_i^2} - \\sqrt{n_i}}{\\alpha}, \\quad
        z_i \\leftarrow z_i + g_i - \\sigma_i w_i, \\quad n_i \\leftarrow n_i + g_i^2 .

    A batch of one row is one-row-at-a-time FTRL-Proximal. A larger batch is a different
    algorithm: every row of the batch is predicted with weights that have not learned from
    the rows before it, and the batch takes one step where one machine takes one per row
    (mini-batches in distributed online learning: Dekel et al. 2012).

    References
    ----------
    H. B. McMahan et al., "Ad Click Prediction: a View from the Trenches", KDD 2013.
    O. Dekel, R. Gilad-Bachrach, O. Shamir and L. Xiao, "Optimal distributed online
    prediction using mini-batches", JMLR 13, 2012.
    """

    def __init__(self, X, alpha=0.1, beta=1.0, l1=1.0, l2=0.0, *, intercept=False):
        X = _canonical_csr(X)
        self.alpha = check_scalar(alpha, "alpha", low_inclusive=False)
        self.beta, self.l1, self.l2 = check_scalar(beta, "beta"), check_scalar(l1, "l1"), \
            check_scalar(l2, "l2")
        self.intercept = bool(intercept)
        # the buckets this worker owns that the rows touch, and the rows in those coordinates
        self.features = np.unique(X.indices).astype(np.int64)
        slots = np.searchsorted(self.features, X.indices)
        self.X = sp.csr_matrix((X.data.astype(np.float64), slots, X.indptr),
                               shape=(X.shape[0], self.features.size + self.intercept))
        if self.intercept:
            self.X = self.X + sp.csr_matrix(
                (np.ones(X.shape[0]), np.full(X.shape[0], self.features.size),
                 np.arange(X.shape[0] + 1)), shape=self.X.shape)
        self.z = np.zeros(self.X.shape[1])
        self.n = np.zeros(self.X.shape[1])
        self.batch = None

    def weights(self):
        """The weights of this worker's coordinates (the intercept last, if it owns it)."""
        return _ftrl_weights(self.z, self.n, self.alpha, self.beta, self.l1, self.l2,
                             self.intercept)

    def partial_logits(self, start, stop):
        """The rows ``start:stop`` as the next batch: each row's sum of ``w_i x_i`` over this
        worker's coordinates (a dense float64 vector, one entry per row)."""
        self.batch = (self.X[start:stop], self.weights())
        X, w = self.batch
        return X @ w

    def step(self, residuals, start, stop):
        """:meth:`learn` from the last batch's ``residuals`` (unless None), then return the
        :meth:`partial_logits` of the rows ``start:stop``: one message each way per batch."""
        if residuals is not None:
            self.learn(residuals)
        return self.partial_logits(start, stop)

    def learn(self, residuals):
        """Update ``z`` and ``n`` from the residuals ``p - y`` of the last batch's rows."""
        X, w = self.batch
        g = X.T @ np.asarray(residuals, dtype=np.float64)  # the batch's gradient
        sigma = (np.sqrt(self.n + g * g) - np.sqrt(self.n)) / self.alpha
        self.z += g - sigma * w
        self.n += g * g
        self.batch = None

    def sparse_coef(self):
        """``(indices, values, intercept)``: this worker's non-zero weights (int32 indices)
        and the intercept (0.0 unless this worker owns it)."""
        w = self.weights()
        b = float(w[-1]) if self.intercept else 0.0
        w = w[:self.features.size]
        return self.features[w != 0.0].astype(np.int32), w[w != 0.0], b


def split_buckets(X, n_shards):
    """Cut the columns of ``X`` into ``n_shards`` equal ranges of buckets.

    Returns a list of CSR matrices of the shape of ``X``: the ``k``-th keeps the columns
    ``k * m / n_shards <= j < (k + 1) * m / n_shards`` (``m`` columns), the others empty.
    """
    n_shards = check_int(n_shards, "n_shards", low=1)
    X = _canonical_csr(X)
    edges = [k * X.shape[1] // n_shards for k in range(n_shards + 1)]
    shard = np.searchsorted(edges, X.indices, side="right") - 1
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    return [sp.csr_matrix((X.data[shard == k], (rows[shard == k], X.indices[shard == k])),
                          shape=X.shape) for k in range(n_shards)]


def sparse_decision(X, indices, values, intercept):
    """Logits ``X @ w + b`` of a model given as its sorted non-zero ``indices`` and ``values``
    (the dense weight vector is never built)."""
    X = _canonical_csr(X)
    at = pd.Index(np.asarray(indices)).get_indexer(X.indices)  # -1: no weight ...
    w = np.append(np.asarray(values, dtype=np.float64), 0.0)[at]  # ... reads the 0.0 appended
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    return np.bincount(rows, weights=X.data * w, minlength=X.shape[0]) + float(intercept)

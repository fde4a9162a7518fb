"""FTRL-Proximal past one machine: the pieces each worker runs, and the bytes of a message.

Notebook 08 trains notebook 07's hashed model on a Dask cluster in two ways. The cluster
(processes, scheduling, moving data, failures) is Dask's; this module holds only what a
worker computes and what the learner measures:

* :class:`RowShard`: a worker that owns some *rows*. It runs one-row-at-a-time FTRL-Proximal
  (:class:`~course_utils.solvers.FTRLProximal`) on them, sends its non-zero weights, and
  continues from the average of every worker's weights (a variant of iterative parameter
  mixing, McDonald et al. 2010, which averages after each full pass over the shards: notebook
  08 averages after every chunk, and each worker keeps its own ``n``; Vowpal Wabbit's AllReduce
  averages in the same way, Agarwal et al. 2014). :func:`average_weights` is the mixing.
* :class:`FeatureShard`: a worker that owns the ``z``, ``n`` of some *buckets*. For a batch of
  rows it sends its partial logits; given the batch's residuals ``p - y`` it updates its
  coordinates once for the whole batch (FTRL-Proximal on mini-batches).
* :func:`split_buckets` cuts the columns into the workers' ranges; :func:`sparse_decision`
  scores rows with a model kept as its non-zero weights.
* :func:`payload_bytes`: the bytes of the frames Dask's serializer makes from a message;
  :func:`sparse_vector` turns a dense vector into the ``(indices, values)`` of its non-zeros.
* :func:`import_dask`: Dask's ``LocalCluster`` and ``Client``, or a clear message;
  :func:`release_freed_memory` makes a kernel smaller before it forks its workers.

Everything here is numpy (and a pandas lookup) and runs without Dask too (the tests do), one
object per worker. Every public function and method checks its arguments at the door
(:mod:`course_utils._validation`), and a shard checks its public state (``z_``, ``n_``,
``features_``, the settings; a row shard's ``model``) again before every call, since a user
can replace it between calls.
"""

from __future__ import annotations

import ctypes
from types import SimpleNamespace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ._validation import (
    MAX_ARRAY_ELEMENTS,
    MAX_FEATURES,
    MAX_MESSAGE_PARTS,
    MAX_SHARDS,
    check_array,
    check_binary_labels,
    check_bool,
    check_count,
    check_dtype,
    check_feature_state,
    check_indices,
    check_int,
    check_magnitude,
    check_n_features,
    check_output,
    check_scalar,
    check_state,
    element_budget,
)
from .solvers import FTRLProximal
from .solvers.online import FTRL_STATE, _ftrl_weights

# average_weights: the most values (indices and weights of all the messages together) one call
# mixes. Merging them sorts the indices: 2**25 values (2 workers of 2**23 non-zeros) take about
# 3 s; the course's two workers send a few thousand non-zeros each.
MAX_MIX_ELEMENTS = 2**25

__all__ = ["import_dask", "release_freed_memory", "payload_bytes", "sparse_vector",
           "average_weights", "RowShard", "FeatureShard", "split_buckets", "sparse_decision"]

DASK_MISSING = (
    "Dask's distributed scheduler is not installed here: run "
    "`python -m pip install \"dask[distributed]\"` (or `python -m pip install -r "
    "requirements.txt` in the course folder), then restart the kernel."
)
# what a message's arrays may hold: indices and values as the course sends them
_MESSAGE_DTYPES = (np.int32, np.int64, np.float16, np.float32, np.float64)
# sparse_decision scores this many rows at a time, so that its temporary arrays stay small
# (a few MB) whatever the number of rows
_ROWS_PER_BLOCK = 4096


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


def release_freed_memory() -> None:
    """Give the memory this process has freed back to the operating system (Linux, glibc).

    glibc's ``malloc`` keeps freed memory for reuse, in pages the process still holds. A worker
    forked from the process shares every page it holds (copy on write), and its own allocations
    then land in those freed pages, each one copied for it. Releasing them first
    (``malloc_trim(0)``) makes the process smaller and lets a forked worker allocate fresh
    pages instead. Elsewhere (macOS, Windows, musl) it does nothing.
    """
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)


def payload_bytes(message) -> int:
    """Bytes of the frames Dask's serializer makes from ``message``.

    Parameters
    ----------
    message : array-like, or tuple of array-likes and numbers
        What one process sends another: one numeric array, or a tuple of at most
        ``MAX_MESSAGE_PARTS`` (1,024) parts (numpy arrays and real numbers), such as a model's
        ``(indices, values, intercept)``. Arrays hold int32, int64, float16, float32 or float64
        numbers (not booleans); numbers are finite and within float64's range. All the
        arrays together hold at most ``MAX_ARRAY_ELEMENTS`` (2**27) values.

    Returns
    -------
    int
        The bytes of the frames (``distributed.protocol.serialize_bytelist``, compressed as the
        comms are configured to compress; Dask's default: not at all). A numpy array travels
        as a short header plus its raw buffer, a tuple as one frame per array plus headers.
        The comm adds a few bytes of framing per message, not counted here. Serializing a
        numpy array does not copy it, so a large message can be measured without a second
        copy.
    """
    if isinstance(message, tuple):
        if len(message) > MAX_MESSAGE_PARTS:
            raise ValueError(f"message must have at most {MAX_MESSAGE_PARTS:,} parts, got "
                             f"{len(message):,}.")
        with element_budget(MAX_ARRAY_ELEMENTS):  # all the parts together: not 1,024 x 2**27
            parts = tuple(_message_part(part, f"message[{k}]")
                          for k, part in enumerate(message))
    else:
        parts = _message_part(message, "message")
    try:
        import dask
        from distributed.protocol import serialize_bytelist
    except ImportError:
        raise ImportError(DASK_MISSING) from None
    compression = dask.config.get("distributed.comm.compression")
    frames = serialize_bytelist(parts, compression=compression)
    return sum(memoryview(frame).nbytes for frame in frames)


def _message_part(part, name):
    """A part of a message: a real number as a float, anything else as a finite numeric array
    of one of the types the course sends."""
    if isinstance(part, (int, float, np.integer, np.floating)) and not isinstance(
            part, (bool, np.bool_)):
        if isinstance(part, (int, np.integer)) and abs(int(part)) > int(np.finfo(np.float64).max):
            raise ValueError(f"{name} is too large: a float64 holds at most "
                             f"{np.finfo(np.float64).max:.4g}.")
        return check_scalar(part, name, low=None)
    part = check_array(part, name, allow_empty=True, dtype=None, bool_ok=False)
    if part.dtype not in _MESSAGE_DTYPES:
        names = ", ".join(np.dtype(d).name for d in _MESSAGE_DTYPES)
        raise TypeError(f"{name} must hold numbers of one of the types {names}, "
                        f"got {part.dtype}.")
    return part


def _rows_as_csr(X):
    """``X`` checked, as CSR: float32 values kept (a large held-out set stays half the size),
    any other type read as float64 (scipy.sparse has no float16)."""
    float32 = getattr(X, "dtype", None) == np.float32
    X = sp.csr_matrix(check_array(X, "X", ndim=2, sparse_ok=True,
                                  dtype=None if float32 else np.float64))
    check_n_features(X, cap=MAX_FEATURES)
    return X


def sparse_vector(values, index_dtype=np.int32):
    """``(indices, values)`` of the non-zero entries of a 1-D array.

    Parameters
    ----------
    values : array-like of shape (n,)
        Finite numbers.
    index_dtype : {np.int32, np.int64}, default=np.int32
        Type of the returned indices (int32 holds indices below 2**31).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The positions of the non-zero entries, increasing, and their values (in the input's
        dtype).
    """
    values = check_array(values, "values", ndim=1, allow_empty=True, dtype=None)
    index_dtype = check_dtype(index_dtype, "index_dtype", (np.int32, np.int64))
    if values.size > np.iinfo(index_dtype).max:
        raise ValueError(f"values has {values.size:,} entries, too many for index_dtype "
                         f"{index_dtype.name}; use np.int64.")
    indices = np.flatnonzero(values)
    return indices.astype(index_dtype), values[indices]


def _sparse_weights(indices, values, names, high):
    """Check a model given as its non-zero weights: sorted unique indices in [0, high] and as
    many finite values, not too large to add up."""
    indices = check_indices(indices, names[0], high=high)
    if np.any(np.diff(indices) <= 0):
        raise ValueError(f"{names[0]} must be strictly increasing (sorted, no repeats).")
    values = check_array(values, names[1], ndim=1, allow_empty=True)
    if values.shape != indices.shape:
        raise ValueError(f"{names[0]} and {names[1]} must have the same length, got "
                         f"{indices.size} and {values.size}.")
    check_magnitude(values, names[1], max(indices.size, 1))
    return indices, values


def average_weights(messages):
    """Average sparse weight vectors: iterative parameter mixing with equal weights.

    Parameters
    ----------
    messages : list of (indices, values, intercept)
        One per worker, at least one: the strictly increasing indices (below 2**31) of its
        non-zero weights, their values, and its intercept. A weight absent from a message
        is 0. All the messages together hold at most ``MAX_MIX_ELEMENTS`` (2**25) indices
        and values.

    Returns
    -------
    (indices, values, intercept)
        The mean weight vector as the int32 indices of its non-zero entries (within the union
        of the supports), their values, and the mean intercept (a float).

    Notes
    -----
    McDonald, Hall and Mann (2010) average the workers' weights after every epoch,
    :math:`\\bar w = \\sum_k \\mu_k w_k` with :math:`\\mu_k = 1/K` here, and every worker starts
    the next epoch from :math:`\\bar w`. Notebook 08 mixes more often, after every chunk of
    the stream (a variant), and :meth:`RowShard.mix` carries the average into FTRL-Proximal's
    ``z``, each worker keeping its own ``n``.
    """
    if not isinstance(messages, (list, tuple)):
        raise TypeError("messages must be a non-empty list of (indices, values, intercept), "
                        f"one per worker, got {type(messages).__name__}.")
    if not messages:
        raise ValueError("messages is empty: give one (indices, values, intercept) per worker, "
                         "at least one.")
    if len(messages) > MAX_SHARDS:
        raise ValueError(f"messages must hold at most {MAX_SHARDS:,} messages (one per "
                         f"worker), got {len(messages):,}.")
    parts = []
    with element_budget(MAX_MIX_ELEMENTS):  # all the messages' arrays together
        for k, message in enumerate(messages):
            if not isinstance(message, (list, tuple)) or len(message) != 3:
                raise TypeError(f"messages[{k}] must be a tuple (indices, values, intercept).")
            name = f"messages[{k}]"
            parts.append(_sparse_weights(message[0], message[1],
                                         (f"{name}'s indices", f"{name}'s values"),
                                         MAX_FEATURES - 1) + (message[2],))
    for k, (indices, values, intercept) in enumerate(parts):
        name = f"messages[{k}]"
        intercept = check_scalar(intercept, f"{name}'s intercept", low=None)
        check_magnitude(np.array([intercept]), f"{name}'s intercept", len(messages))
        parts[k] = (indices, values, intercept)
    indices = np.concatenate([i for i, _, _ in parts])
    values = np.concatenate([v for _, v, _ in parts])
    union, where = np.unique(indices, return_inverse=True)
    total = np.bincount(where, weights=values, minlength=union.size)
    keep = total != 0.0
    intercept = sum(b for _, _, b in parts) / len(parts)
    return union[keep].astype(np.int32), total[keep] / len(parts), intercept


class RowShard:
    """A worker that owns rows: one-row-at-a-time FTRL-Proximal, mixed with the others.

    Parameters
    ----------
    X : array-like or scipy.sparse matrix of shape (n_rows, n_features)
        The worker's rows (hashed features), learned in order; ``n_features <= 2**31``.
        Kept as float32 when given so (each chunk is read as float64 when learned: the same
        numbers), as float64 otherwise.
    y : array-like of shape (n_rows,)
        Their labels, 0 or 1.
    alpha, beta, l1, l2 : float
        As in :class:`~course_utils.solvers.FTRLProximal`.

    Attributes
    ----------
    model : FTRLProximal
        The worker's model; checked again (its type and its state) before every call.
    """

    def __init__(self, X, y, alpha=0.1, beta=1.0, l1=1.0, l2=0.0):
        X = _rows_as_csr(X)  # float32 rows kept as they came: no float64 copy on the worker
        y = check_array(y, "y", ndim=1)
        if X.shape[0] != y.shape[0]:
            raise ValueError(f"X and y must have the same number of rows: X has {X.shape[0]}, "
                             f"y has {y.shape[0]}.")
        check_binary_labels(y)
        check_magnitude(X, "X", X.shape[0])  # n_i sums a squared gradient per row
        self._X, self._y = X, y.copy()  # the caller's y may change after this
        self.model = FTRLProximal(X.shape[1], alpha, beta, l1, l2)

    def _checked_model(self):
        """The model and its checked state, each attribute read once: use only these."""
        model = self.model  # read once
        if type(model) is not FTRLProximal:
            raise TypeError("model must be a course_utils.solvers.FTRLProximal, got "
                            f"{type(model).__name__}.")
        state = model._check_state()
        if state.n_features != self._X.shape[1] or not state.fit_intercept:
            raise ValueError(f"model must have n_features={self._X.shape[1]} (the shard's "
                             "columns) and fit_intercept=True.")
        return model, state

    def learn(self, start, stop, mixed=None):
        """Continue from the ``mixed`` weights (if given, see :meth:`mix`), learn the rows
        ``start:stop`` of the shard in order, and return the message to the mixer.

        Parameters
        ----------
        start, stop : int
            The rows to learn, ``0 <= start <= stop <= n_rows``.
        mixed : (indices, values, intercept), optional
            The averaged model to continue from (:func:`average_weights`).

        Returns
        -------
        (indices, values, intercept)
            The worker's non-zero weights: int32 indices, float64 values, and its intercept.
        """
        model, _ = self._checked_model()  # partial_fit checks its state again, itself
        start, stop = _row_range(start, stop, self._X.shape[0])
        if mixed is not None:
            if not isinstance(mixed, (list, tuple)) or len(mixed) != 3:
                raise TypeError("mixed must be None or a tuple (indices, values, intercept), "
                                f"got {type(mixed).__name__}.")
            self.mix(*mixed)
        if stop > start:
            model.partial_fit(self._X[start:stop], self._y[start:stop])
        indices, values = model.sparse_coef()
        return indices.astype(np.int32), values, model.intercept_

    def mix(self, indices, values, intercept):
        """Continue from the weights ``(indices, values, intercept)`` (weights not listed: 0).

        FTRL-Proximal keeps ``z`` and ``n``, not the weights; each coordinate keeps its ``n``
        and gets the ``z`` whose closed-form weight is the given one:
        ``z = -(w d + sign(w) l1)`` with ``d = (beta + sqrt(n)) / alpha + l2``. A coordinate
        whose given weight is 0 keeps its ``z`` clipped to ``[-l1, l1]``, where its weight is 0.
        A non-zero weight where ``d = 0`` (``n = 0`` and ``beta = l2 = 0``) is refused.

        Parameters
        ----------
        indices : array-like of int
            Strictly increasing feature indices, below ``n_features``.
        values : array-like of float
            Their weights.
        intercept : float
            The intercept.
        """
        m, s = self._checked_model()  # s: the checked state; m's attributes are not read again
        indices, values = _sparse_weights(indices, values, ("indices", "values"),
                                          s.n_features - 1)
        intercept = check_scalar(intercept, "intercept", low=None)
        check_magnitude(np.array([intercept]), "intercept", 1)
        new = np.setdiff1d(indices, s.features)
        features = np.union1d(s.features, new)  # seen by another worker: state, as partial_fit
        at = np.searchsorted(s.features, new)
        z, n = np.insert(s.z, at, 0.0), np.insert(s.n, at, 0.0)
        w = np.zeros(z.size)
        w[np.searchsorted(features, indices)] = values
        w[-1] = intercept
        l1 = np.full(w.size, s.l1)
        l2 = np.full(w.size, s.l2)
        l1[-1] = l2[-1] = 0.0  # the intercept, the last slot, is not penalized
        d = (s.beta + np.sqrt(n)) / s.alpha + l2
        if np.any((w != 0.0) & (d == 0.0)):  # beta = l2 = 0 and n = 0: the weight is 0 or inf
            raise ValueError("values and intercept hold a weight for a coordinate this model has "
                             "not learned (n_ = 0) and beta = l2 = 0: no z gives it that weight; "
                             "use beta > 0.")
        with np.errstate(over="ignore", invalid="ignore"):
            z = np.where(w != 0.0, -(w * d + np.sign(w) * l1), np.clip(z, -l1, l1))
            z = z.astype(s.z.dtype)
        if not np.all(np.isfinite(z)):
            raise ValueError("values and intercept are too large for this model's settings "
                             "(alpha, beta, l2): z = -(w d + sign(w) l1) would overflow.")
        m.features_, m.z_, m.n_ = features, z, n


class FeatureShard:
    """A worker that owns the ``z``, ``n`` of some buckets: FTRL-Proximal on mini-batches.

    Parameters
    ----------
    X : array-like or scipy.sparse matrix of shape (n_rows, n_features)
        Every training row, restricted to this worker's buckets (the other columns empty);
        ``n_features <= 2**31``. Kept as float32 when given so (scipy sums its products in
        float64: the same logits and gradients), as float64 otherwise.
    alpha, beta, l1, l2 : float
        As in :class:`~course_utils.solvers.FTRLProximal`.
    intercept : bool, default=False
        Whether this worker also owns the intercept (an always-on feature, not penalized).

    Attributes
    ----------
    features_ : numpy.ndarray of int64
        The buckets this worker owns that the rows touch, sorted.
    z_, n_ : numpy.ndarray of float64
        Their state (the intercept's last, if this worker owns it). Checked again, with the
        settings, before every call.

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
        X = _rows_as_csr(X)  # float32 kept: half the memory on the worker, the same sums
        # n_i sums the squares of batch gradients, each a sum over up to n_rows rows
        check_magnitude(X, "X", X.shape[0] ** 2)
        s = self._check_settings(alpha, beta, l1, l2, intercept)
        self.alpha, self.beta, self.l1, self.l2 = s.alpha, s.beta, s.l1, s.l2
        self.intercept = s.intercept
        # the buckets this worker owns that the rows touch, and the rows in those coordinates
        self._n_features = X.shape[1]
        features = np.unique(X.indices).astype(np.int64)
        self.features_ = features
        slots = np.searchsorted(features, X.indices)
        columns = features.size + s.intercept
        if s.intercept:  # one more column, of ones: the intercept's
            ends = X.indptr[1:]
            slots = np.insert(slots, ends, features.size)
            data = np.insert(X.data, ends, 1.0)
            indptr = X.indptr + np.arange(X.shape[0] + 1)
        else:
            data, indptr = X.data, X.indptr
        self._X = sp.csr_matrix((data, slots, indptr), shape=(X.shape[0], columns))
        self.z_ = np.zeros(columns)
        self.n_ = np.zeros(columns)

    @staticmethod
    def _check_settings(alpha, beta, l1, l2, intercept):
        s = SimpleNamespace()
        s.alpha = check_scalar(alpha, "alpha", low_inclusive=False)
        s.beta = check_scalar(beta, "beta")
        s.l1 = check_scalar(l1, "l1")
        s.l2 = check_scalar(l2, "l2")
        s.intercept = check_bool(intercept, "intercept")
        return s

    def _check_state(self):
        """Check the settings and the state (as built, or replaced by hand) before use.

        Every public attribute is read exactly once here, and the checked values are returned
        (a ``SimpleNamespace``): a method uses only them from then on, never ``self.alpha`` or
        ``self.z_`` again, since a property (or a subclass) could return another value on a
        later read (as :meth:`FTRLProximal._check_state <course_utils.solvers.FTRLProximal>`).
        """
        s = self._check_settings(self.alpha, self.beta, self.l1, self.l2, self.intercept)
        s.features = check_feature_state(self.features_, "features_", high=self._n_features)
        if s.features.size + s.intercept != self._X.shape[1]:
            raise ValueError(
                f"features_ ({s.features.size} entries) and intercept ({s.intercept}) must "
                f"match the {self._X.shape[1]} columns this shard was built with.")
        why = " (one entry per feature of features_, and the intercept's if owned)"
        s.z = check_state(self.z_, "z_", size=self._X.shape[1], dtypes=(np.float64,), why=why)
        s.n = check_state(self.n_, "n_", size=self._X.shape[1], dtypes=(np.float64,), why=why)
        if np.any(s.n < 0):
            raise ValueError("n_ must be >= 0 (it sums squared gradients).")
        return s

    def _rows(self, start, stop):
        return self._X[slice(*_row_range(start, stop, self._X.shape[0]))]

    @staticmethod
    def _weights(s):
        return check_output(_ftrl_weights(s.z, s.n, s.alpha, s.beta, s.l1, s.l2, s.intercept),
                            "FeatureShard's weights", fix=FTRL_STATE)

    def partial_logits(self, start, stop):
        """Each row's sum of ``w_i x_i`` over this worker's coordinates, for rows ``start:stop``.

        Parameters
        ----------
        start, stop : int
            The rows of the batch, ``0 <= start <= stop <= n_rows``.

        Returns
        -------
        numpy.ndarray of float64, shape (stop - start,)
            One number per row: what this worker adds to the row's logit.
        """
        s = self._check_state()
        X = self._rows(start, stop)
        with np.errstate(over="ignore", invalid="ignore"):
            logits = X @ self._weights(s)
        return check_output(logits, "FeatureShard's partial logits", fix=FTRL_STATE + " (or X)")

    def learn(self, residuals, start):
        """Update ``z_`` and ``n_`` from the residuals ``p - y`` of the rows
        ``start:start + len(residuals)``, predicted with the current weights (one batch).

        Parameters
        ----------
        residuals : array-like of shape (batch,)
            ``p - y`` of each row of the batch, in [-1, 1].
        start : int
            The batch's first row.
        """
        s = self._check_state()
        residuals = _checked_residuals(residuals, self._X.shape[0])
        start = check_int(start, "start", low=0)
        if start + residuals.size > self._X.shape[0]:
            raise ValueError(f"start + len(residuals) must be <= {self._X.shape[0]} (the rows of "
                             f"this shard's X), got {start:,} + {residuals.size}.")
        X = self._X[start:start + residuals.size]
        w = self._weights(s)
        with np.errstate(over="ignore", invalid="ignore"):
            g = X.T @ residuals  # the batch's gradient
            n_new = s.n + g * g
            sigma = (np.sqrt(n_new) - np.sqrt(s.n)) / s.alpha
            z_new = s.z + g - sigma * w
        if not (np.all(np.isfinite(z_new)) and np.all(np.isfinite(n_new))):
            raise ValueError("the update overflowed float64: the state z_, n_ (or X, or alpha) "
                             "is out of scale.")
        self.z_, self.n_ = z_new, n_new

    def step(self, residuals, start, stop):
        """One round trip of a batch: learn from the last batch's ``residuals`` (unless None),
        the ``len(residuals)`` rows just before ``start``, then return the
        :meth:`partial_logits` of the rows ``start:stop``: one message each way per batch.

        Parameters
        ----------
        residuals : array-like of shape (batch,) or None
            ``p - y`` of the rows ``start - len(residuals):start``, in [-1, 1].
        start, stop : int
            The next batch's rows.

        Returns
        -------
        numpy.ndarray of float64, shape (stop - start,)
        """
        if residuals is not None:
            residuals = _checked_residuals(residuals, self._X.shape[0])
            start = check_int(start, "start", low=residuals.size, high=self._X.shape[0])
            self.learn(residuals, start - residuals.size)
        return self.partial_logits(start, stop)

    def sparse_coef(self):
        """``(indices, values, intercept)``: this worker's non-zero weights (int32 indices)
        and the intercept (0.0 unless this worker owns it)."""
        s = self._check_state()
        w = self._weights(s)
        b = float(w[-1]) if s.intercept else 0.0
        w = w[:s.features.size]
        return s.features[w != 0.0].astype(np.int32), w[w != 0.0], b


def _row_range(start, stop, n_rows):
    """``start``, ``stop`` checked: ``0 <= start <= stop <= n_rows``, the rows of a shard's X."""
    start = check_int(start, "start", low=0, high=n_rows)
    stop = check_int(stop, "stop", low=start)
    if stop > n_rows:
        raise ValueError(f"stop must be <= {n_rows} (the rows of this shard's X), got {stop}.")
    return start, stop


def _checked_residuals(residuals, n_rows):
    residuals = check_array(residuals, "residuals", ndim=1, allow_empty=True)
    if residuals.size > n_rows:
        raise ValueError(f"residuals has {residuals.size} entries, more than the shard's "
                         f"{n_rows} rows.")
    if np.any(np.abs(residuals) > 1.0):
        raise ValueError("residuals must be in [-1, 1] (p - y, with p in [0, 1] and y 0 or 1).")
    return residuals


def split_buckets(X, n_shards):
    """Cut the columns of ``X`` into ``n_shards`` equal ranges of buckets.

    Parameters
    ----------
    X : array-like or scipy.sparse matrix of shape (n_rows, n_features)
        ``n_features <= 2**31``.
    n_shards : int
        How many ranges, ``1 <= n_shards <= MAX_SHARDS`` (1,024).

    Returns
    -------
    list of scipy.sparse.csr_matrix
        One per range, of the shape of ``X``: the ``k``-th keeps the columns
        ``k * m // n_shards <= j < (k + 1) * m // n_shards`` (``m`` columns), the others empty.
    """
    X = _rows_as_csr(X)
    n_shards = check_count(n_shards, "n_shards", MAX_SHARDS)
    edges = np.array([k * X.shape[1] // n_shards for k in range(n_shards + 1)], dtype=np.int64)
    shard = np.searchsorted(edges, X.indices, side="right") - 1
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    parts = []
    for k in range(n_shards):
        mine = shard == k  # a row's entries keep their order: each part is valid CSR
        counts = np.bincount(rows[mine], minlength=X.shape[0])
        indptr = np.concatenate([[0], np.cumsum(counts)])
        parts.append(sp.csr_matrix((X.data[mine], X.indices[mine], indptr), shape=X.shape))
    return parts


def sparse_decision(X, indices, values, intercept):
    """Logits ``X @ w + b`` of a model given as its non-zero weights (the dense weight vector
    is never built).

    Parameters
    ----------
    X : array-like or scipy.sparse matrix of shape (n_rows, n_features)
        The rows to score; ``n_features <= 2**31``.
    indices : array-like of int
        The model's non-zero weights' features, strictly increasing, below ``n_features``.
    values : array-like of float
        Their weights.
    intercept : float
        The intercept ``b``.

    Returns
    -------
    numpy.ndarray of float64, shape (n_rows,)
    """
    X = _rows_as_csr(X)
    check_magnitude(X, "X", X.shape[1])
    indices, values = _sparse_weights(indices, values, ("indices", "values"), X.shape[1] - 1)
    intercept = check_scalar(intercept, "intercept", low=None)
    check_magnitude(np.array([intercept]), "intercept", 1)
    logits = np.full(X.shape[0], intercept)
    if not indices.size:
        return logits
    for first in range(0, X.shape[0], _ROWS_PER_BLOCK):  # a block of rows at a time
        block = X[first:first + _ROWS_PER_BLOCK]
        at = pd.Index(indices).get_indexer(block.indices)  # a hash lookup; -1: no weight ...
        w = np.append(values, 0.0)[at]  # ... reads the 0.0 appended
        row = np.repeat(np.arange(block.shape[0]), np.diff(block.indptr))
        logits[first:first + block.shape[0]] += np.bincount(
            row, weights=block.data * w, minlength=block.shape[0])
    return logits

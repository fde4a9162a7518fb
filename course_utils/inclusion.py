"""Probabilistic feature inclusion: give a feature training state only once it is worth it.

Most features of a wide hashed model are rare: seen once or twice in a whole log, they get
per-coordinate state (``z_i`` and ``n_i`` for FTRL-Proximal) that they never repay.
McMahan et al. (2013, section 4.1) admit a new feature into the model only after a test:

- :class:`PoissonInclusion`: each time a feature without state is seen, it is admitted with
  probability ``p`` (so after about ``1 / p`` sightings);
- :class:`BloomInclusion`: a counting Bloom filter counts the sightings in a small table of
  counters shared by all features; a feature is admitted once its count reaches
  ``min_count``. The filter may overcount (two features sharing counters), never undercount.

Both are seeded, and both take the features of a chunk as one flat array, in stream order
(the ``indices`` of a CSR chunk, row after row), and return which occurrences are learned.
"""

from __future__ import annotations

import numpy as np

from ._validation import (
    check_feature_state,
    check_indices,
    check_int,
    check_random_state,
    check_scalar,
    check_state,
)
from .hashing import _murmurhash_keys  # sklearn's murmurhash3_32, without importing sklearn

__all__ = ["PoissonInclusion", "BloomInclusion"]


def _as_features(features) -> np.ndarray:
    """Feature ids as int64, range-checked on their own dtype (a uint64 id >= 2**63 is refused,
    not wrapped around to a negative id)."""
    return check_indices(features, "features")


class PoissonInclusion:
    """Admit a feature without state with probability ``p`` at each sighting.

    Parameters
    ----------
    p : float
        Probability of admission per sighting, ``0 < p <= 1`` (1 admits every feature).
    random_state : int, default=0
        Seed.

    Attributes
    ----------
    admitted_ : numpy.ndarray of int64
        The features admitted so far, sorted.
    """

    def __init__(self, p, random_state=0):
        self.p = p
        self._rng = check_random_state(random_state)
        self.admitted_ = np.zeros(0, dtype=np.int64)
        self._check_state()

    def _check_state(self):
        """Check the public settings and state (they can be replaced between calls); return
        ``(p, admitted_)``, each read exactly once, for the caller to use from then on."""
        p = check_scalar(self.p, "p", low=0.0, low_inclusive=False, high=1.0)
        return p, check_feature_state(self.admitted_, "admitted_")

    def admit(self, features):
        """Which occurrences of ``features`` (in stream order) are learned.

        An occurrence is learned if its feature was admitted before, or by this sighting's
        coin, or by an earlier sighting's coin in this same array.

        Parameters
        ----------
        features : array-like of int, shape (m,)
            Feature indices (e.g. hash buckets) in the order they occur; non-negative.

        Returns
        -------
        numpy.ndarray of bool, shape (m,)
            ``True`` where the occurrence is learned.
        """
        p, admitted = self._check_state()
        features = _as_features(features)
        coin = self._rng.random(features.size) < p
        known = _in_sorted(features, admitted)
        # The first coin that came up for a feature admits it from that sighting on.
        hits = np.flatnonzero(coin)
        hit_features, first = np.unique(features[hits], return_index=True)
        first_hit = np.full(features.size, features.size)  # no coin yet: not admitted
        if hits.size:
            at = np.minimum(np.searchsorted(hit_features, features), hit_features.size - 1)
            found = hit_features[at] == features
            first_hit[found] = hits[first[at[found]]]
        learned = known | (np.arange(features.size) >= first_hit)
        self.admitted_ = np.union1d(admitted, features[learned])
        return learned


class BloomInclusion:
    """Admit a feature once a counting Bloom filter has seen it ``min_count`` times.

    Parameters
    ----------
    min_count : int
        Sightings needed, ``>= 1`` (1 admits every feature at once).
    n_counters : int, default=2**20
        Size of the counter table, at most ``2**31`` (2 GiB); each counter is one byte
        (saturating at 255).
    n_hashes : int, default=3
        Counters per feature; its count is the smallest of them.
    random_state : int, default=0
        Seed of the hash functions.

    Attributes
    ----------
    counters_ : numpy.ndarray of uint8, shape (n_counters,)
        The filter (``counters_.nbytes`` bytes, whatever the number of features).
    """

    def __init__(self, min_count, n_counters=2**20, n_hashes=3, random_state=0):
        self.min_count = check_int(min_count, "min_count", low=1, high=255)
        self.n_counters = check_int(n_counters, "n_counters", low=1, high=2**31)
        self.n_hashes = check_int(n_hashes, "n_hashes", low=1, high=16)
        seeds = check_random_state(random_state).integers(0, 2**31, size=self.n_hashes)
        self._seeds = [int(s) for s in seeds]
        self.counters_ = np.zeros(self.n_counters, dtype=np.uint8)

    def _check_state(self):
        """Check the public settings and the filter (they can be replaced between calls).

        Returns ``(min_count, counters)``, each attribute read exactly once: a method uses
        only these from then on (a property could return a shorter table on a later read, one
        the compiled loop would write past).
        """
        min_count = check_int(self.min_count, "min_count", low=1, high=255)
        n_counters = check_int(self.n_counters, "n_counters", low=1, high=2**31)
        check_int(self.n_hashes, "n_hashes", low=len(self._seeds),
                  high=len(self._seeds))  # its hash functions are drawn once
        counters = check_state(self.counters_, "counters_", size=n_counters,
                               dtypes=(np.uint8,), why=" (n_counters)")
        return min_count, counters

    def _cells(self, features, n_counters):
        """The ``n_hashes`` counters of each feature, shape (n_hashes, len(features)).

        MurmurHash3 (sklearn's ``murmurhash3_32``, positive) takes 32-bit keys: a feature is
        hashed by its low 32 bits, and a feature at or above 2**32 gets that hash mixed with
        its high 32 bits and hashed again (so ``5 + 2**32`` does not share the counters of ``5``).
        """
        low = (features & 0xFFFFFFFF).astype(np.uint32)
        high = (features >> 32).astype(np.uint64)
        wide = np.flatnonzero(high)
        cells = []
        for s in self._seeds:
            h = _murmurhash_keys(low, s).astype(np.int64)
            if wide.size:
                key = (h[wide].astype(np.uint64) * 0x9E3779B1 + high[wide]) % 2**32
                h[wide] = _murmurhash_keys(key.astype(np.uint32), s)
            cells.append(h % n_counters)
        return np.stack(cells)

    def counts(self, features):
        """The filter's count of each feature now (an overestimate of the true count).

        Parameters
        ----------
        features : array-like of int, shape (m,)
            Feature indices; non-negative.

        Returns
        -------
        numpy.ndarray of int64, shape (m,)
            The smallest of each feature's counters.
        """
        _, counters = self._check_state()
        features = _as_features(features)
        if features.size == 0:
            return np.zeros(0, dtype=np.int64)
        return counters[self._cells(features, counters.size)].min(axis=0).astype(np.int64)

    def admit(self, features):
        """Count every sighting of ``features`` (in stream order); which ones are learned.

        A sighting is learned when the feature's count, this sighting included, has reached
        ``min_count``: the first ``min_count - 1`` sightings of a feature are never learned.

        Parameters
        ----------
        features : array-like of int, shape (m,)
            Feature indices in the order they occur; non-negative.

        Returns
        -------
        numpy.ndarray of bool, shape (m,)
            ``True`` where the sighting is learned.
        """
        min_count, counters = self._check_state()
        features = _as_features(features)
        from ._bloom_loop import count_sightings  # compiled by numba, loaded on first use

        learned = np.zeros(features.size, dtype=bool)
        # one sighting after another: a sighting's count includes the sightings before it
        count_sightings(counters, self._cells(features, counters.size), min_count, learned)
        return learned


def _in_sorted(values, table):
    """``np.isin(values, table)`` for a sorted ``table``: a binary search for each value.

    ``np.isin`` sorts both arrays together, which costs four times more on notebook 07's
    chunks (442,368 sightings against 6,000 admitted features).
    """
    if table.size == 0:
        return np.zeros(values.shape, dtype=bool)
    at = np.minimum(np.searchsorted(table, values), table.size - 1)
    return table[at] == values

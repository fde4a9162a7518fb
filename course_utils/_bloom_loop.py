"""A counting Bloom filter's sightings, one after another (McMahan et al. 2013, section 4.1).

Compiled by numba, as FTRL's loop is (:mod:`course_utils.solvers._ftrl_loop`): a chunk of
notebook 07 is 434,000 sightings of 3 counters each, and the loop reads like the filter's
definition. Without numba it runs as plain Python, the same answers, much slower.
"""

from __future__ import annotations

from .solvers._ftrl_loop import njit


@njit(cache=True)
def count_sightings(counters, cells, min_count, learned):
    """Each sighting ``t`` adds 1 to its counters ``cells[:, t]`` (saturating at 255), then is
    learned (``learned[t] = True``) when the smallest of them has reached ``min_count``.

    Two hashes of one sighting may hit the same counter: it is counted twice, and both read
    the count after. A saturated counter reads 255, which is at least any ``min_count``.
    """
    n_hashes, m = cells.shape
    for t in range(m):
        for h in range(n_hashes):
            if counters[cells[h, t]] < 255:
                counters[cells[h, t]] += 1
        count = 255
        for h in range(n_hashes):
            count = min(count, counters[cells[h, t]])
        learned[t] = count >= min_count

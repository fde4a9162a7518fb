"""Count how often ``logistic_l1(method="newton")`` stops early on the rounding-regime family of
``tests/test_solvers_batch.py``, and whether FISTA reaches ``tol`` there (issue 26).

Run from the repository root, once per OpenBLAS kernel (rounding differs between them):

    python benchmarks/newton_stalls.py
    OPENBLAS_CORETYPE=Haswell python benchmarks/newton_stalls.py
    OPENBLAS_CORETYPE=Prescott python benchmarks/newton_stalls.py

With ``PYTHONPATH`` pointing at another checkout, it counts that checkout's solver (the family
comes from this one's tests). Each line: the problems where Newton stopped early ("no step ...
lowers the objective any more"), how many each method solved to ``tol``, and how many FISTA
solved while Newton did not (issue 26 asks for none). No timing.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_solvers_batch import held_out_problems, rounding_problem  # noqa: E402

from course_utils.solvers import logistic_l1  # noqa: E402


def count(problems, tol):
    """Newton's early stops (problem indices), Newton's and FISTA's fits that reach ``tol``, and
    the problems FISTA solves and Newton does not."""
    stalled, newton_reached, fista_reached, fista_only = [], 0, 0, []
    for i, (X, y, alpha) in enumerate(problems):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            newton = logistic_l1(X, y, alpha, method="newton", tol=tol, max_iter=200)
            fista = logistic_l1(X, y, alpha, method="fista", tol=tol, max_iter=1000)
        if any("lowers the objective any more" in str(w.message) for w in caught):
            stalled.append(i)
        newton_reached += newton.converged
        fista_reached += fista.converged
        if fista.converged and not newton.converged:
            fista_only.append(i)
    return stalled, newton_reached, fista_reached, fista_only


def main():
    problems = [rounding_problem(seed) for seed in range(60)] + held_out_problems()
    kernel = os.environ.get("OPENBLAS_CORETYPE", "default")
    for tol in (1e-10, 1e-12):
        stalled, newton_reached, fista_reached, fista_only = count(problems, tol)
        print(f"kernel {kernel}, tol {tol:g}, {len(problems)} problems: Newton stopped early on "
              f"{len(stalled)} {stalled}, reached tol on {newton_reached}; FISTA (1,000 "
              f"iterations) reached it on {fista_reached}; FISTA only: {fista_only}", flush=True)


if __name__ == "__main__":
    main()

"""What the light notebooks import: no package they do not use.

A fresh kernel pays for every import (scikit-learn about 1 s, scipy.sparse about 0.2 s on the
course's 2-core machine), and the course's notebooks together must run in 75 s (issue 26). So
notebook 01 (features, hashing, bag of words) must not import scikit-learn, and notebooks 00 and
03 (exercises, decay, penalties, plots) must not import scipy. Each check runs in a fresh Python
process, doing what the notebook does with the modules (hashing names, checking arrays), and
reads ``sys.modules`` at the end; no time is measured.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

NOTEBOOK_01 = """
import numpy as np
import pandas as pd
from course_utils import datasets, features, measure
from course_utils.exercises import ex01
table = pd.DataFrame({"a": ["x", "y", "x"], "b": ["u", "u", "v"]})
features.hash_features(table, ["a", ("a", "b")], 16)
features.collision_rate(["a=x", "a=y", "b=u"], 2)
features.hash_buckets(["education=Bachelors"], 2**31)
measure.count_nonzero(np.array([0.0, 1.0]))
ex01.q1.grade(3)
"""

NOTEBOOKS_00_03 = """
import numpy as np
from course_utils import decay, penalties
from course_utils.exercises import ex00, ex03
from course_utils.plotting import use_course_style
use_course_style()
penalties.soft_threshold(np.array([1.0, -0.2]), 0.5)
penalties.l1_norm(np.array([1.0, -2.0]))
ex00.q1.grade(2)
"""


def modules_after(code: str) -> set[str]:
    """The names in ``sys.modules`` after running ``code`` in a fresh Python process."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]), "MPLBACKEND": "Agg"}
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint(*sys.modules)"],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
                         check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize(("code", "absent"), [
    (NOTEBOOK_01, "sklearn"),
    (NOTEBOOKS_00_03, "scipy"),
], ids=["01 without scikit-learn", "00 and 03 without scipy"])
def test_light_notebooks_leave_heavy_packages_unimported(code, absent):
    loaded = modules_after(code)
    assert "course_utils" in loaded
    assert not {m for m in loaded if m == absent or m.startswith(absent + ".")}


def test_a_sparse_matrix_is_still_recognised_once_scipy_is_imported():
    # the check that skips scipy.sparse must not skip the checks of a sparse matrix
    code = ("import scipy.sparse as sp\nfrom course_utils._validation import check_array\n"
            "a = check_array(sp.coo_matrix(([1.0], ([0], [1])), shape=(2, 2)), 'X', "
            "sparse_ok=True)\nprint(type(a).__name__, a.format)\n")
    loaded = modules_after(code)
    assert "csr_matrix" in loaded and "csr" in loaded

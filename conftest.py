"""Test-run settings shared by every test and by nbval's notebook runs.

Offline: ``tests/offline/`` goes first on ``PYTHONPATH``, so every Python process the tests
start, and in particular each Jupyter kernel in which nbval executes a notebook (nbval starts
its kernels with this process's environment, ``--nbval-current-env``), imports
``tests/offline/sitecustomize.py`` at start-up and has its network sockets refused (loopback,
which the kernel's own channels use, stays open). The same guard is installed in the pytest
process itself. A notebook or a test that reaches for the network fails at once with
``NetworkBlockedError``; ``tests/test_offline.py`` checks the guard is active in a kernel.

This file sits at the repository root, so pytest loads it for every run here, whatever paths are
given (``python -m pytest notebooks/`` is guarded too). Set ``COURSE_ALLOW_NETWORK=1`` to switch
the guard off when debugging.

Exercise progress (``course_utils/exercises/_progress.py``): every ``check`` records its verdict
in ``COURSE_PROGRESS_DIR``. The tests point it at a fresh temporary folder, a new one for each
notebook nbval runs (set before that notebook's kernel starts), so no run sees another's
answers (notebook 00 shows ``progress()``) and the learner's own ``.course_progress/`` is never
touched.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from pathlib import Path

import pytest

OFFLINE_DIR = Path(__file__).resolve().parent / "tests" / "offline"


def _fresh_progress_dir() -> None:
    os.environ["COURSE_PROGRESS_DIR"] = tempfile.mkdtemp(prefix="course-progress-")


def pytest_configure(config):
    _fresh_progress_dir()
    if os.environ.get("COURSE_ALLOW_NETWORK") == "1":
        return
    paths = [str(OFFLINE_DIR), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))  # first, once
    guard = OFFLINE_DIR / "sitecustomize.py"
    spec = importlib.util.spec_from_file_location("_course_offline", guard)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # patches socket in this process too


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """A fresh progress folder before each notebook's first cell (its kernel starts then)."""
    path = str(getattr(item, "path", ""))
    if path.endswith(".ipynb") and os.environ.get("_COURSE_PROGRESS_NOTEBOOK") != path:
        os.environ["_COURSE_PROGRESS_NOTEBOOK"] = path
        _fresh_progress_dir()

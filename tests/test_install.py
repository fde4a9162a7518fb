"""``pip install .`` gives a working course_utils, and its tests pass against that copy (item 5).

The package is installed (not editable) with ``pip install --no-deps --no-build-isolation
--no-index --target DIR`` from a copy of its sources, so the test needs no network and leaves no
``build/`` or ``*.egg-info`` in the repository. Then, from a folder outside the repository with
``PYTHONPATH=DIR``:

* every module and data file of ``course_utils/`` is in the installed copy (a file forgotten by
  the packaging configuration is the usual way an install breaks);
* the exercise modules import, the matplotlib style loads from the package, and the Adult data
  loads through ``COURSE_DATA_DIR`` (an installed package does not carry ``data/``; see
  ``course_utils.datasets``);
* the package's unit tests (those that do not need the repository's tools or data) pass against
  the installed copy, checked to be the one imported.

Needs ``setuptools`` (the build backend) in the environment; ``requirements.txt`` lists it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "course_utils"
UNIT_TESTS = [
    "test_penalties.py", "test_measure.py", "test_decay.py", "test_features.py",
    "test_plotting.py", "test_exercises.py",
]
SMOKE = """
import importlib, pathlib, pkgutil, sys
import course_utils, course_utils.exercises
target = pathlib.Path(sys.argv[1]).resolve()
assert pathlib.Path(course_utils.__file__).resolve().is_relative_to(target), course_utils.__file__
modules = pkgutil.iter_modules(course_utils.exercises.__path__)
names = [m.name for m in modules if m.name.startswith("ex")]
for name in names:
    importlib.import_module("course_utils.exercises." + name)
from course_utils import datasets, plotting, solvers
plotting.use_course_style()
X, y = datasets.load_adult()
fit = solvers.lasso(*datasets.load_diabetes(), alpha=1.0)
print(len(names), "exercise modules;", X.shape, "Adult;", fit.converged)
"""
CHECK_PLUGIN = '''
import pathlib, os
def pytest_sessionstart(session):
    import course_utils
    where = pathlib.Path(course_utils.__file__).resolve()
    assert where.is_relative_to(pathlib.Path(os.environ["INSTALLED_COPY"])), where
'''


def _package_files(folder: Path) -> set[str]:
    return {
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


def _install(tmp_path: Path) -> Path:
    source, target = tmp_path / "source", tmp_path / "site"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(PACKAGE, source / "course_utils", ignore=shutil.ignore_patterns("__pycache__"))
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--no-deps", "--no-build-isolation", "--no-index", "--target", str(target), str(source),
    ]
    run = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    return target


def test_installed_copy_works_and_passes_its_tests(tmp_path):
    target = _install(tmp_path)
    missing = _package_files(PACKAGE) - _package_files(target / "course_utils")
    assert not missing, f"not installed by `pip install .`: {sorted(missing)}"

    env = dict(os.environ, COURSE_DATA_DIR=str(ROOT / "data"), INSTALLED_COPY=str(target))
    env["PYTHONPATH"] = os.pathsep.join([str(target), env.get("PYTHONPATH", "")])
    outside = tmp_path / "elsewhere"  # not the repository: `import course_utils` must find target
    outside.mkdir()
    run = subprocess.run([sys.executable, "-c", SMOKE, str(target)], capture_output=True,
                         text=True, cwd=outside, env=env, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "(32561, 14) Adult; True" in run.stdout

    (outside / "check_installed.py").write_text(CHECK_PLUGIN)
    command = [
        # --noconftest: the root conftest.py would put the source tree on sys.path (the offline
        # guard still applies: this process's PYTHONPATH, inherited, loads it)
        sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "--noconftest",
        "-p", "check_installed", "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(ROOT),
        *(str(ROOT / "tests" / name) for name in UNIT_TESTS),
    ]
    run = subprocess.run(command, capture_output=True, text=True, cwd=outside, env=env,
                         timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert " passed" in run.stdout and "error" not in run.stdout.lower()

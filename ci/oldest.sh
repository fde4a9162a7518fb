#!/usr/bin/env bash
# Run the README's test command against the OLDEST versions requirements.txt allows.
#
#   ci/oldest.sh                     # venv in $TMPDIR/course-oldest-venv, with `python3`
#   PYTHON=python3.10 ci/oldest.sh   # the oldest Python too (requires-python >= 3.10)
#   ci/oldest.sh /path/to/venv -x    # somewhere else; arguments after the venv go to pytest
#
# It makes a fresh venv, installs requirements.txt under ci/oldest-constraints.txt (exact pins of
# every lower bound, plus the few pins the oldest versions need), prints the versions installed,
# then runs `python -m pytest` with that venv first on PATH: unit tests, nbval over every notebook
# (the same stored outputs as on the newest versions), all offline (conftest.py).
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${1:-${TMPDIR:-/tmp}/course-oldest-venv}"
"${PYTHON:-python3}" -m venv --clear "$venv"
export PATH="$venv/bin:$PATH"
export PIP_DISABLE_PIP_VERSION_CHECK=1
python -m pip install --quiet -c ci/oldest-constraints.txt -r requirements.txt
python -c 'import sys; print("Python", sys.version.split()[0])'
python -m pip list 2>/dev/null | grep -iE '^(numpy|scipy|pandas|matplotlib|scikit-learn|numba|ipykernel|nbclient|nbval|pytest|pytest-xdist|pyparsing) '
python -m pytest "${@:2}"

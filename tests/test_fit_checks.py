"""Every fit result goes through ``check_fit`` with the design matrix.

``check_fit`` checks a result's weights, intercept and objective, and, given ``X``, its
decision values ``X @ coef + intercept``: weights below the bound can still give decision
values whose squares overflow. ``X`` is a required keyword, and this scan of the package's
source fails on a ``FitResult`` built anywhere but as ``check_fit``'s first argument, so a
solver written later cannot return an unchecked result or skip the decision values.
"""

from __future__ import annotations

import ast
from pathlib import Path

import course_utils

PACKAGE = Path(course_utils.__file__).parent


def _calls(tree, name):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if called == name:
                yield node


def test_every_fit_result_is_built_inside_check_fit_with_X():
    unchecked, without_X, checked = [], [], 0
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        inside = set()
        for call in _calls(tree, "check_fit"):
            checked += 1
            if call.args and isinstance(call.args[0], ast.Call):
                inside.add(id(call.args[0]))
            if not any(keyword.arg == "X" for keyword in call.keywords):
                without_X.append(f"{path.name}:{call.lineno}")
        for call in _calls(tree, "FitResult"):
            if id(call) not in inside:
                unchecked.append(f"{path.name}:{call.lineno}")
    assert checked >= 10  # the scan sees the solvers (lasso, ridge, logistic, subset, online)
    assert unchecked == [], f"FitResult built outside check_fit: {unchecked}"
    assert without_X == [], f"check_fit called without X: {without_X}"

"""Decide a submission's verdicts outside its kernel (run by ``tools/grade.py``, isolated).

The learner's kernel never grades itself for the grader: it only hands over its answers, as
data. This process, a fresh Python started by the grader in the same isolation as the kernel
(``tools/jail.py``: no network, read-only files, its own PID namespace) with the course's own
``course_utils`` (read-only, never the submission's copy), reads one JSON object on stdin::

    {"tasks": [{"question": "ex03.q1", "kind": "value", "payload": "<base64>"},
               {"question": "ex03.q2", "kind": "function", "name": "l1_step",
                "statements": ["import numpy as np", "def l1_step(w, step): ..."]}]}

* a **value** is the answer as the exercise sandbox's plain-data encoding (numbers, strings,
  arrays, containers), pickled with builtins only; it is rebuilt here without running any code
  of the learner and graded by the question's own ``grade``;
* a **function** is rebuilt from the learner's own cells (their imports, ``def``/``class``
  statements and constant assignments, then the exercise cell without its ``check`` call) and
  graded by the question's ``grade``: the statements run only inside the exercise sandbox's
  child processes, never in this process, so they cannot change the engine that judges them.

It writes one JSON line on stdout: ``{"ex03.q1": [label, message, answer], ...}`` where
``answer`` describes what the learner gave (``6``, ``'b'``, ``a function``), or
``[null, reason, ""]`` when the answer could not be rebuilt (the grader then falls back to the
kernel's self-reported verdict and says so).
"""

from __future__ import annotations

import ast
import base64
import importlib
import io
import json
import sys

MAX_INPUT = 64 * 2**20


def _question(key: str):
    module, name = key.split(".")
    return getattr(importlib.import_module(f"course_utils.exercises.{module}"), name)


def _value(payload: str):
    from course_utils.exercises import _sandbox

    node = _sandbox._BuiltinsOnly(io.BytesIO(base64.b64decode(payload, validate=True))).load()
    return _sandbox._decode(node)


class _NotRebuilt(Exception):
    """The learner's function needs something its cells do not define (notebook state)."""


def _rebuilt(name: str, statements: list[str]):
    """A function that, in the sandbox's child, runs ``statements`` and calls ``name``."""
    built = {}

    def learner_function(*args):
        if "f" not in built:
            namespace = {"__name__": "__learner__"}
            for statement in statements:
                try:
                    exec(compile(statement, "<learner cell>", "exec"), namespace)
                except Exception:  # an import or a constant the function may not need
                    continue
            if not callable(namespace.get(name)):
                raise _NotRebuilt(f"{name} is not defined by the notebook's cells alone")
            built["f"] = namespace[name]
        return built["f"](*args)

    learner_function.__name__ = learner_function.__qualname__ = name
    return learner_function


def _preimport(statements: list[str]) -> None:
    """Run the ``import`` statements here, so that the sandbox's child finds the modules loaded
    (importing matplotlib in the child could exceed a question's time limit on a loaded machine).

    Only imports: they load installed packages or the course (the submission's own files are
    not visible here), never code the learner wrote.
    """
    for statement in statements:
        try:
            tree = ast.parse(statement)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        if tree.body and all(isinstance(node, (ast.Import, ast.ImportFrom)) for node in tree.body):
            try:
                exec(compile(tree, "<learner import>", "exec"), {})
            except BaseException:  # noqa: B036  (a module that exits or fails: not needed here)
                continue


def grade(task: dict) -> list:
    """``[label, message, answer]`` for one task; label None when it cannot be graded here."""
    from course_utils.exercises import _engine

    question = _question(task["question"])
    if task["kind"] == "value":
        try:
            answer = _value(task["payload"])
        except Exception as exc:
            return [None, f"its answer could not be read as data ({type(exc).__name__})", ""]
        verdict = question.grade(answer)
        return [verdict.label, verdict.message, _engine._describe(answer)]
    _preimport(task["statements"])
    verdict = question.grade(_rebuilt(task["name"], task["statements"]))
    if "_NotRebuilt" in verdict.message or "NameError" in verdict.message:
        return [None, "its function uses names defined elsewhere in the notebook: " +
                verdict.message, "a function"]
    return [verdict.label, verdict.message, "a function"]


def main() -> int:
    request = json.loads(sys.stdin.buffer.read(MAX_INPUT))
    verdicts = {}
    for task in request["tasks"]:
        try:
            verdicts[task["question"]] = grade(task)
        except Exception as exc:  # a bug here must cost one question, not the submission
            verdicts[task["question"]] = [None, f"grader error: {type(exc).__name__}", ""]
    sys.stdout.write(json.dumps(verdicts) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Running a learner's function: in the sandbox, on copies of the cases, told in words.

The sandbox itself (a forked child process, its limits and protections) is :mod:`._sandbox`;
this module decides what to run there and says what a call did.
"""

from __future__ import annotations

import ast
import copy
import inspect
import signal
import textwrap
import time
import types
import warnings

import numpy as np

from . import _sandbox
from ._values import _describe
from ._verdict import _clause


def _what_it_did(outcome: _sandbox.Outcome) -> str:
    """What one call of a function did, as the end of a sentence ("it raised ...")."""
    if outcome.kind == "timeout" and outcome.detail == "total":
        return ("the check ran out of time: all the cases together took longer than the "
                "check allows (is it much slower than it needs to be?)")
    if outcome.kind == "timeout":
        return "it did not finish in time (an infinite loop?)"
    if outcome.kind == "error":
        detail = f": {_clause(outcome.detail[:150])}" if outcome.detail else ""
        return f"it raised {outcome.error_name}{detail}"
    if outcome.kind == "opaque":
        return f"it returned {outcome.detail}, which cannot be compared with the expected value"
    if outcome.kind == "crash":
        how, _, number = outcome.detail.rpartition(" ")
        if how == "signal":
            try:
                name = signal.Signals(int(number)).name
            except ValueError:
                name = f"signal {number}"
            return f"it crashed the process that ran it ({name})"
        return f"it ended the process that ran it (exit status {number}, e.g. os._exit)"
    return f"got {_describe(outcome.value)}"


def _run(func, cases, seconds: float, *, stop_at_timeout: bool = True,
         total_seconds: float | None = None, stop_at_opaque: bool = False):
    """Run ``func`` on each case in the sandbox, each on a deep copy of its arguments.

    Returns a list of :class:`_sandbox.Outcome`, one per case that ran (see
    :func:`_sandbox.run` for the limits).
    """

    def call(*args):
        try:
            args = copy.deepcopy(args)  # a function that changes its input cannot change the case
        except Exception:
            pass
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return func(*args)

    return _sandbox.run(call, cases, seconds, stop_at_timeout=stop_at_timeout,
                        total_seconds=total_seconds, stop_at_opaque=stop_at_opaque)


def _run_answer(func, cases, seconds: float, total_seconds: float) -> tuple[bool, list]:
    """Whether the learner's ``func`` has an empty body, and its outcomes on ``cases``.

    Both in the sandbox, in one child process: reading a function's source follows its
    ``__wrapped__`` and opens its ``co_filename``, which a learner controls (a FIFO blocks for
    ever). If that read does not give an answer, the function counts as written. Each call
    gets ``seconds``, all of them together ``total_seconds``; the run stops at the first case
    that runs out of time, crashes or returns what cannot be compared (:func:`_sandbox.run`).
    """

    def step(kind, args):  # run by _run, on a deep copy of the case
        return _is_empty_function(func) if kind == "empty?" else func(*args)

    started = time.monotonic()
    first, *rest = _run(step, [("empty?", ())] + [("call", case) for case in cases], seconds,
                        total_seconds=total_seconds, stop_at_opaque=True)
    if first.kind == "value" and first.value is True:
        return True, []
    if first.kind != "value":  # the read hung or crashed: run the cases on their own
        left = max(total_seconds - (time.monotonic() - started), 0.0)
        return False, _run(func, cases, seconds, total_seconds=left, stop_at_opaque=True)
    return False, rest


def _empty(): ...


def _empty_with_docstring():
    """A docstring."""
    ...


# Bytecode of bodies that do nothing: the fallback when the source is not available.
_EMPTY_BYTECODES = {_empty.__code__.co_code, _empty_with_docstring.__code__.co_code}


def _is_empty_function(func) -> bool:
    """True when ``func``'s body is only ``...`` or ``pass`` (after an optional docstring).

    Reads the source (Jupyter keeps cell sources, so this works in notebooks);
    without source, compares bytecode with an empty function's, which cannot
    tell ``...`` from ``return None`` (both are wrong answers anyway). Any other
    callable (a builtin, a callable object) counts as written: it is only called,
    in the sandbox.
    """
    if type(func) is not types.FunctionType:
        return False
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError, IndentationError):
        code = getattr(func, "__code__", None)
        # `return 0.5` or `return "0.5"` can compile to the same bytecode as `...`: the
        # constants tell them apart (a string counts only as the function's own docstring)
        return (
            code is not None
            and code.co_code in _EMPTY_BYTECODES
            and all(c is None or c is Ellipsis or type(c) is str and c is func.__doc__
                    for c in code.co_consts)
        )
    defs = [
        node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    if not defs:
        return False
    body = defs[0].body
    return all(
        isinstance(statement, ast.Pass)
        or isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and (statement.value.value is Ellipsis or isinstance(statement.value.value, str))
        for statement in body
    )  # only a docstring, `...` and `pass`: nothing computed

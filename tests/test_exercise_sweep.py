"""A generated sweep: every question of every exercise module against hostile answers (issue 22).

The questions are found by introspection (every ``qK`` of every ``course_utils.exercises.exNN``
module), so a new question is swept without adding a case, and the test fails if one is not
reached. Each module's questions are checked in one subprocess (a stand-in for the learner's
kernel, in its own session, so that a signal that got through would hit it and nothing else),
with every answer of ``ANSWERS`` (objects, including arrays over memory numpy does not own:
``as_strided`` views outside their buffer, ctypes pointers, broadcasts of 10**8 values; the
first question of each module gets each of them inside a list too) and, for ``Function``
questions, of ``FUNCTIONS`` (including functions that sleep just under the per-call limit on
every case, return 60 MB strings, 99,000 strings or lists nested 49,000 deep, or reach for the
network, files outside, the progress store and the solutions). After each ``check()`` the
worker asserts:

- it returned ``True`` or ``False`` within ``bound`` seconds, and raised nothing;
- the kernel's state is as before: signal handlers, recursion limit, ``np.sum``, numpy's and
  Python's random state, the working folder, ``sys.stdout``, and no signal received;
- nothing reached out: no connection to the worker's listener on 127.0.0.1, no file written
  outside or in the progress store, the solution notebook not read;
- no process is left: none of the processes the hostile functions started (they set their
  names, seen in /proc), detached or not, is alive when the verdict is given; and the kernel's own
  children (the runner's keepers, reaped by a thread) are gone within two seconds.

Time limits are lowered in the worker (``Question.grade_timeout``, ``Function.check_seconds``,
and each ``Function``'s ``timeout`` for the answers that hang). A module takes one to two
minutes on a busy two-core machine (``SWEEP_VERBOSE=1`` prints each check's time).
Run it alone with
``python -m pytest -p no:cacheprovider -o addopts="" -n 2 tests/test_exercise_sweep.py``.
"""

from __future__ import annotations

import copy
import ctypes
import decimal
import fractions
import functools
import importlib
import io
import json
import os
import pkgutil
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from numpy.lib.stride_tricks import as_strided

import course_utils.exercises as exercises
from course_utils.exercises import _sandbox
from course_utils.exercises._engine import CheckResult, Function, Question

ROOT = Path(__file__).resolve().parents[1]
GRADE_TIMEOUT = 0.25  # Question.grade_timeout in the worker (5 s in a notebook)
HANG_TIMEOUT = 0.3  # a Function question's timeout for the answers that hang
WORKER_SECONDS = 300  # the whole module's sweep


def modules() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules(exercises.__path__)
                  if re.fullmatch(r"ex\d\d", info.name))


def questions_of(name: str) -> dict[str, Question]:
    module = importlib.import_module(f"course_utils.exercises.{name}")
    return {attr: value for attr, value in vars(module).items()
            if re.fullmatch(r"q\d+", attr) and isinstance(value, Question)}


# --------------------------------------------------------------------------- hostile objects


def _raise(*args, **kwargs):
    raise ValueError("hostile")


def _hang(*args, **kwargs):
    while True:
        pass


def _interrupt(*args, **kwargs):
    raise KeyboardInterrupt


def _exit(*args, **kwargs):
    raise SystemExit(3)


_DUNDERS = ["__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__len__", "__iter__",
            "__repr__", "__str__", "__array__", "__float__", "__int__", "__index__",
            "__complex__", "__bool__", "__hash__", "__getitem__", "__abs__", "__neg__",
            "__sub__", "__rsub__", "__mul__", "__rmul__", "__format__", "__deepcopy__",
            "__reduce__", "__reduce_ex__", "__array_ufunc__", "__getattr__"]


def _every_dunder(name, action):
    return type(name, (), {dunder: action for dunder in _DUNDERS})


Raises = _every_dunder("Raises", _raise)
Hangs = _every_dunder("Hangs", _hang)
Interrupts = _every_dunder("Interrupts", _interrupt)
Exits = _every_dunder("Exits", _exit)


class Recurses:
    """Every method calls itself again (RecursionError, or a C stack overflow)."""

    def __eq__(self, other):
        return self == other

    def __repr__(self):
        return repr(self)

    def __len__(self):
        return len(self)

    def __float__(self):
        return float(self)

    def __iter__(self):
        return iter(self)

    def __array__(self, *args, **kwargs):
        return np.asarray(self)

    def __getattr__(self, name):
        return getattr(self, name)

    __hash__ = None


class Lies:
    """Methods that return the wrong types or absurd values."""

    def __len__(self):
        return 10**18

    def __float__(self):
        return "not a float"

    def __array__(self, *args, **kwargs):
        return "not an array"

    def __iter__(self):
        return iter(range(10**12))

    def __eq__(self, other):
        return True

    def __index__(self):
        return 10**400

    __class__ = property(lambda self: float)  # isinstance(x, float) says True
    __hash__ = object.__hash__


class _MetaRaises(type):
    def __eq__(cls, other):
        raise ValueError("metaclass")

    def __hash__(cls):
        raise ValueError("metaclass")

    def __instancecheck__(cls, instance):
        raise ValueError("metaclass")


class OddClass(metaclass=_MetaRaises):
    pass


class FloatThatEqualsAll(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


class StrThatIsA(str):
    def strip(self, *args):
        return "a"

    def __eq__(self, other):
        return True

    __hash__ = str.__hash__


def _nested(depth, make=lambda inner: [inner]):
    value = 1.0
    for _ in range(depth):
        value = make(value)
    return value


def _cycle():
    loop = []
    loop.append(loop)
    return loop


def _bad_sparse():
    import scipy.sparse

    matrix = scipy.sparse.csr_matrix(np.eye(3))
    matrix.indices[:] = 10**6  # indices outside the matrix
    return matrix


def _read_only():
    array = np.arange(4.0)
    array.flags.writeable = False
    return array


def _object_array(*items):
    array = np.empty(len(items), dtype=object)  # np.array would call their __len__...
    for i, item in enumerate(items):
        array[i] = item
    return array


# name -> factory; each makes a fresh answer inside the worker
ANSWERS = {
    "masked": lambda: np.ma.array([5.0, 1.0], mask=[1, 0]),
    "float16": lambda: np.array([1.0, 2.0, 65504.0], dtype=np.float16),
    "object-array": lambda: np.array([1, "a", None], dtype=object),
    "complex-array": lambda: np.array([1 + 2j, 3j]),
    "complex": lambda: complex(1, 2),
    "0-d": lambda: np.array(2.5),
    "empty": lambda: np.array([]),
    "empty-2d": lambda: np.zeros((0, 4)),
    "3-d": lambda: np.zeros((2, 3, 4)),
    "structured": lambda: np.zeros(2, dtype=[("a", float), ("b", int)]),
    "datetime": lambda: np.array(["2020-01-01"], dtype="datetime64[D]"),
    "strings-array": lambda: np.array(["1", "2"]),
    "bools": lambda: np.array([True, False]),
    "non-contiguous": lambda: np.arange(10.0)[::2],
    "read-only": _read_only,
    "large-array": lambda: np.zeros(2_000_000),
    "nan": lambda: float("nan"),
    "inf": lambda: float("inf"),
    "-inf": lambda: float("-inf"),
    "subnormal": lambda: 5e-324,
    "huge-float": lambda: 1.7e308,
    "-0.0": lambda: -0.0,
    "10**400": lambda: 10**400,
    "-10**400": lambda: -(10**400),
    "2**64": lambda: 2**64,
    "bool": lambda: True,
    "none": lambda: None,
    "fraction": lambda: fractions.Fraction(1, 3),
    "decimal-snan": lambda: decimal.Decimal("sNaN"),
    "spaces": lambda: " " * 200_000,
    "letter-spaces-x": lambda: "a" + " " * 200_000 + "x",
    "open-paren-spaces": lambda: "(" + " " * 200_000 + "a)",
    "nul": lambda: "\x00",
    "surrogate": lambda: "\ud800",
    "bytes": lambda: b"a",
    "nested-20000": lambda: _nested(20_000),
    "nested-dict-20000": lambda: _nested(20_000, lambda inner: {"a": inner}),
    "cycle": _cycle,
    "long-tuple": lambda: tuple(np.linspace(0, 1, 200_000).tolist()),
    "set": lambda: {1.0, 2.0},
    "generator": lambda: (x for x in range(3)),
    "range-10**12": lambda: range(10**12),
    "series": lambda: __import__("pandas").Series([1.0, 2.0]),
    "sparse": lambda: __import__("scipy.sparse").sparse.csr_matrix(np.eye(2)),
    "sparse-bad-indices": _bad_sparse,
    "raises": Raises,
    "hangs": Hangs,
    "interrupts": Interrupts,
    "exits": Exits,
    "recurses": Recurses,
    "lies": Lies,
    "metaclass": OddClass,
    "float-equals-all": lambda: FloatThatEqualsAll(0.5),
    "str-says-a": lambda: StrThatIsA("z"),
    "builtin": lambda: print,
    "as-strided-out-of-bounds": lambda: as_strided(np.zeros(1), shape=(2,), strides=(2**40,)),
    "as-strided-negative": lambda: as_strided(np.zeros(1), shape=(3,), strides=(-(2**30),)),
    "ctypes-bad-pointer": lambda: np.ctypeslib.as_array(
        ctypes.cast(ctypes.c_void_p(8), ctypes.POINTER(ctypes.c_double)), shape=(2,)),
    "broadcast-huge": lambda: np.broadcast_to(6.0, (2 * 10**8,)),
    "broadcast-small": lambda: np.broadcast_to(2.0, (2,)),
    "memoryview": lambda: memoryview(np.arange(2.0)),
    "ctypes-array": lambda: (ctypes.c_double * 2)(1.0, 2.0),
    "longdouble-1e4000": lambda: np.longdouble("1e4000"),
    "object-array-hostile": lambda: _object_array(Hangs(), Raises()),
    "matrix-subclass": lambda: np.matrix([[1.0, 2.0]]),
}
HANGING = {"hangs", "range-10**12", "object-array-hostile"}  # they use up their time limit
# Every answer above is also given inside a list (to the first question of each module): a
# hostile value must not get through because it is wrapped. (Tuples and dicts are walked by
# the same code; adding them here would double the sweep's time.)
CONTAINERS = {"list": lambda x: [x]}


# --------------------------------------------------------------------------- hostile functions


def _functions(context) -> dict:
    """name -> a learner's function (made in the worker: some capture the kernel's pid)."""
    kernel = os.getpid()

    def note_pid():  # a name the kernel finds in /proc (the runner can write no file)
        ctypes.CDLL(None).prctl(15, context["marker"].encode(), 0, 0, 0)  # PR_SET_NAME

    def child(detach):
        def starts(*args):
            if os.fork() == 0:
                if detach:
                    os.setsid()
                    if os.fork():
                        os._exit(0)
                note_pid()
                while True:
                    time.sleep(0.01)
            return 0.0

        return starts

    def kills(target, number):
        def kill(*args):
            try:
                target(number)
            except OSError:
                pass
            time.sleep(0.01)
            return 0.0

        return kill

    def source_from_fifo():
        fifo = Path(context["tmp"]) / f"cell{len(os.listdir(context['tmp']))}.py"
        os.mkfifo(fifo)
        namespace = {}
        exec(compile("def f(*args):\n    return 0.0\n", str(fifo), "exec"), namespace)
        return namespace["f"]

    def wrapped(target):
        def f(*args):
            return 0.0

        f.__wrapped__ = target
        return f

    def changes_the_process(*args):
        np.sum = lambda *a, **k: 0.0
        sys.setrecursionlimit(50)
        np.random.seed(1)  # noqa: NPY002
        random.seed(1)
        os.chdir("/")
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        sys.stdout = None
        return 0.0

    def recursion(*args):
        return recursion(*args)

    def returns_a_pickle_bomb(*args):
        class Bomb:
            def __reduce__(self):
                return (os.system, ("true",))

        return Bomb()

    def closes_every_file(*args):
        os.closerange(0, 1 << 16)
        return 0.0

    def sleeps_under_the_limit(*args):  # on every case: only the check's total time stops it
        time.sleep(context["sleep"])
        return 0.0

    def reaches_out(*args):  # network, files outside, the progress store, the solutions
        import socket

        for attempt in (
            lambda: socket.create_connection(("127.0.0.1", context["port"]), 1).send(b"leak"),
            lambda: Path(context["outside"]).write_text("x"),
            lambda: (Path(context["progress"]) / "progress.json").write_text('{"pwned": 1}'),
            lambda: (Path(context["progress"]) / "pwned").write_text("x"),
            lambda: context.__setitem__("read", (ROOT / context["solution"]).read_bytes()),
        ):
            try:
                attempt()
            except Exception:
                pass
        return "READ-THE-SOLUTIONS" if context.get("read") else 0.0

    return {
        "returns-none": lambda *args: None,
        "raises": _raise,
        "keyboard-interrupt": _interrupt,
        "system-exit": _exit,
        "os-exit": lambda *args: os._exit(0),
        "segfault": lambda *args: ctypes.string_at(0),
        "infinite-loop": _hang,
        "recursion": recursion,
        "sigterm-parent": kills(lambda n: os.kill(os.getppid(), n), signal.SIGTERM),
        "sigint-kernel": kills(lambda n: os.kill(kernel, n), signal.SIGINT),
        "sigterm-kernel": kills(lambda n: os.kill(kernel, n), signal.SIGTERM),
        "sigstop-kernel": kills(lambda n: os.kill(kernel, n), signal.SIGSTOP),
        "sigterm-kernel-group": kills(lambda n: os.killpg(os.getpgid(kernel), n), signal.SIGTERM),
        "sigterm-own-group": kills(lambda n: os.kill(0, n), signal.SIGTERM),
        "child": child(detach=False),
        "setsid-grandchild": child(detach=True),
        "source-from-fifo": source_from_fifo(),
        "wrapped-hangs": wrapped(Hangs()),
        "wrapped-raises": wrapped(Raises()),
        "changes-the-process": changes_the_process,
        "pickle-bomb": returns_a_pickle_bomb,
        "closes-every-file": closes_every_file,
        "callable-object": Raises(),
        "partial": functools.partial(lambda x, *args: x, 0.0),
        "class": float,
        "builtin": len,
        "huge-result": lambda *args: np.zeros(20_000_000),
        "sleeps-under-the-limit": sleeps_under_the_limit,
        "huge-string": lambda *args: "x" * (60 * 2**20),
        "many-strings": lambda *args: [f"s{i}" for i in range(99_000)],
        "nested-lists": lambda *args: _nested(49_000),
        "reaches-out": reaches_out,
        "returns-out-of-bounds": lambda *args: as_strided(np.zeros(1), shape=(2,),
                                                          strides=(2**40,)),
        "returns-broadcast-huge": lambda *args: np.broadcast_to(1.0, (2 * 10**8,)),
    }


FUNCTIONS_HANGING = {"infinite-loop", "source-from-fifo", "wrapped-hangs", "child",
                     "setsid-grandchild", "sleeps-under-the-limit"}
CHECK_SECONDS = 1.0  # Function.check_seconds in the worker (10 s in a notebook)


# --------------------------------------------------------------------------- the worker


def _kernel_state():
    return (
        {number: signal.getsignal(number) for number in
         (signal.SIGINT, signal.SIGTERM, signal.SIGALRM, signal.SIGCHLD, signal.SIGHUP)},
        sys.getrecursionlimit(), np.sum, np.abs, np.asarray,
        np.random.get_state()[1].tobytes(),  # noqa: NPY002  the legacy global state
        random.getstate(), os.getcwd(), sys.stderr, signal.getitimer(signal.ITIMER_REAL)[1],
    )


def _left_processes(marker: str) -> list[str]:
    """Survivors among the processes the answer started, then children of the kernel that stay.

    The answer's processes (named ``marker``) must be gone when the verdict is given. The
    kernel's only children are the runner's keepers (ours), whose exit is reaped by a thread:
    they must be gone soon after (two seconds here).
    """
    left = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == marker:
                left.append(f"process {pid}")
        except OSError:  # it ended meanwhile
            pass
    deadline = time.monotonic() + 2.0
    while True:
        try:  # WNOWAIT: look without reaping (the kernel's reaper thread does that)
            os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:  # no child at all
            return left
        if time.monotonic() > deadline:
            return [*left, "a child of the kernel for more than 2 s"]
        time.sleep(0.002)


def _leaks(context, listener) -> list[str]:
    """What a function that reaches out managed: a connection, a file written, progress lost."""
    found = []
    try:
        connection, _ = listener.accept()
        connection.close()
        found.append("it connected to 127.0.0.1")
    except BlockingIOError:
        pass
    if os.path.exists(context["outside"]):
        os.unlink(context["outside"])
        found.append(f"it wrote {context['outside']}")
    folder = Path(context["progress"])
    written = [path.name for path in folder.glob("*") if path.is_file() and (
        path.name == "pwned" or b"pwned" in path.read_bytes())]
    if written:
        found.append(f"it wrote the progress store ({', '.join(written)})")
        for name in written:
            (folder / name).unlink()
    return found


def worker(name: str, tmp: str) -> dict:
    """Check every question of module ``name`` with every hostile answer; return a summary."""
    import socket

    fifos = Path(tmp) / "fifos"
    fifos.mkdir()
    os.environ["COURSE_PROGRESS_DIR"] = str(Path(tmp) / "progress")
    Question.grade_timeout = GRADE_TIMEOUT
    Function.check_seconds = CHECK_SECONDS
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.setblocking(False)
    received = []
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, lambda number, frame: received.append(number))
    shown = io.StringIO()
    sys.stdout = shown  # check() prints its verdict
    context = {"tmp": str(fifos), "marker": f"swept-{os.getpid() % 10**6}",
               "port": listener.getsockname()[1], "outside": str(Path(tmp) / "outside"),
               "progress": str(Path(tmp) / "progress"),
               "solution": "notebooks/solutions/00_start_here.ipynb", "sleep": 0.0}
    questions = questions_of(name)
    first = min(questions)
    failures, reached, calls, times = [], [], 0, {}
    started = time.monotonic()
    for key, question in sorted(questions.items()):
        question.check(question.answer)  # the course's own runs are made (and cached) here,
        # and IPython imported (its first import raises the recursion limit to 3000)
        pairs = [(answer, make(), answer in HANGING) for answer, make in ANSWERS.items()]
        if key == first:
            pairs += [(f"{kind}:{answer}", wrap(make()), answer in HANGING)
                      for kind, wrap in CONTAINERS.items() for answer, make in ANSWERS.items()]
        if isinstance(question, Function):
            pairs += [(f"function:{answer}", f, answer in FUNCTIONS_HANGING)
                      for answer, f in _functions(context).items()]
        for answer_name, answer, hangs in pairs:
            asked = question
            if hangs and isinstance(question, Function):
                asked = copy.copy(question)
                asked.timeout, asked._course_outcomes = HANG_TIMEOUT, {}
            limit = asked.timeout if isinstance(asked, Function) else 0.0
            context["sleep"] = 0.9 * limit  # just under the limit of each call
            bound = 3 * max(limit, GRADE_TIMEOUT) + 3.0
            before = _kernel_state()
            called = time.monotonic()
            try:
                result = asked.check(answer)
            except BaseException as error:  # noqa: BLE001  what the sweep looks for
                result = f"raised {type(error).__name__}"
            took = time.monotonic() - called
            calls += 1
            times[answer_name] = times.get(answer_name, 0.0) + took
            where = f"{name}.{key} <- {answer_name}"
            if os.environ.get("SWEEP_VERBOSE"):  # to find a slow kind: SWEEP_VERBOSE=1
                print(f"{took:6.2f} s  {where}", file=sys.__stderr__, flush=True)
            if type(result) is not CheckResult or result not in (0, 1):
                failures.append(f"{where}: check returned {result!r}")
            if took > bound:
                failures.append(f"{where}: took {took:.1f} s (bound {bound:.1f} s)")
            after = _kernel_state()
            if after != before:
                changed = [i for i, (b, a) in enumerate(zip(before, after, strict=True)) if b != a]
                failures.append(f"{where}: changed the kernel's state {changed}")
            if sys.stdout is not shown:
                failures.append(f"{where}: replaced sys.stdout")
                sys.stdout = shown
            if received:
                failures.append(f"{where}: the kernel received signals {received}")
                received.clear()
            leaks = _leaks(context, listener)
            if "READ-THE-SOLUTIONS" in shown.getvalue():
                leaks.append(f"it read {context['solution']}")
            if leaks:
                failures.append(f"{where}: {', '.join(leaks)}")
            left = _left_processes(context["marker"])
            if left:
                failures.append(f"{where}: left {', '.join(left)}")
            shown.seek(0)
            shown.truncate()
        reached.append(key)
    sys.stdout = sys.__stdout__
    slowest = sorted(times.items(), key=lambda item: -item[1])[:8]
    return {"reached": reached, "calls": calls, "failures": failures,
            "seconds": round(time.monotonic() - started, 1),
            "slowest": [(answer, round(seconds, 2)) for answer, seconds in slowest]}


# --------------------------------------------------------------------------- the tests


def test_every_module_and_question_kind_is_swept():
    names = modules()
    assert "ex00" in names
    kinds = {type(q).__mro__[-3].__name__ for name in names for q in questions_of(name).values()}
    assert kinds >= {"_Compared", "Function", "MultipleChoice"}


@pytest.mark.skipif(not _sandbox.USE_FORK, reason="the sweep needs the forked runner (Linux)")
@pytest.mark.parametrize("name", modules())
def test_sweep(name, tmp_path):
    code = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(ROOT / 'tests')!r})\n"
        "import test_exercise_sweep as sweep\n"
        "summary = sweep.worker(sys.argv[1], sys.argv[2])\n"
        "sys.__stdout__.write('SUMMARY ' + json.dumps(summary) + '\\n')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, name, str(tmp_path)], cwd=ROOT, capture_output=True,
        text=True, timeout=WORKER_SECONDS, check=False,
        start_new_session=True,  # a signal that escaped would hit the worker's group only
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("SUMMARY ")]
    assert done.returncode == 0 and lines, (done.returncode, done.stderr[-3000:])
    summary = json.loads(lines[-1][len("SUMMARY "):])
    assert sorted(summary["reached"]) == sorted(questions_of(name)), "a question was not reached"
    assert summary["failures"] == [], "\n".join(summary["failures"][:40])
    assert summary["calls"] >= len(ANSWERS) * len(summary["reached"])

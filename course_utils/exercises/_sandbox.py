"""Run untrusted code (a learner's function, an odd answer object) where it cannot hurt the kernel.

The exercise engine calls :func:`run` with a function and its cases. On Linux (Colab, Binder,
most local installs) every run happens in a **child process**, the *runner*, made with
``os.fork``: a copy of the kernel, so the learner's function sees everything it would see in
the notebook, but nothing it does reaches the kernel. An infinite loop (even one that swallows
every exception, ignores ``SIGALRM`` or sits in C code), ``sys.exit``, ``os._exit``, a
segfault, a replaced ``np.sum``, a lowered recursion limit, a reseeded random generator: all of
it happens in the runner, which is killed when its time is up.

Which protection applies where:

- **Processes.** The kernel forks a *keeper*, which runs only this module's code and forks the
  runner. With Linux namespaces (unprivileged user namespaces: most distributions, Colab,
  Binder), the keeper first moves its future children into new user and PID namespaces, so the
  runner is process 1 of a namespace of its own. It cannot name the kernel's process (nor any
  process outside: ``os.getppid()`` is 0), so no ``kill``, ``killpg``, ``pidfd`` or ``ptrace``
  reaches the kernel; and when the keeper kills it, the system kills every process of the
  namespace, those started with ``setsid`` or double-forked included. Where namespaces are
  refused (a container's seccomp profile), the fallback is: the keeper is a *child
  subreaper* (every orphan of the runner's tree is re-parented to it), kills the runner's group
  and then every process re-parented to it, until none is left; and the runner gets a
  seccomp filter that refuses (``EPERM``) signals to the kernel, to the keeper, to process
  groups and to ``-1``, ``tkill``, ``ptrace``, ``process_vm_writev``, ``pidfd_send_signal`` and
  ``F_SETOWN``. Without namespaces the runner can still signal other processes of the same
  user (another kernel), which the namespace prevents. In both, the kernel is not "dumpable"
  while a run lasts, so the runner cannot open the kernel's ``/proc/<pid>/mem`` to write into
  it (the fallback could otherwise, as a process of the same user).
- **Files and network.** With namespaces, the keeper also enters new mount and network
  namespaces before it forks the runner, and makes the mounts with
  :mod:`course_utils._isolation` (the mechanism ``tools/jail.py`` uses for the grader): no
  network (a loopback that is down: ``127.0.0.1`` is unreachable, no DNS); every file
  read-only; the progress store's folder, the notebook's folder, the course checkout, the
  home folder and ``/tmp``, ``/var/tmp``, ``/dev/shm`` covered by an empty read-only
  ``tmpfs``, with this package, the course's data folder and Python's own folders put back
  read-only. The runner mounts a ``/proc`` of its own PID namespace (no
  ``/proc/<pid>/root`` into another process's view of the files), then drops every
  capability, so it cannot undo a mount. (Where the user id cannot be mapped, e.g. root
  inside ``tools/jail.py``, which already hides those folders, a hidden folder holding one
  that must stay visible is left visible, read-only.) Where only user and PID namespaces
  are allowed,
  or none (the fallback below), **there is no file or network isolation**: the runner can
  read and write whatever the user can (the solutions, the progress store) and use the
  network; only the processes are protected.
- **The verdict waits for the cleanup.** The kernel tells the keeper to end the run, and the
  keeper answers (with the runner's exit status) only once the runner and everything it
  started are gone: no process of a run survives its verdict. The keeper's own exit is reaped by
  a daemon thread (it only tears down its copy of the kernel's memory). If the kernel dies, the
  keeper sees its channel close (and has ``PR_SET_PDEATHSIG``), and ends the run.
- **Signals to the kernel during a run.** The kernel blocks ``SIGINT`` only between ``fork``
  and the runner's start; a Jupyter interrupt during a run ends the run (the runner is killed)
  and is raised in the kernel as usual.

The runner sends back one message per case through a pipe: the returned value as *plain data*
(numbers, strings, tuples, lists, dicts and numpy arrays of numbers, rebuilt in the kernel
without running any code of the answer), or the exception's class names and message. A value
that is not plain data (a learner's own class) comes back as its type name only. The kernel
reads each message with a deadline and a size cap, and decodes it under a cap on its items
and depth. **Limits of one run** (:func:`run`): each call gets ``seconds``; all calls
together may get ``total_seconds`` (a learner's function: ``Function.check_seconds``, so a
function that sleeps just under the per-call limit on every case still gets its verdict in
time); each result is read up to ``MAX_MESSAGE_BYTES`` (16 MB) and all of them together up to
``MAX_RUN_BYTES`` (32 MB); a run ends at the first call that runs out of time, crashes,
exceeds a cap, or (for a learner's function) returns what cannot be compared.

The runner must not touch the kernel's channels to Jupyter: it sends its output (stdout and
stderr, Python's and C's) to ``/dev/null``, closes every other inherited file (the kernel's
ZeroMQ sockets among them) and ends with ``os._exit``, so no exit handler or destructor of the
kernel runs twice.

Elsewhere :func:`run` falls back to calling the function in the kernel's own process (Windows
has no ``os.fork``; on macOS a forked child that touches Apple's frameworks, which numpy's BLAS
may use, can crash), under a time limit: ``SIGALRM`` in the main thread where the platform
has it, otherwise a daemon thread abandoned on time-out. That fallback gives a verdict for
ordinary mistakes and plain infinite loops, but it cannot undo what a function changes in the
kernel, nor stop a loop that swallows every exception or runs in C code, nor keep it from
signalling the kernel.
"""

from __future__ import annotations

import ctypes
import gc
import io
import os
import pickle
import select
import signal
import socket
import struct
import sys
import threading
import time
import warnings
from typing import NamedTuple

import numpy as np

from .. import _isolation
from .._validation import within_own_memory

# Tests set it to False to exercise the in-process fallback.
USE_FORK = sys.platform.startswith("linux") and hasattr(os, "fork")

MAX_MESSAGE_BYTES = 16 * 2**20  # a larger result is refused: it is not a sensible answer
MAX_RUN_BYTES = 32 * 2**20  # all the results of one run together (the run ends beyond)
_MAX_ITEMS = 100_000  # numbers, strings and containers in one result
_MAX_DEPTH = 50
_ARRAY_KINDS = "biufcmMSU"  # numbers, booleans, times and strings: never objects or records
_NUMPY_SCALARS = {t for t in np.sctypeDict.values() if np.dtype(t).kind in _ARRAY_KINDS}
_PLAIN_TYPE_IDS = {
    id(t) for t in (bool, int, float, complex, str, bytes, type(None), type(...), *_NUMPY_SCALARS)
}
_HEADER = struct.Struct("<Q")  # the length of each message


class Outcome(NamedTuple):
    """What one call did.

    Attributes
    ----------
    kind : str
        ``"value"`` (it returned), ``"error"`` (it raised), ``"timeout"`` (it ran out of time),
        ``"crash"`` (its process died) or ``"opaque"`` (it returned something that is not plain
        data).
    value : object
        The returned value, as plain data, when ``kind == "value"``.
    error_types : tuple of str
        The raised exception's classes, most derived first (``"builtins.ValueError"``, ...).
    detail : str
        The exception's message, what the opaque value is (``"an object of type Foo"``), or
        how the process died: ``"signal N"`` or ``"exit status N"``.
    """

    kind: str
    value: object = None
    error_types: tuple = ()
    detail: str = ""

    @property
    def error_name(self) -> str:
        """str: the exception's class name (without its module), or ``""``."""
        return self.error_types[0].rpartition(".")[2] if self.error_types else ""


# --------------------------------------------------------------------------- plain data


class _NotPlain(Exception):
    """Raised while encoding a value that is not plain data."""


def _encode(x, budget: list, depth: int = 0):
    """``x`` as nested tagged tuples of builtins (no class of the answer survives pickling)."""
    budget[0] -= 1
    if budget[0] < 0 or depth > _MAX_DEPTH:
        raise _NotPlain("a value too large or too deeply nested to compare")
    t = type(x)
    if x is None or t in (bool, int, float, str, bytes):
        return ("v", x)
    if x is Ellipsis:
        return ("...",)
    if t is complex:
        return ("c", x.real, x.imag)
    if t in _NUMPY_SCALARS:
        return ("g", x.dtype.str, x.tobytes())
    if t is np.ndarray and x.dtype.kind in _ARRAY_KINDS:
        if x.nbytes > MAX_MESSAGE_BYTES:
            raise _NotPlain(f"an array of {x.nbytes:,} bytes (too large to compare)")
        return ("a", x.dtype.str, tuple(int(n) for n in x.shape), np.ascontiguousarray(x).tobytes())
    for plain in (int, float, str, complex):
        if isinstance(x, plain):  # a subclass, e.g. a learner's float with its own __eq__
            return _encode(plain(x), budget, depth)
    for container, tag in ((tuple, "t"), (list, "l"), (set, "s"), (frozenset, "f")):
        if isinstance(x, container):
            return (tag, [_encode(item, budget, depth + 1) for item in x])
    if isinstance(x, dict):
        return ("d", [(_encode(k, budget, depth + 1), _encode(v, budget, depth + 1))
                      for k, v in x.items()])
    if hasattr(x, "toarray"):  # a scipy.sparse matrix: its dense values
        x = x.toarray()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            arr = np.asarray(x)  # a pandas Series, a numpy subclass, ...
    except Exception:
        arr = None
    if arr is not None and type(arr) is np.ndarray and arr.dtype.kind in _ARRAY_KINDS:
        return _encode(arr, budget, depth)
    name = t.__name__ if type(t.__name__) is str else "?"
    raise _NotPlain(f"an object of type {name}")


def is_plain(x, budget: list | None = None, depth: int = 0) -> bool:
    """True when ``x`` is plain data: comparing it cannot run any code of the answer.

    Plain data is None, bool, int, float, complex, str, bytes, ``...``, numpy numbers, numpy
    arrays of numbers or strings whose memory is ordinary (:func:`is_ordinary_array`; each of
    their values counts as an item), tuples, lists and dicts of plain data (exact types, not
    subclasses), and the course's own ``FitResult`` holding plain data; at most
    ``_MAX_ITEMS`` items, nested at most ``_MAX_DEPTH`` deep (a deeper answer is graded in the
    runner, where a RecursionError is only a verdict).
    """
    budget = [_MAX_ITEMS] if budget is None else budget
    budget[0] -= 1
    if budget[0] < 0 or depth > _MAX_DEPTH:
        return False
    t = type(x)  # compared by identity only: a class's metaclass could override == and hash
    if id(t) in _PLAIN_TYPE_IDS:
        return True
    if t is np.ndarray:
        budget[0] -= x.size  # every value is read when it is compared
        return budget[0] >= 0 and x.dtype.kind in _ARRAY_KINDS and is_ordinary_array(x)
    if t is tuple or t is list:
        return all(is_plain(item, budget, depth + 1) for item in x)
    if t is dict:
        return all(is_plain(k, budget, depth + 1) and is_plain(v, budget, depth + 1)
                   for k, v in x.items())
    result = sys.modules.get("course_utils.solvers._result")
    if result is not None and t is result.FitResult:
        return all(is_plain(v, budget, depth + 1) for v in vars(x).values())
    return False


def array_values(x, budget: list | None = None, depth: int = 0) -> int:
    """How many values the numpy arrays in ``x`` hold, looking at their shapes only.

    Walks the exact types ``np.ndarray``, tuple, list and dict (no code of the answer runs),
    at most ``_MAX_ITEMS`` items and ``_MAX_DEPTH`` deep; other objects count as none.
    """
    budget = [_MAX_ITEMS] if budget is None else budget
    budget[0] -= 1
    if budget[0] < 0 or depth > _MAX_DEPTH:
        return 0
    t = type(x)
    if t is np.ndarray:
        return x.size
    if t is tuple or t is list:
        return sum(array_values(item, budget, depth + 1) for item in x)
    if t is dict:
        return sum(array_values(v, budget, depth + 1) for v in x.values())
    return 0


def is_ordinary_array(x: np.ndarray) -> bool:
    """True when reading every value of the numpy array ``x`` stays inside memory numpy made.

    Only its metadata is read (shape, strides, address, its ``base`` chain), never a value.
    Ordinary: its chain of bases is made of numpy arrays and ends in one that owns its
    (contiguous) buffer, ``x`` lies within that buffer, and no stride is zero with more than
    one value along it (``np.broadcast_to``: a huge logical size on one number). Not
    ordinary: ``as_strided`` views reaching outside their buffer, arrays over a ctypes
    pointer (``np.ctypeslib.as_array``), a ``memoryview``, ``bytes`` or ``mmap``. Such an
    array is graded in the sandbox, where a crash is only a verdict.
    """
    owner = x
    for _ in range(1000):  # a view of a view of ...
        if owner.base is None:
            break
        owner = owner.base
        if type(owner) is not np.ndarray:
            return False
    if any(stride == 0 and n > 1 for n, stride in zip(x.shape, x.strides, strict=True)):
        return False
    return within_own_memory(x)  # the package's one rule (course_utils._validation)


def _decode(node, budget: list | None = None, depth: int = 0):
    """Rebuild a value from :func:`_encode`'s tagged tuples (in the kernel: builtins only).

    Under the same caps as :func:`_encode` (items, each array value counted, and depth): a
    message made by other code than ours (a runner whose ``_encode`` was replaced) raises
    ``ValueError`` instead of costing the kernel time, memory or a ``RecursionError``.
    """
    budget = [_MAX_ITEMS] if budget is None else budget
    budget[0] -= 1
    if budget[0] < 0 or depth > _MAX_DEPTH:
        raise ValueError("a result too large or too deeply nested to read")
    tag = node[0]
    if tag == "v":
        return node[1]
    if tag == "...":
        return Ellipsis
    if tag == "c":
        return complex(node[1], node[2])
    if tag == "g":
        return np.frombuffer(node[2], dtype=_plain_dtype(node[1]))[0]
    if tag == "a":
        dtype, shape = _plain_dtype(node[1]), node[2]
        if not node[3]:  # no values (np.frombuffer refuses an empty buffer of some dtypes)
            return np.empty(shape, dtype=dtype)
        return np.frombuffer(node[3], dtype=dtype).reshape(shape).copy()
    if tag == "d":
        return {_decode(k, budget, depth + 1): _decode(v, budget, depth + 1) for k, v in node[1]}
    items = [_decode(item, budget, depth + 1) for item in node[1]]
    return {"t": tuple, "l": list, "s": set, "f": frozenset}[tag](items)


def _plain_dtype(text: str) -> np.dtype:
    dtype = np.dtype(text)
    if dtype.kind not in _ARRAY_KINDS:  # object arrays are never made from a message
        raise ValueError(f"refused dtype {text!r}")
    return dtype


class _BuiltinsOnly(pickle.Unpickler):
    """An unpickler that refuses every class: a message holds builtins only."""

    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"refused {module}.{name}")


def _message(kind, *fields) -> bytes:
    data = pickle.dumps((kind, *fields), protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(data)) + data


_READY = _message("ready")[_HEADER.size:]  # the runner's first message, before any case


class _TimeLimit(BaseException):
    """Raised inside a function that runs too long (in-process fallback only).

    A BaseException, so that a learner's ``except Exception`` cannot swallow it.
    """


def _call_and_describe(func, args) -> bytes:
    """Call ``func(*args)`` and return the message that says what happened.

    Never raises, except the fallback's ``_TimeLimit``.
    """
    try:
        value = func(*args)
        try:
            return _message("value", _encode(value, [_MAX_ITEMS]))
        except _NotPlain as why:
            return _message("opaque", str(why))
    except _TimeLimit:
        raise
    except BaseException as exc:  # SystemExit, KeyboardInterrupt...: all are the answer's doing
        return _message("error", *describe_exception(exc))


def describe_exception(exc: BaseException) -> tuple[tuple[str, ...], str]:
    """Return the qualified names of ``exc``'s classes (most derived first) and its message."""
    names = []
    for cls in type(exc).__mro__:
        module, qualname = getattr(cls, "__module__", "?"), getattr(cls, "__qualname__", "?")
        names.append(f"{module}.{qualname}" if type(module) is type(qualname) is str else "?")
    try:
        text = str(exc)
        text = text if type(text) is str else ""
    except BaseException:
        text = ""
    return tuple(names), text[:1000]


def _read_message(message: bytes) -> Outcome:
    """The outcome a runner's message tells (builtins only, decoded under the caps)."""
    try:
        return _outcome(*_BuiltinsOnly(io.BytesIO(message)).load())
    except Exception:
        return Outcome("opaque", detail="a result that could not be read")


def _outcome(kind, *fields) -> Outcome:
    if kind == "value":
        return Outcome("value", value=_decode(fields[0]))
    if kind == "error":
        return Outcome("error", error_types=tuple(fields[0]), detail=fields[1])
    return Outcome("opaque", detail=fields[0])


# --------------------------------------------------------------------------- the child processes
# (the module docstring says what the keeper and the runner are, and which protection applies)

_CLONE_NEWUSER, _CLONE_NEWPID = 0x10000000, 0x20000000
_CLONE_NEWNS, _CLONE_NEWNET = 0x00020000, 0x40000000
_PR_SET_PDEATHSIG, _PR_GET_DUMPABLE, _PR_SET_DUMPABLE, _PR_SET_CHILD_SUBREAPER = 1, 3, 4, 36
_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2
# Tests set it to False to exercise the fallback (subreaper and seccomp filter), and
# USE_FILE_ISOLATION to False for the level without mount and network namespaces.
USE_NAMESPACES = True
USE_FILE_ISOLATION = True
_NO_ISOLATION = 121  # the runner's exit status when the isolation it was promised failed


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _hidden_folders() -> tuple[list[str], list[str]]:
    """In the kernel: the folders a run must not see, and those inside them it must see.

    Hidden: the progress store's folder, the notebook's folder (the current directory), the
    course checkout (the folder holding this package), the home folder and the temporary
    folders. Visible again (read-only): this package and the course's data folder, so that a
    function may still import the course's modules and load its data.
    """
    import tempfile

    from .._files import folder_from_env
    from ._progress import progress_dir

    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    hidden = [os.getcwd(), os.path.dirname(package), os.path.expanduser("~"),
              tempfile.gettempdir(), "/tmp", "/var/tmp", "/dev/shm"]
    visible = [package, os.path.join(os.path.dirname(package), "data")]  # as datasets.data_dir
    for folder, where in ((progress_dir, hidden), (lambda: folder_from_env("COURSE_DATA_DIR"),
                                                   visible)):
        try:
            where.append(str(folder() or package))
        except ValueError:  # a ~user that names no user
            continue
    resolved = [os.path.realpath(p) for p in hidden]
    resolved = [p for p in dict.fromkeys(resolved) if p != "/"]  # a kernel started in /
    return resolved, [os.path.realpath(p) for p in visible]


def _enter_namespaces(hidden: list[str], visible: list[str]) -> str:
    """In the keeper: make its next child process 1 of new user and PID namespaces.

    Also, where the system allows, new mount and network namespaces for the keeper and so
    for the runner: no network, every file read-only, ``hidden`` covered but ``visible``
    (:mod:`course_utils._isolation`, the mechanism ``tools/jail.py`` uses). The user
    namespace maps the user to itself, so the runner keeps its user and group ids. Returns
    ``"files"`` (all of it), ``"processes"`` (user and PID namespaces only) or ``""`` where
    the system refuses namespaces.
    """
    uid, gid = os.getuid(), os.getgid()
    if not USE_NAMESPACES:
        return ""
    libc = _libc()
    level = "files"
    if not USE_FILE_ISOLATION or libc.unshare(
            _CLONE_NEWUSER | _CLONE_NEWPID | _CLONE_NEWNS | _CLONE_NEWNET) != 0:
        level = "processes"
        if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWPID) != 0:
            return ""
    # Root mapped to itself needs CAP_SETFCAP outside (Linux 5.12+), which a process that
    # dropped its capabilities (the grader's jail) lacks: then root is user 65534 inside.
    for name, texts in (("setgroups", ["deny"]), ("uid_map", [f"{uid} {uid} 1", f"65534 {uid} 1"]),
                        ("gid_map", [f"{gid} {gid} 1", f"65534 {gid} 1"])):
        for text in texts:
            try:
                with open(f"/proc/self/{name}", "w") as file:
                    file.write(text)
                break
            except OSError:  # an old kernel: the runner still runs, as user "nobody"
                continue
    if level == "files":
        try:
            _isolation.setup(None, hidden, visible, writable_hidden=False)
        except OSError:  # a mount refused: the runner is told, and does not run
            level = "failed"
    return level


def _lock_in(level: str) -> None:
    """In the runner, before any untrusted code: its own /proc, and no capability left.

    With ``level == "files"`` the runner mounts a /proc of its PID namespace (the kernel's
    processes, and their view of the files through ``/proc/<pid>/root``, are out of sight),
    then drops every capability, so no mount can be undone. Exits if that fails.
    """
    if level == "failed":
        os._exit(_NO_ISOLATION)
    if level == "files":
        try:
            _isolation.mount("proc", "/proc", "proc",
                             _isolation.MS_NOSUID | _isolation.MS_NODEV | _isolation.MS_NOEXEC)
        except OSError:
            os._exit(_NO_ISOLATION)
    if level and not _isolation.drop_privileges():
        os._exit(_NO_ISOLATION)


# x86-64 and arm64 syscall numbers: kill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo (their
# first argument is the target), then tkill, ptrace, process_vm_writev, pidfd_send_signal
# (refused outright), then fcntl (F_SETOWN can aim SIGIO at a process).
_AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
_SYSCALLS = {
    "x86_64": ((62, 234, 129, 297), (200, 101, 311, 424), 72),
    "aarch64": ((129, 131, 138, 240), (130, 117, 271, 424), 25),
}


def _refuse_signals_to(protected: tuple[int, ...]) -> bool:
    """In the runner (fallback only): a seccomp filter refusing signals to ``protected`` pids.

    Also refused (``EPERM``): signals to process groups and to every process (a target <= 0),
    ``tkill``, ``ptrace``, ``process_vm_writev``, ``pidfd_send_signal``, ``fcntl``'s
    ``F_SETOWN``/``F_SETOWN_EX`` (which aim SIGIO at a process) and syscalls of another ABI.
    The filter is inherited by everything the runner starts. Returns False where the machine
    has no seccomp (or is neither x86-64 nor arm64).
    """
    arch = os.uname().machine
    if arch not in _SYSCALLS:
        return False
    targeted, refused, fcntl = _SYSCALLS[arch]
    # Classic BPF over struct seccomp_data: nr at offset 0, arch at 4, the low 32 bits of
    # argument i at 16 + 8 i. A jump's offsets count the instructions to skip.
    load, jump_eq, jump_set, ret = 0x20, 0x15, 0x45, 0x06
    allow, deny = 0x7FFF0000, 0x00050000 | 1  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | EPERM
    code = [(load, 0, 0, 4), (jump_eq, 1, 0, _AUDIT_ARCH[arch]), (ret, 0, 0, deny),
            (load, 0, 0, 0)]
    blocks = [[("deny if", nr)] for nr in refused]

    def only_for(nr, *block):  # the block runs for syscall nr; the others skip it
        return [("skip unless", nr, len(block)), *block]

    blocks.append(only_for(fcntl, (load, 0, 0, 24), ("deny if", 8), ("deny if", 15),
                           (ret, 0, 0, allow)))
    for nr in targeted:
        tests = [("deny if", 0)] + [("deny if", pid) for pid in protected]
        blocks.append(only_for(nr, (load, 0, 0, 16), ("deny if negative",), *tests,
                               (ret, 0, 0, allow)))
    body = [item for block in blocks for item in block] + [(ret, 0, 0, allow)]
    deny_at = len(code) + len(body)
    for item in body:
        here = len(code)
        if item[0] == "deny if":
            code.append((jump_eq, deny_at - here - 1, 0, item[1]))
        elif item[0] == "deny if negative":
            code.append((jump_set, deny_at - here - 1, 0, 0x80000000))
        elif item[0] == "skip unless":
            code.append((jump_eq, 0, item[2], item[1]))
        else:
            code.append(item)
    code.append((ret, 0, 0, deny))

    class Instruction(ctypes.Structure):
        _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                    ("k", ctypes.c_uint32)]

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Instruction))]

    program = Program(len(code), (Instruction * len(code))(*[Instruction(*i) for i in code]))
    libc = _libc()
    return (
        libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0
        and libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(program), 0, 0) == 0
    )


def _close_inherited_files(keep: tuple[int, ...]) -> None:
    """Close every file descriptor above 2 except ``keep`` (the kernel's ZeroMQ sockets...)."""
    low = 3
    for fd in sorted(keep):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 1 << 16)


def _become_harmless(keep_fd: int) -> None:
    """In the runner: no output, no inherited file but the result pipe, no shared collection."""
    gc.freeze()  # objects inherited from the kernel are never collected (no __del__ runs here)
    try:
        os.setpgid(0, 0)  # its own process group, so that killing the group ends what it started
    except OSError:
        pass
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    _close_inherited_files((keep_fd,))
    sys.stdin = io.StringIO()
    sys.stdout = sys.stderr = io.StringIO()
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # an interrupt ends the runner at once


def _runner(func, cases, write_fd: int, protected: tuple[int, ...], level: str) -> None:
    """Run every case, sending one message after each; never returns."""
    try:
        _become_harmless(write_fd)
        _lock_in(level)
        try:  # the current folder, looked up again: the hidden one if it was hidden
            os.chdir(os.getcwd())
        except OSError:
            os.chdir("/")
        if protected:  # no namespace: the filter keeps the kernel and the keeper out of reach
            _refuse_signals_to(protected)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGALRM})
        os.write(write_fd, _message("ready"))  # the time limits start now, not at the fork
        for args in cases:
            message = _call_and_describe(func, args)
            if len(message) > MAX_MESSAGE_BYTES:
                message = _message("opaque", "a result too large to compare")
            view = memoryview(message)
            while view:
                view = view[os.write(write_fd, view):]
    finally:
        os._exit(0)


def _keeper(func, cases, write_fd: int, channel: socket.socket,
            folders: tuple[list[str], list[str]]) -> None:
    """Start the runner; when the kernel says so, end it and all it started; never returns.

    The kernel says so by shutting down its side of ``channel`` (or by dying). The keeper then
    kills the runner, reaps it (in a namespace, once every process of the namespace is gone),
    kills the orphans (fallback), and sends the runner's wait status back.
    """
    try:
        kernel = os.getppid()
        _close_inherited_files((write_fd, channel.fileno()))
        previous = {number: signal.signal(number, signal.SIG_IGN)  # only the kernel ends us
                    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        libc = _libc()
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # the kernel died: so do we
        level = _enter_namespaces(*folders)
        isolated = level != ""
        if not isolated:
            libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        runner = os.fork()
        if runner == 0:
            channel.close()
            for number, handler in previous.items():  # the kernel's, as before the keeper
                signal.signal(number, handler)
            _runner(func, cases, write_fd, () if isolated else (kernel, os.getppid()), level)
        os.close(write_fd)
        while channel.recv(1):  # until the kernel shuts its side
            pass
        for kill in (os.killpg, os.kill):  # its group at once (a fork bomb), then the runner
            try:
                kill(runner, signal.SIGKILL)  # process 1 of its namespace: the namespace goes too
            except OSError:
                pass
        status = os.waitpid(runner, 0)[1]
        if not isolated:
            _kill_children()
        channel.sendall(_STATUS.pack(status))
    finally:
        os._exit(0)


def _children() -> list[int]:
    """The process ids whose parent is this process (read from /proc)."""
    me, found = os.getpid(), []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as file:
                    fields = file.read().rpartition(b")")[2].split()
            except OSError:  # it ended meanwhile
                continue
            if len(fields) > 1 and int(fields[1]) == me:
                found.append(int(name))
    return found


def _kill_children() -> None:
    """Kill and reap every child of the keeper: the runner's orphans, re-parented to it."""
    while True:
        children = _children()
        if not children:
            return
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        for pid in children:  # its own children are re-parented to us before it can be reaped
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def _read_exactly(fd: int, n: int, deadline: float) -> bytes | None:
    """Read ``n`` bytes before ``deadline``: None on time-out, ``b""`` at end of file."""
    chunks, remaining = [], n
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    while remaining:
        wait = deadline - time.monotonic()
        if wait <= 0 or not poller.poll(wait * 1000):
            return None
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            return b""
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


_OVER_CAP = b"\0"  # what _receive returns for a message beyond the run's byte cap


def _receive(fd: int, seconds: float, cap: int = MAX_MESSAGE_BYTES) -> bytes | None:
    """The next message within ``seconds``: None on time-out, ``b""`` if the runner died,
    ``_OVER_CAP`` (unread) if it is longer than ``cap`` bytes."""
    deadline = time.monotonic() + seconds
    header = _read_exactly(fd, _HEADER.size, deadline)
    if not header:
        return header
    size = _HEADER.unpack(header)[0]
    if size > min(cap, MAX_MESSAGE_BYTES):
        return _OVER_CAP
    return _read_exactly(fd, size, deadline) if size > 0 else b""


class _Keeper:
    """The kernel's handle on one keeper process: its pid and its end of their channel."""

    def __init__(self, pid: int, channel: socket.socket):
        self.pid, self.channel, self.status = pid, channel, None

    def end(self, *, wait: bool = True) -> int | None:
        """Have the runner and everything it started killed; return the runner's wait status.

        With ``wait=True`` (every verdict) this returns once they are all gone: the keeper
        answers only after the runner's namespace (or, in the fallback, each orphan) is gone;
        if it does not answer within ``KEEPER_SECONDS`` it is killed too. The keeper's own
        exit (the teardown of its copy of the kernel's memory) is reaped by a daemon thread.
        ``wait=False`` (an interrupt) does not wait for the answer either.
        """
        if self.channel is None:
            return self.status
        channel, self.channel = self.channel, None
        try:
            channel.shutdown(socket.SHUT_WR)  # "stop": the keeper kills the runner
            if wait:
                channel.settimeout(KEEPER_SECONDS)
                answer = channel.recv(_STATUS.size, socket.MSG_WAITALL)
                if len(answer) == _STATUS.size:
                    self.status = _STATUS.unpack(answer)[0]
        except OSError:  # the keeper died, or did not answer in time
            pass
        finally:
            channel.close()
        if wait and self.status is None:  # never expected: the keeper runs only our code
            _kill_and_reap(self.pid)
            self.status = 0
        else:
            threading.Thread(target=_reap, args=(self.pid,), daemon=True).start()
        return self.status


def _kill_and_reap(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
    _reap(pid)


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:  # reaped by other code of the kernel (a waitpid(-1) somewhere)
        pass


KEEPER_SECONDS = 5.0  # how long the kernel waits for a keeper to clean up
STARTUP_SECONDS = 30.0  # how long the kernel waits for the runner to be ready
_STATUS = struct.Struct("<i")  # the runner's wait status, sent by the keeper


def _death(status: int) -> Outcome:
    if os.WIFSIGNALED(status):
        return Outcome("crash", detail=f"signal {os.WTERMSIG(status)}")
    return Outcome("crash", detail=f"exit status {os.waitstatus_to_exitcode(status)}")


def _start(func, cases) -> tuple[_Keeper, int]:
    """Fork the keeper (which forks the runner); return it and the read end of the results."""
    folders = _hidden_folders()  # here, not in the keeper: it reads the kernel's settings
    read_fd, write_fd = os.pipe()
    ours, theirs = socket.socketpair()
    with warnings.catch_warnings():
        # Python 3.12+ warns that forking a threaded process (a Jupyter kernel) may deadlock
        # the child; a deadlocked child is only an answer that runs out of time.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:
        try:
            os.close(read_fd)
            ours.close()
            _keeper(func, cases, write_fd, theirs, folders)  # never returns
        finally:
            os._exit(1)
    os.close(write_fd)
    theirs.close()
    return _Keeper(pid, ours), read_fd


_OUT_OF_TIME = Outcome("timeout", detail="total")  # the run's whole time is used up
_OUT_OF_BYTES = Outcome("opaque", detail=f"results larger than {MAX_RUN_BYTES // 2**20} MB in all")


def _ends_run(outcome: Outcome, stop_at_opaque: bool) -> bool:
    return outcome is _OUT_OF_BYTES or stop_at_opaque and outcome.kind == "opaque"


def _run_forked(func, cases, seconds: float, stop_at_timeout: bool, total: float | None,
                stop_at_opaque: bool) -> list[Outcome]:
    blocked = {signal.SIGINT, signal.SIGALRM}  # no interrupt between fork and the child's guard
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    keeper = read_fd = None
    outcomes = []
    libc = _libc()
    dumpable = libc.prctl(_PR_GET_DUMPABLE, 0, 0, 0, 0)
    try:
        # While a run lasts the kernel is not "dumpable": no process of the user (a runner
        # without namespaces) can open its /proc/<pid>/mem to write into it.
        libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
        keeper, read_fd = _start(func, cases)
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)  # an interrupt now ends the run
        # Two forks on a loaded machine can take seconds: that time is not the answer's.
        ready = _receive(read_fd, STARTUP_SECONDS)
        if ready != _READY:
            status = keeper.end()
            outcomes.append(Outcome("timeout") if ready is None else _death(status))
            cases = ()
        deadline = None if total is None else time.monotonic() + total
        received = 0  # bytes of results read so far: at most MAX_RUN_BYTES
        for _ in cases:
            left = seconds if deadline is None else min(seconds, deadline - time.monotonic())
            message = _receive(read_fd, max(left, 0.0), MAX_RUN_BYTES - received)
            if not message:
                status = keeper.end()
                if message is None and left < seconds:  # the whole run's time is used up
                    outcomes.append(_OUT_OF_TIME)
                elif message is None:
                    outcomes.append(Outcome("timeout"))
                    if not stop_at_timeout:  # the remaining cases run in a fresh child
                        outcomes += _run_forked(func, cases[len(outcomes):], seconds, False,
                                                None if deadline is None else
                                                deadline - time.monotonic(), stop_at_opaque)
                else:
                    outcomes.append(_death(status))
                break
            received += len(message)
            outcomes.append(_OUT_OF_BYTES if message is _OVER_CAP else _read_message(message))
            if _ends_run(outcomes[-1], stop_at_opaque):
                break
        keeper.end()  # every process of the run is gone before the verdict
    finally:
        if dumpable == 1:
            libc.prctl(_PR_SET_DUMPABLE, 1, 0, 0, 0)
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        if read_fd is not None:
            os.close(read_fd)
        if keeper is not None:
            keeper.end(wait=False)  # interrupted: kill now, reap in the background
    return outcomes


# --------------------------------------------------------------------------- in-process fallback


def _call_with_time_limit(func, args, seconds: float):
    """Call ``func(*args)``; raise ``_TimeLimit`` if it runs longer than ``seconds``.

    Uses SIGALRM where it exists and we are in the main thread: the call is really
    interrupted, and the previous handler and timer are restored. Elsewhere the call runs in
    a daemon thread that is abandoned on time-out (it still costs CPU).
    """
    use_signal = (
        hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    )
    if use_signal:

        def on_alarm(signum, frame):
            raise _TimeLimit

        previous = signal.signal(signal.SIGALRM, on_alarm)
        pending, interval = signal.setitimer(signal.ITIMER_REAL, seconds)
        started = time.monotonic()
        try:
            return func(*args)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            if pending:  # someone else's timer was running: give back what is left of it
                left = pending - (time.monotonic() - started)
                signal.setitimer(signal.ITIMER_REAL, max(left, 1e-6), interval)
    box = {}

    def target():
        try:
            box["value"] = func(*args)
        except BaseException as exc:  # handed back to the calling thread below
            box["error"] = exc

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise _TimeLimit
    if "error" in box:
        raise box["error"]
    return box["value"]


def _run_in_process(func, cases, seconds: float, stop_at_timeout: bool, total: float | None,
                    stop_at_opaque: bool) -> list[Outcome]:
    outcomes = []
    deadline = None if total is None else time.monotonic() + total
    received = 0
    for args in cases:
        limit = sys.getrecursionlimit()
        left = seconds if deadline is None else min(seconds, deadline - time.monotonic())
        try:
            message = _call_with_time_limit(_call_and_describe, (func, args), max(left, 1e-3))
        except _TimeLimit:
            outcomes.append(_OUT_OF_TIME if left < seconds else Outcome("timeout"))
            if stop_at_timeout or left < seconds:
                break
            continue
        finally:
            sys.setrecursionlimit(limit)
        received += len(message)
        too_large = len(message) > MAX_MESSAGE_BYTES or received > MAX_RUN_BYTES
        outcomes.append(_OUT_OF_BYTES if too_large else _read_message(message[_HEADER.size:]))
        if _ends_run(outcomes[-1], stop_at_opaque):
            break
    return outcomes


# --------------------------------------------------------------------------- the entry point


def run(func, cases, seconds: float, *, stop_at_timeout: bool = True,
        total_seconds: float | None = None, stop_at_opaque: bool = False) -> list[Outcome]:
    """Call ``func(*args)`` for each ``args`` in ``cases``, each call within ``seconds``.

    The whole run is capped too: its results together are read up to ``MAX_RUN_BYTES`` (each
    up to ``MAX_MESSAGE_BYTES``), and with ``total_seconds`` all its calls together get that
    much time (counted once the runner is ready, not the time to start it). A run that uses
    up either ends there; its last outcome says so (``"timeout"`` with detail ``"total"``, or
    ``"opaque"``).

    Parameters
    ----------
    func : callable
        The untrusted function.
    cases : list of tuple
        Positional arguments of each call.
    seconds : float
        Time allowed per call.
    stop_at_timeout : bool, default=True
        Stop at the first call that runs out of time (the remaining cases get no outcome).
        When False, the remaining cases run in a fresh process (within ``total_seconds``).
    total_seconds : float, optional
        Time allowed for all the calls together.
    stop_at_opaque : bool, default=False
        Stop at the first call whose result cannot be compared (too large, not plain data).

    Returns
    -------
    list of Outcome
        One per case that ran, in order; shorter than ``cases`` only after a time-out (with
        ``stop_at_timeout``), a crash, or the end of the run's time or bytes.
    """
    cases = list(cases)
    if not cases:
        return []
    runner = _run_forked if USE_FORK else _run_in_process
    return runner(func, cases, seconds, stop_at_timeout, total_seconds, stop_at_opaque)

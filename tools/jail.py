"""Run one command cut off from the network, the other submissions and the instructor's files.

``tools/grade.py`` starts every learner kernel, and every process that re-runs a learner's
function, through :func:`command`. On Linux with unprivileged user namespaces (``unshare`` and
``setpriv`` from util-linux) the command runs in new **user, mount, network and PID
namespaces**:

* **network**: a namespace of its own, with only a loopback interface that is down: no
  address, no route, no DNS. The learner kernel talks to the grader over Unix sockets (ZeroMQ
  ``ipc``), which are files, not network;
* **files**: every mount is made read-only; the one writable folder is the submission's own
  throwaway folder (``writable``); the folders in ``hidden`` (the room of submissions, the other
  submissions' folders, the course checkout, ``/tmp``, ``/dev/shm``) are covered by an empty
  private ``tmpfs``, so they can be neither read nor written (Python's own folders inside them
  are put back, read-only); ``/proc`` is the namespace's own. The mounts are made by
  ``course_utils/_isolation.py``, which the exercise engine's sandbox uses too;
* **processes**: the command is not PID 1 but its child; when the command ends, or when the
  grader kills ``unshare`` (``--kill-child``), PID 1 exits and the kernel kills every process
  left in the namespace, however detached (``setsid``, double fork). A process inside cannot
  name, signal or trace any process outside (they have no PID there);
* **privileges**: the command runs with no capabilities (``setpriv``: empty bounding set,
  ``no_new_privs``), so it cannot undo any of the mounts above.

Where this is not possible (not Linux, ``unshare`` missing, user namespaces disabled),
:func:`probe` says why, and ``tools/grade.py`` prints that the run has no OS-level isolation.

Usage (by the grader; nothing a learner controls is passed here)::

    unshare ... python tools/jail.py --writable DIR --cwd DIR [--hide DIR ...] [--show DIR ...]
        -- COMMAND...
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

_UNSHARE = ["--user", "--map-root-user", "--mount", "--net", "--pid", "--fork", "--kill-child",
            "--mount-proc"]
_SETPRIV = ["--inh-caps=-all", "--ambient-caps=-all", "--bounding-set=-all", "--no-new-privs"]



def probe() -> tuple[bool, str]:
    """Can :func:`command` isolate here? Returns ``(available, what protection or why not)``."""
    if not sys.platform.startswith("linux"):
        return False, f"no OS-level isolation on {sys.platform} (Linux namespaces only)"
    unshare, setpriv = shutil.which("unshare"), shutil.which("setpriv")
    if not (unshare and setpriv):
        return False, "no OS-level isolation: util-linux's unshare and setpriv are not installed"
    try:
        result = subprocess.run([unshare, *_UNSHARE, setpriv, *_SETPRIV, "true"],
                                capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as exc:
        return False, f"no OS-level isolation: unshare failed ({type(exc).__name__})"
    if result.returncode != 0:
        why = result.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["?"]
        return False, f"no OS-level isolation: user namespaces refused ({why[0][:100]})"
    return True, ("OS-level isolation: Linux user, mount, network and PID namespaces "
                  "(no network, read-only files except a throwaway folder, other submissions "
                  "hidden, every process ended with its grading)")


def command(argv: list[str], *, writable: Path, cwd: Path, hidden: list[Path],
            visible: list[Path] = ()) -> list[str]:
    """The argv that runs ``argv`` isolated (see the module docstring).

    ``writable``, ``cwd``, ``hidden`` and ``visible`` must be absolute paths chosen by the
    grader (none comes from a learner). A ``visible`` folder stays readable even when it lies
    inside a hidden one (the course checkout inside your home).
    """
    paths = [writable, cwd, *hidden, *visible]
    if not all(Path(p).is_absolute() for p in paths):
        raise ValueError("jail paths must be absolute")
    options = ["--writable", str(writable), "--cwd", str(cwd)]
    for path in hidden:
        options += ["--hide", str(path)]
    for path in visible:
        options += ["--show", str(path)]
    return [shutil.which("unshare") or "unshare", *_UNSHARE, sys.executable, str(Path(__file__)),
            *options, "--", *argv]


# --------------------------------------------------------------------------- inside the namespaces
# The mounts are made by course_utils/_isolation.py, shared with the exercise engine's sandbox
# (a function run by check() in a live kernel gets the same read-only, hidden-folder view).

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the course's own package
from course_utils._isolation import setup  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="internal: run a command isolated")
    parser.add_argument("--writable", required=True)
    parser.add_argument("--cwd", required=True)
    parser.add_argument("--hide", action="append", default=[])
    parser.add_argument("--show", action="append", default=[])
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    run = args.command[1:] if args.command[:1] == ["--"] else args.command
    problems = setup(os.path.realpath(args.writable), [os.path.realpath(p) for p in args.hide],
                     [os.path.realpath(p) for p in args.show])
    if problems:  # say so on stderr; the grader keeps it
        print("jail: " + "; ".join(problems), file=sys.stderr)
    # PID 1 of the namespace: start the command as a child, pass on interrupts, reap orphans,
    # and exit with the command: the kernel then ends every other process of the namespace.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    pid = os.fork()
    if pid == 0:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.chdir(args.cwd)
        # ipykernel exits when its parent's pid (outside, unknown here) turns into 1: drop it
        os.environ.pop("JPY_PARENT_PID", None)
        setpriv = shutil.which("setpriv") or "setpriv"
        os.execv(setpriv, [setpriv, *_SETPRIV, "--", *run])
    signal.signal(signal.SIGTERM, lambda *_: os.kill(pid, signal.SIGKILL))
    while True:
        try:
            child, status = os.wait()
        except ChildProcessError:
            return 1
        if child == pid:
            return os.waitstatus_to_exitcode(status) & 0xFF


if __name__ == "__main__":
    sys.exit(main())

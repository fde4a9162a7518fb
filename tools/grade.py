"""Grade a room's learner notebooks, each isolated, with verdicts decided outside its kernel.

Usage (from anywhere)::

    python tools/grade.py SUBMISSION... [--csv grades.csv] [--roster FILE]
                          [--questions ex03,ex05.q2] [--cell-timeout 60]
                          [--memory-mb 4096] [--jobs N]

Each SUBMISSION is a learner notebook or a folder searched for ``*.ipynb``. In a folder, the
learner is the first sub-folder (``collected/alice/03_zeno.ipynb`` is alice's), or the file's
name when it lies directly in the folder.

How a submission is graded
--------------------------
1. **Read safely.** Only regular files are read (a FIFO, a device, a symbolic link or a folder
   named ``*.ipynb`` is skipped with a row saying why), at most ``MAX_NOTEBOOK_BYTES``.
2. **Matched by content, not by name**: by the cell ids it shares with a course notebook
   (learner copies carry the solution notebook's ids), or, for a notebook without ids
   (nbformat < 4.5), by the ``exNN.qK.check(`` calls in its cells.
3. **Run isolated** on a fresh kernel, one per submission, against its own throwaway copy of
   the course (package, data, notebooks) in a temporary folder, never the instructor's
   checkout; the copy is deleted afterwards. On Linux the kernel runs in its own user, mount,
   network and PID namespaces (``tools/jail.py``): no network at all, every file read-only but
   the throwaway folder, the other submissions, the checkout, ``/tmp`` and your home hidden,
   and every process it starts (even ``setsid`` and double forks) killed when it ends. Where
   the OS does not allow that, the run says so at the top of its output and runs with the
   weaker guards only (throwaway copy, Python-level network guard). Limits: a time per cell
   (``--cell-timeout``; the kernel is interrupted, then ended) and an address-space limit
   (``--memory-mb``, ``RLIMIT_AS``), plus a 1 GiB cap on any file it writes.
4. **Verdicts decided outside the kernel.** After each cell that calls ``exNN.qK.check(...)``,
   the grader asks the kernel for the value it passed, as plain data (numbers, strings,
   arrays and containers of them), and the course's own engine grades it in a separate,
   equally isolated process (``tools/verdicts.py``). A learner's function is rebuilt there
   from the notebook's own cells (imports, definitions, the exercise cell) and run in the
   exercise sandbox. Nothing the notebook writes (``progress.json``, a patched engine) is
   believed. Where an answer cannot be rebuilt (an object that is not plain data, a function
   that needs the notebook's variables), the row's ``verdict_from`` is ``self-reported``: the
   verdict the kernel recorded, which the learner's code could have forged.
5. **Flags**: ``copied`` (the solution's code verbatim; not for one-line answers that the
   hints spell out), ``raised`` / ``timed out`` (a cell, with the first one named),
   ``renamed`` (the file name is another notebook's), ``forged`` (the kernel recorded a verdict
   that the grader's own differs from, or a cell touches the exercise engine, the progress
   store or ``COURSE_PROGRESS_DIR``), ``duplicate`` and ``not on roster`` (with ``--roster``).

Output: a CSV (default ``grades.csv``), one row per learner and question, with the columns
``COLUMNS``; every field a learner controls is neutralized for spreadsheets (a field starting
with ``= + - @``, a tab or a carriage return gets a leading ``'``, as OWASP recommends). On
standard output: the protection in force, a line per question (solved, wrong, not tried, the
most frequent wrong answer as given, ties marked), a line per learner, the flagged submissions,
and, with ``--roster``, who submitted nothing. Learner text on screen is escaped.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import csv
import importlib
import io
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
sys.path.insert(0, str(TOOLS))
import jail  # noqa: E402  (tools/jail.py: the OS-level isolation)

import notebooks as nbtool  # noqa: E402  (tools/notebooks.py: paths, markers, generator)

ROOT = nbtool.ROOT
sys.path.insert(0, str(ROOT))  # the course's own package, whatever the current folder
from course_utils._files import (  # noqa: E402
    FileTooLargeError,
    NotARegularFileError,
    check_replaceable,
    parse_notebook,
    read_regular_file,
    write_atomically,
)

CELL_TIMEOUT = 60.0
MEMORY_MB = 4096
MAX_NOTEBOOK_BYTES = 20 * 2**20
MAX_FILE_BYTES = 2**30  # RLIMIT_FSIZE of the kernel: no file it writes grows past this
MAX_CAPTURE = 8 * 2**20  # an answer's encoding larger than this is not read
COLUMNS = [
    "learner", "file", "notebook", "question", "status", "verdict_from", "answer",
    "wrong_answer_class", "copied", "flags", "notes", "message",
]
CORRECT, INCORRECT, NOT_ATTEMPTED = "correct", "incorrect", "not attempted"
_STATUS = {"Correct": CORRECT, "Incorrect": INCORRECT, "Not attempted yet": NOT_ATTEMPTED}
_CHECK = re.compile(r"\b(ex\d\d)\.(q\d+)\.check\(")
# a cell that reaches for the grading machinery (the engine, the progress store)
_TOUCHES_ENGINE = re.compile(
    r"_engine|_progress|_sandbox|progress\.json|COURSE_PROGRESS_DIR|\bVerdict\b|\bQuestion\b"
    r"|\b_(?:verdict|question|value_array|function|choice|values|tolerance|slips|display|runner)\b"
    r"|\.grade\b|__course_grader|\bex\d\d\.q\d+\.(?!check\(|hint\(|solution\(|options_text\()\w+"
    r"|(?:getattr|setattr|vars)\(\s*ex\d\d|_getframe|currentframe|\.f_back|f_locals|f_globals"
    r"|gc\.get_(?:objects|referrers)|inspect\.stack|__self__|__closure__"
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# --------------------------------------------------------------------------- the course's side


def _normalized(source: str) -> str:
    """A cell's code with blank lines and trailing spaces removed (for verbatim comparison)."""
    return "\n".join(line.rstrip() for line in source.split("\n") if line.strip())


def _solution_block(source: str) -> list[str]:
    """The non-blank lines between the solution markers."""
    lines, inside = [], False
    for line in source.split("\n"):
        if line.strip() == nbtool.BEGIN:
            inside = True
        elif line.strip() == nbtool.END:
            inside = False
        elif inside and line.strip():
            lines.append(line.strip())
    return lines


def _spelled_out_by_hints(question: str, block: list[str]) -> bool:
    """True when a one-line solution appears in the question's hints (copying it is fair)."""
    if len(block) != 1:
        return False
    module, name = question.split(".")
    try:
        hints = getattr(importlib.import_module(f"course_utils.exercises.{module}"), name).hints
    except (ImportError, AttributeError):
        return False
    squeeze = re.compile(r"[\s`]+")
    line = squeeze.sub("", block[0])
    value = squeeze.sub("", block[0].split("=", 1)[-1])
    text = squeeze.sub("", " ".join(hints))
    return bool(value) and (line in text or value in text)


def reference(solution: Path) -> dict:
    """What grading a submission of ``solution``'s notebook needs.

    Returns a dict: ``name`` (the learner notebook's file name), ``ids`` (cell ids in order),
    ``course_sources`` (normalized sources of its non-exercise code cells: demo checks there
    are not the learner's), ``exercises`` (``(question, cell id, learner source, solution
    sources)`` each), ``modules`` (its ``exNN`` names), ``blocks`` (each question's solution
    lines).
    """
    nb = nbtool.read(solution)
    learner = nbtool.generate(nb, solution.name)
    exercises, blocks, course_sources = [], {}, set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if nbtool.BEGIN not in cell.source:
            course_sources.add(_normalized(cell.source))
            continue
        template = nbtool.strip_solution(cell.source)
        body = "\n".join(line for line in cell.source.split("\n")
                         if line.strip() not in (nbtool.BEGIN, nbtool.END))
        copies = {_normalized(body), _normalized(cell.source)}
        for module, name in dict.fromkeys(_CHECK.findall(cell.source)):
            question = f"{module}.{name}"
            exercises.append((question, cell.id, template, copies))
            blocks[question] = _solution_block(cell.source)
    return {
        "name": solution.name,
        "ids": [cell.get("id") for cell in learner.cells],
        "course_sources": course_sources,
        "exercises": exercises,
        "modules": sorted({q.split(".")[0] for q, _, _, _ in exercises}),
        "blocks": blocks,
    }


def references() -> list[dict]:
    """The reference of every course notebook that has exercises."""
    return [ref for ref in map(reference, nbtool.solution_paths()) if ref["exercises"]]


def match(cells: list[dict], refs: list[dict]) -> dict | None:
    """The course notebook ``cells`` answers (by shared cell ids, else by its checks), or None."""
    ids = {cell.get("id") for cell in cells} - {None}
    if ids:
        best = max(refs, key=lambda ref: len(ids & set(ref["ids"])), default=None)
        if best is not None:
            shared = len(ids & set(best["ids"]))
            exercise_ids = {cell_id for _, cell_id, _, _ in best["exercises"]}
            if shared and 2 * len(ids & exercise_ids) >= len(exercise_ids):
                return best
    modules = Counter(m for cell in cells if cell.get("cell_type") == "code"
                      for m, _ in _CHECK.findall(cell.get("source", "")))
    for module, _ in modules.most_common():
        for ref in refs:
            if module in ref["modules"]:
                return ref
    return None


def structure_notes(path: Path, cells: list[dict], ref: dict) -> list[str]:
    """Notes on a renamed file, lost cells and reordered cells."""
    notes = []
    if path.name != ref["name"]:
        notes.append(f"renamed (answers {ref['name']})")
    ids = [cell.get("id") for cell in cells]
    if not any(ids):
        notes.append("no cell ids (nbformat < 4.5): matched by its checks")
        return notes
    lost = [cell_id for cell_id in ref["ids"] if cell_id not in ids]
    if lost:
        notes.append(f"{len(lost)} cell(s) of the notebook missing")
    kept = [cell_id for cell_id in ids if cell_id in set(ref["ids"])]
    if kept != [cell_id for cell_id in ref["ids"] if cell_id in set(kept)]:
        notes.append("cells reordered")
    return notes


# --------------------------------------------------------------------------- reading files


def read_regular(path: Path, limit: int = MAX_NOTEBOOK_BYTES) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes.

    The package's one opener (``course_utils/_files.py``: non-blocking, checked after opening,
    size-capped), without following a symbolic link. Raises ValueError saying why it was
    skipped.
    """
    try:
        return read_regular_file(path, limit, follow_symlinks=False)
    except NotARegularFileError as exc:
        raise ValueError(f"not a regular file ({exc.kind})") from None
    except FileTooLargeError:
        raise ValueError(f"larger than {limit // 2**20} MB") from None
    except OSError as exc:
        if os.path.islink(path):
            raise ValueError("a symbolic link (copy the notebook itself)") from None
        raise ValueError(f"cannot be opened ({exc.strerror})") from None


def _load_cells(path: Path) -> list[dict]:
    """The cells of a submission (sources joined); raises ValueError when it is not one."""
    data = read_regular(path)
    try:  # the package's own check of a notebook's JSON, shared with tools/notebooks.py
        notebook = parse_notebook(data, path.name, nbtool.MAX_NOTEBOOK_DEPTH)
    except ValueError as exc:
        raise ValueError(f"not a valid notebook ({exc})") from None
    cells = []
    for cell in notebook["cells"]:
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        cell_id = cell.get("id")
        cells.append({"id": cell_id if isinstance(cell_id, str) else None,
                      "cell_type": cell.get("cell_type"),
                      "source": source if isinstance(source, str) else ""})
    return cells


# --------------------------------------------------------------------------- the kernel


# Defined in the kernel before the first cell. It only encodes the value it is given as plain
# data: whatever the learner's code does to it, what comes back is data, graded outside.
_CAPTURE = f'''
def __course_grader_capture__(x):
    import base64, pickle
    from course_utils.exercises import _sandbox
    if x is ...:
        return "N"
    if callable(x) and not isinstance(x, type):
        return "F"
    try:
        node = _sandbox._encode(x, [_sandbox._MAX_ITEMS])
    except Exception as exc:
        return "O" + type(exc).__name__
    text = base64.b64encode(pickle.dumps(node, protocol=4)).decode("ascii")
    return "V" + text if len(text) <= {MAX_CAPTURE} else "Otoo large"
'''


def _workspace(folder: Path) -> Path:
    """A throwaway copy of what a kernel needs: the package, the data, the notebooks."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    for name in ("course_utils", "data", "notebooks", "tests/offline"):
        shutil.copytree(ROOT / name, folder / name, ignore=ignore)
    for name in ("home", "tmp", "progress"):
        (folder / name).mkdir()
    return folder


def _environment(folder: Path, extra_path: Path) -> dict:
    """A small, clean environment: none of the instructor's variables (tokens) is passed on."""
    env = {name: os.environ[name] for name in ("PATH", "LANG", "LC_ALL", "OPENBLAS_CORETYPE",
                                               "OPENBLAS_L2_SIZE", "SYSTEMROOT")
           if name in os.environ}
    env.update(
        HOME=str(folder / "home"), TMPDIR=str(folder / "tmp"),
        IPYTHONDIR=str(folder / "home" / ".ipython"),
        MPLCONFIGDIR=str(folder / "home" / ".matplotlib"),
        NUMBA_CACHE_DIR=str(folder / "home" / ".numba"),
        JUPYTER_CONFIG_DIR=str(folder / "home" / ".jupyter"),
        COURSE_PROGRESS_DIR=str(folder / "progress"),
        PYTHONPATH=os.pathsep.join([str(folder / "tests" / "offline"), str(extra_path)]),
        OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
        PYTHONDONTWRITEBYTECODE="1", MPLBACKEND="agg",
    )
    return env


class Isolation:
    """How submissions are run: the OS-level jail when available, else the weaker guards."""

    def __init__(self, room: Path, hidden: list[Path]):
        self.available, self.description = jail.probe()
        self.room = room
        self.hidden = [room, *hidden]

    def argv(self, argv: list[str], writable: Path, cwd: Path, visible: list[Path] = ()
             ) -> list[str]:
        """``argv`` run isolated (or as it is, where the OS offers no isolation).

        ``visible`` folders stay readable (read-only) inside hidden ones.
        """
        if not self.available:
            return argv
        return jail.command(argv, writable=writable, cwd=cwd, hidden=self.hidden,
                            visible=list(visible))


def _limited(code: str, memory_mb: int) -> list[str]:
    """``python -c`` running ``code`` under an address-space and a file-size limit."""
    limit = int(memory_mb) * 1024 * 1024
    return [sys.executable, "-c",
            "import resource; "
            f"resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit})); "
            f"resource.setrlimit(resource.RLIMIT_FSIZE, ({MAX_FILE_BYTES}, {MAX_FILE_BYTES})); "
            + code]


def _kernel_manager(isolation: Isolation, folder: Path, memory_mb: int):
    """A kernel manager whose kernel runs isolated, limited, over Unix sockets."""
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpec

    code = "from ipykernel import kernelapp; kernelapp.launch_new_instance()"
    argv = isolation.argv([*_limited(code, memory_mb), "-f", "{connection_file}"],
                          writable=folder, cwd=folder / "notebooks")
    spec = KernelSpec(argv=argv, display_name="Python 3 (graded)", language="python",
                      interrupt_mode="message")
    # Unix sockets (files) where there are any: a kernel in its own network namespace has no
    # loopback shared with the grader
    sockets = dict(transport="ipc", ip=str(folder / "home" / "kernel")) if os.name == "posix" \
        else {}
    manager = KernelManager(connection_file=str(folder / "home" / "kernel.json"), **sockets)
    manager._kernel_spec = spec  # the spec is fixed: no lookup of installed kernels
    return manager


def _request(client, manager, code: str, timeout: float, *, cell_id=None,
             user_expressions=None, silent=False) -> tuple[dict | None, str | None]:
    """Execute ``code``; return ``(reply content or None, note)``: what went wrong, if anything."""
    content = dict(code=code, silent=silent, store_history=not silent,
                   user_expressions=user_expressions or {}, allow_stdin=False,
                   stop_on_error=False)
    msg = client.session.msg("execute_request", content, metadata={"cellId": cell_id})
    client.shell_channel.send(msg)
    deadline = time.monotonic() + timeout
    interrupted = False
    while True:
        try:
            reply = client.get_shell_msg(timeout=max(0.1, min(1.0, deadline - time.monotonic())))
        except queue.Empty:
            if not manager.is_alive():
                return None, "the kernel died (memory limit, or the process exited)"
            if time.monotonic() > deadline:
                if interrupted:  # it ignores interrupts: end the kernel, the next cells are not run
                    manager.shutdown_kernel(now=True)
                    return None, f"timed out after {timeout:g} s and could not be interrupted"
                manager.interrupt_kernel()
                interrupted, deadline = True, time.monotonic() + 10
            continue
        if reply["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
            break
    _drain(client)
    content = reply["content"]
    if interrupted:
        return content, f"timed out after {timeout:g} s (an infinite loop?)"
    if content.get("status") == "error":
        detail = str(content.get("evalue", ""))[:80]
        return content, f"raised {str(content.get('ename', 'an error'))[:40]}" + (
            f": {detail}" if detail else "")
    return content, None


def _drain(client) -> None:
    """Discard the outputs waiting on the iopub channel (the grader does not read them)."""
    while True:
        try:
            client.get_iopub_msg(timeout=0.01)
        except queue.Empty:
            return


def _check_argument(source: str, question: str) -> str | None:
    """The source of the argument of the last ``exNN.qK.check(...)`` call in a cell."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    module, name = question.split(".")
    found = None
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords
                and isinstance(node.func, ast.Attribute) and node.func.attr == "check"
                and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == name
                and isinstance(node.func.value.value, ast.Name)
                and node.func.value.value.id == module):
            found = node.args[0]
    return ast.unparse(found) if found is not None else None


def _capture_result(content: dict | None) -> str | None:
    """The capture helper's answer ("V...", "F", "N", "O...") from a reply, or None."""
    if not content or content.get("status") != "ok":
        return None
    result = content.get("user_expressions", {}).get("answer", {})
    text = result.get("data", {}).get("text/plain") if isinstance(result, dict) else None
    if not isinstance(text, str) or len(text) > MAX_CAPTURE + 10:
        return None
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, str) else None


def run(cells: list[dict], answer_cells: dict[str, int], *, isolation: Isolation, folder: Path,
        cell_timeout: float, memory_mb: int) -> tuple[dict, dict, dict]:
    """Run the code cells on a fresh isolated kernel.

    ``answer_cells`` maps a question to the index of the cell that answers it. Returns
    ``(captures {question: capture}, notes {cell index: note}, records)`` where ``records``
    are the kernel's own (self-reported) progress records.
    """
    notes, captures = {}, {}
    manager = _kernel_manager(isolation, folder, memory_mb)
    manager.start_kernel(env=_environment(folder, folder), cwd=str(folder / "notebooks"),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # its own log
    client = manager.client()
    client.start_channels()
    wanted = defaultdict(list)
    for question, index in answer_cells.items():
        wanted[index].append(question)
    try:
        client.wait_for_ready(timeout=60)
        _request(client, manager, _CAPTURE, 30, silent=True)
        dead = False
        for index, cell in enumerate(cells):
            if cell.get("cell_type") != "code" or not cell.get("source", "").strip():
                continue
            if dead:
                notes[index] = "not run: the kernel had died"
                continue
            _, note = _request(client, manager, cell["source"], cell_timeout,
                               cell_id=_cell_key(cells, index))
            if note:
                notes[index] = note
            for question in wanted.get(index, []):
                expression = _check_argument(cell["source"], question)
                if expression is None or not manager.is_alive():
                    continue
                content, _ = _request(
                    client, manager, "", min(cell_timeout, 30), silent=True,
                    user_expressions={"answer": f"__course_grader_capture__(({expression}))"})
                captures[question] = _capture_result(content)
            dead = not manager.is_alive()
    finally:
        client.stop_channels()
        if manager.has_kernel:
            manager.shutdown_kernel(now=True)
    return captures, notes, _self_reported(folder / "progress" / "progress.json")


def _self_reported(path: Path) -> dict:
    """The kernel's own progress records (learner-controlled: read as untrusted data), read by
    the package's own reader of the store: not followed if a link, non-blocking, size-capped,
    depth-checked, records with a malformed key or state dropped; a damaged file is no records."""
    from course_utils.exercises._progress import _read_store

    return _read_store(path)[0]


# --------------------------------------------------------------------------- outside verdicts


_KEEP = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _definitions(source: str, *, drop_checks: bool) -> list[str]:
    """Top-level statements of a cell that a function may rely on (imports, defs, constants)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    kept = []
    for node in tree.body:
        text = ast.unparse(node)  # linear; get_source_segment re-reads the cell for each node
        if drop_checks and _CHECK.search(text):
            continue
        if isinstance(node, _KEEP):
            kept.append(text)
        elif isinstance(node, ast.Assign):
            try:
                ast.literal_eval(node.value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                continue
            kept.append(text)
    return kept


def _tasks(cells, answer_cells: dict[str, int], captures: dict) -> tuple[list, dict]:
    """The verdict process's tasks, and ``{question: reason}`` for answers it cannot take."""
    tasks, reasons = [], {}
    for question, index in answer_cells.items():
        capture = captures.get(question)
        if capture is None:
            reasons[question] = "its answer could not be read from the kernel"
        elif capture.startswith("V"):
            tasks.append({"question": question, "kind": "value", "payload": capture[1:]})
        elif capture == "N":
            reasons[question] = None  # "..." : not attempted
        elif capture == "F":
            argument = _check_argument(cells[index]["source"], question) or ""
            if not argument.isidentifier():
                reasons[question] = "its answer is not a named function"
                continue
            statements = []
            for cell in cells[:index]:
                if cell.get("cell_type") == "code":
                    statements += _definitions(cell["source"], drop_checks=True)
            statements += _definitions(cells[index]["source"], drop_checks=True)
            tasks.append({"question": question, "kind": "function", "name": argument,
                          "statements": statements})
        else:
            reasons[question] = f"its answer is not plain data ({capture[1:41]})"
    return tasks, reasons


def outside_verdicts(tasks: list, *, isolation: Isolation, folder: Path, memory_mb: int) -> dict:
    """Run ``tools/verdicts.py`` isolated on ``tasks``; ``{question: [label, message, answer]}``."""
    if not tasks:
        return {}
    # the course's own package, copied before the learner's code runs, read-only in the jail:
    # never the checkout (your collected/ and grades), never the kernel's writable copy
    course = folder / "course"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("course_utils", "data"):
        shutil.copytree(ROOT / name, course / name, ignore=ignore)
    (course / "tools").mkdir()
    write_atomically(course / "tools" / "verdicts.py", read_regular(TOOLS / "verdicts.py"))
    for name in ("home", "tmp", "progress"):
        (folder / "run" / name).mkdir(parents=True)
    script = str(course / "tools" / "verdicts.py")
    code = (f"import runpy, sys; sys.argv = [{script!r}]; "
            f"runpy.run_path({script!r}, run_name='__main__')")
    argv = isolation.argv(_limited(code, memory_mb), writable=folder / "run",
                          cwd=folder / "run", visible=[course])
    env = _environment(folder / "run", course)
    timeout = 60 + 20 * len(tasks)
    try:
        result = subprocess.run(argv, input=json.dumps({"tasks": tasks}).encode(),
                                capture_output=True, timeout=timeout, env=env,
                                cwd=folder / "run",
                                start_new_session=True)
        line = result.stdout.decode("utf-8", "replace").strip().splitlines()[-1:]
        verdicts = json.loads(line[0]) if line else {}
    except subprocess.TimeoutExpired:
        return {task["question"]: [None, f"grading it took over {timeout} s", ""]
                for task in tasks}
    except (ValueError, OSError):
        verdicts = {}
    return verdicts if isinstance(verdicts, dict) else {}


# --------------------------------------------------------------------------- grading


def wrong_answer_class(message: str) -> str:
    """The class of a wrong answer: its feedback without the failing case's details."""
    text = re.split(r"\s*[Ff]irst failing case:", message)[0].strip()
    if not text:  # a function with no listed mistake: its kind of failure
        failure = message.split(":", 2)[-1]
        kind = re.search(r"(raised \w+|did not finish|crashed|ended the process|got None)", failure)
        text = f"fails a test case ({kind.group(1)})" if kind else "fails a test case"
    return text[:120]


def _row(learner, path, notebook="", question="", status="", notes=(), flags=(), **extra):
    row = dict.fromkeys(COLUMNS, "")
    row.update(learner=learner, file=str(path), notebook=notebook, question=question,
               status=status, notes="; ".join(notes), flags=", ".join(dict.fromkeys(flags)),
               **extra)
    return row


def copied_notebook(n_copied: int, n_exercises: int) -> bool:
    """A whole notebook counts as copied when at least two and at least half of its exercise
    cells are the solution verbatim (one can be chance)."""
    return n_copied >= 2 and 2 * n_copied >= n_exercises


def _answer_cells(cells: list[dict], ref: dict, questions) -> dict[str, int]:
    """The index of the cell that answers each question.

    The candidates are its exercise cell and every code cell of the learner's own (not a
    course cell: notebook 00's demo checks do not count) that calls its ``check``; the answer
    is the last candidate that is not the untouched exercise cell, as the engine would have
    recorded it, else the exercise cell itself.
    """
    found = {}
    for question, cell_id, template, _ in ref["exercises"]:
        if questions and not _selected(question, questions):
            continue
        module, name = question.split(".")
        candidates = [
            i for i, cell in enumerate(cells) if cell.get("cell_type") == "code" and (
                (cell_id and cell["id"] == cell_id)
                or ((module, name) in _CHECK.findall(cell["source"])
                    and _normalized(cell["source"]) not in ref["course_sources"]))]
        attempted = [i for i in candidates if _normalized(cells[i]["source"]) !=
                     _normalized(template)]
        if attempted or candidates:
            found[question] = (attempted or candidates)[-1]
    return found


def _selected(question: str, questions: list[str]) -> bool:
    return any(question == q or question.startswith(q + ".") for q in questions)


def grade_submission(learner: str, path: Path, refs: list[dict], *, isolation: Isolation,
                     cell_timeout: float = CELL_TIMEOUT, memory_mb: int = MEMORY_MB,
                     questions=None) -> list[dict]:
    """Grade one submission; return its rows (never raises for a bad submission)."""
    try:
        cells = _load_cells(path)
    except ValueError as exc:
        return [_row(learner, path, status="not graded", notes=[str(exc)], flags=["skipped"])]
    ref = match(cells, refs)
    if ref is None:
        return [_row(learner, path, status="not graded", flags=["skipped"],
                     notes=["matches no course notebook (cell ids or checks)"])]
    exercises = [e for e in ref["exercises"] if not questions or _selected(e[0], questions)]
    if not exercises:
        return []  # nothing of this notebook was assigned
    notes = structure_notes(path, cells, ref)
    flags = ["renamed"] if path.name != ref["name"] else []
    by_id = {cell["id"]: cell for cell in cells if cell["id"]}
    copied = {question for question, cell_id, _, copies in exercises
              if cell_id in by_id and _normalized(by_id[cell_id]["source"]) in copies
              and not _spelled_out_by_hints(question, ref["blocks"][question])}
    if copied_notebook(len(copied), len(exercises)):
        notes.append(f"{len(copied)} of {len(exercises)} exercise cells: the solution verbatim")
        flags.append("copied")
    course = ref["course_sources"] | {_normalized(t) for _, _, t, _ in ref["exercises"]}
    touching = [i for i, cell in enumerate(cells) if cell.get("cell_type") == "code"
                and _normalized(cell["source"]) not in course
                and _TOUCHES_ENGINE.search(cell["source"])]
    if touching:
        notes.append(f"cell {touching[0] + 1} touches the exercise engine or its progress store")
        flags.append("forged")
    answer_cells = _answer_cells(cells, ref, questions)
    folder = Path(tempfile.mkdtemp(prefix="submission-", dir=isolation.room))
    try:
        captures, cell_notes, records = run(
            cells, answer_cells, isolation=isolation, folder=_workspace(folder / "work"),
            cell_timeout=cell_timeout, memory_mb=memory_mb)
        tasks, reasons = _tasks(cells, answer_cells, captures)
        verdicts = outside_verdicts(tasks, isolation=isolation, folder=folder / "verdicts",
                                    memory_mb=memory_mb)
        # where the notebook's own check said Correct and the grader did not (a time-out on a
        # loaded machine?), grade once more before saying so
        again = [task for task in tasks if verdicts.get(task["question"], [None])[0] not in
                 (None, "Correct") and _STATUS.get((_record(records, task["question"], _cell_key(
                     cells, answer_cells[task["question"]])) or {}).get("label")) == CORRECT]
        if again:
            verdicts.update(outside_verdicts(again, isolation=isolation,
                                             folder=folder / "verdicts-again",
                                             memory_mb=memory_mb))
    except Exception as exc:  # the kernel could not start: every question says so
        captures, records, verdicts, reasons = {}, {}, {}, {}
        cell_notes = {index: f"not run: {type(exc).__name__}: {exc}"[:120]
                      for index in answer_cells.values()}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    first = min(cell_notes, default=None)
    if first is not None:
        kind = "timed out" if "timed out" in cell_notes[first] else (
            "raised" if cell_notes[first].startswith("raised") else "kernel died")
        notes.append(f"first problem: cell {first + 1}: {cell_notes[first]}")
        flags.append(kind)
    rows = []
    for question, _, template, _ in exercises:
        row_notes, row_flags = list(notes), list(flags)
        status, source, message, answer = NOT_ATTEMPTED, "", "", ""
        index = answer_cells.get(question)
        note = cell_notes.get(index) if index is not None else None
        own = _record(records, question, _cell_key(cells, index)) if index is not None else None
        if index is None:
            row_notes.append("its exercise cell is missing")
        elif _normalized(cells[index]["source"]) == _normalized(template):
            pass  # untouched: not attempted
        elif note and note.startswith("not run"):
            pass  # never ran: nothing was answered
        elif tuple(question.split(".")) not in _CHECK.findall(cells[index]["source"]):
            row_notes.append(f"its cell no longer calls {question}.check")
        elif question in verdicts and verdicts[question][0] in _STATUS:
            label, message, answer = verdicts[question]
            status, source = _STATUS[label], "grader"
            if own and _STATUS.get(own.get("label")) == CORRECT != status:
                row_notes.append("the notebook's own check said Correct (graded twice here)")
                row_flags.append("mismatch")
        elif question in reasons and reasons[question] is None:
            answer = "..."
        else:
            reason = reasons.get(question) or (verdicts.get(question) or [None, ""])[1] \
                or "no answer reached the grader"
            if own:
                status, source = _STATUS.get(own.get("label"), INCORRECT), "self-reported"
                message = str(own.get("message", ""))[:500]
                row_notes.append(f"self-reported: {reason}")
                row_flags.append("self-reported")
            else:
                status = INCORRECT
                row_notes.append(reason)
        if note:
            row_notes.append(f"its cell {note}")
        rows.append(_row(
            learner, path, ref["name"], question, status, row_notes, row_flags,
            verdict_from=source, answer=str(answer)[:300],
            wrong_answer_class=wrong_answer_class(message) if status == INCORRECT and message
            else ("cell " + note.split(":")[0] if status == INCORRECT and note else ""),
            copied="yes" if question in copied else "",
            message=message,
        ))
    return rows


def _cell_key(cells: list[dict], index: int) -> str:
    """The id the grader sends with a cell (a made-up one for notebooks without ids)."""
    return cells[index]["id"] or f"grader-cell-{index}"


def _record(records: dict, question: str, cell_id: str) -> dict | None:
    """The kernel's own record of ``question`` made by the cell ``cell_id``, if any."""
    entry = records.get(question)
    cells = entry.get("cells") if isinstance(entry, dict) else None
    record = cells.get(cell_id) if isinstance(cells, dict) else None
    return record if isinstance(record, dict) else None


# --------------------------------------------------------------------------- the room


def submissions(args: list[str]) -> tuple[list[tuple[str, Path]], list[dict]]:
    """``(learner, path)`` of every notebook named by ``args``, and rows for skipped entries.

    In a folder the learner is the first sub-folder, or the file name for a file directly in
    it. Symbolic links are not followed (a linked folder is skipped with a row).
    """
    found, skipped = [], []
    for arg in args:
        top = Path(arg)
        if top.is_dir() and not top.is_symlink():
            for folder, subfolders, files in os.walk(top, followlinks=False):
                subfolders[:] = sorted(d for d in subfolders if d != ".ipynb_checkpoints")
                for name in sorted(files + [d for d in subfolders if d.endswith(".ipynb")]):
                    if not name.endswith(".ipynb"):
                        continue
                    file = Path(folder) / name
                    parts = file.relative_to(top).parts
                    learner = parts[0] if len(parts) > 1 else file.stem
                    found.append((learner, file))
                for name in subfolders:
                    if (Path(folder) / name).is_symlink():
                        skipped.append(_row(name, Path(folder) / name, status="not graded",
                                            notes=["a symbolic link to a folder"],
                                            flags=["skipped"]))
        elif top.exists() or top.is_symlink():
            found.append((top.stem, top))
        else:
            raise SystemExit(f"no such file or folder: {arg}")
    return found, skipped


def grade_all(items, *, jobs=None, cell_timeout=CELL_TIMEOUT, memory_mb=MEMORY_MB,
              questions=None, hidden=()) -> tuple[list[dict], str]:
    """Grade ``(learner, path)`` items in parallel, one process each.

    Returns ``(rows, protection)``: what isolation was in force, in words.
    """
    refs = references()
    room = Path(tempfile.mkdtemp(prefix="course-grade-"))
    hide = [ROOT, *hidden, Path(tempfile.gettempdir()), Path("/tmp"), Path("/var/tmp"),
            Path("/dev/shm"), Path.home()]
    isolation = Isolation(room, [Path(os.path.realpath(p)) for p in hide])
    rows = {}
    try:
        with concurrent.futures.ProcessPoolExecutor(max_workers=jobs or os.cpu_count()) as pool:
            futures = {
                pool.submit(grade_submission, learner, path, refs, isolation=isolation,
                            cell_timeout=cell_timeout, memory_mb=memory_mb,
                            questions=questions): index
                for index, (learner, path) in enumerate(items)
            }
            for future in concurrent.futures.as_completed(futures):
                index = futures[future]
                learner, path = items[index]
                try:
                    rows[index] = future.result()
                except Exception as exc:  # a grader bug or a lost worker: this submission only
                    rows[index] = [_row(learner, path, status="not graded",
                                        notes=[f"grader error: {type(exc).__name__}"],
                                        flags=["skipped"])]
    finally:
        shutil.rmtree(room, ignore_errors=True)
    return [row for index in sorted(rows) for row in rows[index]], isolation.description


def _printable(text: str) -> str:
    """``text`` with control, format (bidi), separator and unpaired surrogate characters
    written as ``\\uXXXX`` escapes: nothing a terminal or a spreadsheet would act on."""
    return "".join(ch if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp")
                   else f"\\u{ord(ch):04x}" for ch in text)


def spreadsheet_safe(value) -> str:
    """``value`` as CSV text that no spreadsheet runs as a formula (OWASP's CSV injection rule:
    a leading ``'`` before ``= + - @``, tab or carriage return) and no terminal acts on."""
    text = str(value)
    text = "'" + text if text.lstrip(" ").startswith(_FORMULA_START) else text
    return _printable(text)


def screen_safe(value, limit: int = 120) -> str:
    """Learner text for the terminal: escaped like the CSV's, length capped."""
    out = _printable(str(value)[: limit * 4])
    return out if len(out) <= limit else out[: limit - 3] + "..."


def _most_frequent(values: list[str]) -> str:
    counts = Counter(values).most_common()
    top = [value for value, n in counts if n == counts[0][1]]
    shown = " | ".join(screen_safe(v, 40) for v in top[:3]) + (" | ..." if len(top) > 3 else "")
    return f"{shown} ({counts[0][1]} each, tie)" if len(top) > 1 else f"{shown} ({counts[0][1]})"


def summary(rows: list[dict], protection: str, roster: list[str] | None = None,
            assigned: list[str] | None = None) -> str:
    """The room view: per question, per learner, the flagged submissions, the roster.

    ``assigned``: the ``--questions`` given; a learner's line then names the assigned notebooks
    they did not hand in.
    """
    lines = [f"Protection: {protection}", "", "Per question:"]
    graded = [row for row in rows if row["question"]]
    for key in dict.fromkeys((row["notebook"], row["question"]) for row in graded):
        these = [row for row in graded if (row["notebook"], row["question"]) == key]
        counts = Counter(row["status"] for row in these)
        line = (f"  {key[1]:<9} solved {counts[CORRECT]}/{len(these)}, wrong "
                f"{counts[INCORRECT]}, not tried {counts[NOT_ATTEMPTED]}")
        wrong = [row["answer"] for row in these if row["status"] == INCORRECT and row["answer"]]
        if wrong:
            line += f"; most frequent wrong answer: {_most_frequent(wrong)}"
        classes = [row["wrong_answer_class"] for row in these if row["wrong_answer_class"]]
        if classes:
            line += f"; its feedback: {screen_safe(Counter(classes).most_common(1)[0][0], 80)}"
        lines.append(line)
    lines += ["", "Per learner:"]
    by_learner = defaultdict(list)
    for row in rows:
        by_learner[row["learner"]].append(row)
    expected = sorted({q[2:4] for q in assigned or []})
    for learner in sorted(by_learner):
        these = [row for row in by_learner[learner] if row["question"]]
        counts = Counter(row["status"] for row in these)
        flags = sorted({f for row in by_learner[learner] for f in row["flags"].split(", ") if f})
        notebooks = sorted({row["notebook"][:2] for row in these})
        missing = sorted(set(expected) - set(notebooks))
        lines.append(f"  {screen_safe(learner, 40):<20} notebooks {','.join(notebooks) or '-'}: "
                     f"solved {counts[CORRECT]}, wrong {counts[INCORRECT]}, not tried "
                     f"{counts[NOT_ATTEMPTED]}"
                     + (f"; missing notebook {','.join(missing)}" if missing else "")
                     + (f"  [{', '.join(flags)}]" if flags else ""))
    lines += ["", "Flagged submissions:"]
    flagged = {}
    for row in rows:
        if row["flags"]:
            flagged.setdefault(row["file"], (row["learner"], set(), row["notes"]))[1].update(
                f for f in row["flags"].split(", ") if f)
    for file, (learner, flags, notes) in flagged.items():
        lines.append(f"  {screen_safe(file, 60)} ({screen_safe(learner, 30)}): "
                     f"{', '.join(sorted(flags))}"
                     + (f": {screen_safe(notes, 160)}" if notes else ""))
    if not flagged:
        lines.append("  none")
    if roster is not None:
        lines += ["", "Roster:"]
        missing = [name for name in roster if name not in by_learner]
        lines.append("  submitted nothing: " + (", ".join(screen_safe(n, 40) for n in missing)
                                                 or "nobody"))
    return "\n".join(lines)


def _roster_flags(rows: list[dict], roster: list[str] | None) -> None:
    """Flag duplicates (two files of one learner answering one notebook) and unknown names."""
    files = defaultdict(set)
    for row in rows:
        if row["notebook"]:
            files[(row["learner"], row["notebook"])].add(row["file"])
    for row in rows:
        extra = []
        if len(files.get((row["learner"], row["notebook"]), ())) > 1:
            extra.append("duplicate")
        if roster is not None and row["learner"] not in roster:
            extra.append("not on roster")
        if extra:
            row["flags"] = ", ".join(dict.fromkeys([*filter(None, row["flags"].split(", ")),
                                                    *extra]))


def read_roster(path: str) -> list[str]:
    """Learner names, one per line (blank lines and ``#`` comments ignored)."""
    try:
        text = read_regular(Path(path), 2**20).decode("utf-8")
    except (ValueError, UnicodeDecodeError) as exc:
        raise SystemExit(f"--roster {path}: {exc}") from None
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("submissions", nargs="+", help="learner notebooks or folders of them")
    parser.add_argument("--csv", default="grades.csv", help="where to write the rows")
    parser.add_argument("--roster", help="a file of learner names, one per line")
    parser.add_argument("--questions", action="append", default=[],
                        help="grade only these: ex03 or ex03.q2, comma-separated (repeatable)")
    parser.add_argument("--cell-timeout", type=float, default=CELL_TIMEOUT,
                        help="seconds allowed per cell")
    parser.add_argument("--memory-mb", type=int, default=MEMORY_MB,
                        help="address-space limit of each kernel, in MiB")
    parser.add_argument("--jobs", type=int, default=None, help="submissions graded at once")
    args = parser.parse_args(argv)
    if args.cell_timeout <= 0 or args.memory_mb < 256 or (args.jobs is not None and args.jobs < 1):
        parser.error("--cell-timeout must be > 0, --memory-mb >= 256 and --jobs >= 1")
    questions = [q.strip() for item in args.questions for q in item.split(",") if q.strip()]
    if any(not re.fullmatch(r"ex\d\d(\.q\d+)?", q) for q in questions):
        parser.error("--questions takes names like ex03 or ex03.q2")
    try:  # before any grading: a folder, a FIFO or /dev/null is never replaced
        check_replaceable(args.csv)
    except ValueError as error:
        parser.error(f"--csv: {error}")
    roster = read_roster(args.roster) if args.roster else None
    items, skipped = submissions(args.submissions)
    hidden = {Path(a).resolve() if Path(a).is_dir() else Path(a).resolve().parent
              for a in args.submissions}
    graded, protection = grade_all(items, jobs=args.jobs, cell_timeout=args.cell_timeout,
                                   memory_mb=args.memory_mb, questions=questions,
                                   hidden=sorted(hidden))
    rows = graded + skipped
    _roster_flags(rows, roster)
    table = io.StringIO(newline="")
    writer = csv.DictWriter(table, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows({k: spreadsheet_safe(v) for k, v in row.items()} for row in rows)
    write_atomically(args.csv, table.getvalue().encode("utf-8"))  # whole, or the old file
    print(f"{len(items) + len(skipped)} submission(s), {len(rows)} row(s) written to "
          f"{screen_safe(args.csv)}")
    print(summary(rows, protection, roster, questions))
    return 0


if __name__ == "__main__":
    sys.exit(main())

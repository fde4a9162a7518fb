"""Grade a room's learner notebooks with the exercises' own engine.

Usage (from anywhere)::

    python tools/grade.py SUBMISSION... [--csv grades.csv] [--cell-timeout 60]
                          [--memory-mb 4096] [--jobs N]

Each SUBMISSION is a learner notebook (any file name) or a folder searched for ``*.ipynb``.
The learner is named by the file's path (relative to the folder given).

How a submission is graded
--------------------------
1. **Matched by content, not by name.** Its cell ids are compared with those of every course
   notebook (learner copies are generated with the solution notebook's cell ids); the notebook
   sharing most ids (and at least half of its exercise cells' ids) is the one it answers. A
   file that is not JSON, not a notebook, or matches no course notebook gets one row saying so.
   A renamed file, lost cells and reordered cells are noted in its rows and it is still graded.
2. **Run on a fresh kernel**, one per submission, cwd ``notebooks/``, cell by cell in the
   submission's order; a cell that raises is noted and the next cells still run (so one broken
   cell does not cost the later questions). Limits:

   * no network: ``tests/offline/`` is put first on the kernel's ``PYTHONPATH``, so the kernel
     imports the offline guard ``tests/offline/sitecustomize.py`` at start-up, as in the tests;
   * a time limit per cell (``--cell-timeout``): the kernel is interrupted, the cell noted as
     timed out, and the next cells run;
   * a memory limit (``--memory-mb``): the kernel is started by a small wrapper,
     ``python -c "<set RLIMIT_AS>; start ipykernel"``, so ``resource.setrlimit(RLIMIT_AS)``
     caps the address space of the kernel process and of the processes it forks (the exercise
     sandbox). Going over it raises MemoryError in the cell (noted), or ends the kernel (the
     remaining cells are then not run, and noted). Linux and macOS only (``resource``).
3. **Verdicts from the engine.** The kernel gets ``COURSE_PROGRESS_DIR`` = a fresh temporary
   folder, and the grader sends each cell's id with its execution (as JupyterLab does), so
   every ``check`` records its verdict per cell in that folder's ``progress.json``
   (``course_utils/exercises/_progress.py``). A question's verdict is the one recorded by its
   exercise cell (the solution-notebook cell holding ``# BEGIN SOLUTION`` that calls its
   ``check``): correct, incorrect or not attempted. Nothing printed is parsed.
4. **Copied solutions.** An exercise cell whose code is the solution notebook's cell verbatim
   (whitespace aside, with or without the marker lines) is flagged ``copied`` in its row; the
   notebook is flagged in every row when at least half of its exercise cells (and at least
   two) are copies. A one-line answer can coincide by chance: read the flag as a prompt to
   look, not as proof.

Submissions run in parallel, one process per submission (``--jobs``, default: the number of
cores), and an error grading one never stops the others.

Output: a CSV (default ``grades.csv``) with one row per learner and question (columns
``learner, file, notebook, question, status, wrong_answer_class, copied, notes, message``),
and a summary per question on standard output: how many solved it, and the most frequent
class of wrong answer (the feedback of the listed mistake it matched, or the engine's reason).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import json
import os
import queue
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
sys.path.insert(0, str(TOOLS))
import notebooks as nbtool  # noqa: E402  (tools/notebooks.py: paths, markers, generator)

ROOT = nbtool.ROOT
OFFLINE_DIR = ROOT / "tests" / "offline"
CELL_TIMEOUT = 60.0
MEMORY_MB = 4096
COLUMNS = [
    "learner", "file", "notebook", "question", "status", "wrong_answer_class", "copied",
    "notes", "message",
]
CORRECT, INCORRECT, NOT_ATTEMPTED = "correct", "incorrect", "not attempted"
_STATUS = {"Correct": CORRECT, "Incorrect": INCORRECT, "Not attempted yet": NOT_ATTEMPTED}
_CHECK = re.compile(r"\b(ex\d\d)\.(q\d+)\.check\(")


# --------------------------------------------------------------------------- the course's side


def _normalized(source: str) -> str:
    """A cell's code with blank lines and trailing spaces removed (for verbatim comparison)."""
    return "\n".join(line.rstrip() for line in source.split("\n") if line.strip())


def _without_markers(source: str) -> str:
    return "\n".join(line for line in source.split("\n")
                     if line.strip() not in (nbtool.BEGIN, nbtool.END))


def reference(solution: Path) -> dict:
    """What grading a submission of ``solution``'s notebook needs.

    Returns a dict: ``name`` (the learner notebook's file name), ``ids`` (cell ids in order),
    ``exercises`` (list of ``(question, cell id, learner source, solution sources)``).
    """
    nb = nbtool.read(solution)
    learner = nbtool.generate(nb, solution.name)
    exercises = []
    for cell in nb.cells:
        if cell.cell_type != "code" or nbtool.BEGIN not in cell.source:
            continue
        template = nbtool.strip_solution(cell.source)
        copies = {_normalized(_without_markers(cell.source)), _normalized(cell.source)}
        for module, name in dict.fromkeys(_CHECK.findall(cell.source)):
            exercises.append((f"{module}.{name}", cell.id, template, copies))
    return {
        "name": solution.name,
        "ids": [cell.get("id") for cell in learner.cells],
        "exercises": exercises,
    }


def references() -> list[dict]:
    """The reference of every course notebook that has exercises."""
    return [ref for ref in map(reference, nbtool.solution_paths()) if ref["exercises"]]


def match(cells: list[dict], refs: list[dict]) -> dict | None:
    """The course notebook ``cells`` answers (by shared cell ids), or None."""
    ids = {cell.get("id") for cell in cells}
    best = max(refs, key=lambda ref: len(ids & set(ref["ids"])), default=None)
    if best is None:
        return None
    shared = len(ids & set(best["ids"]))
    exercise_ids = {cell_id for _, cell_id, _, _ in best["exercises"]}
    if shared == 0 or 2 * len(ids & exercise_ids) < len(exercise_ids):
        return None
    return best


def structure_notes(path: Path, cells: list[dict], ref: dict) -> list[str]:
    """Notes on a renamed file, lost cells and reordered cells."""
    notes = []
    if path.name != ref["name"]:
        notes.append(f"renamed (answers {ref['name']})")
    ids = [cell.get("id") for cell in cells]
    lost = [cell_id for cell_id in ref["ids"] if cell_id not in ids]
    if lost:
        notes.append(f"{len(lost)} cell(s) of the notebook missing")
    kept = [cell_id for cell_id in ids if cell_id in set(ref["ids"])]
    if kept != [cell_id for cell_id in ref["ids"] if cell_id in set(kept)]:
        notes.append("cells reordered")
    return notes


# --------------------------------------------------------------------------- running a kernel


def _kernel_manager(memory_mb: int):
    """A kernel manager whose kernel runs with an address-space limit of ``memory_mb``."""
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpec

    limit = int(memory_mb) * 1024 * 1024
    wrapper = (
        "import resource; "
        f"resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit})); "
        "from ipykernel import kernelapp; kernelapp.launch_new_instance()"
    )
    spec = KernelSpec(
        argv=[sys.executable, "-c", wrapper, "-f", "{connection_file}"],
        display_name="Python 3 (graded)",
        language="python",
    )
    manager = KernelManager()
    manager._kernel_spec = spec  # the spec is fixed: no lookup of installed kernels
    return manager


def _kernel_env(progress: Path) -> dict:
    env = dict(os.environ)
    paths = [str(OFFLINE_DIR), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    env.pop("COURSE_ALLOW_NETWORK", None)
    env["COURSE_PROGRESS_DIR"] = str(progress)
    return env


def _run_cell(client, manager, cell: dict, timeout: float) -> str | None:
    """Execute one cell; return None, or a note: what went wrong ("raised X", "timed out")."""
    content = dict(code=cell["source"], silent=False, store_history=True, user_expressions={},
                   allow_stdin=False, stop_on_error=False)
    msg = client.session.msg("execute_request", content, metadata={"cellId": cell.get("id")})
    client.shell_channel.send(msg)
    deadline = time.monotonic() + timeout
    error, interrupted = None, False
    while True:
        try:
            reply = client.get_shell_msg(timeout=max(0.1, min(1.0, deadline - time.monotonic())))
        except queue.Empty:
            if not manager.is_alive():
                return "the kernel died (memory limit, or the process exited)"
            if time.monotonic() > deadline:
                if interrupted:  # it ignores interrupts: end the kernel, the next cells are not run
                    manager.shutdown_kernel(now=True)
                    return f"timed out after {timeout:g} s and could not be interrupted"
                manager.interrupt_kernel()
                interrupted, deadline = True, time.monotonic() + 10
            continue
        if reply["parent_header"].get("msg_id") != msg["header"]["msg_id"]:
            continue
        content = reply["content"]
        if content.get("status") == "error":
            error = f"raised {content.get('ename', 'an error')}"
            detail = str(content.get("evalue", ""))[:80]
            error += f": {detail}" if detail else ""
        break
    _drain(client)
    if interrupted:
        return f"timed out after {timeout:g} s (an infinite loop?)"
    return error


def _drain(client) -> None:
    """Discard the outputs waiting on the iopub channel (the grader does not read them)."""
    while True:
        try:
            client.get_iopub_msg(timeout=0.01)
        except queue.Empty:
            return


def run(cells: list[dict], cell_timeout: float, memory_mb: int) -> tuple[dict, dict[str, str]]:
    """Run the code cells on a fresh limited kernel.

    Returns ``(progress records, {cell id: note})`` where a note says a cell raised, timed out
    or was not run because the kernel had died.
    """
    notes = {}
    with tempfile.TemporaryDirectory(prefix="course-grade-") as folder:
        manager = _kernel_manager(memory_mb)
        manager.start_kernel(env=_kernel_env(Path(folder)), cwd=str(nbtool.NOTEBOOKS),
                             stderr=subprocess.DEVNULL)  # its log lines are not the learner's
        client = manager.client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=60)
            dead = False
            for cell in cells:
                if cell.get("cell_type") != "code" or not cell.get("source", "").strip():
                    continue
                if dead:
                    notes[cell.get("id")] = "not run: the kernel had died"
                    continue
                note = _run_cell(client, manager, cell, cell_timeout)
                if note:
                    notes[cell.get("id")] = note
                dead = not manager.is_alive()
        finally:
            client.stop_channels()
            if manager.has_kernel:
                manager.shutdown_kernel(now=True)
        path = Path(folder) / "progress.json"
        try:
            records = json.loads(path.read_text(encoding="utf-8"))["questions"]
        except (OSError, ValueError, KeyError):
            records = {}
    return records, notes


# --------------------------------------------------------------------------- grading


def wrong_answer_class(message: str) -> str:
    """The class of a wrong answer: its feedback without the failing case's details."""
    text = re.split(r"\s*[Ff]irst failing case:", message)[0].strip()
    if not text:  # a function with no listed mistake: its kind of failure
        failure = message.split(":", 2)[-1]
        kind = re.search(r"(raised \w+|did not finish|crashed|ended the process|got None)", failure)
        text = f"fails a test case ({kind.group(1)})" if kind else "fails a test case"
    return text[:120]


def _row(learner, path, notebook="", question="", status="", notes=(), **extra) -> dict:
    row = dict.fromkeys(COLUMNS, "")
    row.update(learner=learner, file=str(path), notebook=notebook, question=question,
               status=status, notes="; ".join(notes), **extra)
    return row


def _load_cells(path: Path) -> list[dict]:
    """The cells of a submission (sources joined); raises ValueError when it is not a notebook."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"not a valid notebook file ({type(exc).__name__})") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise ValueError("not a notebook (no list of cells)")
    cells = []
    for cell in data["cells"]:
        if not isinstance(cell, dict):
            raise ValueError("not a notebook (a cell is not an object)")
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        cells.append({"id": cell.get("id"), "cell_type": cell.get("cell_type"), "source": source})
    return cells


def grade_submission(learner: str, path: Path, refs: list[dict], cell_timeout: float = CELL_TIMEOUT,
                     memory_mb: int = MEMORY_MB) -> list[dict]:
    """Grade one submission; return its rows (never raises for a bad submission)."""
    try:
        cells = _load_cells(path)
    except ValueError as exc:
        return [_row(learner, path, status="not graded", notes=[str(exc)])]
    ref = match(cells, refs)
    if ref is None:
        return [_row(learner, path, status="not graded",
                     notes=["matches no course notebook (cell ids)"])]
    notes = structure_notes(path, cells, ref)
    by_id = {cell["id"]: cell for cell in cells}
    copied = {cell_id for _, cell_id, _, copies in ref["exercises"]
              if cell_id in by_id and _normalized(by_id[cell_id]["source"]) in copies}
    n_exercise_cells = len({cell_id for _, cell_id, _, _ in ref["exercises"]})
    if len(copied) >= 2 and 2 * len(copied) >= n_exercise_cells:
        notes.append(f"{len(copied)} of {n_exercise_cells} exercise cells: the solution verbatim")
    try:
        records, cell_notes = run(cells, cell_timeout, memory_mb)
    except Exception as exc:  # the kernel could not start: every question says so
        records, cell_notes = {}, {cell_id: f"not run: {type(exc).__name__}: {exc}"[:120]
                                   for _, cell_id, _, _ in ref["exercises"]}
    rows = []
    for question, cell_id, template, _ in ref["exercises"]:
        verdict = records.get(question, {}).get("cells", {}).get(cell_id)
        cell_note = cell_notes.get(cell_id)
        row_notes = list(notes)
        status, message = NOT_ATTEMPTED, ""
        if cell_id not in by_id:
            row_notes.append("its exercise cell is missing")
        elif verdict is not None:
            status = _STATUS.get(verdict.get("label"), INCORRECT)
            message = verdict.get("message", "")
        elif _normalized(by_id[cell_id]["source"]) != _normalized(template):
            status = INCORRECT  # changed, but its check never gave a verdict
        if cell_note:
            row_notes.append(f"its cell {cell_note}")
        rows.append(_row(
            learner, path, ref["name"], question, status, row_notes,
            wrong_answer_class=wrong_answer_class(message) if status == INCORRECT and message
            else ("cell " + cell_note.split(":")[0] if status == INCORRECT and cell_note else ""),
            copied="yes" if cell_id in copied else "",
            message=message,
        ))
    return rows


def submissions(args: list[str]) -> list[tuple[str, Path]]:
    """``(learner, path)`` of every notebook named by ``args`` (files or folders)."""
    found = []
    for arg in args:
        path = Path(arg)
        if path.is_dir():
            for file in sorted(path.rglob("*.ipynb")):
                if ".ipynb_checkpoints" not in file.parts:
                    found.append((str(file.relative_to(path).with_suffix("")), file))
        elif path.exists():
            found.append((str(path.with_suffix("").name), path))
        else:
            raise SystemExit(f"no such file or folder: {arg}")
    return found


def grade_all(items, *, jobs=None, cell_timeout=CELL_TIMEOUT, memory_mb=MEMORY_MB) -> list[dict]:
    """Grade ``(learner, path)`` items in parallel, one process each; return all rows."""
    refs = references()
    rows = {}
    with concurrent.futures.ProcessPoolExecutor(max_workers=jobs or os.cpu_count()) as pool:
        futures = {
            pool.submit(grade_submission, learner, path, refs, cell_timeout, memory_mb): index
            for index, (learner, path) in enumerate(items)
        }
        for future in concurrent.futures.as_completed(futures):
            index = futures[future]
            learner, path = items[index]
            try:
                rows[index] = future.result()
            except Exception as exc:  # a grader bug or a lost worker: this submission only
                rows[index] = [_row(learner, path, status="not graded",
                                    notes=[f"grader error: {type(exc).__name__}: {exc}"[:200]])]
    return [row for index in sorted(rows) for row in rows[index]]


def summary(rows: list[dict]) -> str:
    """Per question: how many learners solved it, and the most frequent wrong-answer class."""
    lines = []
    graded = [row for row in rows if row["question"]]
    for key in dict.fromkeys((row["notebook"], row["question"]) for row in graded):
        these = [row for row in graded if (row["notebook"], row["question"]) == key]
        counts = Counter(row["status"] for row in these)
        wrong = Counter(row["wrong_answer_class"] for row in these if row["wrong_answer_class"])
        line = (f"{key[1]:<9} solved {counts[CORRECT]}/{len(these)}, incorrect "
                f"{counts[INCORRECT]}, not attempted {counts[NOT_ATTEMPTED]}")
        if wrong:
            text, n = wrong.most_common(1)[0]
            line += f"; most frequent wrong answer ({n}): {text}"
        lines.append(line)
    bad = [row for row in rows if row["status"] == "not graded"]
    for row in bad:
        lines.append(f"not graded: {row['file']}: {row['notes']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("submissions", nargs="+", help="learner notebooks or folders of them")
    parser.add_argument("--csv", default="grades.csv", help="where to write the rows")
    parser.add_argument("--cell-timeout", type=float, default=CELL_TIMEOUT,
                        help="seconds allowed per cell")
    parser.add_argument("--memory-mb", type=int, default=MEMORY_MB,
                        help="address-space limit of each kernel, in MiB")
    parser.add_argument("--jobs", type=int, default=None, help="submissions graded at once")
    args = parser.parse_args(argv)
    if args.cell_timeout <= 0 or args.memory_mb < 256 or (args.jobs is not None and args.jobs < 1):
        parser.error("--cell-timeout must be > 0, --memory-mb >= 256 and --jobs >= 1")
    items = submissions(args.submissions)
    rows = grade_all(items, jobs=args.jobs, cell_timeout=args.cell_timeout,
                     memory_mb=args.memory_mb)
    with open(args.csv, "w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(items)} submission(s), {len(rows)} row(s) written to {args.csv}")
    print(summary(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())

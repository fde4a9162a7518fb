"""Remember which exercises a learner has done, and show it: ``progress()``.

Every ``check`` records its verdict (:func:`record`, one call in ``Question.check``) in one
small JSON file, ``progress.json``, in the folder ``COURSE_PROGRESS_DIR`` names (default: the
hidden folder ``.course_progress/`` in the course folder, which git ignores). Delete the folder
to start again. :func:`progress` reads the file and shows, per question, one of three states:

* **correct**: a check of this question said Correct once (it stays correct);
* **attempted**: checked, but the last check said Incorrect;
* **not tried**: never checked, or the last check said Not attempted yet.

Progress must never break a notebook: a folder that cannot be written, a missing file, or
anything else that goes wrong is ignored (the check still shows its verdict). The file is read
through :mod:`course_utils._files`: opened without blocking and read only if it is a regular
file once open (a FIFO never blocks a check), at most ``MAX_BYTES``, and parsed only if it nests
at most ``MAX_DEPTH`` deep (counted without recursion). A damaged file is set aside as
``progress.json.damaged``, the learner is told once, and recording starts afresh. Each record
is a read-modify-write under a lock (``flock`` on ``.progress.lock``, given up after
``LOCK_SECONDS``: the check is then not recorded), so two kernels checking at once lose no
record; writes are atomic (a temporary file in the folder, then ``os.replace``), compact JSON,
and parsed back by the reader before replacing the file: a record that would make the file
larger than ``MAX_BYTES`` is not made (the check is shown, not recorded). Keys other than
``exNN.qK`` (ASCII digits, K of one to three digits) are dropped on reading. Nothing is
ever written outside the folder: the file name is fixed, and a ``progress.json`` or a folder
that is a symbolic link is refused. ``COURSE_PROGRESS_DIR`` with a ``~user`` that does not
exist makes ``progress()`` raise ``ValueError`` naming the variable (checks go on).

Each record also keeps the verdict per notebook cell (the ``cellId`` that JupyterLab and the
grader, ``tools/grade.py``, send with each cell), so the grader reads the verdict of each
exercise cell from this file instead of parsing printed text.
"""

from __future__ import annotations

import html
import json
import os
import re
import sys
from pathlib import Path

from .._files import (
    FileTooLargeError,
    NotARegularFileError,
    folder_from_env,
    json_nesting_depth,
    locked,
    read_notebook,
    read_regular_file,
    write_atomically,
)
from .._validation import check_int

__all__ = ["progress", "record", "progress_dir", "load"]

ENV = "COURSE_PROGRESS_DIR"
FILE_NAME = "progress.json"
COURSE_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIR = COURSE_ROOT / ".course_progress"
NOTEBOOKS = COURSE_ROOT / "notebooks"
CORRECT, ATTEMPTED, NOT_TRIED = "correct", "attempted", "not tried"
# Every pattern over question names is built from these two, ASCII digits only, and matched
# with ``fullmatch`` where it names a whole key: a key of 5,000 digits (or Unicode digits, or a
# trailing newline) read from a hostile store is dropped, never turned into an int.
_NOTEBOOK = r"ex[0-9]{2}"
_QUESTION = r"q[0-9]{1,3}"
_MODULE = re.compile(rf"course_utils\.exercises\.({_NOTEBOOK})", re.ASCII)
_CHECK = re.compile(rf"\b({_NOTEBOOK})\.({_QUESTION})\.check\(", re.ASCII)
_KEY = re.compile(rf"{_NOTEBOOK}\.{_QUESTION}", re.ASCII)
NOTEBOOK_MAX_BYTES = 16 * 2**20  # a notebook is under 1 MB (CONTRIBUTING)
NOTEBOOK_MAX_DEPTH = 64  # as tools/notebooks.py: a notebook nests about 6 deep


MAX_BYTES = 4 * 2**20  # the whole course's records take a few tens of kilobytes
MAX_DEPTH = 20  # the store nests 5 deep; a deeper file is damaged, not parsed
LOCK_NAME = ".progress.lock"
LOCK_SECONDS = 2.0  # another kernel holding the lock longer: this check is not recorded
DAMAGED_NAME = "progress.json.damaged"


def progress_dir() -> Path:
    """The folder of the progress file: ``COURSE_PROGRESS_DIR``, else ``.course_progress/``.

    Raises
    ------
    ValueError
        Naming ``COURSE_PROGRESS_DIR``, when its ``~user`` names no user.
    """
    return folder_from_env(ENV) or DEFAULT_DIR


def _file() -> Path | None:
    """``progress.json`` in the folder, or None when the folder or the file is a symlink."""
    folder = progress_dir()
    path = folder / FILE_NAME
    if folder.is_symlink() or path.is_symlink():
        return None
    return path


def _read_store(path: Path | None) -> tuple[dict, str | None]:
    """The store's questions, and why the file is damaged (None when it is not).

    Missing or unreadable (no permission, a symlink) reads as no progress, undamaged; a file
    that is not a regular file, larger than ``MAX_BYTES``, nested deeper than ``MAX_DEPTH``,
    or not JSON reads as no progress, damaged (see :func:`_parse`). Never blocks (see
    :mod:`course_utils._files`).
    """
    if path is None:
        return {}, None
    try:
        raw = read_regular_file(path, MAX_BYTES, follow_symlinks=False)
    except NotARegularFileError as error:
        return {}, f"it is a {error.kind}"
    except FileTooLargeError:
        return {}, f"it is larger than {MAX_BYTES:,} bytes"
    except OSError:
        return {}, None
    return _parse(raw)


def _parse(raw: bytes) -> tuple[dict, str | None]:
    """The questions in the store's bytes ``raw``, and why they are damaged (None if not).

    The one reader of the store's text: :func:`_read_store` parses the file with it, and
    :func:`_save` parses what it is about to write with it, so the store never writes a file
    its reader refuses. Entries whose key is not exactly ``exNN.qK`` (``_KEY``: two ASCII
    digits, one to three ASCII digits, nothing around them) or whose record is not a dict
    with a known state are dropped.
    """
    if len(raw) > MAX_BYTES:
        return {}, f"it is larger than {MAX_BYTES:,} bytes"
    if json_nesting_depth(raw) > MAX_DEPTH:
        return {}, f"it nests more than {MAX_DEPTH} levels deep"
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError included
        return {}, "it is not valid JSON"
    questions = data.get("questions", {}) if isinstance(data, dict) else None
    if not isinstance(questions, dict):
        return {}, "it holds no questions"
    return {
        key: entry
        for key, entry in questions.items()
        if isinstance(key, str) and _KEY.fullmatch(key) and isinstance(entry, dict)
        and entry.get("state") in (CORRECT, ATTEMPTED, NOT_TRIED)
    }, None


def load() -> dict:
    """Return the recorded questions, ``{"ex00.q1": {...}, ...}``; ``{}`` when unreadable.

    A missing, damaged or odd file reads as no progress; entries that do not look like
    ``exNN.qK`` records are dropped. Never raises, never blocks.
    """
    try:
        return _read_store(_file())[0]
    except Exception:  # COURSE_PROGRESS_DIR with a ~user that does not exist...
        return {}


def _set_aside(path: Path, why: str) -> None:
    """Keep a damaged store as ``progress.json.damaged`` (replacing an older one) and say so."""
    backup = path.with_name(DAMAGED_NAME)
    os.replace(path, backup)
    print(
        f"Note: the progress file {path} could not be read ({why}); it was kept as {backup} "
        f"and progress is recorded afresh from now on."
    )


def _encode(questions: dict) -> bytes:
    """The store's bytes for ``questions``: compact JSON (no indent), sorted keys, ASCII."""
    store = {"version": 1, "questions": questions}
    return json.dumps(store, separators=(",", ":"), sort_keys=True).encode("utf-8")


def _save(questions: dict) -> None:
    """Write the file atomically; raises OSError when it cannot. Call it under the lock.

    What is written is first parsed back with :func:`_parse`, the reader's own checks: a
    store that would be larger than ``MAX_BYTES`` (or that the reader would otherwise refuse)
    is not written, ``OSError`` is raised, and the file keeps its previous records. At the cap
    a check is therefore shown but not recorded; the course's records take a few tens of
    kilobytes, so only a file grown by hand reaches it (delete the folder to start again).
    """
    path = _file()
    if path is None:
        raise OSError("the progress folder or file is a symbolic link")
    raw = _encode(questions)
    _, damage = _parse(raw)
    if damage is not None:
        raise OSError(f"the progress file was not written: {damage}")
    try:
        write_atomically(path, raw, mode=0o600)  # the learner's own record
    except ValueError as error:  # a socket or a device there: not replaced, and said so
        raise OSError(f"the progress file was not written: {error}") from None


def _update(change) -> None:
    """Read the store, apply ``change(questions)`` and write it back, all under the lock.

    With ``change=None`` only a damaged store is set aside (no folder is made for nothing).

    The lock (``flock`` on ``.progress.lock`` in the folder, given up after
    ``LOCK_SECONDS``) makes two kernels' read-modify-write cycles take turns, so neither
    loses the other's record; the write is atomic (a temporary file, then ``os.replace``),
    so a reader never sees half a file. A damaged store is set aside first.
    """
    path = _file()
    if path is None:
        raise OSError("the progress folder or file is a symbolic link")
    if change is None and not path.parent.is_dir():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with locked(path.parent / LOCK_NAME, LOCK_SECONDS):
        questions, damage = _read_store(path)
        if damage is not None:
            _set_aside(path, damage)
        if change is not None:  # None: only set a damaged file aside
            change(questions)
            _save(questions)


def _question_key(question) -> str | None:
    """``"ex03.q2"`` for a question defined in a loaded ``exNN`` module, else None."""
    for name, module in list(sys.modules.items()):
        match = _MODULE.fullmatch(name)
        if match:
            for attribute, value in vars(module).items():
                if value is question and re.fullmatch(_QUESTION, attribute, re.ASCII):
                    return f"{match.group(1)}.{attribute}"
    return None


def _cell_id() -> str | None:
    """The id of the notebook cell running now, when the front end sent it (else None)."""
    try:
        from IPython import get_ipython

        kernel = getattr(get_ipython(), "kernel", None)
        cell = kernel.get_parent()["metadata"].get("cellId") if kernel is not None else None
    except Exception:
        return None
    return cell if isinstance(cell, str) and len(cell) <= 100 else None


def record(question, verdict) -> None:
    """Record ``verdict`` on ``question`` in the progress file; never raises.

    Parameters
    ----------
    question : Question
        The question checked (recorded only if it is ``qK`` of a module ``exNN``).
    verdict : Verdict
        Its verdict.
    """
    try:
        key = _question_key(question)
        if key is None:
            return
        label, message = str(verdict.label), str(verdict.message)[:500]
        cell = _cell_id()

        def change(questions):
            entry = questions.get(key, {})
            if entry.get("state") == CORRECT or verdict.passed:
                state = CORRECT
            else:
                state = ATTEMPTED if label == "Incorrect" else NOT_TRIED
            cells = entry.get("cells") if isinstance(entry.get("cells"), dict) else {}
            if cell is not None:
                cells[cell] = {"label": label, "message": message}
            questions[key] = {"state": state, "label": label, "message": message, "cells": cells}

        _update(change)
    except Exception:  # read-only folder, full disk, anything: the check itself must go on
        return


# --------------------------------------------------------------------------- showing


def _anchor(heading: str) -> str:
    """JupyterLab's anchor of a markdown heading: its text with spaces as hyphens."""
    text = re.sub(r"[`*_]", "", heading).strip()
    return text.replace(" ", "-")


def notebook_questions(number: str) -> tuple[str | None, list[tuple[str, str | None]]]:
    """The notebook file name and its questions with their section, in order of the exercise cells.

    Returns ``(file name or None, [(question key, section heading or None), ...])``, read from
    the learner notebook ``notebooks/NN_*.ipynb`` (the last cell checking a question is its
    exercise cell; its section is the nearest heading above it). A notebook that cannot be
    opened lists no questions; one whose JSON is malformed raises ``ValueError`` naming it
    (:func:`course_utils._files.read_notebook`, the check every tool shares).
    """
    files = sorted(NOTEBOOKS.glob(f"{number}_*.ipynb"))
    if not files:
        return None, []
    try:
        cells = read_notebook(files[0], NOTEBOOK_MAX_BYTES, NOTEBOOK_MAX_DEPTH)["cells"]
    except OSError:  # missing, unreadable, a FIFO or a device: no questions to list
        return files[0].name, []
    found, heading = {}, None
    for cell in cells:
        source = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "markdown":
            titles = re.findall(r"^#{1,6}\s+(.+?)\s*$", source, re.MULTILINE)
            heading = titles[-1] if titles else heading
        elif cell.get("cell_type") == "code":
            for module, name in _CHECK.findall(source):
                if module == f"ex{number}":
                    found.pop(f"{module}.{name}", None)
                    found[f"{module}.{name}"] = heading
    order = sorted(found, key=lambda key: int(key.split(".q")[1]))
    return files[0].name, [(key, found[key]) for key in order]


def _current_numbers(notebook) -> list[str]:
    """The notebooks to show: the one given, the one whose questions are loaded, or all."""
    if notebook is not None:
        if isinstance(notebook, str) and re.fullmatch(r"(ex)?[0-9]{1,2}", notebook.strip()):
            notebook = int(notebook.strip().removeprefix("ex"))  # "03" or "ex03" -> 3
        return [f"{check_int(notebook, 'notebook', low=0, high=99):02d}"]
    loaded = sorted({m.group(1)[2:] for m in map(_MODULE.fullmatch, list(sys.modules)) if m})
    if len(loaded) == 1 and loaded != ["00"]:
        return loaded
    numbers = sorted({path.name[:2] for path in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")})
    return numbers or loaded


def _rows(numbers: list[str]) -> list[tuple[str, str, str | None, str | None]]:
    """(question key, state, notebook file, section) for every question of ``numbers``."""
    saved = load()
    rows = []
    for number in numbers:
        name, questions = notebook_questions(number)
        known = {key for key, _ in questions}
        extra = sorted((k for k in saved if k.startswith(f"ex{number}.") and k not in known),
                       key=lambda key: int(key.split(".q")[1]))
        for key, section in questions + [(k, None) for k in extra]:
            rows.append((key, saved.get(key, {}).get("state", NOT_TRIED), name, section))
    return rows


# Each state is written in its colour on its own light background (the pairs of the verdict
# boxes' labels, each at least 4.5:1), so it reads the same on light and dark themes: a state
# coloured on the page's own background would need one colour per theme (2.2-2.6:1 on dark ones).
_COLOURS = {  # state -> (text, background)
    CORRECT: ("#00664A", "#E6F5F0"),
    ATTEMPTED: ("#9C4500", "#FBEDE4"),
    NOT_TRIED: ("#005A8C", "#E5F1F7"),
}


def progress(notebook=None) -> None:
    """Show which questions are correct, attempted or not tried yet, with links to their sections.

    Parameters
    ----------
    notebook : int or str, optional
        A notebook number (``3``, ``"03"``). By default the notebook whose exercises are
        loaded in this kernel; every notebook when called from notebook 00 (or when none or
        several are loaded).

    Raises
    ------
    ValueError
        If ``notebook`` is out of range, or ``COURSE_PROGRESS_DIR`` has a ``~user`` that
        names no user.
    """
    numbers = _current_numbers(notebook)
    progress_dir()  # a COURSE_PROGRESS_DIR that names no folder is said here (ValueError)
    try:
        _update(None)  # a damaged file is set aside now, and the learner told, once
    except Exception:  # a folder that cannot be written...: show what can be read
        pass
    rows = _rows(numbers)
    plain, parts = [], []
    for number in dict.fromkeys(key[2:4] for key, _, _, _ in rows):
        group = [row for row in rows if row[0][2:4] == number]
        counts = {state: sum(row[1] == state for row in group) for state in _COLOURS}
        heading = (
            f"Notebook {number}: {counts[CORRECT]} of {len(group)} correct, "
            f"{counts[ATTEMPTED]} attempted, {counts[NOT_TRIED]} not tried yet"
        )
        plain.append(heading)
        plain += [f"  {key:<9} {state:<10} {section or ''}" for key, state, _, section in group]
        parts.append(f"<p><strong>{html.escape(heading)}</strong></p>" + _table(group))
    if not rows:
        plain = parts = ["No exercises found."]
    try:
        from ._display import _in_notebook

        in_notebook = _in_notebook()
    except Exception:
        in_notebook = False
    if not in_notebook:
        print("\n".join(plain))
        return
    from IPython.display import display

    display({"text/plain": "\n".join(plain), "text/html": "".join(parts)}, raw=True)


def _table(rows) -> str:
    """The HTML table of ``rows``: question, state (in words, coloured), linked section."""
    lines = []
    for key, state, name, section in rows:
        where = html.escape(section or "")
        if name and section:
            href = html.escape(f"{name}#{_anchor(section)}", quote=True)
            where = f'<a href="{href}">{where}</a>'
        colour, background = _COLOURS[state]
        chip = f"color: {colour}; background: {background}; padding: 0 0.3em;"
        lines.append(
            f'<tr><td><code>{key}</code></td><td><strong style="{chip}">{state}</strong></td>'
            f"<td>{where}</td></tr>"
        )
    return (
        "<table><tr><th>Question</th><th>State</th><th>Section</th></tr>"
        f"{''.join(lines)}</table>"
    )

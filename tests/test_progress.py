"""course_utils.exercises.progress and the verdicts ``check`` records (issue 16, item 2)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from course_utils.exercises import _progress, ex00, progress

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """An empty progress folder that COURSE_PROGRESS_DIR points at."""
    where = tmp_path / "progress"
    monkeypatch.setenv("COURSE_PROGRESS_DIR", str(where))
    return where


def _states() -> dict:
    return {key: entry["state"] for key, entry in _progress.load().items()}


def test_checks_record_correct_attempted_and_not_tried(folder, capsys):
    ex00.q1.check(6)
    ex00.q2.check(...)
    assert _states() == {"ex00.q1": "attempted", "ex00.q2": "not tried"}
    assert ex00.q1.check(2)
    ex00.q1.check(6)  # a later wrong check does not undo a solved question
    assert _states()["ex00.q1"] == "correct"
    assert sorted(path.name for path in folder.iterdir()) == [".progress.lock", "progress.json"]
    capsys.readouterr()
    progress(0)
    shown = capsys.readouterr().out.splitlines()
    assert shown[0] == "Notebook 00: 1 of 4 correct, 0 attempted, 3 not tried yet"
    assert shown[1].split() == ["ex00.q1", "correct", "A", "number"]
    assert shown[2].split()[:3] == ["ex00.q2", "not", "tried"]


def test_a_damaged_file_reads_as_no_progress_and_is_replaced(folder, capsys):
    folder.mkdir()
    (folder / "progress.json").write_text('{"questions": {"ex00.q1": ', encoding="utf-8")
    assert _progress.load() == {}
    assert ex00.q1.check(2)  # the check works and says so
    assert "Correct" in capsys.readouterr().out
    assert json.loads((folder / "progress.json").read_text())["questions"]["ex00.q1"]["state"] == (
        "correct"
    )


def test_odd_entries_are_dropped(folder):
    folder.mkdir()
    data = {"questions": {"ex00.q1": {"state": "correct"}, "../etc": {"state": "correct"},
                          "ex00.q2": {"state": "hacked"}, "ex00.q3": []}}
    (folder / "progress.json").write_text(json.dumps(data), encoding="utf-8")
    assert _states() == {"ex00.q1": "correct"}


def test_an_unwritable_folder_never_breaks_a_check(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")  # mkdir fails, as on a read-only disk (even for root)
    monkeypatch.setenv("COURSE_PROGRESS_DIR", str(blocker / "progress"))
    assert ex00.q1.check(2)
    assert "Correct" in capsys.readouterr().out
    progress(0)
    assert "0 of 4 correct" in capsys.readouterr().out


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores permissions")
def test_a_read_only_folder_never_breaks_a_check(folder, capsys):
    folder.mkdir()
    folder.chmod(0o500)
    try:
        assert ex00.q1.check(2)
    finally:
        folder.chmod(0o700)
    assert list(folder.iterdir()) == []


def test_a_symlinked_file_is_never_followed(folder, tmp_path):
    folder.mkdir()
    outside = tmp_path / "outside.json"
    outside.write_text('{"questions": {"ex00.q1": {"state": "correct"}}}')
    (folder / "progress.json").symlink_to(outside)
    assert _progress.load() == {}
    ex00.q2.check(6)
    assert outside.read_text() == '{"questions": {"ex00.q1": {"state": "correct"}}}'
    assert (folder / "progress.json").is_symlink()


def test_default_folder_is_hidden_in_the_course_and_git_ignored(monkeypatch):
    monkeypatch.delenv("COURSE_PROGRESS_DIR", raising=False)
    assert _progress.progress_dir() == ROOT / ".course_progress"
    ignored = subprocess.run(["git", "check-ignore", "-q", ".course_progress/progress.json"],
                             cwd=ROOT, check=False)
    assert ignored.returncode == 0


def test_notebook_argument_is_validated(folder):
    with pytest.raises(TypeError, match="notebook"):
        progress("../03")
    with pytest.raises(ValueError, match="notebook"):
        progress(100)


def test_current_notebook_or_all_from_notebook_00(monkeypatch):
    for name in [name for name in sys.modules if _progress._MODULE.match(name)]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "course_utils.exercises.ex03", object())
    assert _progress._current_numbers(None) == ["03"]
    monkeypatch.setitem(sys.modules, "course_utils.exercises.ex00", ex00)
    solutions = Path(__file__).resolve().parents[1] / "notebooks" / "solutions"
    notebooks = sorted(solutions.glob("[0-9][0-9]_*.ipynb"))
    assert _progress._current_numbers(None) == [path.name[:2] for path in notebooks]


def test_every_question_of_a_notebook_is_listed_with_a_link_to_its_section():
    name, questions = _progress.notebook_questions("00")
    assert name == "00_start_here.ipynb"
    assert questions == [("ex00.q1", "A number"), ("ex00.q2", "An array"),
                         ("ex00.q3", "A function"), ("ex00.q4", "A multiple choice")]
    html = _progress._table([("ex00.q1", "correct", name, "A number")])
    assert 'href="00_start_here.ipynb#A-number"' in html and ">correct<" in html


def test_states_read_on_light_and_dark_themes():
    """Every coloured state sets its own background, at least 4.5:1 from its text (issue 25):
    a colour on the page's background would fail on one of the two themes."""
    from tests.test_exercise_display import _Styles, contrast

    rows = [(f"ex00.q{i}", state, "00_start_here.ipynb", "A number")
            for i, state in enumerate(_progress._COLOURS, start=1)]
    parser = _Styles()
    parser.feed(_progress._table(rows))
    coloured = [style for _, style in parser.elements if "color" in style]
    assert len(coloured) == len(rows)
    for style in coloured:
        assert contrast(style["color"], style["background"]) >= 4.5, style


# --------------------------------------------------------------------------- issue 22, item 1


def _in_a_subprocess(code: str, env: dict, seconds: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=seconds, check=False)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_a_fifo_as_progress_file_blocks_neither_check_nor_progress(folder):
    folder.mkdir()
    os.mkfifo(folder / "progress.json")
    done = _in_a_subprocess(
        "from course_utils.exercises import ex00, progress\n"
        "print(ex00.q1.check(2)); progress(0)",
        {"COURSE_PROGRESS_DIR": str(folder)}, seconds=30,
    )
    assert done.returncode == 0, done.stderr
    assert "True" in done.stdout and "named pipe" in done.stdout
    assert "Notebook 00: 1 of 4 correct" in done.stdout  # the pipe was set aside and replaced


def test_a_deeply_nested_file_is_set_aside_once_and_progress_starts_afresh(folder, capsys):
    folder.mkdir()
    (folder / "progress.json").write_text("[" * 200_000)
    sys.setrecursionlimit(10**6)  # a notebook that raised it: the parse must still not recurse
    try:
        progress(0)
    finally:
        sys.setrecursionlimit(1000)
    out = capsys.readouterr().out
    assert out.count("could not be read") == 1 and "0 of 4 correct" in out
    assert (folder / _progress.DAMAGED_NAME).read_text() == "[" * 200_000
    assert ex00.q1.check(2)
    progress(0)
    out = capsys.readouterr().out
    assert "could not be read" not in out and "1 of 4 correct" in out


def test_two_kernels_recording_at_once_lose_no_record(folder, tmp_path):
    folder.mkdir()
    code = (
        "import os, sys, time\n"
        "from course_utils.exercises import _progress, ex00\n"
        "from course_utils.exercises._engine import Verdict\n"
        "name, ready = sys.argv[1], sys.argv[2]\n"
        "open(os.path.join(ready, name), 'w').close()\n"
        "while len(os.listdir(ready)) < 2:  # start together\n"
        "    time.sleep(0.001)\n"
        "for i in range(200):\n"
        "    _progress._cell_id = lambda: f'{name}-{i}'\n"
        "    _progress.record(ex00.q1, Verdict('Incorrect', 'no'))\n"
    )
    ready = tmp_path / "ready"
    ready.mkdir()
    runs = [subprocess.Popen([sys.executable, "-c", code, name, str(ready)], cwd=ROOT,
                             env={**os.environ, "COURSE_PROGRESS_DIR": str(folder)})
            for name in ("a", "b")]
    assert [run.wait(timeout=120) for run in runs] == [0, 0]
    cells = _progress.load()["ex00.q1"]["cells"]  # without the lock about a third are lost
    assert sorted(cells) == sorted(f"{name}-{i}" for name in "ab" for i in range(200))


def test_a_lock_held_elsewhere_delays_a_record_by_at_most_the_time_limit(folder, monkeypatch):
    fcntl = pytest.importorskip("fcntl")
    folder.mkdir()
    monkeypatch.setattr(_progress, "LOCK_SECONDS", 0.2)
    with open(folder / _progress.LOCK_NAME, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        started = time.monotonic()
        assert ex00.q1.check(2)  # the verdict is shown; the record is given up
        assert time.monotonic() - started < 2
    assert _progress.load() == {}


@pytest.mark.parametrize("variable", ["COURSE_PROGRESS_DIR", "COURSE_DATA_DIR"])
def test_a_tilde_user_that_does_not_exist_is_a_value_error_naming_the_variable(
    monkeypatch, variable, capsys
):
    from course_utils import datasets

    monkeypatch.setenv(variable, "~nosuchuser-course/progress")
    call = _progress.progress_dir if variable == "COURSE_PROGRESS_DIR" else datasets.data_dir
    with pytest.raises(ValueError, match=variable):
        call()
    if variable == "COURSE_PROGRESS_DIR":
        assert ex00.q1.check(2)  # a check goes on, unrecorded
        with pytest.raises(ValueError, match=variable):
            progress(0)
    else:
        with pytest.raises(ValueError, match=variable):
            datasets.load_adult()


# Keys at and just past every edge of the key pattern ``exNN.qK`` (K of one to three ASCII
# digits): the store keeps the first list and drops the second, and progress() never breaks.
_GOOD_KEYS = ["ex00.q1", "ex99.q0", "ex00.q999", "ex07.q12"]
_BAD_KEYS = [
    "ex00.q", "ex00.q1000", "ex00.q" + "1" * 5000, "ex0.q1", "ex000.q1", "ex00.q1\n",
    "\nex00.q1", " ex00.q1", "ex00.q1 ", "ex\u0660\u0661.q1", "ex00.q\u0661", "ex00.q\uff11",
    "EX00.q1", "ex00.Q1", "ex00xq1", "ex00.q1.check", "ex00.q-1", "ex00.q+1", "ex00.q1x", "",
]


def test_keys_past_the_edges_of_the_key_pattern_are_dropped_and_progress_still_works(
    folder, capsys
):
    folder.mkdir()
    keys = _GOOD_KEYS + _BAD_KEYS
    store = {"version": 1, "questions": {key: {"state": "correct"} for key in keys}}
    (folder / "progress.json").write_text(json.dumps(store), encoding="utf-8")
    assert sorted(_progress.load()) == sorted(_GOOD_KEYS)
    ex00.q2.check(...)  # a record rewrites the store: only well-formed keys survive
    saved = json.loads((folder / "progress.json").read_text(encoding="utf-8"))["questions"]
    assert sorted(saved) == sorted(_GOOD_KEYS + ["ex00.q2"])
    progress(0)
    shown = capsys.readouterr().out
    assert "Notebook 00: 2 of 5 correct" in shown  # ex00.q999 is shown as an extra row


def test_every_question_pattern_of_the_store_is_built_from_the_one_ascii_key():
    for pattern in (_progress._MODULE, _progress._CHECK, _progress._KEY):
        assert pattern.flags & re.ASCII, pattern.pattern
        assert _progress._NOTEBOOK in pattern.pattern
    assert _progress._KEY.pattern == f"{_progress._NOTEBOOK}\\.{_progress._QUESTION}"
    source = (ROOT / "course_utils/exercises/_progress.py").read_text(encoding="utf-8")
    assert "q\\d+" not in source and "ex\\d\\d" not in source  # no second, looser pattern


def test_the_store_is_written_compactly_and_never_larger_than_its_reader_accepts(
    folder, monkeypatch
):
    ex00.q1.check(2)
    raw = (folder / "progress.json").read_bytes()
    assert b"\n" not in raw and b", " not in raw and b": " not in raw  # compact
    assert _progress._parse(raw) == (_progress.load(), None)
    # A store just under the cap (in its reader's terms) once rewritten must still be read.
    cells = {str(i): {"label": "x" * 30, "message": "y"} for i in range(60000)}
    store = {"version": 1, "questions": {"ex00.q1": {"state": "correct", "cells": cells}}}
    (folder / "progress.json").write_text(json.dumps(store), encoding="utf-8")
    assert (folder / "progress.json").stat().st_size <= _progress.MAX_BYTES
    ex00.q2.check(...)
    assert (folder / "progress.json").stat().st_size <= _progress.MAX_BYTES
    assert _states() == {"ex00.q1": "correct", "ex00.q2": "not tried"}
    # At the cap a record is not made, and the file keeps what it had (not set aside).
    monkeypatch.setattr(_progress, "MAX_BYTES", (folder / "progress.json").stat().st_size + 10)
    before = (folder / "progress.json").read_bytes()
    ex00.q3.check(...)
    assert (folder / "progress.json").read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == [".progress.lock", "progress.json"]
    with pytest.raises(OSError, match="not written"):
        _progress._save({"ex00.q1": {"state": "correct", "cells": cells, "more": "z" * 100_000}})


def test_every_question_of_every_exercise_module_has_a_key_the_store_keeps():
    """A question named past the key pattern (q1000, a Unicode digit) would never be recorded."""
    import importlib
    import pkgutil

    import course_utils.exercises as exercises
    from course_utils.exercises._engine import Question

    keys = []
    for info in pkgutil.iter_modules(exercises.__path__):
        if info.name.startswith("ex"):
            module = importlib.import_module(f"course_utils.exercises.{info.name}")
            keys += [f"{info.name}.{name}" for name, value in vars(module).items()
                     if isinstance(value, Question)]
    assert len(keys) >= 20
    assert [key for key in keys if not _progress._KEY.fullmatch(key)] == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX file kinds")
def test_a_socket_as_progress_file_is_not_replaced(folder):
    import socket

    folder.mkdir()
    store = folder / _progress.FILE_NAME
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(store))
    server.close()
    with pytest.raises(OSError, match="is a socket"):
        _progress._update(lambda questions: questions.update({"ex00.q1": {}}))
    assert store.is_socket()  # left as it was, never turned into a regular file

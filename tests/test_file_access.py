"""Every file the package and the tools open goes through ``course_utils/_files.py``.

Two halves:

- a scan of the source of ``course_utils`` and ``tools/*.py`` (an AST walk, so a new
  ``open()`` in code written later fails it) for any other way to open a file: ``open``,
  ``os.open``, ``Path.open/read_text/read_bytes/write_text/write_bytes``, ``json.load``,
  ``pickle.load``, ``np.load`` and friends, ``pd.read_*`` of a path, ``nbformat.read``,
  ``shutil.copy*``. The few exceptions are listed with the reason each is safe;
- every entry point of the tools that reads a file, handed a FIFO (which would block a plain
  ``open`` for ever), a symbolic link to ``/dev/zero`` (endless), a 2 GiB file and, for JSON
  readers, ``"[" * 200_000``: each gives its documented error at once (under an alarm).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import resource
import select
import signal
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import grade  # noqa: E402
import mutation  # noqa: E402
import plans  # noqa: E402
import slides  # noqa: E402

import notebooks  # noqa: E402

# tools/site.py by its path: "import site" is Python's own module, imported at start-up
_spec = importlib.util.spec_from_file_location("course_site", ROOT / "tools" / "site.py")
site_tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(site_tool)

from course_utils import _files  # noqa: E402
from course_utils.exercises import _progress  # noqa: E402

# ----------------------------------------------------------------------------- the source scan

# Calls that open a file by name, as (owner, attribute); owner None: any object (a Path).
OPENERS = {
    (None, "read_text"), (None, "read_bytes"), (None, "write_text"), (None, "write_bytes"),
    ("os", "open"), ("io", "open"), ("codecs", "open"), ("gzip", "open"), ("bz2", "open"),
    ("lzma", "open"), ("tarfile", "open"), ("zipfile", "ZipFile"),
    ("json", "load"), ("pickle", "load"), ("marshal", "load"),
    ("np", "load"), ("np", "loadtxt"), ("np", "genfromtxt"), ("np", "fromfile"),
    ("np", "memmap"), ("numpy", "load"), ("sp", "load_npz"), ("scipy.sparse", "load_npz"),
    ("nbformat", "read"), ("shutil", "copy"), ("shutil", "copy2"), ("shutil", "copyfile"),
    ("shutil", "copyfileobj"), ("shutil", "copytree"),
}
IN_MEMORY = {"BytesIO", "StringIO"}  # pd.read_csv(io.BytesIO(raw)) parses bytes already read

# (file, enclosing function, call) -> why it is safe without the opener.
ALLOWED = {
    ("course_utils/_files.py", "_open_regular", "os.open"): "the opener itself",
    ("course_utils/_isolation.py", "mounts", "open"):
        "/proc/self/mountinfo: a kernel file at a fixed path, not one a user names",
    ("course_utils/_isolation.py", "setup", "os.open"):
        "O_DIRECTORY: folders opened to be mounted, which never blocks on a FIFO",
    ("course_utils/exercises/_sandbox.py", "_become_harmless", "os.open"):
        "os.devnull, opened to replace the child's standard streams",
    ("course_utils/exercises/_sandbox.py", "_enter_namespaces", "open"):
        "/proc/self/uid_map, gid_map, setgroups: kernel files at fixed paths, written once",
    ("course_utils/exercises/_sandbox.py", "_children", "open"):
        "/proc/<pid>/stat: kernel files at fixed paths",
    ("tools/grade.py", "_workspace", "shutil.copytree"):
        "the course's own folders copied for a kernel (as trusted as the code itself)",
    ("tools/grade.py", "outside_verdicts", "shutil.copytree"):
        "the course's own package and data copied for the grader (as trusted as the code)",
}


def _enclosing_functions(tree):
    parents = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    return parents


def _function_of(node, parents):
    while node in parents:
        node = parents[node]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return node.name
    return "<module>"


def _opening_call(call: ast.Call) -> str | None:
    """The call's name if it opens a file by name, else None."""
    func = call.func
    if isinstance(func, ast.Name):
        return "open" if func.id == "open" else None
    if not isinstance(func, ast.Attribute):
        return None
    owner = ast.unparse(func.value)
    if owner in ("pd", "pandas") and func.attr.startswith("read_"):
        first = call.args[0] if call.args else None
        in_memory = (isinstance(first, ast.Call) and isinstance(first.func, ast.Attribute)
                     and first.func.attr in IN_MEMORY)
        return None if in_memory else f"{owner}.{func.attr}"
    if (owner, func.attr) in OPENERS:
        return f"{owner}.{func.attr}"
    if (None, func.attr) in OPENERS or (func.attr == "open" and owner not in ("os", "io")
                                         and not owner.startswith("resources")):
        return f"<object>.{func.attr}"
    return None


def _sources():
    yield from sorted((ROOT / "course_utils").rglob("*.py"))
    yield from sorted((ROOT / "tools").glob("*.py"))


def _unsafe_opens():
    found, used = [], set()
    for path in _sources():
        relative = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_bytes().decode("utf-8"), filename=relative)
        parents = _enclosing_functions(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or (name := _opening_call(node)) is None:
                continue
            function = _function_of(node, parents)
            key = next((k for k in ((relative, function, name), (relative, function, None))
                        if k in ALLOWED), None)
            if key is None:
                found.append(f"{relative}:{node.lineno} {function}(): {name}")
            else:
                used.add(key)
    return found, used


def test_no_file_is_opened_outside_the_opener():
    found, used = _unsafe_opens()
    assert found == [], (
        "open these through course_utils._files (read_regular_file, read_text_file, "
        "write_atomically) or tools/notebooks.read, or list them in ALLOWED with the reason:\n"
        + "\n".join(found)
    )
    assert set(ALLOWED) - used == set(), "ALLOWED lists calls that no longer exist"


def test_the_scan_finds_each_kind_of_opener():
    # The scan's own check: each way of opening a file, written in a snippet, is found.
    snippets = ["open(p)", "Path(p).read_text()", "p.write_bytes(b'')", "json.load(f)",
                "np.load(p)", "pd.read_csv(p)", "nbformat.read(p, 4)", "shutil.copy2(a, b)",
                "os.open(p, 0)", "p.open()", "pickle.load(f)"]
    for snippet in snippets:
        call = ast.parse(snippet).body[0].value
        assert _opening_call(call) is not None, snippet
    for snippet in ["pd.read_csv(io.BytesIO(raw))", "json.loads(s)", "nbformat.reads(s, 4)",
                    "os.read(fd, 1)"]:
        assert _opening_call(ast.parse(snippet).body[0].value) is None, snippet


# ----------------------------------------------------------------------------- hostile files

posix_only = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
KINDS = ["fifo", "device", "huge", "deep"]


def _hostile(tmp_path: Path, kind: str, name: str) -> Path:
    path = tmp_path / name
    if kind == "fifo":
        os.mkfifo(path)  # no writer: a plain open() waits for one for ever
    elif kind == "device":
        path.symlink_to("/dev/zero")  # endless zeros
    elif kind == "huge":
        with open(path, "wb") as stream:  # sparse: takes no disk space
            stream.truncate(2**31)
    else:
        path.write_bytes(b"[" * 200_000)  # json.loads recurses until RecursionError
    return path


def _in_a_child(call, seconds: float = 20.0) -> tuple[str, object]:
    """Run ``call`` in a forked child with 1 GiB more address space than it starts with, so
    that a regression (a read that blocks, or reads /dev/zero for ever) fails this test and
    never hangs it or takes the machine's memory. Returns ("returned", repr of the value),
    ("raised", the names of the exception's classes) or ("timeout", None)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_end)
        try:
            status = Path("/proc/self/status").read_bytes().decode()
            size = int(next(line.split()[1] for line in status.splitlines()
                            if line.startswith("VmSize:"))) * 1024
            resource.setrlimit(resource.RLIMIT_AS, (size + 2**30, size + 2**30))
            report = ("returned", repr(call()))
        except BaseException as exc:  # noqa: BLE001  (reported to the parent, whatever it is)
            report = ("raised", [cls.__name__ for cls in type(exc).__mro__])
        os.write(write_end, json.dumps(report).encode())
        os._exit(0)
    os.close(write_end)
    ready, _, _ = select.select([read_end], [], [], seconds)
    if not ready:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(read_end)
        return "timeout", None
    chunks = []
    while chunk := os.read(read_end, 1 << 16):
        chunks.append(chunk)
    os.close(read_end)
    os.waitpid(pid, 0)
    kind, value = json.loads(b"".join(chunks) or b'["crashed", null]')
    return kind, value


# entry point -> (call on a path, the error it must give, or None: it returns "nothing read")
def _slides(path, tmp_path):
    slides.build([path], tmp_path / "out")


def _site_copy(path, tmp_path):
    site_tool._copy(path, tmp_path / "copy")


def _site_stage(path, tmp_path):
    site_tool.stage_notebook(path, tmp_path / "page.ipynb", "notebooks/x.ipynb", "/files/x")


def _readme(path, tmp_path, monkeypatch):
    monkeypatch.setattr(notebooks, "README", path)
    notebooks.update_readme()


def _guide(path, tmp_path, monkeypatch):
    monkeypatch.setattr(plans, "GUIDE", path)
    plans.plans()


FILE_ERRORS = (OSError, ValueError)  # NotARegularFileError, FileTooLargeError are OSErrors
ENTRY_POINTS = {
    # name: (function(path, tmp_path[, monkeypatch]), error, reads JSON)
    "notebooks.read": (lambda p, t: notebooks.read(p), "notebook", True),
    "notebooks.update_readme": (_readme, FILE_ERRORS, False),
    "slides.build": (_slides, "notebook", True),
    "plans.read": (lambda p, t: plans.read(p), "notebook", True),
    "plans.plans (the guide)": (_guide, FILE_ERRORS, False),
    "site._copy": (_site_copy, FILE_ERRORS, False),
    "site.stage_notebook": (_site_stage, "notebook", True),
    "grade._load_cells": (lambda p, t: grade._load_cells(p), ValueError, True),
    "grade.read_roster": (lambda p, t: grade.read_roster(str(p)), SystemExit, False),
    "grade._self_reported": (lambda p, t: grade._self_reported(p), None, True),
    "mutation._read": (lambda p, t: mutation._read(p), FILE_ERRORS, False),
    "progress store": (lambda p, t: _progress._read_store(p)[0], None, True),
}


@posix_only
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_each_entry_point_refuses_hostile_files_at_once(entry, kind, tmp_path, monkeypatch):
    function, error, reads_json = ENTRY_POINTS[entry]
    if kind == "deep" and not reads_json:
        pytest.skip("a text file: deep brackets are just text")
    path = _hostile(tmp_path, kind, "hostile.ipynb")
    if function in (_readme, _guide):
        outcome = _in_a_child(lambda: function(path, tmp_path, monkeypatch))
    else:
        outcome = _in_a_child(lambda: function(path, tmp_path))
    if error is None:  # a damaged store reads as no records
        assert outcome == ("returned", "{}")
        return
    expected = notebooks.NotebookError if error == "notebook" else error
    names = [cls.__name__ for cls in (expected if isinstance(expected, tuple) else (expected,))]
    assert outcome[0] == "raised" and set(names) & set(outcome[1]), outcome
    assert "MemoryError" not in outcome[1], outcome


def test_every_tool_that_reads_files_has_an_entry_point_here():
    # A tool module added later that reads files (it imports the opener or notebooks.read)
    # needs a row in ENTRY_POINTS.
    covered = {name.split(".")[0].split(" ")[0] for name in ENTRY_POINTS}
    covered.add("verdicts")  # reads no file: it decodes a message of the sandbox
    covered.add("jail")  # reads no file: it sets up namespaces and runs a command
    for path in (ROOT / "tools").glob("*.py"):
        source = path.read_bytes().decode("utf-8")
        if "course_utils._files" in source or "nbtool.read" in source:
            assert path.stem in covered, f"tools/{path.name} reads files: add it to ENTRY_POINTS"


# ------------------------------------------------------------------ malformed notebooks x readers
# Every way the course reads a notebook goes through one check of its JSON
# (course_utils._files.parse_notebook): each malformed notebook below, given to each reader,
# gives an error naming the file, never an AttributeError, TypeError or IndexError.

MALFORMED_NOTEBOOKS = {
    "cells-of-numbers": json.dumps({"cells": [1]}),
    "cells-of-strings": json.dumps({"cells": ["a"]}),
    "cell-without-type": json.dumps({"cells": [{"a": 1}]}),
    "cell-type-number": json.dumps({"cells": [{"cell_type": 3, "source": ""}]}),
    "source-number": json.dumps({"cells": [{"cell_type": "code", "source": 5}]}),
    "source-list-of-numbers": json.dumps({"cells": [{"cell_type": "code", "source": [1, 2]}]}),
    "cells-null": json.dumps({"cells": None}),
    "no-cells": json.dumps({"metadata": {}}),
    "a-list": json.dumps(["a"]),
    "not-json": "{",
    "not-utf8": b"\xff\xfe{}",
    "too-deep": "[" * 100 + "]" * 100,
}


def _progress_reader(path):
    _progress.NOTEBOOKS = path.parent  # monkeypatched back by the fixture below
    return _progress.notebook_questions(path.name[:2])


NOTEBOOK_READERS = {
    "course_utils.read_notebook": lambda p: _files.read_notebook(p, 2**20, 64),
    "progress": _progress_reader,
    "tools/notebooks.read": notebooks.read,
    "tools/grade": grade._load_cells,
    "tools/plans": plans.read,
    "tools/site": lambda p: site_tool.stage_notebook(p, p.parent / "out.ipynb", "x", "y"),
    "tools/slides": lambda p: slides.build([p], out=p.parent / "slides"),
}


@pytest.mark.parametrize("reader", NOTEBOOK_READERS)
@pytest.mark.parametrize("kind", MALFORMED_NOTEBOOKS)
def test_every_notebook_reader_names_a_malformed_notebook(tmp_path, monkeypatch, reader, kind):
    monkeypatch.setattr(_progress, "NOTEBOOKS", _progress.NOTEBOOKS)
    content = MALFORMED_NOTEBOOKS[kind]
    path = tmp_path / "42_broken.ipynb"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises((ValueError, notebooks.NotebookError), match="42_broken.ipynb"):
        NOTEBOOK_READERS[reader](path)


def test_a_notebook_without_cells_is_named_where_its_title_is_needed(tmp_path, monkeypatch):
    # Zero cells is valid nbformat, so every reader accepts it; what needs the title cell
    # (the course map and badges, the site's solved pages) says which file has none.
    path = tmp_path / "42_empty.ipynb"
    path.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4,
                                "nbformat_minor": 5}))
    assert notebooks.read(path).cells == []
    assert _files.read_notebook(path, 2**20, 64)["cells"] == []
    monkeypatch.setattr(notebooks, "solution_paths", lambda: [path])
    with pytest.raises(notebooks.NotebookError, match="42_empty.ipynb: no cells"):
        notebooks.course_entries()
    with pytest.raises(notebooks.NotebookError, match="42_empty.ipynb: no cells"):
        site_tool.stage_notebook(path, tmp_path / "out.ipynb", "x", "y", learner_page="z")


def test_notebooks_slides_reports_a_bad_notebook_in_one_line(tmp_path):
    # Run as a script, tools/notebooks.py is __main__ while slides.py imports it again as
    # "notebooks": the error of that second copy must still end as one line and status 2.
    import subprocess

    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "notebooks.py"), "slides", "99_missing.ipynb"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "99_missing.ipynb" in result.stderr and len(result.stderr.splitlines()) == 1


def test_read_text_file_names_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.md"
    path.write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(ValueError, match="latin1.md is not UTF-8"):
        _files.read_text_file(path, 100)


def test_plans_refuses_a_guide_without_plans(tmp_path, monkeypatch, capsys):
    guide = tmp_path / "INSTRUCTOR_GUIDE.md"
    guide.write_text("")
    monkeypatch.setattr(plans, "GUIDE", guide)
    assert plans.main([]) == 2
    assert "INSTRUCTOR_GUIDE.md has no table" in capsys.readouterr().err

"""tools/grade.py on a generated room of notebook-00 submissions, honest and hostile (issue 21).

The room is made from the learner notebook in a temporary folder: honest submissions whose
true grades are known (answered by hand, the solution pasted, an answer moved to a new cell, a
notebook without cell ids), broken ones (a cell that raises, loops, ignores interrupts, runs
out of memory) and attacks: a cell that patches the exercise engine (its own copy and the
instructor's checkout), a detached grandchild (``setsid``, double fork) that tries to forge the
other submissions' verdicts, a notebook that writes its own ``progress.json`` and replaces
``Question.grade``, a cell that reaches for the network from a child process, one that looks
for the other submissions and the checkout, one that signals every process it can, file and
learner names that are spreadsheet formulas, a FIFO, a symbolic link to ``/dev/zero``, a
folder and an oversized file named ``*.ipynb``. One run of the command line grades them all;
every assertion reads its CSV, its summary or the machine's state afterwards.
"""

# ruff: noqa: UP031  (the attacks' code is built with %r, which quotes paths safely)
from __future__ import annotations

import copy
import csv
import hashlib
import json
import os
import shlex
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import grade  # noqa: E402
import jail  # noqa: E402

LEARNER = ROOT / "notebooks" / "00_start_here.ipynb"
SOLUTION = ROOT / "notebooks" / "solutions" / "00_start_here.ipynb"
# the exercise cell of each question in notebook 00
CELL = {"ex00.q1": "cell-09", "ex00.q2": "cell-12", "ex00.q3": "cell-16", "ex00.q4": "cell-20"}
MARKER = "course-grade-test-orphan-7f3a"
BY_HAND = {
    "cell-09": "answer = 6  # the length\nex00.q1.check(answer)",
    "cell-12": "answer = np.array([1, 4])\nex00.q2.check(answer)",
    "cell-16": "def count_nonzero(w):\n    return len(np.flatnonzero(w))\n\n\n"
               "ex00.q3.check(count_nonzero)",
    "cell-20": 'answer = "a"\nex00.q4.check(answer)',
}
TRUE_GRADES = {"ex00.q1": "incorrect", "ex00.q2": "correct", "ex00.q3": "correct",
               "ex00.q4": "incorrect"}


def _answered(nb: dict, answers: dict, extra_last: str | None = None,
              attack: str | None = None) -> dict:
    """A copy of ``nb`` with the given cells' sources replaced, an ``attack`` cell added after
    the setup cell and an ``extra_last`` cell at the end."""
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        if cell.get("id") in answers:
            cell["source"] = answers[cell["id"]]

    def code(cell_id, source):
        return {"cell_type": "code", "id": cell_id, "metadata": {}, "execution_count": None,
                "outputs": [], "source": source}

    if attack is not None:
        index = next(i for i, c in enumerate(nb["cells"]) if c.get("id") == "setup")
        nb["cells"].insert(index + 1, code("attack", attack))
    if extra_last is not None:
        nb["cells"].append(code("extra-last", extra_last))
    return nb


def _checkout_digest() -> dict:
    """sha256 of every file git tracks in the checkout (what an attack would change)."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    return {name: hashlib.sha256((ROOT / name).read_bytes()).hexdigest()
            for name in files if name and (ROOT / name).is_file()}


def _orphans() -> list[str]:
    """Command lines of live processes carrying the attack's marker."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            line = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if MARKER in line and "pytest" not in line:
            found.append(line)
    return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Write the room, run `python tools/grade.py` once; return (rows, summary, state)."""
    room = tmp_path_factory.mktemp("room")
    learner = json.loads(LEARNER.read_text(encoding="utf-8"))
    solution = json.loads(SOLUTION.read_text(encoding="utf-8"))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    accepted, stop = [], threading.Event()

    def accept():
        listener.settimeout(0.5)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()

    engine = ROOT / "course_utils" / "exercises" / "_engine.py"
    attacks = {
        # patches its own copy of the engine and tries the instructor's
        "engine_patch": _answered(learner, BY_HAND, attack=(
            "import os\n"
            "line = '\\nQuestion.grade = lambda self, answer: Verdict(CORRECT, \"ok\")\\n'\n"
            "for path in ['../course_utils/exercises/_engine.py', %r]:\n"
            "    try:\n"
            "        with open(path, 'a') as f:\n"
            "            f.write(line)\n"
            "    except OSError:\n"
            "        pass\n"
            "for path in [%r, %r]:\n"
            "    try:\n"
            "        open(path, 'w').write('pwned')\n"
            "    except OSError:\n"
            "        pass\n" % (str(engine), str(ROOT / "PWNED.txt"), str(room / "PWNED.txt")))),
        # a detached grandchild that outlives its kernel, forging the others' verdicts
        "forger": _answered(learner, {}, attack=(
            "import os, sys\n"
            "if os.fork() == 0:\n"
            "    os.setsid()\n"
            "    if os.fork() == 0:\n"
            "        code = ('import glob, json, time\\n'\n"
            "                'for _ in range(600):\\n'\n"
            "                '    for d in glob.glob(\"/tmp/**/progress\", recursive=True):\\n'\n"
            "                '        try: open(d + \"/progress.json\", \"w\").write(\"{}\")\\n'\n"
            "                '        except OSError: pass\\n'\n"
            "                '    time.sleep(0.1)\\n')\n"
            "        os.execv(sys.executable, [sys.executable, '-c', code, %r])\n"
            "    os._exit(0)\n" % MARKER)),
        # writes its own progress.json and replaces Question.grade
        "self_report": _answered(learner, {}, extra_last=(
            "import json, os\n"
            "from course_utils.exercises._engine import Question, Verdict\n"
            "Question.grade = lambda self, answer: Verdict('Correct', 'well done.')\n"
            "entry = {'state': 'correct', 'label': 'Correct', 'message': 'well done.'}\n"
            "qs = {q: dict(entry, cells={c: dict(entry)}) for q, c in %r.items()}\n"
            "path = os.path.join(os.environ['COURSE_PROGRESS_DIR'], 'progress.json')\n"
            "json.dump({'version': 1, 'questions': qs}, open(path, 'w'))\n"
            "for q in [ex00.q1, ex00.q2, ex00.q4]:\n"
            "    q.check(0)\n" % CELL)),
        # reaches for the network from a child process (no Python-level guard there: -I)
        "network": _answered(learner, {}, attack=(
            "import subprocess, sys\n"
            "code = 'import socket; socket.create_connection((\"127.0.0.1\", %d), timeout=2)'\n"
            "subprocess.run([sys.executable, '-I', '-c', code], timeout=10)\n" % port)),
        # looks for the other submissions and the checkout; answers q1 with what it saw
        "snoop": _answered(learner, {"cell-09": (
            "import glob, os\n"
            "seen = glob.glob(%r + '/**/*.ipynb', recursive=True)\n"
            "seen += [p for p in glob.glob('/tmp/**/submission-*', recursive=True)\n"
            "         if not os.getcwd().startswith(p)]  # its own folder is not another's\n"
            "seen += [p for p in [%r] if os.path.exists(p)]\n"
            "answer = len(seen)\n"
            "ex00.q1.check(answer)" % (str(room), str(ROOT / "course_utils")))}),
        # forging without the answer: the key read off the question, the grader's frames
        "key_lookup": _answered(learner, {
            "cell-12": "answer = getattr(ex00.q2, 'ans' + 'wer')\nex00.q2.check(answer)",
            "cell-16": "import sys\n\n\ndef count_nonzero(w):\n"
                       "    frame = sys._getframe(1)\n"
                       "    while frame is not None and 'self' not in frame.f_locals:\n"
                       "        frame = frame.f_back\n"
                       "    return frame.f_locals['self'].answer(w)\n\n\n"
                       "ex00.q3.check(count_nonzero)",
            "cell-09": "answer = next(k for k in range(10) if ex00.q1.check(k))\n",
        }),
        # a function that is right only if it sees the checkout or the room while re-run
        "sees": _answered(learner, {"cell-16": (
            "import glob, os\n\n\ndef count_nonzero(w):\n"
            "    # a hidden folder may still exist as an empty mount point: look for files\n"
            "    hidden = [%r] + glob.glob(%r + '/*.ipynb')\n"
            "    if any(os.path.exists(p) for p in hidden):\n"
            "        return len(np.flatnonzero(w))\n"
            "    return -1\n\n\nex00.q3.check(count_nonzero)" % (
                str(ROOT / "tools" / "grade.py"), str(room)))}),
        # a raised message full of terminal escapes; 20,000 checks in one cell
        "escapes": _answered(learner, {
            "cell-09": 'raise RuntimeError("\\x1b[2J\\u202eevil\\n=HYPERLINK(1)")',
            "cell-20": 'answer = "b"\n' + "ex00.q4.check(answer);" * 20000,
        }),
    }
    if jail.probe()[0]:  # without the PID namespace it would signal the test itself
        attacks["killer"] = _answered(learner, {}, attack=(
            "import os, signal\n"
            "for pid in [os.getppid(), -1]:\n"
            "    try:\n"
            "        os.kill(pid, signal.SIGKILL)\n"
            "    except OSError:\n"
            "        pass\n"))
    honest = {
        "by_hand": _answered(learner, BY_HAND),
        "copied": _answered(learner, {c["id"]: "".join(c["source"])
                                      for c in solution["cells"] if c.get("id") in CELL.values()}),
        "untouched": learner,
        "broken": _answered(learner, {
            "cell-09": 'raise RuntimeError("boom")',
            "cell-12": "import numpy as np\nbig = np.empty(2**29)  # 4 GiB of address space",
            "cell-16": "while True:\n    pass",
            "cell-20": 'ex00.q4.check("b")',
        }),
        "stubborn": _answered(learner, {
            "cell-09": "import time\nwhile True:\n    try:\n        time.sleep(0.1)\n"
                       "    except KeyboardInterrupt:\n        pass",
        }),
    }
    moved = copy.deepcopy(honest["by_hand"])  # q2 answered in a new cell, its own deleted
    index = next(i for i, c in enumerate(moved["cells"]) if c.get("id") == "cell-12")
    moved["cells"][index] = {"cell_type": "code", "id": "my-own-cell", "metadata": {},
                             "execution_count": None, "outputs": [],
                             "source": "ex00.q2.check(np.array([1, 4]))"}
    honest["moved"] = moved
    old = copy.deepcopy(honest["by_hand"])  # nbformat 4.4: no cell ids
    old["nbformat_minor"] = 4
    for cell in old["cells"]:
        cell.pop("id", None)
    honest["no_ids"] = old
    below = _answered(learner, {})  # q2 answered in a new cell below its untouched cell
    index = next(i for i, c in enumerate(below["cells"]) if c.get("id") == "cell-12")
    below["cells"].insert(index + 1, {"cell_type": "code", "id": "below", "metadata": {},
                                      "execution_count": None, "outputs": [],
                                      "source": "answer = np.array([1, 4])\nex00.q2.check(answer)"})
    for cell in below["cells"]:
        if cell.get("id") == "cell-09":  # q1's cell made markdown: not the demo's verdict
            cell["cell_type"] = "markdown"
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
        if cell.get("id") == "cell-16":  # q3's cell without its check: not the demo's either
            cell["source"] = '{"a": 1}'
    honest["below"] = below
    dies = _answered(learner, {"cell-16": "import os\nos._exit(3)",
                               "cell-20": 'answer = "b"\nex00.q4.check(answer)'})
    honest["dies"] = dies
    for name, nb in {**attacks, **honest}.items():
        (room / f"{name}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    (room / os.fsdecode(b"bad\xffname")).mkdir()  # a folder name that is not UTF-8
    (room / os.fsdecode(b"bad\xffname") / LEARNER.name).write_text(
        json.dumps(learner), encoding="utf-8")
    # learner folders and file names that are spreadsheet formulas
    for name in ("=HYPERLINK(1)", "+cmd", "-x", "@sum", "\ttab"):
        (room / name).mkdir()
        (room / name / "00_start_here.ipynb").write_text(json.dumps(_answered(
            learner, {"cell-20": 'answer = "=1+2"\nex00.q4.check(answer)'})), encoding="utf-8")
    (room / "=formula.ipynb").write_text(json.dumps(honest["by_hand"]), encoding="utf-8")
    # files that are not notebooks
    (room / "truncated.ipynb").write_text(json.dumps(learner)[:500], encoding="utf-8")
    stranger = copy.deepcopy(learner)
    for i, cell in enumerate(stranger["cells"]):
        cell["id"] = f"other-{i}"
        cell["source"] = "print(1)" if cell["cell_type"] == "code" else "text"
    (room / "stranger.ipynb").write_text(json.dumps(stranger), encoding="utf-8")
    os.mkfifo(room / "fifo.ipynb")
    os.symlink("/dev/zero", room / "zero.ipynb")
    (room / "folder.ipynb").mkdir()
    with open(room / "huge.ipynb", "wb") as stream:
        stream.truncate(grade.MAX_NOTEBOOK_BYTES + 1)

    before = _checkout_digest()
    out = room.parent / "grades.csv"
    lines = []
    grade.print = lambda *args, **kwargs: lines.append(" ".join(map(str, args)))
    try:
        status = grade.main([str(room), "--csv", str(out), "--cell-timeout", "6",
                             "--memory-mb", "3000", "--jobs", "2"])
    finally:
        del grade.print
        stop.set()
    after = _checkout_digest()
    orphans = _orphans()
    thread.join(2)
    listener.close()
    assert status == 0
    with open(out, newline="", encoding="utf-8") as stream:
        raw = list(csv.reader(stream))
    with open(out, newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    state = {"changed": sorted(k for k in before if before[k] != after.get(k)),
             "pwned": [p for p in (ROOT / "PWNED.txt", room / "PWNED.txt") if p.exists()],
             "orphans": orphans, "accepted": len(accepted), "raw": raw}
    return rows, "\n".join(lines), state


def _rows(rows, learner):
    return {row["question"]: row for row in rows if row["learner"] == learner}


ISOLATED = pytest.mark.skipif(not jail.probe()[0], reason="no OS-level isolation here")


@ISOLATED
def test_the_checkout_is_byte_identical_and_nothing_was_written_outside(graded):
    state = graded[2]
    assert state["changed"] == []
    assert state["pwned"] == []


@ISOLATED
def test_no_process_outlives_its_grading(graded):
    assert graded[2]["orphans"] == []


@ISOLATED
def test_no_connection_reached_the_outside(graded):
    assert graded[2]["accepted"] == 0


@ISOLATED
def test_a_submission_sees_no_other_submission_nor_the_checkout(graded):
    rows = _rows(graded[0], "snoop")
    assert rows["ex00.q1"]["answer"] == "0"


def test_the_protection_in_force_is_printed(graded):
    first = graded[1].splitlines()[1]
    assert first.startswith("Protection: ")
    assert ("namespaces" in first) == jail.probe()[0]


def test_honest_submissions_get_exactly_their_true_grades(graded):
    rows = graded[0]
    for learner in ("by_hand", "engine_patch", "moved", "no_ids", "'=formula"):
        got = {q: row["status"] for q, row in _rows(rows, learner).items()}
        assert got == TRUE_GRADES, learner
        assert {row["verdict_from"] for row in _rows(rows, learner).values()} == {"grader"}
    assert {row["status"] for row in _rows(rows, "copied").values()} == {"correct"}
    assert {row["status"] for row in _rows(rows, "untouched").values()} == {"not attempted"}
    assert "no cell ids" in _rows(rows, "no_ids")["ex00.q1"]["notes"]


def test_forged_verdicts_do_not_count_and_are_flagged(graded):
    rows = graded[0]
    forged = _rows(rows, "self_report")  # its exercise cells are untouched
    assert {row["status"] for row in forged.values()} == {"not attempted"}
    assert all("forged" in row["flags"] for row in forged.values())
    assert "forged" in _rows(rows, "engine_patch")["ex00.q1"]["flags"]
    for learner in ("forger", "network"):  # nothing they did changed their own grades either
        assert {row["status"] for row in _rows(rows, learner).values()} == {"not attempted"}


def test_answers_and_cells_the_notes_must_get_right(graded):
    rows = _rows(graded[0], "below")
    assert rows["ex00.q2"]["status"] == "correct"  # the new cell below its untouched one
    assert rows["ex00.q1"]["status"] == "not attempted"  # markdown now: not the demo's check
    assert rows["ex00.q3"]["status"] == "not attempted"
    assert "no longer calls ex00.q3.check" in rows["ex00.q3"]["notes"]
    dies = _rows(graded[0], "dies")
    assert dies["ex00.q4"]["status"] == "not attempted"  # its cell never ran
    assert "not run: the kernel had died" in dies["ex00.q4"]["notes"]
    assert any("\\udcff" in row["learner"] for row in graded[0])  # a non-UTF-8 name, escaped
    escapes = _rows(graded[0], "escapes")
    # 20,000 checks in one cell: the grader does not stall on it (IPython may take the whole
    # time limit just to read so long a line, so the cell's own verdict may not come)
    q4 = escapes["ex00.q4"]
    assert q4["status"] == "correct" or "timed out" in q4["notes"]


def test_reading_the_key_or_the_graders_frames_is_flagged(graded):
    rows = _rows(graded[0], "key_lookup")
    assert all("forged" in row["flags"] for row in rows.values())
    assert rows["ex00.q1"]["verdict_from"] == "self-reported"  # check in a generator
    assert "self-reported" in rows["ex00.q1"]["flags"]


@ISOLATED
def test_a_function_rerun_outside_sees_neither_the_checkout_nor_the_room(graded):
    assert _rows(graded[0], "sees")["ex00.q3"]["status"] == "incorrect"


def test_no_csv_field_starts_with_a_formula_character(graded):
    for record in graded[2]["raw"]:
        for field in record:
            assert not field.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r")), field
    learners = {row["learner"] for row in graded[0]}
    assert {"'=HYPERLINK(1)", "'+cmd", "'-x", "'@sum", "'=formula", "'\\u0009tab"} <= learners
    text = "\n".join(",".join(record) for record in graded[2]["raw"])
    assert "\x1b" not in text and "\u202e" not in text  # a raised message's escapes, escaped


def test_hostile_files_are_skipped_with_a_reason(graded):
    rows = {row["learner"]: row for row in graded[0] if row["status"] == "not graded"}
    assert "FIFO" in rows["fifo"]["notes"]
    assert "symbolic link" in rows["zero"]["notes"]
    assert "folder" in rows["folder"]["notes"]
    assert "larger than" in rows["huge"]["notes"]
    assert "not a valid notebook" in rows["truncated"]["notes"]
    assert "matches no course notebook" in rows["stranger"]["notes"]


def test_raising_looping_and_memory_hungry_cells_are_noted_and_the_rest_graded(graded):
    rows = _rows(graded[0], "broken")
    assert "raised RuntimeError: boom" in rows["ex00.q1"]["notes"]
    assert "first problem: cell" in rows["ex00.q1"]["notes"]
    assert "raised MemoryError" in rows["ex00.q2"]["notes"]
    assert "timed out after 6 s" in rows["ex00.q3"]["notes"]
    assert rows["ex00.q4"]["status"] == "correct"  # the cells after them still ran
    # none of the three cells calls its check any more: nothing was answered
    assert {rows[q]["status"] for q in ("ex00.q1", "ex00.q2", "ex00.q3")} == {"not attempted"}
    assert "no longer calls ex00.q1.check" in rows["ex00.q1"]["notes"]
    assert "raised" in rows["ex00.q1"]["flags"]


def test_a_loop_that_ignores_interrupts_ends_its_kernel_not_the_grading(graded):
    rows = _rows(graded[0], "stubborn")
    assert "timed out after 6 s and could not be interrupted" in rows["ex00.q1"]["notes"]
    assert "not run: the kernel had died" in rows["ex00.q4"]["notes"]
    assert rows["ex00.q4"]["status"] == "not attempted"


def test_pasted_solution_is_flagged(graded):
    rows = _rows(graded[0], "copied")
    assert {row["copied"] for row in rows.values()} >= {"yes"}
    assert all("copied" in row["flags"] for row in rows.values())


def test_room_view_per_question_per_learner_and_flagged(graded):
    summary = graded[1]
    line = next(line for line in summary.splitlines() if line.strip().startswith("ex00.q1"))
    assert "most frequent wrong answer: 6 (" in line  # the value itself, as given
    q4 = next(line for line in summary.splitlines() if line.strip().startswith("ex00.q4"))
    # five learners typed '=1+2' and five 'a': a tie, marked
    assert "'=1+2'" in q4 and "'a'" in q4 and "(5 each, tie)" in q4
    assert "\\u0009tab" in summary and "\ttab" not in summary  # escaped on screen
    assert "Per learner:" in summary and "Flagged submissions:" in summary
    learner_line = next(line for line in summary.splitlines() if line.strip().startswith("by_hand"))
    assert "solved 2, wrong 2, not tried 0" in learner_line


def _guide_command() -> list[str]:
    """The grading command of the instructor guide, exactly as written there."""
    guide = (ROOT / "notebooks" / "INSTRUCTOR_GUIDE.md").read_text(encoding="utf-8")
    (line,) = [line.strip() for line in guide.splitlines()
               if line.strip().startswith("python tools/grade.py")]
    return shlex.split(line.split("#")[0])


def test_the_guides_collection_and_command_work_as_written(tmp_path):
    """Per-learner folders, a roster, the guide's command run verbatim in a course folder."""
    learner = json.loads(LEARNER.read_text(encoding="utf-8"))
    by_hand = _answered(learner, BY_HAND)
    collected = tmp_path / "collected"
    for name, nb in (("ana", learner), ("ben", by_hand)):
        (collected / name).mkdir(parents=True)
        (collected / name / LEARNER.name).write_text(json.dumps(nb), encoding="utf-8")
    (collected / "ben" / "copy of 00.ipynb").write_text(json.dumps(by_hand), encoding="utf-8")
    (tmp_path / "roster.txt").write_text("ana\nben\ncleo\n", encoding="utf-8")
    (tmp_path / "tools").symlink_to(ROOT / "tools")  # the course folder, as far as it is used
    command = _guide_command()
    assert command[:2] == ["python", "tools/grade.py"]
    result = subprocess.run([sys.executable, *command[1:]], cwd=tmp_path, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    with open(tmp_path / "grades.csv", newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert {row["learner"] for row in rows} == {"ana", "ben"}
    ben = [row for row in rows if row["learner"] == "ben"]
    assert len(ben) == 8 and all("duplicate" in row["flags"] for row in ben)
    assert [row["status"] for row in ben][:4] == [TRUE_GRADES[q] for q in sorted(TRUE_GRADES)]
    assert "submitted nothing: cleo" in result.stdout
    assert "Per learner:" in result.stdout


def test_questions_limits_the_rows(tmp_path):
    learner = json.loads(LEARNER.read_text(encoding="utf-8"))
    (tmp_path / "room").mkdir()
    (tmp_path / "room" / "a.ipynb").write_text(json.dumps(_answered(learner, BY_HAND)),
                                               encoding="utf-8")
    out = tmp_path / "grades.csv"
    grade.print = lambda *args, **kwargs: None
    try:
        assert grade.main([str(tmp_path / "room"), "--csv", str(out),
                           "--questions", "ex00.q2,ex00.q4"]) == 0
    finally:
        del grade.print
    with open(out, newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert {row["question"]: row["status"] for row in rows} == {
        "ex00.q2": "correct", "ex00.q4": "incorrect"}


def test_read_regular_refuses_what_is_not_a_regular_file(tmp_path):
    os.mkfifo(tmp_path / "f")
    with pytest.raises(ValueError, match="FIFO"):
        grade.read_regular(tmp_path / "f")
    with pytest.raises(ValueError, match="folder"):
        grade.read_regular(tmp_path)


def test_spreadsheet_and_screen_escaping():
    for text in ("=1+2", "+1", "-1", "@A1", "\tx", "\rx", "  =x"):
        assert grade.spreadsheet_safe(text).startswith("'")
    assert grade.spreadsheet_safe("plain") == "plain"
    assert "\x1b" not in grade.screen_safe("\x1b[31mred\u202e")


def test_copy_thresholds_and_one_line_answers_spelled_out_by_hints():
    assert not grade.copied_notebook(1, 2)  # one cell can be chance
    assert grade.copied_notebook(2, 4) and not grade.copied_notebook(2, 5)
    assert grade.copied_notebook(3, 3)
    ref = grade.reference(SOLUTION)
    assert ref["blocks"]["ex00.q2"] == ["answer = np.flatnonzero(w)"]
    assert grade._spelled_out_by_hints("ex00.q2", ref["blocks"]["ex00.q2"])  # a hint says it
    assert not grade._spelled_out_by_hints("ex00.q3", ref["blocks"]["ex00.q3"])  # a function


def test_wrong_answer_class_drops_the_failing_case():
    message = ("negative weights are not zero either. First failing case: "
               "count_nonzero([-1.0, -2.0]): got 0, expected 2.")
    assert grade.wrong_answer_class(message) == "negative weights are not zero either."
    plain = ("first failing case: f([1.0]): it raised ZeroDivisionError: division by zero, "
             "expected 1.")
    assert grade.wrong_answer_class(plain) == "fails a test case (raised ZeroDivisionError)"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX file kinds")
@pytest.mark.parametrize("kind", ["folder", "fifo", "symlink-to-device"])
def test_a_csv_target_that_is_not_a_regular_file_is_refused_before_grading(
        tmp_path, kind, capsys, monkeypatch):
    target = tmp_path / "out.csv"
    if kind == "folder":
        target.mkdir()
    elif kind == "fifo":
        os.mkfifo(target)
    else:
        target.symlink_to("/dev/null")  # the link is refused; /dev/null is never touched

    def no_grading(*args, **kwargs):
        raise AssertionError("graded before checking --csv")

    monkeypatch.setattr(grade, "grade_all", no_grading)
    with pytest.raises(SystemExit) as stop:
        grade.main([str(tmp_path), "--csv", str(target)])
    assert stop.value.code == 2
    assert "out.csv is a" in capsys.readouterr().err

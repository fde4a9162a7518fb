"""The instructor guide's session plans: read, timed and run exactly as written.

Usage::

    python tools/plans.py            # each plan's slots: the sections they run, measured minutes
    python tools/plans.py --run      # also run every plan, as the test does (a minute or two)
    python tools/plans.py --timings  # the measured columns of the guide's "Timings" table

A plan in ``notebooks/INSTRUCTOR_GUIDE.md`` is a markdown table under a heading, with a
``Time`` column (``10-30`` in minutes, or ``0:15-0:50``) and a ``Runs`` column naming exactly
the notebook sections the slot runs, in this form::

    01: 1, 3-5, 7          sections 1, 3, 4, 5 and 7 of notebook 01
    00: all                the whole notebook
    00: The map; 03: 6     a heading without a number is named by its text, ``;`` between notebooks
    -                      nothing is run (a break, a wrap-up)

A section is a ``## `` heading cell and the cells up to the next ``## `` heading; the cells
before the first one (title, setup cell, imports) are run with every notebook, and so is the setup
cell where it stands inside a section (notebook 00). A plan runs, on a
fresh kernel per notebook, the learner notebook's first cells and then the listed sections in
the notebook's order (exercises unanswered, as a learner has them): ``tests/test_plans.py``
fails on any error.

The time rule (the guide's "Timings"): a section takes its prose at 150 words a minute, its code
at 20 non-blank, non-comment lines a minute, and 5 minutes per function exercise, 3 per value or
array question and 1.5 per multiple-choice question. A slot must be at least as long as the
sections it runs (the first cells of a notebook count with its first slot), rounded to the
nearest minute.
"""

from __future__ import annotations

import importlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import notebooks as nbtool  # noqa: E402  (tools/notebooks.py: the tools' one notebook reader)
from course_utils._files import read_text_file  # noqa: E402

NOTEBOOKS = ROOT / "notebooks"
GUIDE = NOTEBOOKS / "INSTRUCTOR_GUIDE.md"
MAX_GUIDE_BYTES = 4 * 2**20  # the guide is about 50 kB

WORDS_PER_MINUTE = 150
CODE_LINES_PER_MINUTE = 20
EXERCISE_MINUTES = {"Function": 5.0, "Value": 3.0, "Array": 3.0, "MultipleChoice": 1.5}

HEADING = re.compile(r"^## (?:(\d+)\. )?(.+?)\s*$", re.MULTILINE)
CHECK = re.compile(r"\b(ex\d\d)\.(q\d+)\.check\(")
SETUP_MARK = "# Setup (identical in every notebook"


@dataclass
class Section:
    """One ``## `` section of a notebook (``label`` is its number, or its title in lower case)."""

    label: str
    title: str
    cells: list = field(default_factory=list)


def read(path: Path) -> nbformat.NotebookNode:
    """The notebook at ``path``, read by ``tools/notebooks.py`` through the package's opener."""
    return nbtool.read(path)


def sections(nb) -> tuple[list, list[Section]]:
    """The cells before the first ``## `` heading, and the sections after it."""
    first, found = [], []
    for cell in nb.cells:
        heading = HEADING.search(cell.source) if cell.cell_type == "markdown" else None
        if heading and cell.source.lstrip().startswith("## "):
            number, title = heading.groups()
            found.append(Section(number or title.lower(), title))
        if found:
            found[-1].cells.append(cell)
        else:
            first.append(cell)
    return first, found


def notebook_path(number: str) -> Path:
    """The learner notebook ``NN_*.ipynb``."""
    (path,) = sorted(NOTEBOOKS.glob(f"{number}_*.ipynb"))
    return path


def _exercise_kind(module: str, question: str) -> str:
    exercises = importlib.import_module(f"course_utils.exercises.{module}")
    kinds = [k.__name__ for k in type(getattr(exercises, question)).__mro__]
    return next((k for k in kinds if k in EXERCISE_MINUTES), "Value")  # the budget challenge


def counts(cells) -> tuple[int, int, dict[str, int]]:
    """Words of prose, lines of code and questions by kind in ``cells``, as the time rule counts
    them (the setup cell is not counted; a question checked in several cells counts once)."""
    words = code = 0
    questions = {}
    for cell in cells:
        if cell.cell_type == "markdown":  # an HTML comment (a question block's marker) is unseen
            words += len(re.sub(r"<!--.*?-->", "", cell.source, flags=re.DOTALL).split())
        elif cell.cell_type == "code" and not cell.source.startswith(SETUP_MARK):
            code += sum(
                1 for line in cell.source.splitlines()
                if line.strip() and not line.strip().startswith("#")
            )
            questions.update(dict.fromkeys(CHECK.findall(cell.source)))
    kinds = dict.fromkeys(EXERCISE_MINUTES, 0)
    for module, question in questions:
        kinds[_exercise_kind(module, question)] += 1
    return words, code, kinds


def minutes(cells) -> float:
    """The time rule applied to ``cells`` (the setup cell is not counted)."""
    words, code, kinds = counts(cells)
    exercises = sum(EXERCISE_MINUTES[kind] * n for kind, n in kinds.items())
    return words / WORDS_PER_MINUTE + code / CODE_LINES_PER_MINUTE + exercises


def timings() -> dict[str, dict]:
    """The guide's "Timings" table, measured: for each learner notebook its words, code lines,
    questions (function / value or array / choice), minutes by the time rule, and the time it
    should state (the minutes rounded to the nearest 5)."""
    table = {}
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        words, code, kinds = counts(read(path).cells)
        measured = minutes(read(path).cells)
        table[path.name[:2]] = dict(
            words=words, code=code,
            questions=(kinds["Function"], kinds["Value"] + kinds["Array"], kinds["MultipleChoice"]),
            measured=round(measured), stated=5 * round(measured / 5))
    return table


def stated_minutes(number: str) -> int:
    """The time notebook ``number`` states in its first cells ("**Time:** about N minutes")."""
    text = "".join(cell.source for cell in read(notebook_path(number)).cells[:3])
    found = re.search(r"\*\*Time:\*\*\s*about\s*(\d+)\s*min", text)
    if found is None:
        raise ValueError(f"notebook {number} states no time")
    return int(found.group(1))


def parse_runs(text: str) -> dict[str, list[str]]:
    """``"01: 1, 3-5, 7; 02: all"`` -> ``{"01": ["1", "3", "4", "5", "7"], "02": ["all"]}``."""
    text = text.strip().strip("`").strip()
    if text in {"-", "—", ""}:
        return {}
    runs = {}
    for part in text.split(";"):
        number, _, wanted = part.partition(":")
        number = number.strip()
        if not re.fullmatch(r"\d\d", number) or not wanted.strip():
            raise ValueError(f"not a 'NN: sections' entry: {part!r}")
        labels = []
        for item in wanted.split(","):
            item = item.strip()
            span = re.fullmatch(r"(\d+)\s*-\s*(\d+)", item)
            if span:
                labels += [str(i) for i in range(int(span[1]), int(span[2]) + 1)]
            else:
                labels.append(item.lower())
        runs[number] = labels
    return runs


def _minutes_of(time: str) -> int:
    if ":" in time:
        hours, mins = time.split(":")
        return int(hours) * 60 + int(mins)
    return int(time)


@dataclass
class Slot:
    start: int
    end: int
    runs: dict[str, list[str]]
    text: str


def plans(guide: str | None = None) -> dict[str, list[Slot]]:
    """Every table with ``Time`` and ``Runs`` columns, by the heading above it."""
    guide = read_text_file(GUIDE, MAX_GUIDE_BYTES) if guide is None else guide
    found, heading, columns = {}, None, None
    for line in guide.splitlines():
        if line.startswith("#"):
            heading, columns = line.lstrip("#").strip(), None
            continue
        if not line.startswith("|"):
            columns = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if columns is None:
            columns = cells
            continue
        if set(line) <= set("|-: ") or "Runs" not in columns or "Time" not in columns:
            continue
        row = dict(zip(columns, cells, strict=True))
        start, _, end = row["Time"].partition("-")
        found.setdefault(heading, []).append(
            Slot(_minutes_of(start), _minutes_of(end), parse_runs(row["Runs"]), line)
        )
    return found


def selected(number: str, labels: list[str]):
    """The learner notebook's first cells and the sections ``labels`` names, in notebook order."""
    nb = read(notebook_path(number))
    first, found = sections(nb)
    known = {s.label for s in found}
    unknown = [label for label in labels if label != "all" and label not in known]
    if unknown:
        raise ValueError(f"notebook {number} has no section {unknown} (it has {sorted(known)})")
    chosen = [s for s in found if "all" in labels or s.label in labels]
    setup = [c for s in found if s not in chosen for c in s.cells
             if c.cell_type == "code" and c.source.startswith(SETUP_MARK)]
    return nb, first + setup, chosen  # the setup cell runs first wherever it stands (00)


def slot_minutes(plan: list[Slot]) -> list[float]:
    """The time rule for each slot of ``plan`` (a notebook's first cells count once, first)."""
    seen, result = set(), []
    for slot in plan:
        total = 0.0
        for number, labels in slot.runs.items():
            _, first, chosen = selected(number, labels)
            if number not in seen:
                total += minutes(first)
                seen.add(number)
            total += sum(minutes(s.cells) for s in chosen)
        result.append(total)
    return result


def plan_notebooks(plan: list[Slot]) -> dict[str, list[str]]:
    """Every notebook a plan touches and all the sections it runs of it, in the plan's order."""
    runs: dict[str, list[str]] = {}
    for slot in plan:
        for number, labels in slot.runs.items():
            runs.setdefault(number, []).extend(labels)
    return runs


def plan_notebook(number: str, labels: list[str]) -> nbformat.NotebookNode:
    """The notebook a plan runs: first cells and the listed sections, in the notebook's order."""
    nb, first, chosen = selected(number, labels)
    cells = list(first) + [c for s in chosen for c in s.cells]
    run = nbformat.v4.new_notebook(metadata=nb.metadata)
    run.cells = [nbformat.from_dict(dict(c)) for c in cells]
    return run


def run(number: str, labels: list[str], timeout: int = 300) -> list[str]:
    """Execute what a plan runs of notebook ``number`` on a fresh kernel; return its errors.

    An error output, or anything on stderr (a warning), is an error; so is a cell that times out.
    """
    from nbclient import NotebookClient

    nb = plan_notebook(number, labels)
    km = nbtool._current_env_kernel_manager()
    client = NotebookClient(
        nb, km=km, timeout=timeout, allow_errors=True, store_widget_state=True,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    try:
        client.execute()
    finally:
        if km.has_kernel:
            km.shutdown_kernel(now=True)
    errors = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            where = cell.source.splitlines()[0][:60] if cell.source else ""
            if output.output_type == "error":
                errors.append(f"{output.ename}: {output.evalue} (cell {where!r})")
            elif output.output_type == "stream" and output.name == "stderr":
                errors.append(f"stderr: {output.text.strip()[:200]} (cell {where!r})")
    return errors


def main(argv: list[str]) -> int:
    status = 0
    if "--timings" in argv:  # the measured columns of the guide's "Timings" table
        for number, row in timings().items():
            function, value, choice = row["questions"]
            print(f"| {number} | {row['words']:,} | {row['code']} | "
                  f"{function + value + choice} ({function} / {value} / {choice}) | "
                  f"{row['measured']} min | {row['stated']} min |")
        return 0
    found = plans()
    if not found:  # an empty or damaged guide would otherwise pass in silence
        print(f"plans.py: error: {GUIDE} has no table with Time and Runs "
              "columns", file=sys.stderr)
        return 2
    for name, plan in found.items():
        print(name)
        for slot, measured in zip(plan, slot_minutes(plan), strict=True):
            runs = "; ".join(f"{n}: {', '.join(labels)}" for n, labels in slot.runs.items())
            short = " (too short)" if slot.end - slot.start < round(measured) else ""
            status |= bool(short)
            print(f"  {slot.start:>3}-{slot.end:<3} {measured:5.1f} min  {runs or '-'}{short}")
        if "--run" in argv:
            for number, labels in plan_notebooks(plan).items():
                errors = run(number, labels)
                status |= bool(errors)
                print(f"  ran {number} {labels}: {errors or 'no error'}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

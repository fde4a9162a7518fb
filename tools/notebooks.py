"""Maintain the course notebooks: setup cell, learner copies, execution, README table.

Usage (from anywhere; paths are relative to the repository)::

    python tools/notebooks.py sync [PATH ...]      # setup cell and question prompts (solutions)
    python tools/notebooks.py generate [PATH ...]  # notebooks/NN_*.ipynb from notebooks/solutions/
    python tools/notebooks.py execute [PATH ...]   # run in place on a fresh kernel, normalize
    python tools/notebooks.py build [PATH ...]     # sync + generate + execute, both copies

Without PATH every notebook is processed; with PATH (a solution or a learner
notebook, e.g. ``notebooks/solutions/03_zeno.ipynb``) only that notebook and its pair.
    python tools/notebooks.py check           # exit 1 if `build` would change any cell source
    python tools/notebooks.py badges          # rewrite the notebook table in README.md
    python tools/notebooks.py new 03_zeno "Zeno's paradox: L2 decay vs L1"   # a skeleton
    python tools/notebooks.py slides [PATH ...]    # reveal.js decks in slides/ (tools/slides.py)

Solution markers (the exact rule the generator applies):

* In a code cell, every line from ``# BEGIN SOLUTION`` to ``# END SOLUTION``
  (both marker lines included; a marker line holds only the marker, any
  indentation) is removed.
* If the markers are indented (inside a ``def``, ``for``, ``if``...) and no
  line after ``# END SOLUTION`` continues that block (the next non-blank line is
  indented less than the markers, or there is none), the learner sees ``...`` at
  the markers' indentation. So for a function exercise put the whole body
  between the markers: the learner sees ``def f(w):`` with a body of only
  ``...`` (after the docstring, if any), which the exercise engine reports as
  "Not attempted yet", and the cell stays valid Python.
* Otherwise nothing replaces the block: write ``answer = ...`` on the line
  before ``# BEGIN SOLUTION`` so the learner sees the placeholder.
* A cell tagged ``solution-only`` (cell metadata tags) is dropped from the
  learner notebook. Markers must be balanced; markdown cells are copied as is.

Learner copies get the solution notebook's cell ids, no outputs, and are then
executed like every notebook, so their stored outputs show "Not attempted yet".

Executing is deterministic: a fresh ``python3`` kernel of the running Python,
cwd = the notebook's folder, a time limit per cell, no timing metadata, widget
state removed, notebook metadata set to what JupyterLab writes on kernel start
(``NOTEBOOK_METADATA``), so opening a notebook does not mark it modified. Running it twice
changes nothing in git; ``python tools/notebooks.py normalize`` re-applies these rules alone.

The repository URL and branch are defined here, once (``REPO_URL``, ``BRANCH``);
the setup cell and the README's Colab/Binder badges are generated from them. The
website's address (``SITE_URL``) is defined here too; ``tools/site.py`` imports it.

Questions: the markdown cell before each exercise's check cell (``ex07.q2.check(...)``) states
the question, in a block that ``sync`` writes from the exercise module
(``course_utils/exercises/ex07.py``), so a prompt is edited in one place only::

    <!-- ex07.q2 prompt (from course_utils/exercises/ex07.py, written by tools/notebooks.py ...) -->
    **Exercise 2** (a function). Write `varint_bytes(gap)`: ...
    <!-- end of ex07.q2 prompt -->

Write the two marker lines (the block between them may be empty) and run ``sync``: the block gets
the question's prompt, and a multiple-choice question's options as a list. ``check`` fails when a
block is out of date or when a check cell has no block before it (``unstated_questions``).

Alt text: a plotting cell of a solution notebook carries its figure's text
alternative in its cell metadata, ``{"mystnb": {"image": {"alt": "..."}}}``
(the key myst-nb reads for the website, and ``tools/slides.py`` for the decks). The
generator copies it to the learner copy. Image outputs keep the metadata the kernel
gives them and no alt: JupyterLab would drop one on the learner's first run and save.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import os
import re
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the course's own package
from course_utils._files import (  # noqa: E402
    FileTooLargeError,
    NotARegularFileError,
    parse_notebook,
    read_regular_file,
    read_text_file,
    write_atomically,
)

REPO_URL = "https://github.com/sparsity-course/regularization-for-sparsity"
BRANCH = "main"
SITE_URL = "https://sparsity-course.github.io/regularization-for-sparsity/"  # GitHub Pages

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SOLUTIONS = NOTEBOOKS / "solutions"
README = ROOT / "README.md"
CELL_TIMEOUT = 120  # seconds per cell; a notebook should run in seconds, this only catches hangs

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
SOLUTION_ONLY_TAG = "solution-only"
# Stored in place of an ipywidgets repr (``interactive(children=(FloatSlider(...``), which is
# what GitHub's viewer and the website would otherwise show: a widget lives only in a kernel.
WIDGET_STAND_IN = (
    "[Interactive widget: run this notebook in Jupyter to move its sliders. "
    "Without a kernel, read the static figure above, drawn for the default values.]"
)
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
KEPT_CELL_METADATA = ("tags", "mystnb", "jupyter")  # mystnb: a figure's alt text (docstring)
# What JupyterLab writes into a notebook's metadata when its kernel starts (ipykernel's python3
# kernel on the CI's Python). Stored as is, opening a notebook there does not mark it modified;
# on another Python, JupyterLab changes only the version.
NOTEBOOK_METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {
        "codemirror_mode": {"name": "ipython", "version": 3},
        "file_extension": ".py",
        "mimetype": "text/x-python",
        "name": "python",
        "nbconvert_exporter": "python",
        "pygments_lexer": "ipython3",
        "version": "3.11.7",
    },
}
# nbval's marker for a cell whose output is not compared; stored as the cell tag nbval reads, so
# learners do not see a test's marker in the code.
NBVAL_MARKER = "# NBVAL_IGNORE_OUTPUT"
NBVAL_IGNORE_TAG = "nbval-ignore-output"
# The setup cell opens collapsed: JupyterLab hides its source (jupyter.source_hidden), the website
# shows it behind "Show code cell source" (myst-nb's hide-input tag).
SETUP_HIDE_TAG = "hide-input"
SETUP_FIRST_LINE = (
    "# Setup (identical in every notebook; run it first): makes course_utils importable"
)

# The course map: number -> (title, what the learner does, planned minutes). A written notebook's
# own title and "**Time:** about N minutes" line replace the planned ones.
PLAN = {
    "00": ("Start here", "the course map, how to run it, how exercises work", 15),
    "01": (
        "Sparse vectors and feature crosses",
        "one-hot, bucketize, cross and hash features; count bytes",
        40,
    ),
    "02": (
        "Penalties: L0, L1, L2",
        "the three penalties, unit balls, best subset vs the Lasso",
        30,
    ),
    "03": (
        "Zeno's paradox: L2 decay vs L1",
        "L2 decay reaches 0.0 only at a factor of 0.5 or less or with flush-to-zero, "
        "else it stalls on a subnormal; clipped L1 reaches zero",
        30,
    ),
    "04": (
        "L1 in practice",
        "soft-thresholding, coordinate descent, FISTA, regularization paths",
        40,
    ),
    "05": (
        "Hands-on sparsity measurement",
        "non-zeros and bytes against loss; online L1 (FTRL)",
        45,
    ),
    "06": ("Beyond", "elastic net, choosing alpha, support recovery, final quiz", 35),
    "07": ("At scale", "hashed crosses in 2^24 buckets, streamed FTRL, training vs serving bytes",
           45),
    "08": ("Past one machine", "rows and features sharded on a Dask cluster; bytes sent with and "
           "without L1", 30),
}
TABLE_START = "<!-- notebooks:start (generated by `python tools/notebooks.py badges`) -->"
TABLE_END = "<!-- notebooks:end -->"
MAP_START = "<!-- course-map:start (generated by `python tools/notebooks.py sync`) -->"
MAP_END = "<!-- course-map:end -->"


def repo_name() -> str:
    """Return the repository's name, the last part of ``REPO_URL``."""
    return REPO_URL.rstrip("/").rsplit("/", 1)[-1]


def setup_cell_source() -> str:
    """Return the setup cell: the first code cell of every notebook, identical everywhere.

    Locally and on Binder it finds the repository from the notebook's folder
    upward (or uses an installed ``course_utils``); on Colab it clones the
    repository (``COURSE_REPO_URL``, default ``REPO_URL``) into ``COURSE_HOME``
    (default ``/content/<repo>``) once. Nothing is pip-installed: Colab already
    has numpy, scipy, pandas, matplotlib, scikit-learn and ipywidgets. A value
    starting with ``-`` is refused and ``--`` ends git's options, so neither
    variable can smuggle in an option such as ``--upload-pack=<command>``.
    """
    return f'''{SETUP_FIRST_LINE}
# here, on Binder and on Colab. On Colab it first clones the course repository.
import os
import subprocess
import sys
from pathlib import Path

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "2")  # small machines (Binder, Colab): no BLAS oversubscription

try:
    import google.colab  # noqa: F401  (exists only on Colab)
    _on_colab = True
except ImportError:
    _on_colab = False
_root = next((p for p in [Path.cwd(), *Path.cwd().parents] if (p / "course_utils").is_dir()), None)
if _root is None and _on_colab:
    _root = Path(os.environ.get("COURSE_HOME", "/content/{repo_name()}"))
    _url = os.environ.get("COURSE_REPO_URL", "{REPO_URL}")
    if _url.startswith("-") or str(_root).startswith("-"):  # git would read it as an option
        raise ValueError("COURSE_REPO_URL and COURSE_HOME must not start with '-'.")
    if not (_root / "course_utils").is_dir():
        subprocess.run(["git", "clone", "--quiet", "--depth", "1", "--", _url, str(_root)],
                       check=True)
if _root is not None and str(_root) not in sys.path:
    sys.path.insert(0, str(_root))
try:
    import course_utils  # noqa: F401
except ImportError:
    raise ImportError("course_utils not found: open this notebook inside the course folder, "
                      "or run `python -m pip install -r requirements.txt` there.") from None
print("Setup done: course_utils is ready.")'''


# --------------------------------------------------------------------------- reading and writing


MAX_NOTEBOOK_BYTES = 16 * 2**20  # a course notebook is under 1 MB (CONTRIBUTING)
MAX_NOTEBOOK_DEPTH = 64  # a notebook's JSON nests about 6 deep; deeper is damaged


class NotebookError(Exception):
    """A file that cannot be read as a notebook; its message is one line naming the file."""


def read(path: Path) -> nbformat.NotebookNode:
    """Read a notebook (format 4) through the package's safe reader, or raise NotebookError.

    ``course_utils/_files.py`` opens it without blocking, checks after opening that it is a
    regular file (a FIFO or ``/dev/zero`` is refused, not waited on) and reads at most
    ``MAX_NOTEBOOK_BYTES``; its JSON nesting is counted without recursion before parsing.
    Every error (from the file, the JSON or nbformat) becomes one line naming the file.
    """
    try:
        data = read_regular_file(path, MAX_NOTEBOOK_BYTES)
    except NotARegularFileError as exc:
        raise NotebookError(f"{path}: not a regular file ({exc.kind})") from None
    except FileTooLargeError:
        raise NotebookError(
            f"{path}: larger than {MAX_NOTEBOOK_BYTES // 2**20} MB, not a course notebook"
        ) from None
    except OSError as exc:
        raise NotebookError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:  # the package's own check of a notebook's JSON, shared with progress() and grade.py
        parse_notebook(data, path, MAX_NOTEBOOK_DEPTH)
    except ValueError as exc:
        raise NotebookError(str(exc)) from None
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)  # its lines joined, as v4
        nbformat.validate(nb)
    except Exception as exc:  # JSON, UTF-8, nbformat's own errors: all mean "not a notebook"
        first = str(exc).strip().splitlines()[:1] or [""]
        raise NotebookError(
            f"{path}: not a valid notebook ({type(exc).__name__}: {first[0][:150]})"
        ) from None
    return nb


def title_source(nb: nbformat.NotebookNode, path: Path) -> str:
    """The source of the title cell (the first) of the notebook ``nb`` read from ``path``.

    A notebook with no cells is valid nbformat but no course notebook: ``NotebookError``
    naming the file, rather than an ``IndexError`` naming nothing.
    """
    if not nb.cells:
        raise NotebookError(f"{path}: no cells (a course notebook starts with its title cell)")
    return nb.cells[0].source


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` as UTF-8, whole or not at all: every file this tool writes.

    The text is encoded first (a lone surrogate such as ``"\\ud800"`` raises
    ``UnicodeEncodeError`` before any file is touched), then written to a temporary file in the
    same folder and moved over ``path`` with ``os.replace``
    (:func:`course_utils._files.write_atomically`): an error leaves the old file as it was,
    never a truncated one.
    """
    write_atomically(path, text.encode("utf-8"))


def write(nb: nbformat.NotebookNode, path: Path) -> None:
    """Write ``nb`` with a trailing newline, as Jupyter does (sorted keys, indent 1).

    Through :func:`write_text`, so a notebook nbformat accepts but UTF-8 cannot encode (a lone
    surrogate in a string) leaves the file untouched and is reported as one line naming it.
    """
    text = nbformat.writes(nb, version=4)
    try:
        write_text(path, text if text.endswith("\n") else text + "\n")
    except UnicodeEncodeError as exc:
        raise NotebookError(
            f"{path}: not written, its text cannot be encoded as UTF-8 ({exc.reason} at "
            f"character {exc.start})"
        ) from None


def solution_paths() -> list[Path]:
    """Return the solution notebooks, sorted by name."""
    return sorted(SOLUTIONS.glob("[0-9][0-9]_*.ipynb"))


def learner_path(solution: Path) -> Path:
    """Return the learner notebook made from ``solution``."""
    return NOTEBOOKS / solution.name


def all_notebook_paths() -> list[Path]:
    """Return every notebook: learner ones, then solutions."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")) + solution_paths()


# --------------------------------------------------------------------------- sync


def sync(nb: nbformat.NotebookNode) -> bool:
    """Make the canonical setup cell the first code cell of ``nb``; return True if changed.

    Any older setup cell (recognized by its first line) is replaced; a notebook
    without code cells gets it right after its title cell. A markdown cell holding
    the ``MAP_START``/``MAP_END`` lines (notebook 00) gets the current course map, and every
    question block (module docstring) the question's current prompt.
    """
    before = [(cell.cell_type, cell.source) for cell in nb.cells]
    old = [cell for cell in nb.cells if cell.source.startswith(SETUP_FIRST_LINE)]
    cell_id = old[0].get("id", "setup") if old else "setup"
    nb.cells = [cell for cell in nb.cells if cell not in old]
    code = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    cell = nbformat.v4.new_code_cell(setup_cell_source())
    cell.id = cell_id
    nb.cells.insert(code[0] if code else min(1, len(nb.cells)), cell)
    for markdown in nb.cells:
        if markdown.cell_type == "markdown" and MAP_START in markdown.source:
            markdown.source = _replace_between(markdown.source, MAP_START, MAP_END, course_map())
        if markdown.cell_type == "markdown" and PROMPT_BLOCK.search(markdown.source):
            markdown.source = PROMPT_BLOCK.sub(lambda m: prompt_block(m.group("name")),
                                               markdown.source)
    if [(c.cell_type, c.source) for c in nb.cells] == before:
        nb.cells[nb.cells.index(cell)] = old[0]  # unchanged: keep the stored outputs
        return False
    return True


# --------------------------------------------------------------------------- question prompts

# ``ex07.q2.check(`` in a code cell: the cell checks question q2 of course_utils/exercises/ex07.py
CHECK_CALL = re.compile(r"\bex(\d\d)\.(q\d+)\.check\(")
PROMPT_BLOCK = re.compile(
    r"<!-- (?P<name>ex\d\d\.q\d+) prompt\b[^\n]*-->\n.*?<!-- end of (?P=name) prompt -->", re.DOTALL
)
PROMPT_WIDTH = 100  # characters per line of a block's markdown, as the notebooks' prose
# Kept as written: code between backticks and TeX between dollars; elsewhere a character that
# markdown would read as markup (``2**-1074`` as bold, ``X_j`` as italics) is escaped.
_VERBATIM = re.compile(r"`[^`]*`|\$[^$]*\$")
_MARKUP = re.compile(r"([\\*_<\[\]])")
_KINDS = {"Function": "a function", "Array": "an array", "Value": "a value",
          "MultipleChoice": "multiple choice"}


def question(name: str):
    """Return the question named ``ex07.q2`` (``course_utils.exercises.ex07.q2``)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    module, attribute = name.split(".")
    return getattr(importlib.import_module(f"course_utils.exercises.{module}"), attribute)


def _escape(text: str) -> str:
    """``text`` as markdown: code and TeX kept, other markup characters escaped."""
    parts, last = [], 0
    for match in _VERBATIM.finditer(text):
        parts += [_MARKUP.sub(r"\\\1", text[last:match.start()]), match.group()]
        last = match.end()
    return "".join(parts + [_MARKUP.sub(r"\\\1", text[last:])])


def _wrap(text: str, indent: str = "") -> list[str]:
    """Lines of at most ``PROMPT_WIDTH`` characters, never broken inside code or TeX."""
    words = re.findall(r"(?:`[^`]*`|\$[^$]*\$|[^\s`$])+|[`$]", text)
    lines, line = [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > PROMPT_WIDTH:
            lines.append(line)
            line = indent + word
        else:
            line = f"{line} {word}" if line else word
    return lines + [line]


def prompt_markdown(name: str) -> str:
    """The markdown stating question ``name`` (``ex07.q2``): its number, kind and prompt, and a
    multiple-choice question's options as a list. A multiple-choice question is labelled
    "Question 4", any other "Exercise 2", as the notebooks and the instructor guide call them."""
    asked = question(name)
    kind = next((_KINDS[cls.__name__] for cls in type(asked).__mro__ if cls.__name__ in _KINDS),
                "a question")
    number = name.split(".q")[1]
    label = "Question" if kind == "multiple choice" else "Exercise"  # as the notebooks say
    lines = _wrap(f"**{label} {number}** ({kind}). {_escape(asked.prompt)}")
    options = getattr(asked, "options", None)
    if isinstance(options, dict):
        lines.append("")
        for key, (text, _) in options.items():
            lines += _wrap(f"- **{key})** {_escape(text)}", indent="  ")
        lines.append("")
    return "\n".join(lines)


def prompt_block(name: str) -> str:
    """The whole block (markers included) that states question ``name`` in a markdown cell."""
    module = name.split(".")[0]
    return (f"<!-- {name} prompt (from course_utils/exercises/{module}.py, written by "
            f"tools/notebooks.py sync) -->\n{prompt_markdown(name)}\n<!-- end of {name} prompt -->")


def unstated_questions(nb: nbformat.NotebookNode) -> list[str]:
    """One message per check cell whose question is not stated just before it.

    A check cell of question ``exNN.qK`` must be preceded by a markdown cell holding the block
    of ``exNN.qK`` (module docstring); markdown cells without a block and code cells that check
    the same question may stand between them (a demo with a wrong answer, then "now your turn").
    """
    problems, stated = [], None  # stated: the question of the last block, while still in force
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            names = [m.group("name") for m in PROMPT_BLOCK.finditer(cell.source)]
            if names:
                stated = names[-1]
            continue
        checked = {f"ex{m.group(1)}.{m.group(2)}" for m in CHECK_CALL.finditer(cell.source)}
        for name in sorted(checked):
            if name != stated:
                problems.append(f"cell {index + 1} checks {name}, but the markdown before it "
                                f"states {stated or 'no question'}: add the block of {name}")
        if checked != ({stated} if stated else set()):
            stated = None  # a cell that is not this question's ends its statement
    return problems


# --------------------------------------------------------------------------- generate


def strip_solution(source: str, where: str = "cell") -> str:
    """Apply the solution-marker rule (module docstring) to one code cell's source.

    Parameters
    ----------
    source : str
        The solution cell's source.
    where : str
        Names the cell in error messages.

    Returns
    -------
    str
        The learner's source.

    Raises
    ------
    ValueError
        If the markers are unbalanced or nested.
    """
    lines = source.split("\n")
    out, inside = [], False
    for i, line in enumerate(lines):
        marker = line.strip()
        if marker == BEGIN:
            if inside:
                raise ValueError(f"{where}: nested {BEGIN!r} on line {i + 1}")
            inside = True
            if _needs_ellipsis(lines, i):
                out.append(_indent(line) + "...")
        elif marker == END:
            if not inside:
                raise ValueError(f"{where}: {END!r} without {BEGIN!r} on line {i + 1}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{where}: {BEGIN!r} without {END!r}")
    return "\n".join(out).strip("\n")


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _needs_ellipsis(lines: list[str], begin: int) -> bool:
    """True when the markers are indented and no line after the block continues it."""
    depth = len(_indent(lines[begin]))
    end = next((j for j in range(begin, len(lines)) if lines[j].strip() == END), len(lines))
    rest = [line for line in lines[end + 1 :] if line.strip()]
    return depth > 0 and not (rest and len(_indent(rest[0])) >= depth)


def generate(solution_nb: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """Return the learner notebook made from a solution notebook (outputs cleared).

    Parameters
    ----------
    solution_nb : NotebookNode
        The solution notebook (not modified).
    name : str
        Names the notebook in error messages.

    Returns
    -------
    NotebookNode
    """
    nb = nbformat.from_dict(solution_nb)  # a deep copy
    cells = []
    for index, cell in enumerate(nb.cells):
        if SOLUTION_ONLY_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        if cell.cell_type == "code":
            cell.source = strip_solution(cell.source, where=f"{name} cell {index + 1}")
            cell.outputs = []
            cell.execution_count = None
        cells.append(cell)
    nb.cells = cells
    return nb


def cell_sources(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """(cell type, source) of every cell: what ``check`` compares."""
    return [(cell.cell_type, cell.source) for cell in nb.cells]


def stale_learner_notebooks() -> list[str]:
    """Return one message per notebook that ``build`` would change (besides outputs).

    A solution notebook whose setup cell, course map or question prompts are out of date, or
    with a check cell whose question is not stated before it (``unstated_questions``), a learner
    notebook that differs from ``generate(solution)``, or one without a solution.
    """
    problems = []
    for solution in solution_paths():
        if sync(read(solution)):
            problems.append(f"{solution.relative_to(ROOT)} needs `sync` (setup cell, course map "
                            "or a question's prompt)")
        problems += [f"{solution.relative_to(ROOT)}: {problem}"
                     for problem in unstated_questions(read(solution))]
        learner = learner_path(solution)
        if not learner.exists():
            problems.append(f"{learner.relative_to(ROOT)} is missing")
            continue
        want = cell_sources(generate(read(solution), solution.name))
        have = cell_sources(read(learner))
        if want != have:
            diff = difflib.unified_diff(
                [f"[{t}] {s}" for t, s in have], [f"[{t}] {s}" for t, s in want], lineterm="", n=1
            )
            problems.append(f"{learner.relative_to(ROOT)} is out of date:\n" + "\n".join(diff))
    solved = {solution.name for solution in solution_paths()}
    for learner in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        if learner.name not in solved:
            problems.append(f"{learner.relative_to(ROOT)} has no solution notebook")
    return problems


# --------------------------------------------------------------------------- execute


def _current_env_kernel_manager():
    """A kernel manager for a python3 kernel of the Python running this script."""
    import ipykernel.kernelspec
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    class CurrentEnv(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            return self.kernel_spec_class(
                resource_dir=ipykernel.kernelspec.RESOURCES,
                **ipykernel.kernelspec.get_kernel_dict(),
            )

    return KernelManager(kernel_name="python3", kernel_spec_manager=CurrentEnv())


def image_alt(cell: nbformat.NotebookNode) -> str | None:
    """Return the alt text stored in a cell's metadata (``mystnb.image.alt``), or None."""
    alt = cell.get("metadata", {}).get("mystnb", {}).get("image", {}).get("alt")
    return alt.strip() if isinstance(alt, str) and alt.strip() else None


def merge_neighbour_streams(outputs: list) -> list:
    """Merge each stream output into the one before it when both are stdout (or both stderr).

    This is what JupyterLab does as the kernel's messages arrive, and so what it saves: text
    printed before and after a figure stays in two outputs, on either side of it.
    """
    merged = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (output.get("output_type") == "stream" and previous is not None
                and previous.get("output_type") == "stream"
                and previous.get("name") == output.get("name")):
            previous["text"] = "".join(previous["text"]) + "".join(output["text"])
        else:
            merged.append(output)
    return merged


def normalize(nb: nbformat.NotebookNode) -> None:
    """Remove what varies between runs and machines (in place).

    Stores the notebook metadata JupyterLab writes on kernel start (``NOTEBOOK_METADATA``, no
    widget state) and cell metadata ``tags``, ``mystnb`` and (setup cell) ``jupyter`` only. A
    cell starting with ``# NBVAL_IGNORE_OUTPUT`` loses the line and gets nbval's tag instead;
    the setup cell is stored collapsed. A widget output keeps
    no view (its model id is random and, without the widget state, it renders
    nothing) and its text becomes ``WIDGET_STAND_IN`` instead of the widget's repr.
    Outputs are stored as JupyterLab saves them after a run, so that running and saving a
    notebook there changes nothing in git: neighbouring stream outputs merged
    (``merge_neighbour_streams``), image outputs without alt text (it stays in the cell's
    metadata, ``image_alt``).
    """
    nb.metadata = nbformat.from_dict(NOTEBOOK_METADATA)
    for cell in nb.cells:
        metadata = cell.get("metadata", {})
        cell.metadata = nbformat.from_dict(
            {key: metadata[key] for key in KEPT_CELL_METADATA if metadata.get(key)}
        )
        if cell.cell_type == "code" and cell.source.startswith(NBVAL_MARKER):
            cell.source = cell.source[len(NBVAL_MARKER):].lstrip("\n")
            cell.metadata.setdefault("tags", [])
            if NBVAL_IGNORE_TAG not in cell.metadata.tags:
                cell.metadata.tags.append(NBVAL_IGNORE_TAG)
        if cell.cell_type == "code" and cell.source.startswith(SETUP_FIRST_LINE):
            cell.metadata["jupyter"] = {"source_hidden": True}
            cell.metadata.setdefault("tags", [])
            if SETUP_HIDE_TAG not in cell.metadata.tags:
                cell.metadata.tags.append(SETUP_HIDE_TAG)
        elif "jupyter" in cell.metadata:
            del cell.metadata["jupyter"]
        if "id" not in cell:
            cell.id = f"cell-{nb.cells.index(cell)}"
        if cell.cell_type == "code":
            cell.outputs = merge_neighbour_streams(cell.outputs)
        for output in cell.get("outputs", []):
            output.get("metadata", {}).pop("scrolled", None)
            data = output.get("data", {})
            if data.pop(WIDGET_MIME, None) is not None:
                data["text/plain"] = WIDGET_STAND_IN
            for mime in [m for m in data if m.startswith("image/")]:
                image_metadata = output.get("metadata", {}).get(mime)
                if image_metadata is not None:
                    image_metadata.pop("alt", None)
                    if not image_metadata:
                        del output.metadata[mime]
    nb.nbformat, nb.nbformat_minor = 4, 5


def execute(path: Path) -> None:
    """Execute the notebook at ``path`` in place on a fresh kernel and normalize it."""
    from nbclient import NotebookClient

    nb = read(path)
    km = _current_env_kernel_manager()
    client = NotebookClient(
        nb,
        km=km,
        timeout=CELL_TIMEOUT,
        record_timing=False,
        # True although normalize() drops the state: with False, nbclient (0.11) raises KeyError
        # as soon as an ipywidgets Output widget (every `interact`) captures output.
        store_widget_state=True,
        # nbclient's coalescing merges every stdout output of a cell into its first one, even
        # across a figure; normalize() merges only neighbours, as JupyterLab does.
        coalesce_streams=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        client.execute()
    finally:  # nbclient leaves a kernel it did not create running
        if km.has_kernel:
            km.shutdown_kernel(now=True)
    normalize(nb)
    write(nb, path)


# --------------------------------------------------------------------------- README table


def colab_url(path: str) -> str:
    """Colab link to a notebook at ``path`` in the repository."""
    return (
        f"https://colab.research.google.com/github/{REPO_URL.split('github.com/')[1]}"
        f"/blob/{BRANCH}/{path}"
    )


def binder_url(path: str) -> str:
    """Binder link opening ``path`` in JupyterLab."""
    return (
        f"https://mybinder.org/v2/gh/{REPO_URL.split('github.com/')[1]}/{BRANCH}"
        f"?labpath={quote(path, safe='')}"
    )


def course_entries() -> list[dict]:
    """One entry per planned or written notebook: number, title, summary, minutes, file name."""
    found = {path.name[:2]: path for path in solution_paths()}
    entries = []
    for number in sorted(set(PLAN) | set(found)):
        title, summary, minutes = PLAN.get(number, ("", "", 0))
        name = None
        if number in found:
            name = found[number].name
            text = title_source(read(found[number]), found[number])
            heading = re.search(r"^# \d\d\s*·\s*(.+)$", text, re.MULTILINE)
            time = re.search(r"\*\*Time:\*\*\s*about\s*(\d+)\s*min", text)
            title = heading.group(1).strip() if heading else title
            minutes = int(time.group(1)) if time else minutes
        entries.append(
            dict(number=number, title=title, summary=summary, minutes=minutes, name=name)
        )
    return entries


def course_map() -> str:
    """The course map for notebook 00 (markdown table, links relative to notebooks/)."""
    rows = ["| # | Notebook | What you do | Time |", "|---|---|---|---|"]
    for e in course_entries():
        link = f"[{e['title']}]({e['name']})" if e["name"] else e["title"]
        rows.append(f"| {e['number']} | {link} | {e['summary']} | {e['minutes']} min |")
    total = sum(e["minutes"] for e in course_entries())
    rows.append(f"| | **All** | | **about {total / 60:.1f} hours** |")
    return "\n".join(rows)


def notebook_table() -> str:
    """Return the README's notebook table (markdown) with Colab and Binder badges, and the
    website's address (``SITE_URL``)."""
    rows = ["| # | Notebook | What you do | Time | Open |", "|---|---|---|---|---|"]
    for e in course_entries():
        if e["name"]:
            path = f"notebooks/{e['name']}"
            link = f"[{e['title']}]({path})"
            badges = (
                f"[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
                f"({colab_url(path)}) "
                f"[![Binder](https://mybinder.org/badge_logo.svg)]({binder_url(path)})"
            )
        else:
            link, badges = e["title"], "(being written)"
        rows.append(f"| {e['number']} | {link} | {e['summary']} | {e['minutes']} min | {badges} |")
    rows += ["", f"The same notebooks, with the solutions and the instructor guide, as a website: "
                 f"<{SITE_URL}> (built by `python tools/site.py`)."]
    return "\n".join(rows)


def _replace_between(text: str, start: str, end: str, content: str) -> str:
    """Replace what stands between the ``start`` and ``end`` marker lines of ``text``."""
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{content}\n{end}{tail}"


def update_readme() -> bool:
    """Replace the table between the README markers; return True if README changed."""
    text = read_text_file(README, MAX_NOTEBOOK_BYTES)
    if TABLE_START not in text or TABLE_END not in text:
        raise SystemExit(f"README.md needs the lines:\n{TABLE_START}\n{TABLE_END}")
    new = _replace_between(text, TABLE_START, TABLE_END, notebook_table())
    if new != text:
        write_text(README, new)
    return new != text


# --------------------------------------------------------------------------- new notebook


STEM = re.compile(r"[0-9]{2}_[a-z0-9_]+", re.ASCII)  # "03_zeno": two digits, then a name


def new_notebook(stem: str, title: str) -> Path:
    """Create ``notebooks/solutions/<stem>.ipynb`` from the conventions' skeleton.

    ``stem`` must be two digits, an underscore and lower-case ASCII letters, digits or
    underscores (``STEM``, matched whole): anything else, such as ``../evil`` or a name with
    a slash, raises ``NotebookError`` (one line; the command exits with status 2), so the file
    is always made in ``notebooks/solutions/``.
    """
    if not isinstance(stem, str) or not STEM.fullmatch(stem):
        raise NotebookError(
            f"new: stem {stem!r} must be two digits, '_' and lower-case letters, digits or "
            "'_' (e.g. 03_zeno)"
        )
    path = SOLUTIONS / f"{stem}.ipynb"
    if path.exists():
        raise SystemExit(f"{path.relative_to(ROOT)} exists")
    number = stem[:2]
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            f"# {number} · {title}\n\nOne or two sentences: what this notebook shows.\n\n"
            "**Learning objectives**\n\n- ...\n\n**Prerequisites**: ...\n\n"
            "**Time:** about 20 minutes"
        ),
        nbformat.v4.new_markdown_cell("## Summary\n\n- ...\n\nPrevious: ... · Next: ..."),
    ]
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i}"
    sync(nb)
    SOLUTIONS.mkdir(parents=True, exist_ok=True)
    write(nb, path)
    return path


# --------------------------------------------------------------------------- command line


def _solutions(args: list[str]) -> list[Path]:
    """The solution notebooks named by ``args`` (learner paths map to their solution)."""
    if not args:
        return solution_paths()
    return [SOLUTIONS / Path(arg).name for arg in args]


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in [
        ("sync", "write the setup cell, notebook 00's course map and every question's prompt "
                 "into solution notebooks"),
        ("generate", "make learner notebooks from solution notebooks"),
        ("execute", "execute notebooks in place (default: all)"),
        ("build", "sync + generate + execute"),
        ("normalize", "re-apply the stored metadata rules to notebooks in place, no execution"),
    ]:
        sub.add_parser(name, help=text).add_argument("paths", nargs="*")
    sub.add_parser("slides", help="slide decks in slides/ from cells tagged 'slide'").add_argument(
        "paths", nargs="*"
    )
    sub.add_parser("check", help="exit 1 if build would change a notebook's cells, or a check "
                   "cell's question is not stated before it")
    sub.add_parser("badges", help="rewrite the notebook table in README.md")
    new = sub.add_parser("new", help="create a solution notebook skeleton")
    new.add_argument("stem", help="e.g. 03_zeno")
    new.add_argument("title")
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except NotebookError as exc:  # one line naming the file, as argparse reports a bad option
        print(f"{Path(sys.argv[0]).name}: error: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    """Run the parsed command; return the exit status."""
    paths = getattr(args, "paths", [])
    if args.command in ("sync", "build"):
        for path in _solutions(paths):
            nb = read(path)
            if sync(nb):
                write(nb, path)
                print(f"synced: {path.relative_to(ROOT)}")
    if args.command in ("generate", "build"):
        for path in _solutions(paths):
            write(generate(read(path), path.name), learner_path(path))
            print(f"generated: {learner_path(path).relative_to(ROOT)}")
    if args.command == "execute":
        to_run = [Path(arg).resolve() for arg in paths] if paths else all_notebook_paths()
    elif args.command == "build":
        to_run = [p for s in _solutions(paths) for p in (s, learner_path(s))]
    else:
        to_run = []
    for path in to_run:
        print(f"executing: {path.relative_to(ROOT)}", flush=True)
        with tempfile.TemporaryDirectory(prefix="course-progress-") as progress:
            os.environ["COURSE_PROGRESS_DIR"] = progress  # exercise progress: fresh per run
            execute(path)
    if args.command == "normalize":
        for path in [Path(arg).resolve() for arg in paths] or all_notebook_paths():
            nb = read(path)
            normalize(nb)
            write(nb, path)
            print(f"normalized: {path.relative_to(ROOT)}")
    if args.command == "check":
        problems = stale_learner_notebooks()
        for problem in problems:
            print(problem)
        if problems:
            print("Run `python tools/notebooks.py build` and commit the result.")
            return 1
        print("notebooks are up to date")
    if args.command == "badges":
        print("README.md updated" if update_readme() else "README.md already up to date")
    if args.command == "slides":
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import slides

        try:
            decks = slides.build(_solutions(paths))
        except slides.nbtool.NotebookError as exc:  # the class of slides' own import of this file
            raise NotebookError(str(exc)) from None
        for deck in decks:
            print(f"slides: {deck.relative_to(ROOT)}")
    if args.command == "new":
        print(f"created {new_notebook(args.stem, args.title).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Stale prose is caught: every number written in a notebook's prose appears in its outputs.

For each solution notebook (the learner notebooks share its markdown) this test reads every number
written in the markdown cells, and in the prompts and hints of the notebook's exercise module
(``course_utils/exercises/exNN.py``), and fails when a number appears in no stored output of that
notebook, is not a literal the notebook's own code sets (a parameter such as ``alpha = 2``), and is
not declared in the short allow-list below (with the reason it needs no output); the year of a
paper cited in the text is declared by the notebook's References cell (its last markdown cell that
starts with "## References"), which lists it.

Numbers are compared as written: ``1,940`` and ``1{,}940`` are 1940; ``92%`` matches an output
``92.16%`` (or ``0.9216``) because prose may quote fewer digits than a table; ``5,000`` may stand
for an output 4,975 (its trailing zeros are read as rounding); ``4.02 \\times 10^{16}`` is
``4.02e+16``. Signs are ignored (prose says "drops by 758"). Numbers glued to a name (``L1``,
``float64``, ``s5``, ``ex04``, file names) are not numbers of the text, and neither is a notebook,
section, exercise or question number, nor anything in the "References" cell.

A failure lists each stale number with the cell (or exercise) it sits in.
"""

from __future__ import annotations

import html
import importlib
import math
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "notebooks" / "solutions").glob("[0-9][0-9]_*.ipynb"))

# Numbers a notebook's prose may state without an output, per notebook: number -> reason.
# Keep each list short; a measured number belongs in an output, not here.
ALLOWED: dict[str, dict[str, str]] = {
    "00": {
        "1e-300": "option a of question 4, an illustrative tiny weight",
        "0.5": "option c of question 4, the illustrative weight -0.5",
    },
    "01": {
        "10^{-12}": "an illustrative tiny weight, not a measurement",
        "990,000": "question 5: the zeros of an illustrative model of 1,000,000 weights",
    },
    "02": {
        "1.4 \\times 10^{10}": "the age of the universe in years, a physical constant",
    },
    "03": {
        "754": "IEEE 754, the name of the floating-point standard (listed in the References)",
        "1,450": "option a of question 5, wrong on purpose (the table's stall is at step 1,457)",
        "5 million": "option c of question 7, wrong on purpose (1 / 2e-7, L2 as constant steps)",
    },
    "04": {
        "0.8": "how far the illustrative scores 1.8 and 0.2 are from the label 1",
    },
    "05": {
        "1e-6": "the default `tol` of `logistic_l1` (its signature), a setting, not a measurement",
    },
    "06": {
        "1,500": "question 8, wrong option: 1,000 + 500 columns of an illustrative cross",
        "500,000": "question 8: the 1,000 x 500 columns of the illustrative cross",
        "8,000,000": "question 9: 1,000,000 weights x 8 bytes, an illustrative model",
        "12,000": "question 9: 1,000 non-zeros x (8 + 4) bytes",
        "8,000": "question 9, wrong option: 1,000 x 8 bytes (forgets the indices)",
        "4,000,000": "question 9, wrong option: 1,000,000 x 4 bytes (float32, not float64)",
        "4,000": "question 9, wrong option: 1,000 x 4 bytes (the indices only)",
        "7,000": "question 11, wrong option: about when q = 0.9 stalls, log(2**-1074) / log(0.9)",
    },
    "07": {
        "35": "an illustrative bucket name, age=[35, 39), in a formula",
        "39": "an illustrative bucket name, age=[35, 39), in a formula",
        "16,384": "a varint constant: 2**14, two bytes of 7 bits",
        "127": "a varint constant: 2**7 - 1, the largest gap one byte holds (question 2)",
        "16,383": "a varint constant: 2**14 - 1, the largest gap two bytes hold (question 2)",
        "10,000,000": "question 6: the distinct features of an illustrative click log",
        "240,000,000": "question 6: 10,000,000 features x 24 bytes, every feature admitted",
        "3.10": "Python versions the vowpalwabbit wheel installs on (checked when adding it)",
        "3.12": "Python versions the vowpalwabbit wheel installs on (checked when adding it)",
        "1.26": "the oldest numpy the course supports (ci/oldest-constraints.txt)",
    },
    "08": {
        "8786": "the Dask scheduler's default port, in the command lines for a real cluster",
        "200": "Dask's documented overhead per task (200 µs to 1 ms), cited, not measured here",
    },
}

_NUMBER = re.compile(
    r"(?<![\w.\\])"  # not glued to a name (L1, float64, s5) or a LaTeX command
    r"(?P<num>\d{1,3}(?:(?:,|\{,\})\d{3})+(?![\d])|\d+(?:_\d{3})+|\d*\.\d+|\d+)"
    r"(?:\s*(?P<pct>%|\\%)|\s+(?P<scale>thousand|million|billion|trillion)\b)?"
    r"(?![\w])"  # the same on the right (2D, 8x8 are not numbers of the text)
)
# In outputs a number may be glued to a unit ("4,975x", "2.5s"): read it anyway.
_OUTPUT_NUMBER = re.compile(
    r"(?<![\d.])(?P<num>\d{1,3}(?:,\d{3})+(?!\d)|\d*\.\d+|\d+)(?:e(?P<exp>[-+]?\d+))?"
)
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_SCIENTIFIC = re.compile(
    r"(?P<mant>\d+(?:\.\d+)?)\s*(?:\\times|\\cdot|×|x)\s*10\^\{?(?P<exp>[-−]?\d+)\}?"
    r"|(?<![\d.])10\^\{?(?P<exp_only>[-−]?\d+(?:\.\d+)?)\}?"
    r"|(?P<emant>\d+(?:\.\d+)?)e(?P<eexp>[-+]?\d+)\b"
)
# "notebook 04", "notebooks 05 and 06", "section 5", "Exercise 2", "question 7", "q4" (as a word)
_REFERENCE = re.compile(
    r"\b(?:notebooks?|sections?|exercises?|questions?|part|chapter)\s+"
    r"\d+(?:\s*(?:,|and|or|to|–|-)\s*\d+)*",
    re.IGNORECASE,
)


class Number:
    """A number as written: its value and how precisely it is written."""

    def __init__(self, text: str, value: float, unit: float, percent: bool):
        self.text, self.value, self.unit, self.percent = text, abs(value), unit, percent

    def matches(self, candidates: list[float]) -> bool:
        half = self.unit / 2 * (1 + 1e-9)
        targets = [self.value, self.value / 100] if self.percent else [self.value]
        units = [half, half / 100] if self.percent else [half]
        pairs = list(zip(targets, units, strict=True))
        return any(abs(c - t) <= u for c in candidates for t, u in pairs)


def _plain(text: str) -> str:
    """Markdown/HTML to plain text: no link targets, tags, entities or LaTeX spacing."""
    text = re.sub(r"\]\([^)]*\)", "]", text)  # [label](target.ipynb) -> [label]
    text = re.sub(r"<[^>]+>", " ", text)
    text = html.unescape(text)
    text = text.replace("\\,", " ").replace("\\!", "").replace("\\;", " ")
    return text


def _unit_of(digits: str) -> float:
    if "." in digits:
        return 10.0 ** -len(digits.split(".")[1])
    trailing = len(digits) - len(digits.rstrip("0"))
    return 10.0 ** trailing if digits.strip("0") else 1.0


def numbers_in(text: str, *, skip_references: bool = True) -> list[Number]:
    """Every number written in ``text`` (markdown, LaTeX or plain output)."""
    text = _plain(text)
    if skip_references:
        text = _REFERENCE.sub(" ", text)
    found = []

    def scientific(match):
        if match.group("exp_only") is not None:
            exp = float(match.group("exp_only").replace("−", "-"))
            found.append(Number(match.group(0), 10.0**exp, 10.0**exp * 1e-9, False))
        else:
            mant = match.group("mant") or match.group("emant")
            exp = int((match.group("exp") or match.group("eexp")).replace("−", "-"))
            decimals = len(mant.split(".")[1]) if "." in mant else 0
            value, unit = float(mant) * 10.0**exp, 10.0 ** (exp - decimals)
            found.append(Number(match.group(0), value, unit, False))
        return " "

    text = _SCIENTIFIC.sub(scientific, text)
    for match in _NUMBER.finditer(text):
        digits = match.group("num").replace("{,}", "").replace(",", "").replace("_", "")
        scale = _SCALES.get(match.group("scale"), 1.0)
        found.append(Number(match.group(0).strip(), float(digits) * scale, _unit_of(digits) * scale,
                            bool(match.group("pct"))))
    return found


def _printed_numbers(text: str) -> list[float]:
    """Every number in an output's text, glued to a unit or not."""
    values = []
    for match in _OUTPUT_NUMBER.finditer(html.unescape(text)):
        value = float(match.group("num").replace(",", ""))
        if match.group("exp"):
            value *= 10.0 ** int(match.group("exp"))
        values.append(value)
    return values


def _output_values(nb) -> list[float]:
    """Every number printed in the notebook's stored outputs (plain text and HTML)."""
    values = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            texts = [output.get("text", "")]
            texts += [output.get("data", {}).get(m, "") for m in ("text/plain", "text/html")]
            for text in texts:
                values += _printed_numbers(text)
                values += [n.value for n in numbers_in(text, skip_references=False)]
    return values


def _code_literals(nb) -> list[float]:
    """Every numeric literal in the notebook's code: the parameters it sets."""
    values = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            for token in re.findall(r"(?<![\w.])\d[\d_]*(?:\.\d+)?(?:e[-+]?\d+)?", cell.source):
                values.append(abs(float(token.replace("_", ""))))
    return values


# Generated from each notebook's "**Time:** about N minutes" line: reading-time estimates.
_ESTIMATES = re.compile(
    r"<!-- course-map:start.*?course-map:end -->|\*\*Time:\*\*[^\n]*", re.DOTALL
)


def _references_index(nb) -> int | None:
    """Index of the References cell: the last markdown cell that starts with "## References"."""
    found = [i for i, cell in enumerate(nb.cells)
             if cell.cell_type == "markdown" and cell.source.lstrip().startswith("## References")]
    return found[-1] if found else None


def prose_sources(path: Path):
    """(where, text) for every markdown cell and every exercise prompt and hint of a notebook."""
    nb = nbformat.read(path, as_version=4)
    references = _references_index(nb)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and index != references:
            yield f"markdown cell {index}", _ESTIMATES.sub(" ", cell.source)
    number = path.name[:2]
    try:
        module = importlib.import_module(f"course_utils.exercises.ex{number}")
    except ModuleNotFoundError:
        return
    from course_utils.exercises._engine import Question

    for name in sorted(vars(module)):
        question = getattr(module, name)
        if isinstance(question, Question):
            yield f"ex{number}.{name} prompt", question.prompt
            for k, hint in enumerate(question.hints, start=1):
                yield f"ex{number}.{name} hint {k}", hint


def stale_numbers(path: Path) -> list[str]:
    """'where: number' for each number of the prose found in no output and not declared."""
    nb = nbformat.read(path, as_version=4)
    outputs = _output_values(nb)
    literals = _code_literals(nb)
    allowed = ALLOWED.get(path.name[:2], {})
    allowed_values = [n for text in allowed for n in numbers_in(text, skip_references=False)]
    # a year cited in the text is declared by the notebook's References cell, which lists the paper
    references = _references_index(nb)
    if references is not None:
        source = nb.cells[references].source
        allowed_values += [n for n in numbers_in(source) if re.fullmatch(r"(19|20)\d\d", n.text)]
    stale = []
    for where, text in prose_sources(path):
        for number in numbers_in(text):
            as_literal = [number.value, number.value / 100] if number.percent else [number.value]
            set_in_code = any(math.isclose(v, a) for v in literals for a in as_literal)
            if number.matches(outputs) or set_in_code:
                continue
            if any(math.isclose(number.value, a.value, rel_tol=1e-12) for a in allowed_values):
                continue
            stale.append(f"{where}: {number.text}")
    return stale


# ---------------------------------------------------------------------------- the parser itself


def test_numbers_are_read_as_written():
    text = "k = 1,940 and 1{,}024 subsets; 92% of 0.25 in L1 and s5; 648 million columns"
    assert [n.value for n in numbers_in(text)] == [1940.0, 1024.0, 92.0, 0.25, 648e6]
    (sci,) = numbers_in(r"a hundred take $4.02 \times 10^{16}$ years")
    assert sci.value == pytest.approx(4.02e16)
    assert [n.value for n in numbers_in("see notebook 04 and section 3, notebooks 05 and 06")] == []
    assert [n.value for n in numbers_in("[02 · Penalties](02_penalties_l0_l1_l2.ipynb)")] == [2.0]


def test_rounding_and_percentages_match_sensibly():
    (rounded,) = numbers_in("92%")
    assert rounded.matches([0.9216]) and rounded.matches([92.16]) and not rounded.matches([0.95])
    (five_thousand,) = numbers_in("5,000 times less")
    assert five_thousand.matches([4975.0])
    (exact,) = numbers_in("k = 1958")
    assert not exact.matches([1940.0, 1957.0])


def test_a_stale_hint_is_caught(tmp_path):
    # The ex05 hint said "k = 1958" while the notebook's table printed 1,940.
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("The table keeps k = 1958 weights."),
        nbformat.v4.new_code_cell("print(f'{1940:,}')", outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="1,940\n")]),
    ]
    path = tmp_path / "99_stale.ipynb"
    nbformat.write(nb, path)
    assert stale_numbers(path) == ["markdown cell 0: 1958"]


def test_a_cited_year_needs_its_reference(tmp_path):
    cited = nbformat.v4.new_markdown_cell("Best subset is NP-hard (Natarajan, 1995).")
    references = nbformat.v4.new_markdown_cell("## References\n\n- Natarajan, B. K. (1995). ...")
    path = tmp_path / "99_cited.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [cited]
    nbformat.write(nb, path)
    assert stale_numbers(path) == ["markdown cell 0: 1995"]
    nb.cells = [cited, references]
    nbformat.write(nb, path)
    assert stale_numbers(path) == []


# ---------------------------------------------------------------------------- every notebook


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_every_number_in_the_prose_is_an_output(path):
    stale = stale_numbers(path)
    assert not stale, (
        f"{path.name}: {len(stale)} number(s) of the prose appear in no output of the notebook "
        "(print them, fix the prose, or declare them in ALLOWED with a reason):\n  "
        + "\n  ".join(stale)
    )

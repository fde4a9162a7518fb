"""Every question is stated where it is asked, in the words of its exercise module.

The markdown before each check cell (``ex07.q2.check(...)``) holds a block that
``python tools/notebooks.py sync`` writes from the question's ``prompt`` (and, for a
multiple-choice question, its options): see ``tools/notebooks.py``'s docstring. A check cell
without the block of its question fails here, and so does a block that differs from the prompt
(an edited prompt whose notebook was not synced). The learner notebooks get the same markdown
from the generator, which ``test_notebooks.py`` checks.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("notebooks_tool", ROOT / "tools" / "notebooks.py")
notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(notebooks)

SOLUTIONS = notebooks.solution_paths()


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name[:2])
def test_every_check_cell_states_its_question(path):
    assert notebooks.unstated_questions(notebooks.read(path)) == []


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name[:2])
def test_every_stated_prompt_is_the_modules(path):
    nb = notebooks.read(path)
    blocks = [m for cell in nb.cells if cell.cell_type == "markdown"
              for m in notebooks.PROMPT_BLOCK.finditer(cell.source)]
    for match in blocks:
        assert match.group() == notebooks.prompt_block(match.group("name")), (
            f"{match.group('name')}'s prompt changed: run `python tools/notebooks.py sync`")


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name[:2])
def test_every_question_of_the_module_is_asked(path):
    module = importlib.import_module(f"course_utils.exercises.ex{path.name[:2]}")
    questions = {name for name in vars(module) if re.fullmatch(r"q\d+", name)}
    source = "\n".join(cell.source for cell in notebooks.read(path).cells)
    asked = {m.group(2) for m in notebooks.CHECK_CALL.finditer(source)}
    assert questions == asked


def _notebook(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(source) if kind == "md" else
                nbformat.v4.new_code_cell(source) for kind, source in cells]
    return nb


def test_a_check_cell_without_its_question_is_found():
    block = notebooks.prompt_block("ex00.q1")
    stated = ("md", f"### A number\n\n{block}\n\nFirst, a wrong answer:")
    assert notebooks.unstated_questions(_notebook(stated, ("code", "ex00.q1.check(6)"),
                                                  ("md", "Now yours:"),
                                                  ("code", "ex00.q1.check(2)"))) == []
    problems = [
        _notebook(("md", "How many weights are not zero?"), ("code", "ex00.q1.check(2)")),
        _notebook(stated, ("code", "ex00.q2.check(np.array([1, 4]))")),  # another question's
        _notebook(stated, ("code", "x = 1"), ("code", "ex00.q1.check(2)")),  # code in between
        _notebook(stated, ("code", "ex00.q1.check(2)\nex00.q2.check(w)")),  # q2 not stated
    ]
    for nb in problems:
        assert len(notebooks.unstated_questions(nb)) == 1


def test_sync_writes_the_prompt_and_the_options():
    block = "<!-- ex00.q4 prompt -->\nold text\n<!-- end of ex00.q4 prompt -->"
    nb = _notebook(("md", f"**Now:**\n{block}"))
    assert notebooks.sync(nb)
    text = nb.cells[0].source
    assert "**Question 4** (multiple choice). Which weight can a sparse model leave out" in text
    assert "- **b)** 0.0" in text and "explanation" not in text
    assert text.startswith("**Now:**\n<!-- ex00.q4 prompt (from course_utils/exercises/ex00.py")


def test_markdown_of_a_prompt_keeps_code_and_tex_and_escapes_the_rest():
    assert notebooks._escape("`2**-1074` and $x_j$ but 2**-1074 and x_j") == (
        r"`2**-1074` and $x_j$ but 2\*\*-1074 and x\_j")
    lines = notebooks._wrap("word " * 40 + "`a long piece of code` $a + b$")
    assert all(len(line) <= notebooks.PROMPT_WIDTH for line in lines)
    assert all(line.count("`") % 2 == 0 and line.count("$") % 2 == 0 for line in lines)


def _float_values():
    from course_utils.exercises._engine import Value

    for number in range(9):  # ex00 .. ex08
        module = importlib.import_module(f"course_utils.exercises.ex{number:02d}")
        for name, question in vars(module).items():
            if re.fullmatch(r"q\d+", name) and isinstance(question, Value):
                answer = float(question.answer)
                if answer != int(answer):  # a rounded number is expected
                    yield f"ex{number:02d}.{name}", question


@pytest.mark.parametrize("name, question", list(_float_values()), ids=lambda x: str(x)[:8])
def test_a_rounded_answer_is_asked_with_its_precision(name, question):
    stated = re.search(r"(\d+) significant digits", question.prompt)
    assert stated, f"{name}'s prompt does not say how precise the answer must be"
    if question.digits is not None:  # the tolerance policy: what the prompt asks is what is checked
        assert int(stated.group(1)) == question.digits, name

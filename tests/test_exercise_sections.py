"""Every "section N" a question's text names exists in its notebook and is about what it says.

Prompts, hints, mistake feedback, option explanations and solutions send the learner to a
section ("the collision table of section 6"). Each reference must name a numbered heading of
the question's own notebook (``## 6. ...``), and the words just before it ("collision table")
must occur in that section's cells, so that a renumbered or misremembered section is caught.
"""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "notebooks" / "solutions"
# "the collision table of section 6" (what: the words before "of"), "section 2's recipe" (what:
# the words after), or a bare "see section 3" (nothing to match)
REFERENCE = re.compile(
    r"(?:(?P<before>(?:[\w'-]+ ){1,3})(?:of|in|from) )?[Ss]ection (?P<number>\d+)"
    r"(?:'s (?P<after>(?:[\w-]+ ?){1,2}))?")
STOP = {"the", "of", "in", "from", "as", "see", "at", "use", "that", "this", "with", "and",
        "table", "data", "recipe", "rule", "cells", "here", "shows", "showed", "then", "your",
        "same", "exactly", "built", "notebook's", "notebook", "is", "was", "on", "for",
        "look", "start", "compute", "transfer", "give", "into"}


def _question_texts(module) -> list[tuple[str, str]]:
    """``(question name, text)`` for every text a question of ``module`` shows."""
    texts = []
    for name, question in vars(module).items():
        if not re.fullmatch(r"q\d+", name):
            continue
        parts = [question.prompt, *question.hints, question._solution_text()]
        parts += [feedback for _, feedback in getattr(question, "mistakes", [])]
        parts += [str(option) for option in getattr(question, "options", {}).values()] \
            if isinstance(getattr(question, "options", None), dict) else []
        texts += [(name, part) for part in parts if isinstance(part, str)]
    source = Path(module.__file__).read_text(encoding="utf-8")  # comments and explanations
    texts += [("module", line) for line in source.splitlines() if "ection " in line]
    return texts


def _sections(notebook: Path) -> dict[str, str]:
    """``{"6": all text of section 6}`` from the ``## N. Title`` headings of a notebook."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    sections, current = {}, None
    for cell in cells:
        text = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            for line in text.splitlines():
                match = re.match(r"##\s+(\d+)\.", line)
                if match:
                    current = match.group(1)
        if current is not None:
            sections[current] = sections.get(current, "") + "\n" + text
    return sections


MODULES = sorted(p.stem for p in (ROOT / "course_utils" / "exercises").glob("ex[0-9][0-9].py"))


def test_every_exercise_module_is_checked():
    assert len(MODULES) >= 8


@pytest.mark.parametrize("name", MODULES)
def test_section_references_exist_and_match(name):
    module = importlib.import_module(f"course_utils.exercises.{name}")
    (notebook,) = SOLUTIONS.glob(f"{name[2:]}_*.ipynb")
    sections = _sections(notebook)
    problems = []
    for question, text in _question_texts(module):
        flat = " ".join(text.split())
        for match in REFERENCE.finditer(flat):
            number = match.group("number")
            if number not in sections:
                problems.append(f"{question}: section {number} does not exist: {flat[:120]}")
                continue
            what = f"{match.group('before') or ''} {match.group('after') or ''}"
            words = [w.strip("',").lower() for w in what.split()]
            words = [w for w in words if len(w) > 2 and w not in STOP]
            body = sections[number].lower()
            if words and not any(w in body or w.rstrip("s") in body for w in words):
                problems.append(f"{question}: section {number} mentions none of {words}: "
                                f"{flat[:120]}")
    assert not problems, "\n".join(problems)

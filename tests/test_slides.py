"""`python tools/notebooks.py slides` (tools/slides.py): offline reveal.js decks (issue 16)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import slides  # noqa: E402

import notebooks as tool  # noqa: E402

NOTEBOOK = tool.SOLUTIONS / "03_zeno_l2_decay_vs_l1.ipynb"


@pytest.fixture(scope="module")
def deck(tmp_path_factory):
    out = tmp_path_factory.mktemp("slides")
    (path,) = slides.build([NOTEBOOK], out)
    return path


def test_one_section_per_slide_tag_and_continued_cells_join_it(deck):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    tags = [cell.metadata.get("tags", []) for cell in nb.cells]
    starts = sum("slide" in t for t in tags)
    assert starts >= 5 and any("slide-continue" in t for t in tags)
    text = deck.read_text(encoding="utf-8")
    assert text.count("<section>") == starts == len(slides.slide_groups(nb))
    assert text.count('<img class="figure"') == sum(
        "image/png" in output.get("data", {})
        for cell, t in zip(nb.cells, tags, strict=True) if {"slide", "slide-continue"} & set(t)
        for output in cell.get("outputs", [])
    )


def test_nothing_is_loaded_from_the_network(deck):
    text = deck.read_text(encoding="utf-8")
    sources = re.findall(r'(?:src|href)="([^"]+)"', text)
    loaded = [s for s in sources if not s.startswith(("data:", "#")) and not s.endswith(".html")]
    assert sorted(set(loaded)) == [
        "reveal.js/dist/reveal.css", "reveal.js/dist/reveal.js", "reveal.js/dist/theme/white.css",
    ]
    for name in loaded:
        assert (deck.parent / name).is_file()
    for css in (deck.parent / "reveal.js").rglob("*.css"):
        assert "@import" not in css.read_text(encoding="utf-8")  # no font or theme fetched
    assert "$" not in text and text.count('<img class="math"') > 10  # formulas drawn, no MathJax


def test_continue_before_any_slide_is_refused():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("x", metadata={"tags": ["slide-continue"]})]
    with pytest.raises(ValueError, match="slide-continue"):
        slides.slide_groups(nb)


def test_learner_copies_keep_the_tags():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    learner = tool.generate(nb, NOTEBOOK.name)
    kept = [c for c in nb.cells if "solution-only" not in c.metadata.get("tags", [])]
    assert [c.metadata.get("tags") for c in learner.cells] == [c.metadata.get("tags") for c in kept]


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no headless browser here")
def test_reveal_starts_in_a_headless_browser_offline(deck):
    dom = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
         deck.as_uri()], capture_output=True, text=True, timeout=120, check=True,
    ).stdout
    assert re.search(r'<div class="reveal [^"]*\bready\b', dom)  # reveal.js ran and laid out

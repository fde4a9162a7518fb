"""`python tools/notebooks.py slides` (tools/slides.py): offline reveal.js decks (issue 16)."""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import notebooks as tool  # noqa: E402

# imported by name: with a generated slides/ folder at the root, ruff's import sorting would take
# `slides` for a first-party package and want another order
slides = importlib.import_module("slides")

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
    assert starts == len(slides.slide_groups(nb))
    # and one slide for each markdown cell whose display formula no tagged slide shows
    assert text.count("<section>") == len(slides.deck_groups(nb)) >= starts
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
        "mathjax/tex-svg-full.js",
        "reveal.js/dist/reveal.css", "reveal.js/dist/reveal.js", "reveal.js/dist/theme/white.css",
    ]
    for name in loaded:
        assert (deck.parent / name).is_file()
    for css in (deck.parent / "reveal.js").rglob("*.css"):
        assert "@import" not in css.read_text(encoding="utf-8")  # no font or theme fetched
    # formulas are TeX for the MathJax copied beside the deck; none is left between dollars
    assert "$" not in text and text.count("\\(") > 10 and text.count("\\[") >= 5
    assert "mathjax/LICENSE" in {p.relative_to(deck.parent).as_posix()
                                 for p in (deck.parent / "mathjax").iterdir()}


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


@pytest.fixture(scope="module")
def all_decks(tmp_path_factory):
    out = tmp_path_factory.mktemp("all-slides")
    return out, slides.build(tool.solution_paths(), out)


def test_every_notebook_has_a_deck(all_decks):
    out, decks = all_decks
    assert [d.stem for d in decks] == [p.stem for p in tool.solution_paths()]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{d.name}"' in index for d in decks)


def test_no_dead_link_between_decks(all_decks):
    out, decks = all_decks
    dead = []
    for deck in [*decks, out / "index.html"]:
        for href in re.findall(r'href="([^"#:]+\.html)(?:#[^"]*)?"', deck.read_text("utf-8")):
            if not (out / href).is_file():
                dead.append(f"{deck.name} -> {href}")
    assert dead == []


def test_every_display_formula_is_on_a_slide_and_figures_keep_their_alt_text(all_decks):
    out, decks = all_decks
    for path, deck in zip(tool.solution_paths(), decks, strict=True):
        nb = nbformat.read(path, as_version=4)
        text = deck.read_text(encoding="utf-8").split('<div class="slides">', 1)[1]
        text = text.split("<script", 1)[0]  # the slides, not MathJax's settings
        displays = sum(c.source.count("$$") // 2 for c in nb.cells if c.cell_type == "markdown")
        assert text.count("\\[") == displays, deck.name
        alts = re.findall(r'<img class="figure" alt="([^"]*)"', text)
        assert len(alts) == text.count('<img class="figure"') and (alts or deck.name[:2] == "00")
        assert all(a != "figure" and not a.startswith("&lt;Figure") for a in alts), deck.name
        assert "<h" in text

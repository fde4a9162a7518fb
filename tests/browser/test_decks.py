"""The slide decks in headless Chromium (issue 25): every slide of every deck, offline.

The decks are built (``tools/slides.py``) into a temporary folder and opened from the files, as
from a USB stick. Each deck must load nothing but its own files, log no error, and typeset its
formulas with the MathJax shipped beside it (no MathJax error, no TeX left between ``\\(``/``$``).
Every slide must fit the 1280 x 800 slide once drawn (its content measured after reveal.js and
the fitting script are done) and carry a heading; the arrow keys move between slides.
"""

from __future__ import annotations

import importlib
import sys

import pytest

from tests.browser.conftest import ROOT

pytestmark = pytest.mark.browser

sys.path.insert(0, str(ROOT / "tools"))
nbtool = importlib.import_module("notebooks")
slides = importlib.import_module("slides")

# Each slide drawn on its own: its content's bottom edge, in slide pixels, and what it holds.
MEASURE = """async () => {
  const sections = [...document.querySelectorAll('.reveal .slides > section')];
  const out = [];
  for (let i = 0; i < sections.length; i++) {
    Reveal.slide(i);
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    const section = sections[i];
    const box = section.querySelector('.fit');
    const scale = Reveal.getScale();
    const top = section.getBoundingClientRect().top;
    const bottom = Math.max(box.getBoundingClientRect().bottom,
      ...[...box.querySelectorAll('*')].map(e => e.getBoundingClientRect().bottom));
    const prose = [...box.querySelectorAll('p, li, h1, h2, h3, td, th')].map(e => {
      const copy = e.cloneNode(true);
      copy.querySelectorAll('mjx-container, code, pre').forEach(x => x.remove());
      return copy.textContent;
    }).join(' ');
    out.push({index: i, height: Math.round((bottom - top) / scale),
              heading: (box.querySelector('h1, h2, h3') || {textContent: ''}).textContent.trim(),
              raw: (prose.match(/\\\\[a-zA-Z]+|\\\\[()\\[\\]]|\\$/g) || []).slice(0, 3),
              errors: box.querySelectorAll('mjx-merror, [data-mjx-error]').length,
              formulas: box.querySelectorAll('mjx-container').length});
  }
  return out;
}"""


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    out = tmp_path_factory.mktemp("slides")
    return slides.build(nbtool.solution_paths(), out)


@pytest.fixture(scope="module")
def deck_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


def test_every_slide_fits_has_a_heading_and_typeset_formulas(decks, deck_page, screenshots):
    page = deck_page
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith(("file:", "data:", "blob:"))
            else problems.append(f"request leaves the deck: {r.url}"))
    too_tall, no_heading, raw, errors, measured = [], [], [], [], 0
    for deck in decks:
        page.goto(deck.as_uri())
        page.wait_for_function("() => document.body.dataset.fitted === 'true'", timeout=60_000)
        slides_seen = page.evaluate(MEASURE)
        measured += len(slides_seen)
        for s in slides_seen:
            where = f"{deck.name} slide {s['index']}"
            if s["height"] > slides.SLIDE_HEIGHT:
                too_tall.append(f"{where}: {s['height']} px")
            if not s["heading"]:
                no_heading.append(where)
            if s["raw"]:
                raw.append(f"{where}: {s['raw']}")
            if s["errors"]:
                errors.append(where)
        page.evaluate("() => Reveal.slide(0)")
        page.keyboard.press("ArrowRight")
        assert page.evaluate("() => Reveal.getIndices().h") == 1, deck.name
        page.screenshot(path=str(screenshots / f"deck-{deck.stem}-1.png"))
    assert problems == []
    assert measured >= 8 * 5
    assert too_tall == [], f"slides taller than {slides.SLIDE_HEIGHT} px"
    assert no_heading == [] and raw == [] and errors == []

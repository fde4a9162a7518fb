"""The website with axe-core and the keyboard (issue 25).

axe-core (vendored: ``tests/browser/axe-core/``, so nothing is downloaded) runs on every page of
the site in the light and the dark theme, after MathJax has typeset it, and must report no
critical and no serious violation. With the keyboard: no formula is a Tab stop, the launch
buttons come before anything of the notebook's body, and every Tab stop shows a focus ring.

The light-theme pass runs inside ``test_site.py``'s ``test_page_light`` (on the page it has open
already); the dark one here.
"""

from __future__ import annotations

import pytest

from tests.browser.a11y import assert_accessible, axe_and_tab_formulas
from tests.browser.test_site import PAGES, open_page

pytestmark = pytest.mark.browser

# Where the keyboard focus is: what it is, whether it shows a ring, whether it is a formula.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const ring = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  const shadow = style.boxShadow && style.boxShadow !== 'none';
  return {
    tag: el.tagName.toLowerCase(), cls: el.className && String(el.className).slice(0, 60),
    text: (el.textContent || el.value || '').trim().slice(0, 40),
    ring: ring || Boolean(shadow),
    math: Boolean(el.closest('mjx-container, .math')),
    launch: Boolean(el.closest('.course-launch')),
    body: Boolean(el.closest('article')) && !el.closest('.course-launch'),
    path: (() => { const p = []; for (let e = el; e && p.length < 40; e = e.parentElement)
                     p.push(e.tagName); return p.join('<'); })(),
  };
}"""


# The light theme is checked in test_site.py's test_page_light, on the page it has open already.
@pytest.mark.parametrize("path", PAGES)
def test_axe_core_dark_theme(contexts, site_url, path):
    page, problems = open_page(contexts["dark"], site_url, path)
    try:
        assert page.evaluate("() => document.body.dataset.theme") == "dark"
        violations, tab_formulas = axe_and_tab_formulas(page)
    finally:
        page.close()
    assert problems == []
    assert_accessible(path, "dark", violations, tab_formulas)


def tab_through(page, limit: int = 400) -> list[dict]:
    """Press Tab from the top of ``page`` until the focus comes back round; the stops seen."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
    page.locator("body").focus()
    stops, first = [], None
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUSED)
        if stop is None:
            continue
        key = (stop["path"], stop["text"], stop["cls"])
        if key == first:
            break
        first = first or key
        stops.append(stop)
    return stops


@pytest.mark.parametrize("path", ["notebooks/03_zeno_l2_decay_vs_l1.html", "index.html"])
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_keyboard_tab_order_and_focus_ring(contexts, site_url, path, theme):
    page, problems = open_page(contexts[theme], site_url, path)
    try:
        stops = tab_through(page)
        search = page.locator("input.sidebar-search")
        search.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
        search_ring = page.evaluate(FOCUSED)
    finally:
        page.close()
    assert problems == []
    assert stops and len(stops) < 400
    assert [s for s in stops if s["math"]] == [], "a formula is a Tab stop"
    assert [s for s in stops if not s["ring"]] == [], "Tab stops without a visible focus ring"
    assert search_ring["cls"] == "sidebar-search" and search_ring["ring"]
    if path.startswith("notebooks/"):
        launch = [i for i, s in enumerate(stops) if s["launch"]]
        body = [i for i, s in enumerate(stops) if s["body"]]
        assert launch and (not body or launch[0] < body[0]), "launch buttons after the body"

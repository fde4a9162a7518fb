"""The built website in headless Chromium: every page, light and dark theme, desktop and phone.

Each page is served on 127.0.0.1 and fails when it logs a console error, makes a request that
fails or leaves the site, leaves math as raw TeX, shows an image without alt text, overflows
horizontally at 390 px, or shows an exercise verdict without its label or with less than 3:1
contrast against the page (light and dark theme). Links and anchors are checked on the files.
"""

from __future__ import annotations

import html.parser
import importlib.util
import re
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlparse

import pytest

from tests.browser.a11y import assert_accessible, axe_and_tab_formulas
from tests.browser.conftest import PHONE

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_site"
_spec = importlib.util.spec_from_file_location("notebooks_tool", ROOT / "tools" / "notebooks.py")
nbtool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(nbtool)

pytestmark = pytest.mark.browser

PAGES = sorted(
    str(p.relative_to(SITE))
    for p in SITE.glob("**/*.html")
    if not p.relative_to(SITE).parts[0].startswith("_")
)
NOTEBOOK_PAGES = [p for p in PAGES if re.match(r"(notebooks|solutions)/\d\d_", p)]
VERDICT_LABEL = re.compile(r"^(Correct|Incorrect|Not attempted yet|Hint( \d+ of \d+)?|Solution):$")
RAW_TEX = re.compile(r"\\\(|\\\[|\\begin\{|\$[^$\s][^$]*\$")

MIN_CONTRAST = 3.0

WAIT_FOR_MATH = """async () => {
  if (!document.querySelector('.math')) return;
  for (let i = 0; i < 200 && !(window.MathJax && MathJax.startup && MathJax.startup.promise); i++)
    await new Promise(r => setTimeout(r, 50));
  await MathJax.startup.promise;
}"""

# Prose text outside code, with math already typeset (MathJax's own markup removed).
PROSE_TEXT = """() => {
  const article = document.querySelector('article') || document.body;
  const copy = article.cloneNode(true);
  copy.querySelectorAll('pre, code, script, style, mjx-container, .highlight')
    .forEach(e => e.remove());
  return copy.textContent;
}"""

VERDICTS = """() => {
  const opaque = (el) => {
    for (; el; el = el.parentElement) {
      const bg = getComputedStyle(el).backgroundColor;
      const alpha = bg.startsWith('rgba') ? parseFloat(bg.split(',')[3]) : 1;
      if (bg !== 'transparent' && alpha > 0) return bg;
    }
    return 'rgb(255, 255, 255)';
  };
  return [...document.querySelectorAll('div[style*="border-left"]')].map(box => {
    const label = box.querySelector('strong');
    return {
      label: label ? label.textContent.trim() : null,
      visible: label ? label.getBoundingClientRect().width > 0 : false,
      border: getComputedStyle(box).borderLeftColor,
      text: label ? getComputedStyle(label).color : null,
      background: opaque(box),
    };
  });
}"""


def parse_rgb(css: str) -> tuple[float, float, float]:
    """The red, green and blue of a CSS ``rgb(...)``/``rgba(...)`` colour, 0-255."""
    values = [float(v) for v in re.findall(r"[\d.]+", css)[:3]]
    if len(values) != 3:
        raise ValueError(f"not an rgb colour: {css!r}")
    return tuple(values)


def luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG 2 relative luminance."""

    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two CSS colours (1 to 21)."""
    la, lb = sorted((luminance(parse_rgb(a)), luminance(parse_rgb(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_formula():
    assert contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)") == pytest.approx(21.0)
    assert contrast("rgb(119, 119, 119)", "rgb(255, 255, 255)") == pytest.approx(4.48, abs=0.01)


def open_page(context, site_url: str, path: str):
    """Open ``path``; return the page and the problems seen while it loaded and typeset."""
    page = context.new_page()
    problems = []
    page.on(
        "console",
        lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))

    def on_request(request):
        url = request.url
        if not (url.startswith(site_url) or url.startswith(("data:", "blob:", "about:"))):
            problems.append(f"request leaves the site: {url}")

    page.on("request", on_request)
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} {r.failure}"))
    page.on(
        "response",
        lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
    )
    page.goto(site_url + path, wait_until="load")
    page.evaluate(WAIT_FOR_MATH)  # MathJax's fonts load while it typesets
    return page, problems


@pytest.mark.parametrize("path", PAGES)
def test_page_light(contexts, site_url, screenshots, path):
    """Light theme: no console error, no request failing or leaving, math typeset, alt texts;
    axe-core finds nothing critical or serious and no formula is a Tab stop."""
    page, problems = open_page(contexts["light"], site_url, path)
    try:
        raw = RAW_TEX.findall(page.evaluate(PROSE_TEXT))
        untypeset = page.evaluate(
            "() => [...document.querySelectorAll('.math')]"
            ".filter(e => !e.querySelector('mjx-container')).map(e => e.textContent)"
        )
        # Sphinx writes the image's path as its alt when a figure has none: not a text
        # alternative a screen reader can use, so a file name counts as missing.
        no_alt = page.evaluate(
            "() => [...document.querySelectorAll('img')].filter(i => {"
            "  const alt = (i.getAttribute('alt') || '').trim();"
            "  return !alt || /\\.(png|jpe?g|svg|gif)$/i.test(alt)"
            "    || alt === i.getAttribute('src');"
            "}).map(i => i.src.slice(-60))"
        )
        if path in NOTEBOOK_PAGES:
            page.screenshot(path=str(screenshots / f"site-{path.replace('/', '-')}.png"))
        violations, tab_formulas = axe_and_tab_formulas(page)  # issue 25: axe-core, light theme
    finally:
        page.close()
    assert problems == []
    assert raw == [], f"raw TeX left in the prose: {raw[:5]}"
    assert untypeset == [], f"math not typeset: {untypeset[:5]}"
    assert no_alt == [], f"images without alt text: {no_alt}"
    assert_accessible(path, "light", violations, tab_formulas)


@pytest.mark.parametrize("path", NOTEBOOK_PAGES)
def test_verdict_boxes_both_themes(contexts, site_url, path):
    """Every verdict/hint box keeps its label and 3:1 contrast, in the light and the dark theme."""
    for theme in ("light", "dark"):
        page, problems = open_page(contexts[theme], site_url, path)
        try:
            assert page.evaluate("() => document.body.dataset.theme") == theme
            boxes = page.evaluate(VERDICTS)
        finally:
            page.close()
        assert problems == [], theme
        for box in boxes:
            assert box["label"] and VERDICT_LABEL.match(box["label"]), (theme, box)
            assert box["visible"], (theme, box)
            for part in ("border", "text"):
                ratio = contrast(box[part], box["background"])
                assert ratio >= MIN_CONTRAST, f"{theme}: {box['label']} {part} {ratio:.2f}:1 {box}"
    if path.endswith("00_start_here.html"):
        assert len(boxes) >= 4, "notebook 00 shows a verdict for each kind of question"


# Display formulas wider than their box: each must scroll inside it with the cue (course.js's
# "course-scrolls" class, a dotted edge and a fade), never run past the screen unmarked.
WIDE_FORMULAS = """() => [...document.querySelectorAll('article mjx-container[display="true"]')]
  .filter(e => e.scrollWidth > e.clientWidth + 1
            || e.getBoundingClientRect().right > innerWidth + 1)
  .map(e => ({cue: e.classList.contains('course-scrolls'),
              scrolls: ['auto', 'scroll'].includes(getComputedStyle(e).overflowX),
              inside: e.getBoundingClientRect().right <= innerWidth + 1,
              tex: (e.querySelector('mjx-assistive-mml') || e).textContent.slice(0, 40)}))"""


def test_display_formulas_fit_at_1200_px(browser, site_url):
    """At 1200 px every display formula fits (drawn smaller if needed): none scrolls."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    try:
        wide = {}
        for path in [p for p in NOTEBOOK_PAGES if p.startswith("notebooks/")]:
            page, problems = open_page(context, site_url, path)
            try:
                page.wait_for_timeout(300)  # course.js fits formulas once MathJax is done
                found = page.evaluate(WIDE_FORMULAS)
            finally:
                page.close()
            assert problems == []
            if found:
                wide[path] = found
    finally:
        context.close()
    assert wide == {}


@pytest.mark.parametrize("path", PAGES)
def test_no_horizontal_overflow_on_a_phone(contexts, site_url, path):
    """At 390 px the page does not scroll sideways and no prose runs past the screen; a display
    formula too wide for it scrolls inside its box, with a visible cue."""
    page, problems = open_page(contexts["phone"], site_url, path)
    try:
        width = page.evaluate("() => document.documentElement.scrollWidth")
        overflowing = page.evaluate(
            """() => [...document.querySelectorAll(
                'article p, article li, article h1, article h2, article h3, article dd')]
              .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
              .filter(e => {  // inside a box that scrolls sideways (a wide table) is fine
                for (let a = e.parentElement; a; a = a.parentElement)
                  if (['auto', 'scroll'].includes(getComputedStyle(a).overflowX)) return false;
                return true;
              })
              .map(e => e.textContent.slice(0, 60))"""
        )
        page.wait_for_timeout(300)  # course.js fits or marks formulas once MathJax is done
        formulas = page.evaluate(WIDE_FORMULAS)
    finally:
        page.close()
    assert problems == []
    assert width <= PHONE["width"], f"page is {width} px wide"
    assert overflowing == []
    unmarked = [f for f in formulas if not (f["cue"] and f["scrolls"] and f["inside"])]
    assert unmarked == [], f"formulas wider than the phone without a scroll cue: {unmarked}"


def test_slider_cell_shows_the_stand_in(contexts, site_url):
    """Notebook 03's slider cell reads as a sentence pointing to the static figure."""
    page, problems = open_page(contexts["light"], site_url, "notebooks/03_zeno_l2_decay_vs_l1.html")
    try:
        text = page.evaluate("() => document.body.innerText")
    finally:
        page.close()
    assert problems == []
    assert "interactive(children=" not in text
    assert nbtool.WIDGET_STAND_IN in text


class _Links(html.parser.HTMLParser):
    """The ids and the hrefs of one HTML file."""

    def __init__(self):
        super().__init__()
        self.ids, self.hrefs = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key):
                self.ids.add(attrs[key])
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_internal_links_and_anchors(site_dir):
    """Every link inside the site reaches a file, and every #anchor an id on that page."""
    parsed = {p: _parse(p) for p in site_dir.glob("**/*.html") if "_static" not in p.parts}
    broken = []
    for page, links in parsed.items():
        base = page.relative_to(site_dir).as_posix()
        for href in links.hrefs:
            if urlparse(href).scheme or href.startswith("//"):
                continue  # Colab, Binder, GitHub: leave the site by design, never requested
            url, anchor = urldefrag(urljoin(base, href))
            target = site_dir / unquote(url) if url else page
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{base}: {href} (no file)")
            elif anchor and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else _parse(target).ids
                if unquote(anchor) not in ids:
                    broken.append(f"{base}: {href} (no anchor)")
    assert parsed and broken == []


SEARCH_RESULTS = """() => [...document.querySelectorAll('#search-results li')].map(li => ({
  title: (li.querySelector('a') || {textContent: ''}).textContent.trim(),
  href: (li.querySelector('a') || {href: ''}).href,
  snippet: (li.querySelector('p.context') || {textContent: ''}).textContent,
}))"""


@pytest.mark.parametrize("query", ["sparse", "soft-thresholding"])
def test_search_tells_solutions_apart_with_clean_snippets(contexts, site_url, query):
    """Search lists a solution page under its own title ("... (solved)"); no snippet shows TeX."""
    page, problems = open_page(contexts["light"], site_url, f"search.html?q={query}")
    try:
        page.wait_for_function(
            "() => document.querySelectorAll('#search-results li p.context').length >= 4",
            timeout=60_000,
        )
        page.wait_for_timeout(1500)  # the remaining snippets
        results = page.evaluate(SEARCH_RESULTS)
    finally:
        page.close()
    assert problems == []
    titles = [r["title"] for r in results]
    assert len(titles) == len(set(titles)), f"two results under one title: {titles}"
    solved = [r for r in results if "/solutions/" in r["href"] and "/index" not in r["href"]]
    assert solved and all(r["title"].endswith("(solved)") for r in solved), solved
    tex = re.compile(r"\\[a-zA-Z]+|\\[()\[\]]")
    raw = [r["snippet"][:120] for r in results if tex.search(r["snippet"])]
    assert raw == [], f"TeX in search snippets: {raw}"


@pytest.mark.parametrize("path", [p for p in NOTEBOOK_PAGES if p.startswith("solutions/")])
def test_solution_pages_are_labelled(site_dir, path):
    """A solution page says so: its title ends "(solved)" and a banner opens it."""
    text = (site_dir / path).read_text(encoding="utf-8")
    assert re.search(r"<title>\d\d · [^<]+ \(solved\) - ", text)
    assert re.search(r'<div class="[^"]*\bcourse-solved\b[^"]*admonition', text)
    assert "Solved notebook" in text


@pytest.mark.parametrize("path", NOTEBOOK_PAGES)
def test_setup_cell_collapsed_on_the_site(site_dir, path):
    """The setup cell's source sits in a closed "Show code cell source" box."""
    text = (site_dir / path).read_text(encoding="utf-8")
    at = text.index("Setup (identical in every notebook")
    opened = text.rfind("<details", 0, at)
    assert opened != -1 and "</details>" not in text[opened:at], "setup cell not collapsed"
    assert " open" not in text[opened:text.index(">", opened)]

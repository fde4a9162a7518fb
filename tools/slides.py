"""Slide decks for the instructor: one reveal.js deck per notebook, from cells tagged for slides.

Run it as ``python tools/notebooks.py slides [PATH ...]``. It reads the solution notebooks (their
stored outputs hold the figures) and writes, into the git-ignored folder ``slides/``:

* ``slides/NN_name.html``: one deck per notebook;
* ``slides/index.html``: the list of decks;
* ``slides/reveal.js/``: the reveal.js files (vendored in ``tools/reveal.js/``, see its README);
* ``slides/mathjax/``: MathJax 3 (vendored in ``tools/mathjax/``), which typesets the formulas.

Nothing is loaded from the network: figures are embedded in the page, formulas are typeset by the
MathJax copied beside the decks (SVG output, every TeX extension built in, no font files), and
reveal.js is the local copy. Copy the whole ``slides/`` folder (to a USB stick) and open
``index.html`` in any browser: arrow keys move, ``F`` is full screen, ``Esc`` an overview.

Which cells become slides (cell metadata tags, set in the solution notebooks; the learner copies
get the same tags from the generator):

* ``slide``: the cell starts a new slide (title cell, objectives, a figure, an exercise prompt);
* ``slide-continue``: the cell is added to the slide before it (a figure's one-sentence reading).

A notebook without tagged cells (07) gets a deck chosen by rule (``auto_groups``): its title,
then for each numbered section its heading with the section's first paragraph, and each figure
with the first paragraph of the cell that reads it; then the summary.

A markdown cell is shown as written. A code cell shows its outputs, never its code: its figures
(with the alt text the notebook stores for them), or, when it has none, its printed text. A slide
without a heading of its own gets the heading of the section it comes from. Each slide must fit
the 1280 x 800 slide: one that is taller is drawn smaller (down to 55 %, figures included), and
``tests/browser/test_decks.py`` measures every slide.
"""

from __future__ import annotations

import html
import re
import string
import sys
from pathlib import Path

import nbformat

from course_utils._files import read_regular_file, write_atomically

TOOLS = Path(__file__).resolve().parent
sys.path.insert(0, str(TOOLS))
import notebooks as nbtool  # noqa: E402  (tools/notebooks.py: the tools' one notebook reader)

ROOT = TOOLS.parent
REVEAL = TOOLS / "reveal.js"
OUT = ROOT / "slides"
SLIDE, CONTINUE = "slide", "slide-continue"
REVEAL_FILES = ["dist/reveal.js", "dist/reveal.css", "dist/theme/white.css", "LICENSE"]
MATHJAX = TOOLS / "mathjax"
MATHJAX_FILES = ["tex-svg-full.js", "LICENSE"]
MAX_ASSET_BYTES = 16 * 2**20  # the largest, MathJax's tex-svg-full.js, is about 2 MB
SLIDE_WIDTH, SLIDE_HEIGHT = 1280, 800
MIN_SCALE = 0.55  # a slide taller than the slide is drawn smaller, down to this factor

_STYLE = """
.reveal { font-family: "Helvetica Neue", Helvetica, Arial, sans-serif; font-size: 30px; }
.reveal h1, .reveal h2, .reveal h3 { font-family: inherit; text-transform: none; }
.reveal h1 { font-size: 1.7em; } .reveal h2 { font-size: 1.3em; } .reveal h3 { font-size: 1.1em; }
.reveal .slides section { text-align: left; height: 100%; overflow: hidden; }
.reveal .slides section .fit { transform-origin: top left; }
.reveal .slides section img.figure { display: block; margin: 0.3em auto; max-height: 15em;
  width: auto; max-width: 100%; object-fit: contain; }
.reveal a.anchor-link { display: none; }
.reveal .display-math { text-align: center; }
.reveal mjx-container[display="true"] { margin: 0.4em 0; }
.reveal pre.output { font-size: 0.55em; box-shadow: none; width: 100%; }
.reveal ul, .reveal ol { display: block; }
"""

# MathJax: TeX between \\( \\) and \\[ \\] (the decks write them so), SVG output, no menu.
_MATHJAX_CONFIG = """window.MathJax = {
  tex: {inlineMath: [['\\\\(', '\\\\)']], displayMath: [['\\\\[', '\\\\]']]},
  svg: {fontCache: 'global'},
  options: {enableMenu: false}
};"""

# Fit each slide into the slide: a slide taller than SLIDE_HEIGHT is drawn smaller (its .fit
# box scaled), down to MIN_SCALE; then reveal.js lays out again. Runs once MathJax is done.
_FIT = string.Template("""function courseFit() {
  document.querySelectorAll('.reveal .slides section').forEach(function (section) {
    const box = section.querySelector('.fit');
    if (!box) return;
    const shown = section.style.display;
    section.style.display = 'block';
    box.style.transform = ''; box.style.width = '';
    const height = box.scrollHeight;
    if (height > $height) {
      const scale = Math.max($min_scale, $height / height);
      box.style.transform = 'scale(' + scale + ')';
      box.style.width = (100 / scale) + '%';
      section.dataset.scale = scale.toFixed(2);
    }
    section.style.display = shown;
  });
  document.body.dataset.fitted = 'true';
}
Reveal.initialize({hash: true, center: false, width: $width, height: $height})
  .then(function () { return MathJax.startup.promise; })
  .then(function () { courseFit(); Reveal.layout(); });""").substitute(
    height=SLIDE_HEIGHT, width=SLIDE_WIDTH, min_scale=MIN_SCALE
)


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def slide_groups(nb) -> list[list]:
    """The tagged cells of ``nb``, grouped into slides (``slide`` starts one)."""
    slides = []
    for cell in nb.cells:
        tags = _tags(cell)
        if SLIDE in tags:
            slides.append([cell])
        elif CONTINUE in tags:
            if not slides:
                raise ValueError(f"cell {cell.get('id')}: '{CONTINUE}' before any '{SLIDE}' cell")
            slides[-1].append(cell)
    return slides


_DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)
_INLINE_MATH = re.compile(r"(?<![\\$])\$([^$\n]+?)\$")


def _markdown(source: str) -> str:
    """HTML of a markdown cell; its formulas stay TeX, for MathJax."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    formulas = []

    def keep(display: bool):
        def replace(match: re.Match) -> str:
            tex = match.group(1).strip() if display else match.group(1)
            formulas.append(rf"\[{tex}\]" if display else rf"\({tex}\)")
            return f"COURSEMATH{len(formulas) - 1}X"
        return replace

    source = _DISPLAY_MATH.sub(keep(True), source)
    source = _INLINE_MATH.sub(keep(False), source)
    # links to other notebooks point at their decks
    source = re.sub(r"\]\((\d\d_[\w-]+)\.ipynb(#[^)]*)?\)", r"](\1.html)", source)
    text = markdown2html_mistune(source)
    return re.sub(r"COURSEMATH(\d+)X", lambda m: html.escape(formulas[int(m.group(1))]), text)


def _alt(cell) -> str:
    """The figure's alt text, from the cell's metadata (``mystnb.image.alt``)."""
    alt = cell.get("metadata", {}).get("mystnb", {}).get("image", {}).get("alt")
    return alt.strip() if isinstance(alt, str) and alt.strip() else "figure"


def _outputs(cell) -> str:
    """A code cell's figures, or its printed text when it has no figure."""
    images, texts = [], []
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if "image/png" in data:
            alt = html.escape(_alt(cell), quote=True)
            images.append(f'<img class="figure" alt="{alt}" '
                          f'src="data:image/png;base64,{data["image/png"].strip()}">')
        elif output.get("output_type") == "stream":
            texts.append(output.get("text", ""))
        elif "text/plain" in data:
            texts.append(data["text/plain"])
    if images:
        return "".join(images)
    return f'<pre class="output">{html.escape("".join(texts).rstrip())}</pre>' if texts else ""


def _section_titles(nb) -> dict[int, str]:
    """For each cell (by position), the title of the ``#``/``##`` section it belongs to."""
    titles, current = {}, ""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            heading = re.match(r"#{1,2}\s+(.+)", cell.source.lstrip())
            if heading:
                current = heading.group(1).strip()
        titles[i] = current
    return titles


def _first_paragraph(source: str) -> str:
    """The first paragraph of a markdown text that is not a heading (and, when it ends with a
    colon, the paragraph it introduces)."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", source.strip())
                  if p.strip() and not p.lstrip().startswith("#")]
    if not paragraphs:
        return ""
    if paragraphs[0].endswith(":") and len(paragraphs) > 1:
        return f"{paragraphs[0]}\n\n{paragraphs[1]}"
    return paragraphs[0]


def auto_groups(nb) -> list[list]:
    """Slides chosen by rule for a notebook without tags (module docstring)."""
    cells = nb.cells
    groups = [[cells[0]]] if cells else []
    for i, cell in enumerate(cells):
        source = cell.source.lstrip()
        if cell.cell_type == "markdown" and re.match(r"## (\d+\. |Summary)", source):
            heading, _, _ = source.partition("\n")
            text = heading if source.startswith("## Summary") else (
                f"{heading}\n\n{_first_paragraph(source[len(heading):])}")
            made = nbformat.v4.new_markdown_cell(source if "Summary" in heading else text)
            made.metadata["from"] = i
            groups.append([made])
        elif cell.cell_type == "code" and any(
            "image/png" in o.get("data", {}) for o in cell.get("outputs", [])
        ):
            group = [cell]
            following = cells[i + 1] if i + 1 < len(cells) else None
            if following is not None and following.cell_type == "markdown" and not \
                    following.source.lstrip().startswith("#"):
                made = nbformat.v4.new_markdown_cell(_first_paragraph(following.source))
                made.metadata["from"] = i + 1
                group.append(made)
            groups.append(group)
    return groups


def _formula_paragraphs(source: str) -> str:
    """The paragraphs of ``source`` that hold a display formula, each with the one before it."""
    paragraphs = re.split(r"\n\s*\n", source.strip())
    kept = set()
    for i, paragraph in enumerate(paragraphs):
        if "$$" in paragraph:
            kept.add(i)
            if i and "$$" not in paragraphs[i - 1] and not paragraphs[i - 1].startswith("#"):
                kept.add(i - 1)
    return "\n\n".join(paragraphs[i] for i in sorted(kept))


def deck_groups(nb) -> list[list]:
    """The slides of ``nb``: its tagged cells (or the rule's choice when it has none), and a
    slide for each markdown cell with a display formula that no slide shows, placed after the
    slides of the cells before it."""
    groups = slide_groups(nb) or auto_groups(nb)
    shown = {id(c) for group in groups for c in group}
    for group in groups:  # a cell the rule made shows its source's formulas if it kept them all
        for made in group:
            source = nb.cells[made.metadata["from"]] if "from" in made.metadata else None
            if source is not None and made.source.count("$$") == source.source.count("$$"):
                shown.add(id(source))
    titles = _section_titles(nb)
    position = {id(cell): i for i, cell in enumerate(nb.cells)}
    placed = [(min((position.get(id(c), c.metadata.get("from", 10**6)) for c in g),
                   default=10**6), g) for g in groups]
    last = 0
    for i, group in enumerate(placed):  # a made cell sits where its group's first real cell is
        last = group[0] if group[0] < 10**6 else last
        placed[i] = (last, group[1])
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and "$$" in cell.source and id(cell) not in shown:
            text = f"## {titles.get(i) or ''}\n\n{_formula_paragraphs(cell.source)}"
            made = nbformat.v4.new_markdown_cell(text)
            placed.append((i + 0.5, [made]))
    placed.sort(key=lambda item: item[0])
    return [group for _, group in placed]


def deck_html(nb, title: str) -> str:
    """The HTML page of ``nb``'s deck (reveal.js and MathJax expected beside it)."""
    titles = _section_titles(nb)
    position = {id(cell): i for i, cell in enumerate(nb.cells)}
    sections = []
    for group in deck_groups(nb):
        parts = [_markdown(c.source) if c.cell_type == "markdown" else _outputs(c) for c in group]
        body = "".join(parts)
        if not re.search(r"<h[1-3][ >]", body):
            where = next((position[id(c)] for c in group if id(c) in position), None)
            if where is None:  # a cell the rule made: the heading of the cell it follows
                where = max((position[id(c)] for c in group if id(c) in position), default=0)
            heading = _markdown(f"## {titles.get(where) or title}").strip()
            body = heading + body
        sections.append(f'<section>\n<div class="fit">{body}</div>\n</section>')
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{html.escape(title)}</title>
<link rel="stylesheet" href="reveal.js/dist/reveal.css">
<link rel="stylesheet" href="reveal.js/dist/theme/white.css">
<style>{_STYLE}</style>
<script>{_MATHJAX_CONFIG}</script>
<script src="mathjax/tex-svg-full.js"></script>
</head>
<body>
<div class="reveal"><div class="slides">
{chr(10).join(sections)}
</div></div>
<script src="reveal.js/dist/reveal.js"></script>
<script>{_FIT}</script>
</body>
</html>
"""


def _title(nb, fallback: str) -> str:
    heading = re.search(r"^#\s+(.+)$", nb.cells[0].source if nb.cells else "", re.MULTILINE)
    return heading.group(1).strip() if heading else fallback


def build(solutions: list[Path], out: Path = OUT) -> list[Path]:
    """Write one deck per notebook of ``solutions``; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    assets = [(REVEAL / name, out / "reveal.js" / name) for name in REVEAL_FILES]
    assets += [(MATHJAX / name, out / "mathjax" / name) for name in MATHJAX_FILES]
    for source, target in assets:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, read_regular_file(source, MAX_ASSET_BYTES))
    decks = []
    for path in solutions:
        nb = nbtool.read(path)  # a FIFO, a device, a huge or deep file: NotebookError
        if not deck_groups(nb):
            continue
        deck = out / f"{path.stem}.html"
        write_atomically(deck, deck_html(nb, _title(nb, path.stem)).encode("utf-8"))
        decks.append((deck, _title(nb, path.stem)))
    links = "\n".join(f'<li><a href="{d.name}">{html.escape(t)}</a></li>' for d, t in decks)
    write_atomically(out / "index.html", (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Slides</title></head>'
        f"<body><h1>Regularization for Sparsity: slides</h1><ul>\n{links}\n</ul></body></html>\n"
    ).encode())
    return [deck for deck, _ in decks]

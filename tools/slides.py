"""Slide decks for the instructor: one reveal.js deck per notebook, from cells tagged for slides.

Run it as ``python tools/notebooks.py slides [PATH ...]``. It reads the solution notebooks (their
stored outputs hold the figures) and writes, into the git-ignored folder ``slides/``:

* ``slides/NN_name.html``: one deck per notebook that has tagged cells;
* ``slides/index.html``: the list of decks;
* ``slides/reveal.js/``: the reveal.js files (vendored in ``tools/reveal.js/``, see its README).

Nothing is loaded from the network: figures are embedded in the page, formulas are drawn by
matplotlib's mathtext as embedded SVG (a formula mathtext cannot draw is shown as its TeX source),
and reveal.js is the local copy. Copy the whole ``slides/`` folder (to a USB stick) and open
``index.html`` in any browser: arrow keys move, ``F`` is full screen, ``Esc`` an overview.

Which cells become slides (cell metadata tags, set in the solution notebooks; the learner copies
get the same tags from the generator):

* ``slide``: the cell starts a new slide (title cell, objectives, a figure, an exercise prompt);
* ``slide-continue``: the cell is added to the slide before it (a figure's one-sentence reading).

A markdown cell is shown as written. A code cell shows its outputs, never its code: its figures,
or, when it has none, its printed text.
"""

from __future__ import annotations

import base64
import html
import io
import re
import shutil
from pathlib import Path

import nbformat

TOOLS = Path(__file__).resolve().parent
ROOT = TOOLS.parent
REVEAL = TOOLS / "reveal.js"
OUT = ROOT / "slides"
SLIDE, CONTINUE = "slide", "slide-continue"
REVEAL_FILES = ["dist/reveal.js", "dist/reveal.css", "dist/theme/white.css", "LICENSE"]

_STYLE = """
.reveal { font-family: "Helvetica Neue", Helvetica, Arial, sans-serif; font-size: 30px; }
.reveal h1, .reveal h2, .reveal h3 { font-family: inherit; text-transform: none; }
.reveal h1 { font-size: 1.7em; } .reveal h2 { font-size: 1.3em; } .reveal h3 { font-size: 1.1em; }
.reveal .slides section { text-align: left; height: 100%; overflow-y: auto; }
.reveal .slides section img.figure { display: block; margin: 0.3em auto; height: 58vh;
  width: auto; max-width: 100%; object-fit: contain; }
.reveal a.anchor-link { display: none; }
.reveal img.math { margin: 0; vertical-align: middle; background: none; border: none; }
.reveal .display-math { text-align: center; }
.reveal pre.output { font-size: 0.55em; box-shadow: none; width: 100%; }
.reveal ul, .reveal ol { display: block; }
"""


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


def _math_svg(tex: str, display: bool) -> str:
    """``tex`` drawn by matplotlib's mathtext as an embedded SVG image; its source if it cannot."""
    from matplotlib import mathtext
    from matplotlib.font_manager import FontProperties

    buffer = io.BytesIO()
    drawn = re.sub(r"\\(le|ge)(?![a-zA-Z])", r"\\\1q", tex).replace(r"\tfrac", r"\frac")
    try:
        mathtext.math_to_image(f"${drawn}$", buffer, prop=FontProperties(size=21), format="svg")
    except Exception:  # a command mathtext does not know: show the TeX itself
        return f"<code>{html.escape(tex)}</code>"
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    image = f'<img class="math" alt="{html.escape(tex, quote=True)}" ' \
            f'src="data:image/svg+xml;base64,{data}">'
    return f'<div class="display-math">{image}</div>' if display else image


def _render_math(text: str) -> str:
    """Replace ``$$...$$`` and ``$...$`` in HTML made from markdown by their drawings."""
    text = re.sub(r"\$\$(.+?)\$\$", lambda m: _math_svg(html.unescape(m.group(1)).strip(), True),
                  text, flags=re.DOTALL)
    inline = r"(?<![\\$])\$([^$\n]+?)\$"
    return re.sub(inline, lambda m: _math_svg(html.unescape(m.group(1)), False), text)


def _markdown(source: str) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    # links to other notebooks point at their decks
    source = re.sub(r"\]\((\d\d_[\w-]+)\.ipynb\)", r"](\1.html)", source)
    return _render_math(markdown2html_mistune(source))


def _outputs(cell) -> str:
    """A code cell's figures, or its printed text when it has no figure."""
    images, texts = [], []
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if "image/png" in data:
            alt = html.escape(str(data.get("text/plain", "figure")), quote=True)
            images.append(f'<img class="figure" alt="{alt}" '
                          f'src="data:image/png;base64,{data["image/png"].strip()}">')
        elif output.get("output_type") == "stream":
            texts.append(output.get("text", ""))
        elif "text/plain" in data:
            texts.append(data["text/plain"])
    if images:
        return "".join(images)
    return f'<pre class="output">{html.escape("".join(texts).rstrip())}</pre>' if texts else ""


def deck_html(nb, title: str) -> str:
    """The HTML page of ``nb``'s deck (reveal.js files expected in ``reveal.js/`` beside it)."""
    sections = []
    for group in slide_groups(nb):
        parts = [_markdown(c.source) if c.cell_type == "markdown" else _outputs(c) for c in group]
        sections.append(f"<section>\n{''.join(parts)}\n</section>")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{html.escape(title)}</title>
<link rel="stylesheet" href="reveal.js/dist/reveal.css">
<link rel="stylesheet" href="reveal.js/dist/theme/white.css">
<style>{_STYLE}</style>
</head>
<body>
<div class="reveal"><div class="slides">
{chr(10).join(sections)}
</div></div>
<script src="reveal.js/dist/reveal.js"></script>
<script>Reveal.initialize({{hash: true, center: false, width: 1280, height: 800}});</script>
</body>
</html>
"""


def _title(nb, fallback: str) -> str:
    heading = re.search(r"^#\s+(.+)$", nb.cells[0].source if nb.cells else "", re.MULTILINE)
    return heading.group(1).strip() if heading else fallback


def build(solutions: list[Path], out: Path = OUT) -> list[Path]:
    """Write one deck per notebook of ``solutions`` that has tagged cells; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    for name in REVEAL_FILES:
        (out / "reveal.js" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REVEAL / name, out / "reveal.js" / name)
    decks = []
    for path in solutions:
        nb = nbformat.read(path, as_version=4)
        if not slide_groups(nb):
            continue
        deck = out / f"{path.stem}.html"
        deck.write_text(deck_html(nb, _title(nb, path.stem)), encoding="utf-8")
        decks.append((deck, _title(nb, path.stem)))
    links = "\n".join(f'<li><a href="{d.name}">{html.escape(t)}</a></li>' for d, t in decks)
    (out / "index.html").write_text(
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Slides</title></head>'
        f"<body><h1>Regularization for Sparsity: slides</h1><ul>\n{links}\n</ul></body></html>\n",
        encoding="utf-8",
    )
    return [deck for deck, _ in decks]

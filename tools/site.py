"""Build the course website, offline, from the notebooks' stored outputs.

Usage (from anywhere)::

    python tools/site.py            # writes _site/ (git-ignored); open _site/index.html

Sphinx with myst-nb renders every notebook from the outputs stored in git
(``nb_execution_mode = "off"``: nothing is re-executed) with the furo theme
(light and dark, search, previous/next links) and MathJax served from the site
itself (``sphinx-mathjax-offline``), so no page asks anything of another server.
The settings are in ``site/conf.py``; the packages in ``requirements-site.txt``.

The pages are first staged into ``build/site-src/``:

* ``index.md``: the course map (the table of ``tools/notebooks.py``), the landing page;
* ``notebooks/NN_*.ipynb``: the learner notebooks, each with a line of links on
  top (download the notebook, open it in Colab or Binder);
* ``solutions/``: the solution notebooks, a separate section;
* ``instructor-guide.md``: ``notebooks/INSTRUCTOR_GUIDE.md``;
* ``files/``: the notebooks exactly as stored, which the download links serve.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
import notebooks as nbtool  # noqa: E402  (tools/notebooks.py: REPO_URL, SITE_URL, the course map)
from course_utils._files import (  # noqa: E402  (the package's one opener, for the tools too)
    read_regular_file,
    read_text_file,
    write_atomically,
)

MAX_PAGE_BYTES = 64 * 2**20  # a page of the built site (the largest holds a notebook's figures)

ROOT = nbtool.ROOT
CONF_DIR = ROOT / "site"
STAGE = ROOT / "build" / "site-src"
SPHINX_OUT = ROOT / "build" / "site" / "html"  # myst-nb writes next to it: build/site/
OUT = ROOT / "_site"


def launch_cell(repo_path: str, download: str) -> nbformat.NotebookNode:
    """A markdown cell of links: download the stored notebook, open it on Colab or Binder."""
    links = (
        f"{{download}}`Download the notebook <{download}>`\n"
        f"[Open in Colab]({nbtool.colab_url(repo_path)})\n"
        f"[Open in Binder]({nbtool.binder_url(repo_path)})\n"
        f"[Source on GitHub]({nbtool.REPO_URL}/blob/{nbtool.BRANCH}/{repo_path})"
    )
    cell = nbformat.v4.new_markdown_cell(f"```{{container}} course-launch\n{links}\n```")
    cell.id = "site-launch-links"
    return cell


_NOTEBOOK_LINK = re.compile(r'href="(\d\d_\w+)\.ipynb(?:#([^"]*))?"')


def _site_link(match: re.Match) -> str:
    """``NN_name.ipynb#Heading-text`` (JupyterLab's anchor) -> the page and Sphinx's anchor."""
    page, anchor = match.group(1), match.group(2)
    if not anchor:
        return f'href="{page}.html"'
    return f'href="{page}.html#{re.sub(r"[^a-z0-9]+", "-", anchor.lower()).strip("-")}"'


SOLVED = " (solved)"


def solution_banner(learner_page: str) -> nbformat.NotebookNode:
    """The banner on top of a solution page: what it is, and where the learner version is."""
    cell = nbformat.v4.new_markdown_cell(
        "```{admonition} Solved notebook\n:class: important course-solved\n"
        "Every exercise on this page is solved and its verdict shown. Try them first in the "
        f"[learner version]({learner_page}), where they are blank.\n```"
    )
    cell.id = "site-solution-banner"
    return cell


def stage_notebook(
    source: Path, target: Path, repo_path: str, download: str, learner_page: str | None = None
) -> None:
    """Copy a notebook to ``target`` with the launch links under its title cell.

    Links to other notebooks inside HTML outputs (the progress table of notebook 00) point at
    the ``.ipynb`` files and JupyterLab's anchors; on the site they point at the pages. A
    solution notebook (``learner_page`` given) gets " (solved)" after its title, so that its
    tab, the sidebar and search results tell it from the learner page, and a banner on top.
    """
    nb = nbtool.read(source)
    if learner_page:
        title, _, rest = nbtool.title_source(nb, source).partition("\n")
        nb.cells[0].source = f"{title}{SOLVED}\n{rest}"
        nb.cells.insert(1, solution_banner(learner_page))
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            html = output.get("data", {}).get("text/html")
            if isinstance(html, str):
                output["data"]["text/html"] = _NOTEBOOK_LINK.sub(_site_link, html)
    nb.cells.insert(1, launch_cell(repo_path, download))
    target.parent.mkdir(parents=True, exist_ok=True)
    nbtool.write(nb, target)


def landing_page() -> str:
    """The landing page: what the course is, then the course map with links to each notebook."""
    rows = ["| # | Notebook | What you do | Time | Solutions |", "|---|---|---|---|---|"]
    for e in nbtool.course_entries():
        if e["name"]:
            stem = e["name"].removesuffix(".ipynb")
            link = f"[{e['title']}](notebooks/{stem}.ipynb)"
            solved = f"[solved](solutions/{stem}.ipynb)"
        else:
            link, solved = e["title"], ""
        rows.append(f"| {e['number']} | {link} | {e['summary']} | {e['minutes']} min | {solved} |")
    total = sum(e["minutes"] for e in nbtool.course_entries())
    table = "\n".join(rows)
    learner = "\n".join(
        f"notebooks/{p.stem}" for p in sorted(nbtool.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    )
    return f"""# Regularization for Sparsity

Why models built from one-hot features and feature crosses grow huge, and how L0, L1 and L2
penalties on the weights make most of those weights exactly zero. Each notebook below is shown with
the outputs stored in the [repository]({nbtool.REPO_URL}); open one on Colab or Binder (links at the
top of each page) or download it to run it and do its exercises.

## Course map

{table}

About {total / 60:.1f} hours in all. Start with notebook 00. Teaching it? Read the
[instructor guide](instructor-guide.md).

```{{toctree}}
:caption: Notebooks
:hidden:

{learner}
```

```{{toctree}}
:caption: For instructors
:hidden:

instructor-guide
solutions/index
```
"""


def solutions_index() -> str:
    """The solutions section's first page."""
    pages = "\n".join(p.stem for p in nbtool.solution_paths())
    return f"""# Solutions

The same notebooks with every exercise solved and executed. Try an exercise first: each one
checks your answer and gives hints on request.

```{{toctree}}
:maxdepth: 1

{pages}
```
"""


def stage() -> None:
    """Write the site's pages into ``STAGE`` (emptied first)."""
    shutil.rmtree(STAGE, ignore_errors=True)
    (STAGE / "solutions").mkdir(parents=True)
    (STAGE / "files" / "solutions").mkdir(parents=True)
    for learner in sorted(nbtool.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        _copy(learner, STAGE / "files" / learner.name)
        stage_notebook(
            learner,
            STAGE / "notebooks" / learner.name,
            f"notebooks/{learner.name}",
            f"/files/{learner.name}",
        )
    for solution in nbtool.solution_paths():
        _copy(solution, STAGE / "files" / "solutions" / solution.name)
        stage_notebook(
            solution,
            STAGE / "solutions" / solution.name,
            f"notebooks/solutions/{solution.name}",
            f"/files/solutions/{solution.name}",
            learner_page=f"../notebooks/{solution.name}",
        )
    write_atomically(STAGE / "index.md", landing_page().encode("utf-8"))
    write_atomically(STAGE / "solutions" / "index.md", solutions_index().encode("utf-8"))
    _copy(nbtool.NOTEBOOKS / "INSTRUCTOR_GUIDE.md", STAGE / "instructor-guide.md")


def _copy(source: Path, target: Path) -> None:
    """Copy a file of the course through the package's opener (a FIFO or a link to a device
    in its place is refused, not read for ever as ``shutil.copy2`` would)."""
    write_atomically(target, read_regular_file(source, nbtool.MAX_NOTEBOOK_BYTES))


def build(out: Path = OUT) -> int:
    """Stage the pages, run Sphinx and move the result to ``out``; return Sphinx's exit status.

    Warnings are errors (``-W``): a broken cross-reference fails the build. Sphinx writes
    into ``build/site/`` (myst-nb keeps its files next to the HTML folder), then the HTML
    folder becomes ``out``.
    """
    from sphinx.cmd.build import build_main

    stage()
    shutil.rmtree(SPHINX_OUT.parent, ignore_errors=True)
    status = build_main(
        [
            "-b", "html", "-q", "-W", "--keep-going", "-E",
            "-c", str(CONF_DIR),
            "-d", str(SPHINX_OUT.parent / "doctrees"),
            "-D", f"html_baseurl={nbtool.SITE_URL}",
            str(STAGE), str(SPHINX_OUT),
        ]
    )  # fmt: skip
    if status == 0:
        shutil.rmtree(out, ignore_errors=True)
        shutil.move(SPHINX_OUT, out)
        for page in out.glob("**/*.html"):
            text = read_text_file(page, MAX_PAGE_BYTES)
            write_atomically(page, accessible(text).encode("utf-8"))
    return status


# What the theme's markup lacks (axe-core): a level for the sidebar's captions (role=heading
# needs aria-level), names for its two <aside> landmarks, which must differ, and a collapsed
# cell's toggle whose accessible name is its visible text.
_MARKUP_FIXES = [
    ('<p class="caption" role="heading">', '<p class="caption" role="heading" aria-level="2">'),
    ('<aside class="sidebar-drawer">', '<aside class="sidebar-drawer" aria-label="Course">'),
    ('<aside class="toc-drawer">', '<aside class="toc-drawer" aria-label="On this page">'),
    # myst-nb's collapsed cell (the setup cell): its label hid its visible "Show code cell source"
    ('<summary aria-label="Toggle hidden content">', "<summary>"),
]


def accessible(page: str) -> str:
    """``page`` (HTML written by Sphinx and furo) with the fixes of ``_MARKUP_FIXES``."""
    for old, new in _MARKUP_FIXES:
        page = page.replace(old, new)
    return page


if __name__ == "__main__":
    try:
        status = build()
    except nbtool.NotebookError as exc:  # one line naming the file, as tools/notebooks.py
        print(f"site.py: error: {exc}", file=sys.stderr)
        sys.exit(2)
    if status == 0:
        print(f"site built: {OUT.relative_to(ROOT)}/index.html")
    sys.exit(status)

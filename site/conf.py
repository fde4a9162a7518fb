"""Sphinx configuration of the course website; `python tools/site.py` builds with it.

tools/site.py stages the pages (landing page, notebooks, solutions, instructor guide) into a
source folder and passes the project's name and URLs in through ``-D`` overrides; the rest of
the settings live here.
"""

project = "Regularization for Sparsity"
author = "The course authors"
copyright = "the course authors, MIT licence"

extensions = [
    "myst_nb",  # renders .ipynb pages from their stored outputs
    "sphinx-mathjax-offline",  # serves MathJax 3 from the site's own _static/mathjax
]
nb_execution_mode = "off"  # never re-execute: the site shows the outputs stored in git
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3  # markdown links to "#a-heading" resolve
suppress_warnings = ["myst.header"]  # notebooks jump heading levels (# then ###) on purpose

exclude_patterns = ["files/**"]  # the original notebooks, offered as downloads

html_theme = "furo"  # light and dark themes with a toggle, offline, no web fonts
html_title = project
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_copy_source = False
html_show_sourcelink = False
html_favicon = "_static/favicon.svg"  # also spares the browser a request for /favicon.ico

# Keyboard: MathJax's menu makes every formula a Tab stop (tabindex=0); without it the formulas
# leave the Tab order and keep their assistive MathML for screen readers. (myst-parser adds its
# processHtmlClass option to this dictionary.)
mathjax3_config = {"options": {"enableMenu": False}}
html_js_files = ["course.js"]  # scrollable boxes reachable by keyboard, cues on wide formulas

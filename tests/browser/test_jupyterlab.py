"""The learner's path, end to end: JupyterLab in headless Chromium, every learner notebook run.

JupyterLab starts as the README's start command starts it (``python -m jupyter lab``), headless
on 127.0.0.1 with a random token, in a temporary copy of the course (so nothing it saves touches
the repository) and a temporary runtime folder. Each learner notebook is opened, "Run All" is
executed, and the test fails on an error output, anything on stderr, or no "Not attempted yet"
verdict. Notebook 00 gets a correct and a wrong answer typed into an exercise cell; notebook 03's
slider is moved and the printed weight and the figure must change. Screenshots go to
``artifacts/screenshots/``.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.browser.conftest import ROOT, free_port

pytestmark = pytest.mark.browser

LEARNER_NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
COPIED = ("course_utils", "data", "notebooks", "pyproject.toml", "requirements.txt")
SETUP_FIRST_LINE = (
    "# Setup (identical in every notebook; run it first): makes course_utils importable"
)
RUN_TIMEOUT_MS = 240_000  # one notebook's "Run All" on a loaded 2-core machine, with margin

# The notebook's cells as JupyterLab's model holds them (needs expose_app_in_browser).
CELLS = """() => {
  const model = window.jupyterapp.shell.currentWidget.content.model;
  const cells = [];
  for (let i = 0; i < model.cells.length; i++) {
    const cell = model.cells.get(i);
    cells.push({type: cell.type, source: cell.sharedModel.getSource(),
                count: cell.type === 'code' ? cell.executionCount : null,
                outputs: cell.type === 'code' ? cell.outputs.toJSON() : []});
  }
  return cells;
}"""
BUSY = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const status = panel.sessionContext.session?.kernel?.status;
  const running = [...panel.content.node.querySelectorAll('.jp-InputPrompt')]
    .some(p => p.textContent.includes('*'));
  return running || status !== 'idle';
}"""


@pytest.fixture(scope="module")
def lab(tmp_path_factory, chromium_path):
    """JupyterLab serving a copy of the course; yields (base URL, token, the copy's folder)."""
    home = tmp_path_factory.mktemp("course")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, home / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, home / name)
    runtime = tmp_path_factory.mktemp("jupyter-runtime")
    # A fresh user-settings folder that answers JupyterLab's first-run question ("Would you
    # like to receive official Jupyter news?") with no, so that no toast covers the screenshots
    # and nothing is fetched from jupyter.org. A learner's JupyterLab asks once.
    settings = tmp_path_factory.mktemp("lab-settings")
    notification = settings / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}), encoding="utf-8"
    )
    token, port = secrets.token_hex(16), free_port()
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(runtime), JUPYTERLAB_SETTINGS_DIR=str(settings))
    log = (runtime / "server.log").open("w")
    # The README's start command is `python -m jupyter lab notebooks/00_start_here.ipynb`; here
    # its server part, headless, with expose_app_in_browser so the test can read the notebook.
    server = subprocess.Popen(
        [
            sys.executable, "-m", "jupyter", "lab", "--no-browser",
            "--ServerApp.ip=127.0.0.1", f"--port={port}", "--port-retries=0",
            f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={home}",
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",  # offline: no package index queried
            *(["--allow-root"] if os.geteuid() == 0 else []),  # CI runs as root
        ],
        cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail("JupyterLab exited:\n" + (runtime / "server.log").read_text())
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not answer within 120 s")
        yield base, token, home
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def lab_context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    yield context
    context.close()


# Right after opening (kernel started and idle): is the notebook marked modified, which cells
# show their source collapsed, and does any cell show nbval's marker?
OPENED = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  return {
    dirty: panel.content.model.dirty,
    collapsed: panel.content.widgets.filter(w => w.inputHidden)
      .map(w => w.model.sharedModel.getSource().split('\\n')[0]),
    marker: panel.content.widgets.some(
      w => w.model.sharedModel.getSource().includes('NBVAL_IGNORE_OUTPUT')),
  };
}"""


def open_notebook(context, lab, name: str):
    """Open notebook ``name`` in JupyterLab; wait until its kernel is idle."""
    base, token, _ = lab
    page = context.new_page()
    page.goto(f"{base}/lab/tree/notebooks/{name}?reset&token={token}")  # a fresh workspace
    page.wait_for_function(
        "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
        " && window.jupyterapp.shell.currentWidget.sessionContext?.session?.kernel?.status"
        " === 'idle'",
        timeout=120_000,
    )
    page.wait_for_timeout(1000)  # JupyterLab writes the kernel's language_info after idle
    return page


def open_and_run(context, lab, name: str, opened: dict | None = None):
    """Open notebook ``name`` in JupyterLab, Run All, wait until the kernel is idle.

    ``opened``, when given, receives what the notebook looked like before running (``OPENED``).
    """
    page = open_notebook(context, lab, name)
    if opened is not None:
        opened.update(page.evaluate(OPENED))
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    wait_idle(page)
    return page


def close(page) -> None:
    """Close the page and shut down its kernel (one kernel at a time on a small machine)."""
    try:
        page.evaluate("() => window.jupyterapp.serviceManager.sessions.shutdownAll()")
    finally:
        page.close()


def wait_idle(page) -> None:
    """Wait until no cell shows ``[*]`` and the kernel is idle (twice, 0.5 s apart)."""
    page.wait_for_timeout(500)
    for _ in range(2):
        page.wait_for_function(f"() => !({BUSY})()", timeout=RUN_TIMEOUT_MS, polling=250)
        page.wait_for_timeout(500)


def output_text(output: dict) -> str:
    if output["output_type"] == "stream":
        text = output["text"]
    else:
        text = output.get("data", {}).get("text/plain", "")
    return "".join(text) if isinstance(text, list) else text


def problems_in(cells: list[dict]) -> list[str]:
    """Error outputs, stderr, and code cells left unexecuted."""
    found = []
    for index, cell in enumerate(cells):
        if cell["type"] != "code" or not cell["source"].strip():
            continue
        if cell["count"] is None:
            found.append(f"cell {index}: not executed")
        for output in cell["outputs"]:
            if output["output_type"] == "error":
                found.append(f"cell {index}: {output['ename']}: {output['evalue']}")
            elif output["output_type"] == "stream" and output["name"] == "stderr":
                found.append(f"cell {index}: stderr: {output_text(output)[:200]}")
    return found


WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
CHECK_CALL = re.compile(r"\bex\d\d\.q\d+\.check\(")


def save(page) -> None:
    """Save the notebook (File > Save); wait until JupyterLab no longer marks it modified."""
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function(
        "() => !window.jupyterapp.shell.currentWidget.content.model.dirty", timeout=30_000
    )


def changed_by_saving(stored: str, saved: str) -> list[str]:
    """The lines of the stored notebook that JupyterLab's save after Run All changed.

    A live widget's output is left out: its model id is new on every run (notebook 03's slider;
    the repository stores a sentence in its place, ``WIDGET_STAND_IN`` of tools/notebooks.py).
    """
    before, after = json.loads(stored), json.loads(saved)
    widgets = 0
    for old, new in zip(before["cells"], after["cells"], strict=False):
        if any(WIDGET_MIME in output.get("data", {}) for output in new.get("outputs", [])):
            new["outputs"], widgets = old["outputs"], widgets + 1
    if widgets:  # as jupyter_server writes it (nbformat: sorted keys, indent 1)
        saved = json.dumps(after, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
    diff = difflib.unified_diff(stored.splitlines(), saved.splitlines(), lineterm="", n=0)
    return [line[:160] for line in list(diff)[2:]]


def echoed_checks(cells: list[dict]) -> list[str]:
    """Check cells that show an ``Out [n]:`` result (an execute_result) under their verdict."""
    return [
        cell["source"].splitlines()[-1]
        for cell in cells
        if cell["type"] == "code" and CHECK_CALL.search(cell["source"])
        and any(o["output_type"] == "execute_result" for o in cell["outputs"])
    ]


@pytest.mark.parametrize("name", LEARNER_NOTEBOOKS)
def test_run_all(lab, lab_context, screenshots, name):
    """Run All in JupyterLab: no error, nothing on stderr, a "Not attempted yet" verdict, and
    no check cell echoes ``Out [n]: False`` under its verdict.

    Before running: opening the notebook does not mark it modified (its stored metadata is what
    JupyterLab writes on kernel start), the setup cell is collapsed, no cell shows nbval's marker.
    After running, JupyterLab marks it modified (any run does), but saving it changes nothing:
    the repository stores what JupyterLab writes, outputs included (issue 25).
    """
    opened = {}
    page = open_and_run(lab_context, lab, name, opened)
    try:
        cells = page.evaluate(CELLS)
        page.screenshot(path=str(screenshots / f"lab-{name.removesuffix('.ipynb')}.png"))
        save(page)
    finally:
        close(page)
    assert opened["dirty"] is False, "opening the notebook marked it modified"
    assert opened["collapsed"] == [SETUP_FIRST_LINE], opened["collapsed"]
    assert opened["marker"] is False
    assert problems_in(cells) == []
    texts = [output_text(o) for cell in cells for o in cell["outputs"]]
    assert any("Not attempted yet" in text for text in texts)
    stored = (ROOT / "notebooks" / name).read_text(encoding="utf-8")
    saved = (lab[2] / "notebooks" / name).read_text(encoding="utf-8")
    assert changed_by_saving(stored, saved) == []
    assert echoed_checks(cells) == []


def run_cell_with(page, index: int, source: str) -> str:
    """Put ``source`` into code cell ``index`` as the learner's answer, run it, return its text."""
    before = page.evaluate(CELLS)[index]
    page.evaluate(
        """async ([i, source]) => {
          const panel = window.jupyterapp.shell.currentWidget;
          panel.content.activeCellIndex = i;
          panel.content.activeCell.model.sharedModel.setSource(source);
          await window.jupyterapp.commands.execute('notebook:run-cell');
        }""",
        [index, source],
    )
    for _ in range(240):  # until the cell has run again and shows its verdict
        page.wait_for_timeout(250)
        cell = page.evaluate(CELLS)[index]
        if cell["count"] not in (None, before["count"]) and cell["outputs"]:
            break
    wait_idle(page)
    cell = page.evaluate(CELLS)[index]
    assert cell["source"] == source
    assert problems_in([cell]) == []
    return "\n".join(output_text(o) for o in cell["outputs"])


def test_notebook_00_answers_typed_in(lab, lab_context, screenshots):
    """A correct answer reads back "Correct", a wrong one "Incorrect"."""
    page = open_and_run(lab_context, lab, "00_start_here.ipynb")
    try:
        cells = page.evaluate(CELLS)
        index = next(
            i
            for i, c in enumerate(cells)
            if c["type"] == "code" and c["source"] == "answer = ...\nex00.q1.check(answer)"
        )
        correct = run_cell_with(page, index, "answer = 2\nex00.q1.check(answer)")
        wrong = run_cell_with(page, index, "answer = 3\nex00.q1.check(answer)")
        page.screenshot(path=str(screenshots / "lab-00_start_here-answered.png"))
    finally:
        close(page)
    assert correct.startswith("Correct"), correct
    assert wrong.startswith("Incorrect"), wrong


def test_notebook_03_slider_moves(lab, lab_context, screenshots):
    """Moving the q slider changes the printed L2 weight and the figure."""
    page = open_and_run(lab_context, lab, "03_zeno_l2_decay_vs_l1.ipynb")
    try:
        widget = page.locator(".widget-interact").first
        widget.scroll_into_view_if_needed()
        printed = widget.locator(".jp-OutputArea-output pre").first
        figure = widget.locator("img").first
        page.wait_for_function(
            "() => [...document.querySelectorAll('.widget-interact pre')]"
            ".some(e => e.innerText.includes('L2 weight'))"
            " && document.querySelector('.widget-interact img')",
            timeout=60_000,
        )
        before_text, before_img = printed.inner_text(), figure.get_attribute("src")
        handle = widget.locator(".widget-slider .noUi-handle").first
        handle.focus()
        for _ in range(20):
            page.keyboard.press("ArrowLeft")  # q from 0.900 down to 0.880
        page.wait_for_function(
            "(old) => { const el = document.querySelector('.widget-interact .jp-OutputArea-output"
            " pre'); return el && el.innerText !== old; }",
            arg=before_text,
            timeout=60_000,
        )
        wait_idle(page)
        after_text, after_img = printed.inner_text(), figure.get_attribute("src")
        readout = widget.locator(".widget-readout").first.inner_text()
        page.screenshot(path=str(screenshots / "lab-03-slider-moved.png"))
    finally:
        close(page)
    weight = re.compile(r"L2 weight = ([0-9.e+-]+)")
    assert weight.search(before_text) and weight.search(after_text), (before_text, after_text)
    assert weight.search(before_text).group(1) != weight.search(after_text).group(1)
    assert readout != "0.900"
    assert before_img != after_img


def put_lab_settings(lab, plugin: str, settings: dict) -> None:
    """Store user settings of a JupyterLab plugin (read by pages opened afterwards)."""
    base, token, _ = lab
    request = urllib.request.Request(
        f"{base}/lab/api/settings/{plugin}", method="PUT",
        data=json.dumps({"raw": json.dumps(settings)}).encode(),
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=30).close()


# Every element of the outputs with text of its own: its text colour and the first opaque
# background behind it (axe-core's colour-contrast rule skips JupyterLab's outputs: it takes
# them for off screen inside the notebook's scrolling panel, so the test measures them itself).
OUTPUT_TEXT_COLOURS = """() => {
  const behind = (el) => {
    for (; el; el = el.parentElement) {
      const bg = getComputedStyle(el).backgroundColor;
      const alpha = bg.startsWith('rgba') ? parseFloat(bg.split(',')[3]) : 1;
      if (alpha > 0) return bg;
    }
    return 'rgb(255, 255, 255)';
  };
  return [...document.querySelectorAll('.jp-OutputArea-output *')]
    .filter(el => [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
    .filter(el => el.getBoundingClientRect().width > 0)
    .map(el => ({text: el.textContent.trim().slice(0, 40), color: getComputedStyle(el).color,
                 background: behind(el)}));
}"""


def test_notebook_00_outputs_read_in_jupyterlab_dark(lab, lab_context, screenshots):
    """JupyterLab Dark: every text of the outputs of notebook 00 (verdict, hint and solution
    boxes, ``progress()``'s table with a correct, a wrong and an untried answer) has a contrast
    of at least 4.5:1 against what is behind it (issue 25)."""
    from tests.browser.test_site import contrast

    themes = "@jupyterlab/apputils-extension:themes"
    tracker = "@jupyterlab/notebook-extension:tracker"
    put_lab_settings(lab, themes, {"theme": "JupyterLab Dark"})
    put_lab_settings(lab, tracker, {"windowingMode": "none"})  # every cell drawn, off screen too
    try:
        page = open_and_run(lab_context, lab, "00_start_here.ipynb")
        try:
            cells = page.evaluate(CELLS)
            code = {cell["source"]: i for i, cell in enumerate(cells) if cell["type"] == "code"}
            run_cell_with(page, code["answer = ...\nex00.q1.check(answer)"],
                          "answer = 2\nex00.q1.check(answer)")
            run_cell_with(page, code["answer = ...\nex00.q2.check(answer)"],
                          "answer = np.array([1])\nex00.q2.check(answer)")
            progress_cell = "from course_utils.exercises import progress\n\nprogress()"
            table = run_cell_with(page, code[progress_cell], progress_cell)
            light = page.evaluate("() => document.body.dataset.jpThemeLight")
            texts = page.evaluate(OUTPUT_TEXT_COLOURS)
            page.screenshot(path=str(screenshots / "lab-00-dark.png"))
        finally:
            close(page)
    finally:
        put_lab_settings(lab, themes, {})
        put_lab_settings(lab, tracker, {})
    assert light == "false", "JupyterLab Dark was not applied"
    assert all(state in table for state in ("correct", "attempted", "not tried")), table
    assert {"correct", "attempted", "not tried", "Correct:", "Incorrect:"} <= {
        t["text"] for t in texts}
    low = [(t["text"], round(contrast(t["color"], t["background"]), 2), t["color"],
            t["background"]) for t in texts if contrast(t["color"], t["background"]) < 4.5]
    assert low == []

"""Hygiene of every notebook under notebooks/ (the conventions of CONTRIBUTING.md).

Parametrized over whatever notebooks exist, so a new notebook is checked as
soon as it is added. nbval (configured in pyproject.toml) re-runs them; these
tests check what nbval does not: structure, stored outputs, and that learner
notebooks are exactly what ``python tools/notebooks.py generate`` makes.
"""

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("notebooks_tool", ROOT / "tools" / "notebooks.py")
tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tool)

ALL = tool.all_notebook_paths()
SOLUTIONS = tool.solution_paths()
LEARNERS = sorted(tool.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def _id(path):
    return str(path.relative_to(tool.NOTEBOOKS))


def _text_outputs(nb):
    """(cell index, output, text) of every stored text output."""
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                yield index, output, output.text
            for mime in ("text/plain", "text/html"):
                if mime in output.get("data", {}):
                    yield index, output, output.data[mime]


@pytest.fixture(params=ALL, ids=_id)
def notebook(request):
    return request.param, tool.read(request.param)


def test_title_cell(notebook):
    path, nb = notebook
    first = nb.cells[0]
    assert first.cell_type == "markdown"
    assert re.match(rf"# {path.name[:2]} · \S", first.source), "title must be '# NN · Title'"
    for required in ("Learning objectives", "Prerequisites", "**Time:**"):
        assert required in first.source, f"the first cell needs {required!r}"
    assert re.search(r"\*\*Time:\*\*\s*about \d+ minutes", first.source)


def test_setup_cell_is_the_first_code_cell(notebook):
    _, nb = notebook
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code and code[0].source == tool.setup_cell_source(), (
        "run `python tools/notebooks.py build` (sync writes the setup cell)"
    )
    assert sum(cell.source == tool.setup_cell_source() for cell in code) == 1


def test_has_a_summary(notebook):
    _, nb = notebook
    assert any(c.cell_type == "markdown" and c.source.startswith("## Summary") for c in nb.cells)


def test_executed_in_order_without_errors(notebook):
    _, nb = notebook
    code = [cell for cell in nb.cells if cell.cell_type == "code" and cell.source.strip()]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1)), (
        "execute with `python tools/notebooks.py execute PATH`"
    )
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            assert output.output_type != "error", f"cell {index + 1} stored an error"
            assert output.get("name") != "stderr", (
                f"cell {index + 1} wrote to stderr (a warning?): {output.text[:200]}"
            )


def test_deterministic_outputs(notebook):
    _, nb = notebook
    for index, output, text in _text_outputs(nb):
        # A shown figure stores an image plus the text "<Figure size ...>"; text alone, or a
        # returned matplotlib object, means the cell did not end with plt.show().
        has_image = any(mime.startswith("image/") for mime in output.get("data", {}))
        figure_text = "<Figure size" in text and not has_image
        returned_artist = output.output_type == "execute_result" and re.match(
            r"(Text\(|\[?<matplotlib|<Axes|\[<matplotlib)", text
        )
        assert not (figure_text or returned_artist), (
            f"cell {index + 1}: end plotting cells with plt.show() ({text[:40]!r})"
        )
        assert not re.search(r"\bnp\.(float|int|uint|bool|complex|str)\w*\(", text), (
            f"cell {index + 1}: a bare numpy repr; print numbers with f-strings"
        )
        assert not re.search(r" at 0x[0-9a-fA-F]+", text), f"cell {index + 1}: a memory address"


def test_metadata_normalized(notebook):
    path, nb = notebook
    assert "widgets" not in nb.metadata, "widget state stored: re-run tools/notebooks.py execute"
    # what JupyterLab writes on kernel start, so that opening a notebook leaves it unmodified
    assert nb.metadata == tool.NOTEBOOK_METADATA
    assert path.stat().st_size < 1_000_000, "notebook file must stay under 1 MB (dpi ~ 80)"


def test_widget_cells_ignore_output(notebook):
    _, nb = notebook
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and re.search(r"(\binteract(ive)?\(|@interact)", cell.source):
            assert tool.NBVAL_IGNORE_TAG in cell.metadata.get("tags", []), (
                f"cell {index + 1} uses ipywidgets: tag it {tool.NBVAL_IGNORE_TAG}"
            )
        # nbval's marker is a tag, never a line of code the learner sees
        assert tool.NBVAL_MARKER not in cell.source, f"cell {index + 1}"


def test_setup_cell_is_stored_collapsed(notebook):
    """JupyterLab hides its source; the website shows it behind "Show code cell source"."""
    _, nb = notebook
    (setup,) = [c for c in nb.cells if c.source.startswith(tool.SETUP_FIRST_LINE)]
    assert setup.metadata.get("jupyter") == {"source_hidden": True}
    assert tool.SETUP_HIDE_TAG in setup.metadata.get("tags", [])


def test_figures_use_the_course_style(notebook):
    """Every figure in the one colour-blind-safe style: a notebook that plots applies it first."""
    path, nb = notebook
    code = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    plots = [i for i, source in enumerate(code) if "plt." in source or "plotting.plot_" in source]
    if not plots:
        return
    styled = [i for i, source in enumerate(code) if "use_course_style()" in source]
    assert styled and styled[0] <= plots[0], f"{path.name}: call use_course_style() before plotting"


def test_every_figure_has_alt_text(notebook):
    """Each figure's cell carries its alt text (``mystnb.image.alt``, module docstring); its
    image outputs carry none, as JupyterLab saves them after a run (issue 25)."""
    _, nb = notebook
    for index, cell in enumerate(nb.cells):
        images = [
            (output, mime)
            for output in cell.get("outputs", [])
            for mime in output.get("data", {})
            if mime.startswith("image/")
        ]
        if not images:
            continue
        alt = tool.image_alt(cell)
        assert alt, (
            f"cell {index + 1} shows a figure without alt text: give the solution cell metadata "
            '{"mystnb": {"image": {"alt": "..."}}} and run `python tools/notebooks.py build`'
        )
        assert len(alt) <= 300, f"cell {index + 1}: alt text longer than 300 characters"
        assert "$" not in alt, f"cell {index + 1}: alt text is plain text, no LaTeX"
        assert ".png" not in alt.lower(), f"cell {index + 1}: alt text is a file name"
        for output, mime in images:
            assert "alt" not in output.get("metadata", {}).get(mime, {}), (
                f"cell {index + 1}: the {mime} output stores an alt text, which JupyterLab "
                "drops on the first run: run `python tools/notebooks.py normalize`"
            )


def test_check_cells_store_their_verdict_only(notebook):
    """A cell calling ``exNN.qK.check`` stores no ``Out [n]: True/False`` (issue 25): ``check``
    returns a value that IPython does not display."""
    _, nb = notebook
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and re.search(r"\bex\d\d\.q\d+\.check\(", cell.source):
            kinds = [output.output_type for output in cell.get("outputs", [])]
            assert "execute_result" not in kinds, f"cell {index + 1} echoes check's value"


def test_links_to_notebooks_resolve(notebook):
    path, nb = notebook
    written = {p.name[:2]: p.name for p in SOLUTIONS}
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for target in re.findall(r"\]\((\d\d_[^)#]+\.ipynb)", cell.source):
            if target[:2] in written:  # a notebook still being written may be linked already
                assert target == written[target[:2]], f"broken link {target}"


@pytest.mark.parametrize("solution", SOLUTIONS, ids=_id)
def test_solution_notebook_is_synced(solution):
    """The setup cell is current; in notebook 00, so is the course map (titles, times)."""
    assert not tool.sync(tool.read(solution)), (
        f"run `python tools/notebooks.py build notebooks/solutions/{solution.name}`"
    )


@pytest.mark.parametrize("solution", SOLUTIONS, ids=_id)
def test_learner_notebook_is_generated_from_its_solution(solution):
    learner = tool.learner_path(solution)
    assert learner.exists(), "run `python tools/notebooks.py build`"
    want = tool.cell_sources(tool.generate(tool.read(solution), solution.name))
    assert tool.cell_sources(tool.read(learner)) == want, (
        f"{learner.name} differs from its solution: run `python tools/notebooks.py build`"
    )


@pytest.mark.parametrize("learner", LEARNERS, ids=_id)
def test_learner_notebook_holds_no_solution(learner):
    nb = tool.read(learner)
    text = "\n".join(cell.source for cell in nb.cells)
    assert tool.BEGIN not in text and tool.END not in text
    solution = tool.SOLUTIONS / learner.name
    assert solution.exists(), "every learner notebook is generated from notebooks/solutions/"
    for cell in tool.read(solution).cells:
        for block in re.findall(r"# BEGIN SOLUTION\n(.*?)\n\s*# END SOLUTION", cell.source, re.S):
            if len(block.strip()) > 20:  # short blocks (`answer = 2`) may occur legitimately
                assert block not in text, f"solution code leaked: {block.strip()[:60]}"


def test_strip_solution_rule():
    """The marker rule documented in tools/notebooks.py."""
    answer = "answer = ...\n# BEGIN SOLUTION\nanswer = 2\n# END SOLUTION\nex.q1.check(answer)"
    assert tool.strip_solution(answer) == "answer = ...\nex.q1.check(answer)"
    function = (
        'def f(w):\n    """Doc."""\n    # BEGIN SOLUTION\n    return w\n    # END SOLUTION\n\n\n'
        "ex.q3.check(f)"
    )
    assert tool.strip_solution(function) == 'def f(w):\n    """Doc."""\n    ...\n\n\nex.q3.check(f)'
    partial = "def f(w):\n    # BEGIN SOLUTION\n    w = w + 1\n    # END SOLUTION\n    return w"
    assert tool.strip_solution(partial) == "def f(w):\n    return w"
    with pytest.raises(ValueError, match="without"):
        tool.strip_solution("# BEGIN SOLUTION\nx = 1")


def test_generate_drops_outputs_and_solution_only_cells():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("x = ...\n# BEGIN SOLUTION\nx = 1\n# END SOLUTION\nx"),
        nbformat.v4.new_code_cell("print(x)", metadata={"tags": ["solution-only"]}),
    ]
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", text="1\n")]
    nb.cells[0].execution_count = 1
    (cell,) = tool.generate(nb).cells
    assert (cell.source, cell.outputs, cell.execution_count) == ("x = ...\nx", [], None)
    assert nb.cells[0].outputs  # the solution notebook is left as it was


def test_readme_notebook_table_is_current():
    assert tool.notebook_table() in (ROOT / "README.md").read_text(encoding="utf-8"), (
        "run `python tools/notebooks.py badges`"
    )


def test_readme_test_command_is_what_ci_runs():
    command = "python -m pip install -r requirements.txt && python -m pytest"
    assert command in (ROOT / "README.md").read_text(encoding="utf-8")
    assert command in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert "python -m pytest" in (ROOT / "ci" / "oldest.sh").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- the tool's writes


def _written_files_calls(path: Path) -> list[str]:
    """Calls in a tool's source that write a file some way other than the one helper.

    Flagged: a method ``.write_text``/``.write_bytes``/``.write``/``.open`` on anything, the
    built-in ``open``, and any writing function of ``os``, ``shutil``, ``tempfile``, ``json``
    or ``nbformat``. Calls of the tool's own ``write_text``/``write`` (bare names) are the
    helper and are allowed.
    """
    import ast

    methods = {"write_text", "write_bytes", "write", "open"}
    module_writers = {
        "os": {"replace", "rename", "open", "write", "link", "symlink"},
        "shutil": {"copy", "copy2", "copyfile", "copytree", "move"},
        "tempfile": {"mkstemp", "NamedTemporaryFile", "TemporaryFile"},
        "json": {"dump"},
        "nbformat": {"write"},
    }
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name):
            bad = func.id == "open"
        elif isinstance(func, ast.Attribute):
            owner = func.value.id if isinstance(func.value, ast.Name) else None
            bad = (func.attr in module_writers.get(owner, ()) if owner in module_writers
                   else func.attr in methods)
        else:
            bad = False
        if bad:
            found.append(f"{path.name}:{node.lineno} {ast.unparse(func)}")
    return found


def test_tool_every_file_it_writes_goes_through_the_one_atomic_writer():
    """tools/notebooks.py (and tools/slides.py, which it runs) write only via write_text/write,
    which encode first and ``os.replace`` a temporary file (course_utils._files)."""
    notebooks_calls = _written_files_calls(ROOT / "tools" / "notebooks.py")
    # The only write call left is write_text's own call of the helper, and write()'s of it.
    assert notebooks_calls == [], notebooks_calls
    assert _written_files_calls(ROOT / "tools" / "slides.py") == []
    assert "write_atomically(path, text.encode(" in (ROOT / "tools" / "notebooks.py").read_text(
        encoding="utf-8")


def _notebook_with(text: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(text)]
    nb.cells[0].id = "cell-0"
    return nb


def test_tool_write_of_an_unencodable_notebook_leaves_the_file_as_it_was(tmp_path, capsys):
    path = tmp_path / "98_x.ipynb"
    tool.write(_notebook_with("fine"), path)
    before = path.read_bytes()
    with pytest.raises(tool.NotebookError, match="98_x.ipynb: not written"):
        tool.write(_notebook_with("T\ud800"), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["98_x.ipynb"]
    # The same through the command line: normalize of a notebook whose JSON holds "\ud800"
    # (valid for nbformat) exits 2 with one line, and the file keeps its bytes.
    path.write_text(before.decode("utf-8").replace('"fine"', '"T\\ud800"'), encoding="utf-8")
    before = path.read_bytes()
    assert tool.main(["normalize", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not written" in err
    assert path.read_bytes() == before


@pytest.mark.parametrize("stem", [
    "../../../evil_nb", "98_../../evil", "/tmp/98_x", "98_x/y", "98_X", "9_x", "980_x", "98_",
    "98x", "98_x\n", " 98_x", "98_x.ipynb", "\u0669\u0668_x", "98_\u00e9", "98-x", "",
])
def test_tool_new_refuses_a_stem_that_is_not_two_digits_and_a_name(stem, tmp_path, monkeypatch,
                                                                   capsys):
    monkeypatch.setattr(tool, "SOLUTIONS", tmp_path / "solutions")
    assert tool.main(["new", stem, "Title"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "stem" in err
    assert list(tmp_path.iterdir()) == []


def test_tool_new_makes_the_skeleton_of_a_good_stem_and_nothing_for_an_unencodable_title(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(tool, "SOLUTIONS", tmp_path / "solutions")
    monkeypatch.setattr(tool, "ROOT", tmp_path)
    assert tool.main(["new", "98_bad_title", "T\udced"]) == 2
    assert "not written" in capsys.readouterr().err
    assert list((tmp_path / "solutions").iterdir()) == []  # no 0-byte file blocks `new` again
    assert tool.main(["new", "98_x_2", "Title"]) == 0
    assert tool.read(tmp_path / "solutions" / "98_x_2.ipynb").cells[0].source.startswith(
        "# 98 · Title")

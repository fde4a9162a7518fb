"""Mutation score of ``course_utils``: how many small deliberate bugs the unit tests catch.

A *mutant* is a copy of the package with one small change a careless edit could make: a comparison
loosened or flipped (``<`` to ``<=``, ``==`` to ``!=``), an arithmetic operator swapped (``+`` to
``-``, ``*`` to ``/``), ``and`` swapped with ``or``, a ``not`` or a unary minus dropped, or a number
changed (``n`` to ``n + 1``). A mutant is *killed* when at least one unit test fails on it (or
runs past the time limit); it *survives* otherwise. The score is killed / (mutants - equivalent),
where an *equivalent* mutant is one no test could kill because it does not change behaviour (for
example ``x <= 0`` against ``x < 0`` where ``x`` is never 0). Equivalent mutants are judged by hand
and listed, with the reason, in ``tools/mutation_equivalent.txt``.

How it runs:

1. the checkout's tracked files are copied to a temporary folder (the working tree is never
   touched);
2. the unit tests run once under coverage.py, recording which test reaches each line;
3. every possible mutant of ``course_utils`` (the package, not its exercise questions) is listed,
   and a seeded random sample is drawn;
4. for each mutant, the tests that reach its line run against the mutated copy (``pytest -x``,
   stopping at the first failure); a mutant they do not kill (or that no test reaches) then meets
   the tests generated from the public API, which coverage.py cannot tie to lines
   (``tests/test_api_sweep.py``, ``tests/test_docstrings.py``); what survives that is listed.

Usage::

    python tools/mutation.py --sample 200 --seed 0

It prints each surviving mutant (``file:line:column operator``) and the score. Two cores take
about a minute per ten mutants.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the course's own package (the original, never a mutated copy)
from course_utils._files import (  # noqa: E402
    read_regular_file,
    read_text_file,
    write_atomically,
)

MAX_SOURCE_BYTES = 16 * 2**20  # a source file of the package (the largest is about 60 kB)
MAX_COPY_BYTES = 256 * 2**20  # a file of the repository copied for the run (data: a few MB)

# The unit tests: everything under tests/ except what runs notebooks, browsers, the grader, the
# installer, the website or the instructor's plans (those test the course, not the package).
UNIT_TESTS_EXCLUDED = {
    "test_notebooks.py", "test_grade.py", "test_install.py", "test_site_workflow.py",
    "test_plans.py", "test_slides.py", "test_prose_numbers.py", "test_offline.py",
    "test_setup_cell.py", "test_exercise_hints_in_notebooks.py",
}
# Tests generated from the public API, run for every mutant the other tests leave alive: the API
# sweep calls the package in worker processes, where coverage.py does not follow, and the
# docstring test reads signatures, whose defaults run once at import, before any test starts (so
# coverage.py gives a mutated default to no test). The exercise sweep grades exercise modules,
# which are not mutated, and is left out.
SWEEPS = ["tests/test_api_sweep.py", "tests/test_docstrings.py"]
NOT_IN_COVERAGE_RUN = {"tests/test_api_sweep.py", "tests/test_exercise_sweep.py"}
MUTATED = "course_utils"
NOT_MUTATED = ("course_utils/exercises/",)
EQUIVALENT_FILE = ROOT / "tools" / "mutation_equivalent.txt"
SECONDS_PER_MUTANT = 150  # a mutant that makes a loop run on is killed: a test timed out
# What a plotting function hands matplotlib (limits, anchors, font sizes, text positions) decides
# how a figure looks, which the unit tests do not judge: the arguments of calls on an Axes, a
# Figure or pyplot are not mutated in the plotting module. The data it computes is.
PLOTTING = "course_utils/plotting.py"
MATPLOTLIB_OBJECTS = {"ax", "axes", "fig", "figure", "plt", "cbar", "colorbar", "legend"}

COMPARE_SWAPS = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
    ast.In: ast.NotIn, ast.NotIn: ast.In,
}
BINOP_SWAPS = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult, ast.Pow: ast.Mult,
}


def _read(path: Path) -> str:
    """A text file, through the package's opener (non-blocking, regular files only, capped)."""
    return read_text_file(path, MAX_SOURCE_BYTES)


def _write(path: Path, text: str) -> None:
    """Replace a file by ``text`` in one step (the package's atomic write)."""
    write_atomically(path, text.encode("utf-8"))


def unit_test_files(root: Path) -> list[str]:
    """The unit test files, as paths relative to ``root``."""
    return sorted(
        str(path.relative_to(root))
        for path in (root / "tests").glob("test_*.py")
        if path.name not in UNIT_TESTS_EXCLUDED
    )


def _skipped_nodes(tree: ast.AST, plotting: bool) -> set[int]:
    """Ids of nodes never mutated: messages (raise, assert), f-strings, annotations, where a
    warning points, and in the plotting module the arguments of matplotlib calls."""
    skipped = set()
    for node in ast.walk(tree):
        roots = []
        if isinstance(node, (ast.Raise, ast.Assert, ast.JoinedStr)):
            roots.append(node)
        if isinstance(node, (ast.AnnAssign, ast.arg)) and node.annotation is not None:
            roots.append(node.annotation)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is not None:
            roots.append(node.returns)
        if isinstance(node, ast.keyword) and node.arg == "stacklevel":
            roots.append(node)
        if (plotting and isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in MATPLOTLIB_OBJECTS):
            roots.extend([*node.args, *node.keywords])
        for root in roots:
            skipped.update(id(child) for child in ast.walk(root))
    return skipped


def _mutations(node: ast.AST):
    """The (description, apply) pairs for one node; ``apply`` edits the node in place."""
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            if type(op) in COMPARE_SWAPS:
                new = COMPARE_SWAPS[type(op)]

                def apply(n, i=i, new=new):
                    n.ops[i] = new()
                yield f"{type(op).__name__} -> {new.__name__}", apply
    elif isinstance(node, ast.BinOp) and type(node.op) in BINOP_SWAPS:
        strings = [side for side in (node.left, node.right)
                   if isinstance(side, ast.Constant) and isinstance(side.value, str)]
        if not strings:
            new = BINOP_SWAPS[type(node.op)]

            def apply(n, new=new):
                n.op = new()
            yield f"{type(node.op).__name__} -> {new.__name__}", apply
    elif isinstance(node, ast.BoolOp):
        new = ast.Or if isinstance(node.op, ast.And) else ast.And

        def apply(n, new=new):
            n.op = new()
        yield f"{type(node.op).__name__} -> {new.__name__}", apply
    elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
        value = node.value
        new_value = value + 1 if isinstance(value, int) else (value * 2 if value else 1.0)

        def apply(n, new_value=new_value):
            n.value = new_value
        yield f"{value!r} -> {new_value!r}", apply


def _unary_mutations(tree: ast.AST, skipped: set[int]):
    """``not x`` -> ``x`` and ``-x`` -> ``x``: these replace the node in its parent."""
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            children = value if isinstance(value, list) else [value]
            for index, child in enumerate(children):
                if (isinstance(child, ast.UnaryOp) and isinstance(child.op, (ast.Not, ast.USub))
                        and id(child) not in skipped):
                    yield parent, field, index if isinstance(value, list) else None, child


def _lines_run(tree: ast.AST) -> dict[int, list[int]]:
    """For each expression node, the lines a tracer may report when it runs: its own lines and
    the first line of the statement it belongs to, for a default argument the function's first
    statement, and for a module constant the lines that read it."""
    lines = {}

    def visit(node, statement_line):
        if isinstance(node, ast.stmt):
            statement_line = node.lineno
        if hasattr(node, "lineno"):
            own = range(node.lineno, (node.end_lineno or node.lineno) + 1)
            lines[id(node)] = sorted({statement_line, *own} - {None})
        for child in ast.iter_child_nodes(node):
            visit(child, statement_line)

    visit(tree, None)
    # A default runs once, at import, where coverage.py ties it to whichever test file imported
    # the module first; the tests that call the function reach its first statement.
    for function in ast.walk(tree):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = function.body
            if (len(body) > 1 and isinstance(body[0], ast.Expr)
                    and isinstance(body[0].value, ast.Constant)):
                body = body[1:]  # coverage.py does not report a docstring as run
            for default in [*function.args.defaults, *function.args.kw_defaults]:
                for node in ast.walk(default) if default is not None else ():
                    if id(node) in lines:  # (operators and contexts have no line)
                        lines[id(node)] = sorted({*lines[id(node)], body[0].lineno})
    # A module constant (``LIMIT = 2**31``) runs once, at import, too: the tests that reach a
    # line of the module reading it are the ones it can change.
    for statement in getattr(tree, "body", []):
        if not isinstance(statement, (ast.Assign, ast.AnnAssign)):
            continue
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        names = {target.id for target in targets if isinstance(target, ast.Name)}
        readers = {node.lineno for node in ast.walk(tree) if isinstance(node, ast.Name)
                   and node.id in names and isinstance(node.ctx, ast.Load)}
        for node in ast.walk(statement):
            if id(node) in lines:
                lines[id(node)] = sorted({*lines[id(node)], *readers})
    return lines


def list_mutants(root: Path) -> list[dict]:
    """Every mutant of the package under ``root``, in a fixed order."""
    mutants = []
    for path in sorted((root / MUTATED).rglob("*.py")):
        relative = str(path.relative_to(root))
        if relative.startswith(NOT_MUTATED):
            continue
        tree = ast.parse(_read(path))
        skipped = _skipped_nodes(tree, plotting=relative == PLOTTING)
        lines = _lines_run(tree)
        for position, node in enumerate(ast.walk(tree)):
            if id(node) in skipped or not hasattr(node, "lineno"):
                continue
            for k, (description, _) in enumerate(_mutations(node)):
                mutants.append({"file": relative, "line": node.lineno, "col": node.col_offset,
                                "lines": lines[id(node)], "node": position, "k": k,
                                "what": description})
        nodes = {id(node): position for position, node in enumerate(ast.walk(tree))}
        for parent, field, index, child in _unary_mutations(tree, skipped):
            mutants.append({"file": relative, "line": child.lineno, "col": child.col_offset,
                            "lines": lines[id(child)], "node": nodes[id(child)], "k": "unary",
                            "what": f"drop {type(child.op).__name__}",
                            "parent": nodes[id(parent)], "field": field, "index": index})
    seen: dict[str, int] = {}
    for mutant in mutants:  # two mutants at one place (a < b < c) get numbered
        name = mutant_id(mutant)
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            mutant["what"] += f" #{seen[name]}"
    return mutants


def mutant_id(mutant: dict) -> str:
    """A stable name: ``file:line:column what``."""
    return f"{mutant['file']}:{mutant['line']}:{mutant['col']} {mutant['what']}"


def mutated_source(source: str, mutant: dict) -> str:
    """The module's source with ``mutant`` applied."""
    tree = ast.parse(source)
    nodes = list(ast.walk(tree))
    if mutant["k"] == "unary":
        parent, child = nodes[mutant["parent"]], nodes[mutant["node"]]
        if mutant["index"] is None:
            setattr(parent, mutant["field"], child.operand)
        else:
            getattr(parent, mutant["field"])[mutant["index"]] = child.operand
    else:
        node = nodes[mutant["node"]]
        _, apply = list(_mutations(node))[mutant["k"]]
        apply(node)
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


PLUGIN = '''
import coverage, pytest

@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    cov = coverage.Coverage.current()
    if cov is not None and collector.nodeid.endswith(".py"):
        cov.switch_context(collector.nodeid)
    yield

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    cov = coverage.Coverage.current()
    if cov is not None:
        cov.switch_context(item.nodeid.split("[")[0])
    yield
'''


def _environment(copy: Path) -> dict:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("COV_", "COVERAGE_"))}
    env.update(PYTHONPATH=str(copy), PYTHONDONTWRITEBYTECODE="1",
               NUMBA_CACHE_DIR=str(copy / ".numba-cache"), MPLBACKEND="Agg")
    return env


def coverage_map(copy: Path, tests: list[str]) -> dict[tuple[str, int], set[str]]:
    """Which tests (node ids, or a test file for code run while collecting it) reach each line."""
    _write(copy / "mutation_contexts.py", PLUGIN)
    data = copy / ".coverage-mutation"
    env = _environment(copy)
    command = [sys.executable, "-m", "coverage", "run", f"--data-file={data}",
               f"--source={MUTATED}", "-m", "pytest", "-q", "-p", "no:cacheprovider",
               "-p", "mutation_contexts", "-o", "addopts=", *tests]
    subprocess.run(command, cwd=copy, env=env, check=False, stdout=subprocess.DEVNULL)
    import coverage

    reached: dict[tuple[str, int], set[str]] = {}
    covdata = coverage.CoverageData(basename=str(data))
    covdata.read()
    for filename in covdata.measured_files():
        relative = str(Path(filename).resolve().relative_to(copy.resolve()))
        for line, contexts in covdata.contexts_by_lineno(filename).items():
            named = {context for context in contexts if context}
            if named:
                reached.setdefault((relative, line), set()).update(named)
    _add_compiled_lines(copy, reached)
    return reached


def _add_compiled_lines(copy: Path, reached: dict) -> None:
    """Lines of numba-compiled functions (modules with ``@njit``) are invisible to coverage.py: a
    test reaches them when it reaches a line of the package that calls a function of that module
    by name."""
    called_from: dict[str, set[str]] = {}  # "file:line" -> the tests reaching that line
    for (relative, line), tests in reached.items():
        called_from.setdefault(f"{relative}:{line}", set()).update(tests)
    compiled_modules = [str(path.relative_to(copy)) for path in (copy / MUTATED).rglob("*.py")
                        if "@njit" in _read(path)]
    for compiled in compiled_modules:
        tree = ast.parse(_read(copy / compiled))
        names = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        names |= {target.id for node in tree.body if isinstance(node, ast.Assign)
                  for target in node.targets if isinstance(target, ast.Name)}
        callers: set[str] = set()
        for path in (copy / MUTATED).rglob("*.py"):
            relative = str(path.relative_to(copy))
            for node in ast.walk(ast.parse(_read(path))):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                        and node.func.id in names):
                    callers |= called_from.get(f"{relative}:{node.lineno}", set())
        for line in range(1, len(_read(copy / compiled).splitlines()) + 1):
            reached.setdefault((compiled, line), set()).update(callers)


def run_mutant(copy: Path, mutant: dict, tests: set[str]) -> str:
    """``killed``, ``survived`` or ``timeout`` for one mutant."""
    path = copy / mutant["file"]
    original = _read(path)
    _write(path, mutated_source(original, mutant))
    try:
        command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                   "-o", "addopts=", *sorted(tests)]
        result = subprocess.run(command, cwd=copy, env=_environment(copy),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                timeout=SECONDS_PER_MUTANT, check=False)
        return "survived" if result.returncode == 0 else "killed"
    except subprocess.TimeoutExpired:
        return "timeout"
    finally:
        _write(path, original)


def read_equivalent() -> dict[str, str]:
    """The mutants judged equivalent by hand: id -> reason."""
    equivalent = {}
    if EQUIVALENT_FILE.exists():
        for line in _read(EQUIVALENT_FILE).splitlines():
            if line.strip() and not line.startswith("#"):
                name, _, reason = line.partition(" -- ")
                equivalent[name.strip()] = reason.strip()
    return equivalent


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=200, help="how many mutants (default 200)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample (default 0)")
    parser.add_argument("--json", type=Path, help="also write every result to this file")
    args = parser.parse_args(argv)
    if args.sample < 1:
        parser.error("--sample must be at least 1")

    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    equivalent = read_equivalent()
    with tempfile.TemporaryDirectory(prefix="mutation-") as folder:
        copy = Path(folder)
        for name in files:
            if (ROOT / name).is_file():
                (copy / name).parent.mkdir(parents=True, exist_ok=True)
                write_atomically(copy / name, read_regular_file(ROOT / name, MAX_COPY_BYTES))
        tests = [name for name in unit_test_files(copy) if name not in NOT_IN_COVERAGE_RUN]
        mutants = list_mutants(copy)
        sample = sorted(random.Random(args.seed).sample(mutants, min(args.sample, len(mutants))),
                        key=mutant_id)
        print(f"{len(mutants)} mutants of {MUTATED} (exercise modules excluded); "
              f"sample of {len(sample)} (seed {args.seed})", flush=True)
        reached = coverage_map(copy, tests)
        results = []
        for number, mutant in enumerate(sample, 1):
            name = mutant_id(mutant)
            covering = set().union(*(reached.get((mutant["file"], line), set())
                                     for line in mutant["lines"]))
            outcome = run_mutant(copy, mutant, covering) if covering else "not reached"
            if outcome in ("survived", "not reached") and (
                    run_mutant(copy, mutant, SWEEPS) != "survived"):
                outcome = "killed by a sweep"
            mark = " (equivalent)" if name in equivalent else ""
            print(f"  {number:4d}/{len(sample)} {outcome}: {name}{mark}", flush=True)
            results.append({"mutant": name, "outcome": outcome, "tests": len(covering)})

    killed = sum(result["outcome"].startswith(("killed", "timeout")) for result in results)
    judged = sum(result["mutant"] in equivalent for result in results
                 if result["outcome"] in ("survived", "not reached"))
    scored = len(results) - judged
    print(f"killed {killed} of {len(results)}; {judged} judged equivalent; "
          f"score {killed / scored:.1%} of {scored} non-equivalent mutants")
    if args.json:
        _write(args.json, json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

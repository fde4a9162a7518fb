"""tools/mutation.py: every mutant it lists is one valid, different program."""

import ast
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import mutation  # noqa: E402


def test_every_mutant_compiles_and_changes_its_module():
    mutants = mutation.list_mutants(ROOT)
    assert len(mutants) > 1000
    assert len({mutation.mutant_id(m) for m in mutants}) == len(mutants)
    sources = {}
    for mutant in random.Random(0).sample(mutants, 200):  # all of them take a minute
        source = sources.setdefault(mutant["file"], (ROOT / mutant["file"]).read_text())
        original = ast.dump(ast.parse(source))
        mutated = mutation.mutated_source(source, mutant)
        assert ast.dump(ast.parse(mutated)) != original, mutation.mutant_id(mutant)


def test_messages_annotations_and_exercises_are_not_mutated():
    source = '''
def f(x: int = 3) -> float:
    if x < 0:
        raise ValueError(f"x must be >= {0}, got {x + 1}")
    return x * 2
'''
    tree = ast.parse(source)
    skipped = mutation._skipped_nodes(tree, plotting=False)
    kinds = sorted(what for node in ast.walk(tree) if id(node) not in skipped
                   for what, _ in mutation._mutations(node))
    # the default 3, the comparison and its 0, the product and its 2; nothing in the message
    assert kinds == ["0 -> 1", "2 -> 3", "3 -> 4", "Lt -> LtE", "Mult -> Div"]
    assert not any(m["file"].startswith("course_utils/exercises/")
                   for m in mutation.list_mutants(ROOT))


def test_a_default_is_tied_to_the_tests_that_call_its_function():
    # coverage.py gives a default's line only to the test file that imported the module first
    source = '''
def f(x,
      high=2**63 - 1):
    """Doc."""
    return x <= high
'''
    tree = ast.parse(source)
    lines = mutation._lines_run(tree)
    default = tree.body[0].args.defaults[0]
    assert lines[id(default)] == [2, 3, 5]  # the def, its own line, the first statement
    assert lines[id(default.left)] == [2, 3, 5]  # 2**63 inside it
    assert lines[id(tree.body[0].body[1].value)] == [5]  # the body's own nodes are unchanged


def test_a_module_constant_is_tied_to_the_lines_that_read_it():
    # it too runs at import, which coverage.py gives to whichever test file imported it first
    source = '''
LIMIT = 2**31


def f(n):
    return min(n, LIMIT)
'''
    tree = ast.parse(source)
    lines = mutation._lines_run(tree)
    constant = tree.body[0].value
    assert lines[id(constant)] == [2, 6]  # its own line and the line reading LIMIT
    assert lines[id(constant.left)] == [2, 6]
    assert lines[id(tree.body[1].body[0].value)] == [6]  # f's own nodes are unchanged


def test_every_listed_equivalent_mutant_exists():
    """An entry of tools/mutation_equivalent.txt names a mutant by file, line and column: an edit
    above it moves the mutant, and the stale entry would then excuse nothing (or another mutant).
    Every entry must name a mutant the tool lists today."""
    ids = {mutation.mutant_id(m) for m in mutation.list_mutants(ROOT)}
    stale = sorted(set(mutation.read_equivalent()) - ids)
    assert not stale, f"renumber these entries of tools/mutation_equivalent.txt: {stale}"

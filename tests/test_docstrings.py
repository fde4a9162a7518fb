"""Every public function says what it does with each argument, and says its defaults truly.

A learner reads a docstring to know what a call does without an argument. These tests read the
numpydoc "Parameters" section of every public function, constructor and method of
``course_utils`` (found from the modules' ``__all__``, as the API sweep finds them): every
parameter is documented, and a documented ``default=...`` equals the signature's default. A new
function is covered without a new case.
"""

import ast
import dataclasses
import inspect
import re

import pytest
from test_api_sweep import _methods, public_names

PARAMETER_LINE = re.compile(r"^(\*{0,2}\w+(?:\s*,\s*\*{0,2}\w+)*)\s*(?::\s*(.*))?$")


def _callables():
    """``{"module.name(.method)": function}`` for every public function, constructor and method."""
    found = {}
    for qualname, obj in public_names().items():
        if inspect.isclass(obj):
            if not issubclass(obj, tuple):  # a named tuple documents its fields as Attributes
                found[f"{qualname}.__init__"] = obj.__init__
            for name, kind in _methods(obj).items():
                if kind == "method":
                    found[f"{qualname}.{name}"] = getattr(obj, name)
        elif callable(obj):
            found[qualname] = obj
    return found


def documented_parameters(doc: str, section: str = "Parameters") -> dict[str, str]:
    """``{name: type line}`` from a numpydoc section (empty if there is none)."""
    lines = inspect.cleandoc(doc or "").splitlines()
    if section not in lines:
        return {}
    start = lines.index(section) + 2  # skip the dashes
    documented, names = {}, []
    for line in lines[start:]:
        if line and not line.startswith(" ") and line.strip() and (
                line.endswith("-" * len(line)) or line.strip() in {
                    "Returns", "Raises", "Yields", "Notes", "Examples", "See Also",
                    "Attributes", "References", "Warns", "Methods"}):
            break
        match = PARAMETER_LINE.match(line) if not line.startswith(" ") else None
        as_in = re.match(r"\s+As in :(?:func|meth|class):`~?([\w.]+)`", line)
        if as_in and names and not any(documented[name].startswith("default=") for name in names):
            for name in names:  # "alpha, beta\n    As in :func:`ftrl_proximal`."
                documented[name] += f" as-in={as_in.group(1)}"
            names = []
        if match:
            names = [name.strip().lstrip("*") for name in match.group(1).split(",")]
            type_line = match.group(2) or ""
            found, value = _documented_default(type_line)
            for i, name in enumerate(names):
                # "alpha, beta : float, default=(0.1, 1.0)" gives each name its own default
                if found and len(names) > 1 and isinstance(value, tuple) and (
                        len(value) == len(names)):
                    documented[name] = f"default={value[i]!r}"
                else:
                    documented[name] = type_line
    return documented


def _documented_default(type_line: str):
    """The literal after ``default=`` (``(found, value)``); non-literal defaults are skipped."""
    match = re.search(r"default\s*[=:]\s*(.+)$", type_line)
    if not match:
        return False, None
    text = match.group(1).strip().strip("`").rstrip(".")
    try:
        return True, ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return False, None


CALLABLES = _callables()


def _documented(qualname: str) -> dict[str, str]:
    """What the docstring says of each parameter; a constructor is documented by its class (a
    dataclass's fields as its Attributes)."""
    func = CALLABLES[qualname]
    if not qualname.endswith(".__init__"):
        return documented_parameters(func.__doc__)
    owner = public_names()[qualname.rsplit(".", 1)[0]]
    if dataclasses.is_dataclass(owner):
        return documented_parameters(owner.__doc__, "Attributes")
    return documented_parameters(owner.__doc__) or documented_parameters(func.__doc__)


@pytest.mark.parametrize("qualname", sorted(CALLABLES))
def test_every_parameter_is_documented(qualname):
    func = CALLABLES[qualname]
    parameters = [name for name, p in inspect.signature(func).parameters.items()
                  if name not in ("self", "cls")
                  and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    documented = _documented(qualname)
    missing = [name for name in parameters if name not in documented]
    assert not missing, f"{qualname}: parameters without a docstring entry: {missing}"


@pytest.mark.parametrize("qualname", sorted(CALLABLES))
def test_documented_defaults_are_the_signatures(qualname):
    func = CALLABLES[qualname]
    documented = _documented(qualname)
    for name, parameter in inspect.signature(func).parameters.items():
        if name not in documented or parameter.default in (parameter.empty, None):
            continue  # None stands for a choice the docstring describes (e.g. sgd_l1's method)
        as_in = re.search(r"as-in=([\w.]+)", documented[name])
        if as_in:  # "As in :func:`other`": the same default as other's
            other = getattr(inspect.getmodule(func), as_in.group(1).split(".")[-1], None)
            assert other is not None, f"{qualname}: {as_in.group(1)} not found in its module"
            theirs = inspect.signature(other).parameters.get(name)
            if theirs is not None and theirs.default is not theirs.empty:
                assert theirs.default == parameter.default, (
                    f"{qualname}({name}=...) is documented as in {as_in.group(1)}, whose "
                    f"default is {theirs.default!r}; the signature has {parameter.default!r}")
            continue
        found, value = _documented_default(documented[name])
        if found:
            assert value == parameter.default and type(value) is type(parameter.default) or (
                isinstance(value, (int, float)) and isinstance(parameter.default, (int, float))
                and value == parameter.default), (
                f"{qualname}({name}=...): the docstring says default={value!r}, "
                f"the signature has {parameter.default!r}")


DOCUMENTED_CAP = re.compile(r"``(MAX_[A-Z_]+)`` \(([\d,]+|2\*\*\d+)\)")


@pytest.mark.parametrize("qualname", sorted(CALLABLES))
def test_documented_caps_are_the_real_ones(qualname):
    # "at most ``MAX_ITER`` (100,000)": the number beside a cap's name is the cap's value, so
    # that lowering a cap (or raising it) cannot leave the docstrings behind
    func = CALLABLES[qualname]
    doc = " ".join((func.__doc__ or "").split())
    module = vars(inspect.getmodule(func) or inspect)  # a builtin's: no caps in its docstring
    for name, text in DOCUMENTED_CAP.findall(doc):
        assert name in module, f"{qualname}: its docstring names {name}, not in its module"
        value = 2 ** int(text[3:]) if text.startswith("2**") else int(text.replace(",", ""))
        assert module[name] == value, (
            f"{qualname}: the docstring says {name} is {text}, it is {module[name]:,}")


def test_the_caps_of_the_counts_are_documented_at_their_parameters():
    documented = {qualname: _documented(qualname) for qualname in CALLABLES}
    for qualname, parameter in [("solvers.lasso", "max_iter"), ("solvers.logistic_l1", "max_iter"),
                                ("solvers.iht", "max_iter"), ("solvers.htp", "max_iter"),
                                ("solvers.sgd_l1", "epochs"), ("solvers.ftrl_proximal", "epochs"),
                                ("solvers.adagrad_fobos", "epochs"),
                                ("solvers.best_subset", "max_subsets")]:
        assert qualname in documented, qualname
        func = CALLABLES[qualname]
        doc = " ".join((func.__doc__ or "").split())
        assert re.search(rf"{parameter} : int(?:(?! : ).)*at most ``MAX_[A-Z]+`` \(", doc), (
            f"{qualname}: {parameter}'s entry does not state its cap")


def test_the_parser_reads_a_numpydoc_section():
    doc = """Do a thing.

    Parameters
    ----------
    a, b : int, default=3
        Two numbers.
    c : str, default="x"
        A name.

    Returns
    -------
    int
    """
    parameters = documented_parameters(doc)
    assert set(parameters) == {"a", "b", "c"}
    assert _documented_default(parameters["a"]) == (True, 3)
    assert _documented_default(parameters["c"]) == (True, "x")
    assert _documented_default("float") == (False, None)

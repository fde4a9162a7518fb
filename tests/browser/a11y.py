"""axe-core in a page of the site (issue 25): shared by test_site.py and test_accessibility.py.

axe-core is vendored in ``tests/browser/axe-core/`` (its README: version, licence, checksum), so
the tests download nothing.
"""

from __future__ import annotations

from tests.browser.conftest import ROOT

AXE = ROOT / "tests" / "browser" / "axe-core" / "axe.min.js"
AXE_VERSION = "4.14.1"
BLOCKING = ("critical", "serious")

RUN_AXE = """async (within) => {
  const context = within ? {include: [within]} : document;
  const result = await axe.run(context, {resultTypes: ['violations']});
  return {version: axe.version, violations: result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 160),
                               summary: n.failureSummary.slice(0, 300)}))}))};
}"""

def axe_violations(page, within: str | None = None) -> list[dict]:
    """axe-core's violations of ``page`` (all rules of the vendored version), or only of the
    elements matching the CSS selector ``within``."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(RUN_AXE, within)
    assert result["version"] == AXE_VERSION
    return result["violations"]


def _blocking(violations):
    return [v for v in violations if v["impact"] in BLOCKING]


TAB_FORMULAS = "() => document.querySelectorAll('mjx-container[tabindex], .math[tabindex]').length"


def axe_and_tab_formulas(page) -> tuple[list[dict], int]:
    """axe-core's violations of an open page, and how many formulas are Tab stops."""
    return axe_violations(page), page.evaluate(TAB_FORMULAS)


def assert_accessible(path: str, theme: str, violations: list[dict], tab_formulas: int) -> None:
    """No formula in the Tab order (1280 px: every formula fits); nothing critical or serious."""
    assert tab_formulas == 0, "formulas are Tab stops"
    blocking = _blocking(violations)
    assert blocking == [], [(v["id"], v["impact"], len(v["nodes"]), v["nodes"][:2])
                            for v in blocking]



"""The feedback boxes are readable on JupyterLab's light and dark themes.

Each verdict, hint and solution is rendered to HTML as a notebook would show it; the colours are
read back from the HTML and measured with the WCAG 2 contrast ratio: text at least 4.5:1 against
the background it sits on, and the box's border (a non-text mark) at least 3:1 against both page
backgrounds, so the box stands out on either theme.
"""

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from course_utils.exercises import _display
from course_utils.exercises._engine import MultipleChoice, Value

LIGHT, DARK = "#FFFFFF", "#111111"  # JupyterLab's light and dark page backgrounds (layout-color0)


def _luminance(colour: str) -> float:
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted([_luminance(a), _luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula():
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)


class _Styles(HTMLParser):
    """Collect (tag, style dict) of every element, in order."""

    def __init__(self):
        super().__init__()
        self.elements = []

    def handle_starttag(self, tag, attrs):
        style = dict(attrs).get("style") or ""
        pairs = (part.split(":", 1) for part in style.split(";") if ":" in part)
        self.elements.append((tag, {k.strip(): v.strip() for k, v in pairs}))


def _rendered(monkeypatch, show):
    shown = []
    monkeypatch.setattr(_display, "_in_notebook", lambda: True)
    monkeypatch.setattr("IPython.display.display", lambda obj, raw: shown.append(obj))
    show()
    return shown


def _all_boxes(monkeypatch):
    q = Value("p", answer=2, hints=["one", "two"], solution="answer = 2")
    mc = MultipleChoice("p", {"a": ("x", "y"), "b": ("z", "w")}, "a")
    return _rendered(
        monkeypatch,
        lambda: (q.check(2), q.check(3), q.check(...), q.hint(), q.hint(), q.hint(), q.solution(),
                 mc.check("b")),
    )


def test_every_label_is_shown(monkeypatch):
    labels = [re.match(r"[^:]+", b["text/plain"]).group() for b in _all_boxes(monkeypatch)]
    assert labels == ["Correct", "Incorrect", "Not attempted yet", "Hint 1 of 2", "Hint 2 of 2",
                      "Hint", "Solution", "Incorrect"]


def test_numbered_hints_use_the_hint_colours(monkeypatch):
    boxes = _all_boxes(monkeypatch)
    hint_html = [b["text/html"] for b in boxes if b["text/plain"].startswith("Hint")]
    assert len(set(re.sub(r"<strong.*", "", h) for h in hint_html)) == 1  # same box style


def test_text_and_borders_are_readable_on_light_and_dark_themes(monkeypatch):
    for bundle in _all_boxes(monkeypatch):
        parser = _Styles()
        parser.feed(bundle["text/html"])
        (tag, box), *inner = parser.elements
        assert tag == "div"
        border = box["border-left"].split()[-1]
        for page in (LIGHT, DARK):
            assert contrast(border, page) >= 3.0, (bundle["text/plain"], border, page)
        # the box sets its own background, so its text does not depend on the page's theme
        background = box["background"]
        assert contrast(box["color"], background) >= 4.5
        for element_tag, style in inner:
            own = style.get("background", "transparent")
            behind = background if own == "transparent" else own
            if "color" in style:
                assert contrast(style["color"], behind) >= 4.5, (element_tag, style)
            if element_tag in ("code", "pre"):  # themes style these: ours must set both
                assert "background" in style and "color" in style, (element_tag, style)


def test_code_in_messages_is_shown_without_backticks(monkeypatch):
    q = Value("p", answer=1, mistakes=[(2, "use `np.sum(w != 0)`, not `len(w)`")])
    (bundle,) = _rendered(monkeypatch, lambda: q.check(2))
    parser = _Styles()
    parser.feed(bundle["text/html"])
    assert [tag for tag, _ in parser.elements] == ["div", "strong", "code", "code"]
    assert bundle["text/plain"] == "Incorrect: Use np.sum(w != 0), not len(w)."
    assert re.search(r"<code[^>]*>np\.sum\(w != 0\)</code>", bundle["text/html"])
    assert "`" not in bundle["text/html"]


# --------------------------------------------------------------------------- issue 25, item 4

# Run in a real kernel: what a check cell shows, in JupyterLab's mode (store_history=True) and
# nbval's (store_history=False, where IPython ignores a trailing `;`).
CHECK_CELLS = {
    "ex00.q1.check(2)": "Correct",
    "ex00.q1.check(3)": "Incorrect",
    "answer = ...\nex00.q1.check(answer)": "Not attempted yet",
}


def _outputs(client, code: str, store_history: bool) -> list[tuple[str, dict]]:
    """The (message type, content) of every output of running ``code`` in the kernel."""
    msg_id = client.execute(code, store_history=store_history)
    outputs = []
    while True:
        message = client.get_iopub_msg(timeout=60)
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = message["msg_type"], message["content"]
        if kind == "status" and content["execution_state"] == "idle":
            return outputs
        if kind in ("execute_result", "display_data", "stream", "error"):
            outputs.append((kind, content))


def test_a_check_cell_shows_its_verdict_only_in_both_history_modes(tmp_path):
    """No ``Out [n]: True`` under a verdict (no execute_result), with or without history;
    the value still works as a bool in the kernel."""
    from jupyter_client.manager import start_new_kernel

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root), "COURSE_PROGRESS_DIR": str(tmp_path)}
    manager, client = start_new_kernel(kernel_name="python3", env=env, cwd=str(tmp_path))
    try:
        assert _outputs(client, "from course_utils.exercises import ex00", True) == []
        for store_history in (True, False):
            for code, label in CHECK_CELLS.items():
                outputs = _outputs(client, code, store_history)
                assert [kind for kind, _ in outputs] == ["display_data"], (code, outputs)
                assert outputs[0][1]["data"]["text/plain"].startswith(label + ":")
            outputs = _outputs(
                client,
                "result = ex00.q1.check(2)\n"
                "print(bool(result), result == True, repr(result), str(result),"
                " 'yes' if result else 'no', sum([result, ex00.q1.check(3)]))",
                store_history,
            )
            assert outputs[-1] == ("stream", {"name": "stdout",
                                              "text": "True True True True yes 1\n"})
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)

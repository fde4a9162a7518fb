"""Showing verdicts, hints and solutions: HTML in Jupyter, plain text elsewhere.

Everything shown is deterministic (no memory addresses, timings or random ids)
because notebook outputs are compared by nbval on every test run.
"""

from __future__ import annotations

import html
import re

from ._verdict import CORRECT, INCORRECT, NOT_ATTEMPTED

# Each verdict is a box with its own light background, so it reads the same on JupyterLab's
# light and dark themes: the label's text colour (a dark Okabe-Ito hue, colour-blind safe) has
# a contrast of at least 4.5:1 against the box, and the border at least 3:1 against both page
# backgrounds. The label says the state in words too. tests/test_exercise_display.py measures it.
_STYLES = {  # kind -> (border, background, label text)
    CORRECT: ("#009E73", "#E6F5F0", "#00664A"),
    INCORRECT: ("#D55E00", "#FBEDE4", "#9C4500"),
    NOT_ATTEMPTED: ("#0072B2", "#E5F1F7", "#005A8C"),
    "Hint": ("#B07800", "#FDF5E3", "#7A5300"),
    "Solution": ("#3A8FC0", "#E9F4FA", "#1F5F85"),
}
_TEXT_COLOUR = "#1B1B1B"  # the message, on the box's background


def _in_notebook() -> bool:
    """Return True inside a Jupyter kernel (a frontend that renders HTML)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _style_kind(label: str) -> str:
    """The style of a label: "Hint 1 of 2" is styled as "Hint"."""
    return "Hint" if label.startswith("Hint") else label


# JupyterLab's themes give <code> and <pre> a background of their own (dark on the dark theme):
# ours set theirs, so the text keeps its contrast on the box whatever the theme.
_CODE_STYLE = f"background: transparent; color: {_TEXT_COLOUR};"


def _code_spans_html(escaped: str) -> str:
    """Turn `code` spans of an already escaped message into <code> elements."""
    return re.sub(r"`([^`]+)`", rf'<code style="{_CODE_STYLE}">\1</code>', escaped)


def _plain(message: str) -> str:
    """The message as plain text: `code` spans lose their backticks."""
    return re.sub(r"`([^`]+)`", r"\1", message)


def _html(label: str, message: str, code: str | None = None) -> str:
    """The HTML of one verdict, hint or solution box (see ``_STYLES``)."""
    border, background, label_colour = _STYLES.get(_style_kind(label), _STYLES["Solution"])
    body = (
        f'<strong style="color: {label_colour};">{html.escape(label)}:</strong> '
        f"{_code_spans_html(html.escape(message))}"
    )
    if code is not None:
        body += (
            f'<pre style="{_CODE_STYLE}"><code style="{_CODE_STYLE}">'
            f"{html.escape(code)}</code></pre>"
        )
    return (
        f'<div style="border-left: 6px solid {border}; background: {background}; '
        f'color: {_TEXT_COLOUR}; padding: 4px 10px;">{body}</div>'
    )


def _show(label: str, message: str, code: str | None = None) -> None:
    """Show ``label: message`` (and optional code) as HTML in Jupyter, else as plain text.

    In Jupyter one output holds both ``text/plain`` and ``text/html``, so the
    stored notebook stays readable anywhere and nbval compares both. Code in a
    message is written between backticks; it is shown as code, without them.
    """
    plain = f"{label}: {_plain(message)}"
    if code is not None:
        plain += "\n" + code
    if not _in_notebook():
        print(plain)
        return
    from IPython.display import display

    display({"text/plain": plain, "text/html": _html(label, message, code)}, raw=True)

"""Multiple-choice questions: every option carries the explanation shown when it is chosen."""

from __future__ import annotations

import re

from ._question import Question
from ._values import _describe
from ._verdict import CORRECT, INCORRECT, Verdict, _sentence


def _option_key(answer: str) -> str:
    """The letter in "b", " B ", "(b)", "b)", "B." or "[b]".

    Plain string methods, no regular expression: the time is linear in the answer's length
    (a regex such as ``\\s*[)\\].:]$`` backtracks quadratically over a long run of spaces).
    """
    key = answer.strip().lower()
    if key.startswith(("(", "[")):
        key = key[1:].lstrip()
    if key.endswith((")", "]", ".", ":")):
        key = key[:-1].rstrip()
    return key.strip()


class MultipleChoice(Question):
    """Choose one option; every option has an explanation shown when it is chosen.

    Parameters
    ----------
    prompt : str
        The question.
    options : dict of str -> (str, str)
        Option key (e.g. ``"a"``) -> (option text, explanation shown when chosen).
    answer : str
        The key of the right option.
    hints : list of str, optional
        Revealed one per ``hint()`` call.
    solution : str, optional
        Shown by ``solution()``; by default the right option and its explanation.
    """

    def __init__(self, prompt, options, answer, *, hints=(), solution=None):
        super().__init__(prompt, hints=hints, solution=solution)
        if not isinstance(options, dict):
            raise TypeError("options must be a dict: key -> (option text, explanation).")
        if len(options) < 2:
            raise ValueError("options must hold at least two options.")
        self.options = {}
        for key, pair in options.items():
            if not (isinstance(key, str) and key.strip()):
                raise TypeError(f"option keys must be non-empty strings, got {_describe(key)}.")
            if not (
                isinstance(pair, tuple)
                and len(pair) == 2
                and all(isinstance(part, str) and part.strip() for part in pair)
            ):
                raise TypeError(
                    f"option {key!r} must be a pair of non-empty strings (text, explanation)."
                )
            text, why = pair
            if key.strip().lower() in self.options:  # the learner's "A" and "a" are one answer
                raise ValueError(
                    f"options has two keys that are the same ignoring case and spaces: "
                    f"{key!r} and another; use distinct letters."
                )
            self.options[key.strip().lower()] = (text, _sentence(_without_verdict_word(why)))
        if not isinstance(answer, str):
            raise TypeError(f"answer must be an option key (a string), got {_describe(answer)}.")
        self.answer = answer.strip().lower()
        if self.answer not in self.options:
            raise ValueError(f"answer {answer!r} is not one of the option keys.")

    @property
    def mistakes(self) -> list[tuple[str, str]]:
        """list of (key, explanation): the wrong options, as in the other question kinds."""
        return [(key, why) for key, (_, why) in self.options.items() if key != self.answer]

    def _grade(self, answer) -> Verdict:
        keys = ", ".join(f'"{key}"' for key in self.options)
        if not isinstance(answer, str):
            return Verdict(
                INCORRECT,
                f"answer with one of the letters {keys}, as a string; got {_describe(answer)}.",
            )
        key = _option_key(answer)
        if key not in self.options:
            return Verdict(INCORRECT, f"{_describe(answer)} is not one of the options {keys}.")
        label = CORRECT if key == self.answer else INCORRECT
        return Verdict(label, self.options[key][1])

    def options_text(self) -> str:
        """Return the prompt and the options, one per line (explanations hidden)."""
        lines = [self.prompt] + [f"  {key}) {text}" for key, (text, _) in self.options.items()]
        return "\n".join(lines)

    def _solution_text(self) -> str:
        if self._solution is not None:
            return self._solution
        text, why = self.options[self.answer]
        return f'answer = "{self.answer}"   # {text.rstrip(".")}. {why}'


def _without_verdict_word(why: str) -> str:
    """An explanation without a leading "Right:", "Correct." or "Wrong,": the label shown
    before it says so already ("Correct: Right: ..." would say it twice)."""
    word = r"^\s*(right|correct|wrong|incorrect|yes|no)\s*[:.,;!]\s*"
    return re.sub(word, "", why, flags=re.IGNORECASE) or why

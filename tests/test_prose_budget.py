"""Each notebook's markdown prose stays within the course's budget (issue 27): at most 1,000 words, and
no sentence over 40 words.

Prose is what a markdown cell says outside fenced code blocks, tables and headings. Words and sentences
are counted by the same rule as the course's review script (``prose_budget.py``, kept beside the
repository, not in it), copied here so that a clone can run this test. Notebooks not yet rewritten for
the budget are expected to fail; the marker is strict, so a notebook that comes within budget makes
this test fail until its marker is removed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
WORDS, SENTENCE = 1000, 40
NOT_YET_REWRITTEN: set[str] = set()


def measure(notebook: dict) -> tuple[int, int, str]:
    """(words, words in the longest sentence, that sentence) of a notebook's markdown prose."""
    markdown = ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "markdown"]
    lines = [  # tables, headings and code blocks become blank lines: they end a paragraph
        "" if line.lstrip().startswith(("|", "#")) else line
        for text in markdown
        for line in [*re.sub(r"```.*?```", "\n\n", text, flags=re.S).splitlines(), ""]
    ]
    words = len(re.findall(r"\b\w[\w'-]*\b", " ".join(lines)))
    paragraphs = re.split(r"\n\s*\n|\n\s*(?:[-*]|\d+\.)\s+", "\n".join(lines))
    sentences = [
        sentence
        for paragraph in paragraphs
        for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z(*`\d])", paragraph.replace("\n", " "))
    ]
    longest = max(sentences, key=lambda s: len(s.split()), default="")
    return words, len(longest.split()), longest


def _markdown(*sources: str) -> dict:
    return {"cells": [{"cell_type": "markdown", "source": source} for source in sources]}


def test_prose_is_counted_outside_code_tables_and_headings() -> None:
    notebook = _markdown(
        "# A heading of six words here\n\nOne two three. Four five!\n\n| a | table |\n| --- | --- |\n",
        "```python\nprint('code is not prose')\n```\n- a listed item\n- `inline code` counts, don't split it",
    )
    words, longest, sentence = measure(notebook)
    assert words == 5 + 3 + 6  # "don't" is one word; inline code counts
    assert (longest, sentence.strip()) == (6, "`inline code` counts, don't split it")
    notebook["cells"].append({"cell_type": "code", "source": "x = 1  # code cells never count"})
    assert measure(notebook)[0] == 14


def test_a_long_sentence_is_found_across_lines() -> None:
    long = " ".join(["Word"] + ["word"] * 40)
    words, longest, _ = measure(_markdown(f"Short one. {long[:100]}\n{long[100:]}. Short two."))
    assert (words, longest) == (45, 41)
    assert measure(_markdown(f"Short one. {long[:100]}\n\n{long[100:]}."))[1] < 41  # two paragraphs


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(
            path,
            id=path.name,
            marks=[pytest.mark.xfail(strict=True, reason="issue 27: not yet rewritten")]
            if path.name in NOT_YET_REWRITTEN
            else [],
        )
        for path in sorted(NOTEBOOKS.glob("*.ipynb"))
    ],
)
def test_notebook_prose_is_within_budget(path: Path) -> None:
    words, longest, sentence = measure(json.loads(path.read_text(encoding="utf-8")))
    assert words <= WORDS, f"{path.name}: {words} words of markdown prose, more than {WORDS}"
    assert longest <= SENTENCE, f"{path.name}: a sentence of {longest} words: {sentence[:200]}"


def test_every_notebook_is_checked() -> None:
    names = {path.name for path in NOTEBOOKS.glob("*.ipynb")}
    assert len(names) == 6 and names >= NOT_YET_REWRITTEN  # every marked name still exists

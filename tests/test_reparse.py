"""Re-parsing after an edit (`tfseedlint.reparse`, the language server's
parse) gives the tree a full parse gives, or declines."""
from __future__ import annotations

import random
from pathlib import Path

import libcst as cst
import pytest

from tfseedlint import reparse
from tfseedlint.engine import SourceError, parse_reusing

ROOT = Path(__file__).resolve().parents[1]

#: What typing inserts: characters, whole lines, openers left unclosed,
#: indentation, comments at both depths, compound statements.
SNIPPETS = ["x", "1", "\n", "    ", "  ", "\t", "# note\n", "    # note\n", "(", ")", "[", "'''", '"', "\\\n",
            "else:\n", "if x:\n", "def g():\n    return 1\n", "pass\n", "\n\n", "@decorator\n", ":"]


def _edit(rng: random.Random, text: str) -> str:
    lines = reparse.lines(text)
    line = rng.randrange(len(lines))
    pos = sum(len(item) for item in lines[:line]) + rng.randrange(len(lines[line]) + 1)
    if rng.random() < 0.6:
        return text[:pos] + rng.choice(SNIPPETS) + text[pos:]
    return text[:pos] + text[pos + rng.randrange(1, 40):]


def _full(text: str) -> cst.Module | None:
    try:
        return cst.parse_module(text)
    except Exception:  # noqa: BLE001 - not Python: the edit broke it
        return None


@pytest.mark.parametrize("source", ["tfseedlint/lsp.py", "tfseedlint/probe/recipes.py"])
def test_random_edits_give_the_full_parse(source: str) -> None:
    rng = random.Random(source)
    text = (ROOT / source).read_text(encoding="utf-8")
    previous = reparse.index(text, cst.parse_module(text))
    reused = valid = 0
    for _ in range(80):
        new = _edit(rng, text)
        parsed = reparse.parse(previous, new)
        full = _full(new)
        if parsed is not None:
            reused += 1
            assert full is not None, "kept an edit that does not parse"
            assert parsed.module.code == new
            assert parsed.module.deep_equals(full)
            assert parsed.spans == reparse.index(new, full).spans
        if full is None:
            continue  # the editor's next keystroke starts from the last good text
        valid += 1
        text, previous = new, parsed or reparse.index(new, full)
    print(f"{reused} of {valid} edits reused the tree")
    assert reused >= valid // 2  # most edits keep most of the tree


def test_declines_what_it_cannot_vouch_for() -> None:
    text = ('"""Doc."""\nimport os\n\n\ndef f():\n    return 1\n\n\ndef g():\n    return 2\n\n\n'
            "x = f()\ny = g()\nz = 3\n")
    previous = reparse.index(text, cst.parse_module(text))
    assert reparse.parse(previous, text) is previous
    # The docstring / import lines: a full parse.
    assert reparse.parse(previous, text.replace("import os", "import sys")) is None
    # An unclosed bracket spills into the kept statements: a full parse,
    # which reports the error.
    assert reparse.parse(previous, text.replace("return 2", "return (2")) is None
    # An edit inside g: reused, the other statements are the same objects.
    edited = reparse.parse(previous, text.replace("return 2", "return 3"))
    assert edited is not None
    kept = [i for i, node in enumerate(edited.module.body) if node is previous.module.body[i]]
    assert kept == [0, 1, 5, 6]  # g and one statement on each side are parsed again
    assert edited.module.code == text.replace("return 2", "return 3")


def test_unusual_text_is_parsed_in_full_and_errors_still_raise() -> None:
    text = "import os\n\n\ndef f():\n    return 1\n\x0c\ndef g():\n    return 2\n"
    first = parse_reusing(text, None)
    assert first.spans == ()  # a form feed: never reused
    assert parse_reusing(text.replace("2", "3"), first).module.code == text.replace("2", "3")
    plain = text.replace("\x0c", "")
    with pytest.raises(SourceError):
        parse_reusing(plain.replace("return 2", "return (2"), parse_reusing(plain, None))

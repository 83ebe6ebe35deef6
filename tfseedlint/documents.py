"""The files `--fix` edits: a Python file's text, or a notebook's cells.

Edits are made on the text as read: lines the fixes left alone keep their
original bytes (LibCST's rendering is not always byte-identical), and a
notebook's JSON text changes only on the cell lines that changed.
"""
from __future__ import annotations

import codecs
import difflib
import re

from tfseedlint.edits import FixError
from tfseedlint.engine import LintResult
from tfseedlint.notebook import NotebookEditError, NotebookSource, PlacementError
from tfseedlint.notebook_json import JSONEditError, NotebookText
from tfseedlint.sources import decode_python


def _lines(text: str) -> list[str]:
    """Lines split at "\\n" only, each keeping it (`splitlines` also splits at
    form feeds and other characters Python does not end lines at)."""
    parts = text.split("\n")
    out = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        out.append(parts[-1])
    return out


#: After "\r\n", "\n", or a lone "\r": Python's line ends, and no others.
_LINE_END = re.compile(r"(?<=\n)|(?<=\r)(?!\n)")


def merge_edits(text: str, rendered: str, fixed: str) -> str:
    """Make on `text` the line edits that turned `rendered` into `fixed`.

    `rendered` is LibCST's rendering of `text`, which is not always
    byte-identical: it drops a form feed that starts a line, a lone "\r"
    at the end of the file, a line holding only a backslash. Lines the fixes
    left alone keep their original bytes; an edit that touches a line LibCST
    did not render faithfully raises FixError."""
    if text == rendered:
        return fixed
    original = [line for line in _LINE_END.split(text) if line]
    before = [line for line in _LINE_END.split(rendered) if line]
    after = [line for line in _LINE_END.split(fixed) if line]
    faithful: dict[int, int] = {}  # line of `rendered` -> the same line of `text`
    for tag, i1, i2, j1, _ in difflib.SequenceMatcher(None, before, original, autojunk=False).get_opcodes():
        if tag == "equal":
            faithful.update((i1 + k, j1 + k) for k in range(i2 - i1))
    edits: list[tuple[int, int, list[str]]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if i1 < i2:
            if any(i not in faithful for i in range(i1, i2)) or faithful[i2 - 1] - faithful[i1] != i2 - 1 - i1:
                # Between the faithful lines around it, the text may already
                # read as the fix would make it: nothing to do there.
                low = faithful[i1 - 1] + 1 if i1 - 1 in faithful else (0 if i1 == 0 else None)
                high = faithful[i2] if i2 in faithful else (len(original) if i2 == len(before) else None)
                if low is not None and high is not None and original[low:high] == after[j1:j2]:
                    continue
                raise FixError("a fix touches a line LibCST cannot reproduce exactly")
            start, end = faithful[i1], faithful[i2 - 1] + 1
        elif i1 in faithful:
            start = end = faithful[i1]
        elif i1 > 0 and i1 - 1 in faithful:
            start = end = faithful[i1 - 1] + 1
        elif i1 == 0:
            start = end = 0
        else:
            raise FixError("a fix touches a line LibCST cannot reproduce exactly")
        edits.append((start, end, after[j1:j2]))
    for start, end, lines in reversed(edits):
        original[start:end] = lines
    return "".join(original)


def unified_diff(old: str, new: str, label: str) -> str:
    out = []
    for line in difflib.unified_diff(_lines(old), _lines(new), label, label):
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


class PythonDocument:
    def __init__(self, data: bytes) -> None:
        self.before = data
        self.source = decode_python(data)
        self.original = self.text = self.source.text

    def data(self) -> bytes:
        if self.text == self.original:
            return self.before
        try:
            encoded = self.text.encode(self.source.encoding)
        except UnicodeEncodeError as exc:
            raise FixError(f"the fixed code cannot be written as {self.source.encoding}: {exc}") from None
        return (codecs.BOM_UTF8 if self.source.bom else b"") + encoded

    def update(self, result: LintResult, new_code: str, old_code: str) -> None:
        self.text = merge_edits(self.text, old_code, new_code)

    def final(self) -> bytes:
        return self.data()

    def output(self) -> str:
        return self.text

    def diff(self, path: str) -> str:
        return unified_diff(self.original, self.text, path) if self.text != self.original else ""


class NotebookDocument:
    """A notebook fixed in its JSON text: only the edited cell lines change
    (`notebook.py` maps the fixed module back onto the cells)."""

    def __init__(self, data: bytes) -> None:
        self.before = data
        self.text = NotebookText(data)
        self.original: dict[int, str] = {}  # cell texts before their first edit
        self.current: dict[int, str] = {}

    def data(self) -> bytes:
        return self.text.data() if self.current else self.before

    def update(self, result: LintResult, new_code: str, old_code: str) -> None:
        source = result.source
        assert isinstance(source, NotebookSource)
        try:
            changed = source.edit(merge_edits(source.analysed(), old_code, new_code))
            self.text.replace(changed)
        except PlacementError:
            raise
        except (NotebookEditError, JSONEditError) as exc:
            raise FixError(str(exc)) from None
        for number, text in changed.items():
            self.original.setdefault(number, source.originals[number])
            self.current[number] = text

    def final(self) -> bytes:
        return self.data()

    def output(self) -> str:
        return self.data().decode("utf-8-sig")

    def diff(self, path: str) -> str:
        return "".join(unified_diff(self.original[n], self.current[n], f"{path}:cell {n}")
                       for n in sorted(self.current) if self.current[n] != self.original[n])

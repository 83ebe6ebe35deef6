"""The files `--fix` edits: a Python file's text, or a notebook's cells.

Edits are made on the text as read: lines the fixes left alone keep their
original bytes (LibCST's rendering is not always byte-identical), and a
notebook's JSON changes only in the cells that changed, in its own layout.
"""
from __future__ import annotations

import codecs
import difflib
import json
import re
from typing import Any, Sequence

from tfseedlint.edits import FixError
from tfseedlint.engine import LintResult
from tfseedlint.sources import NotebookSource, SourceError, cell_text, decode_python


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
    def __init__(self, data: bytes) -> None:
        self.before = data
        try:
            self.raw = data.decode("utf-8-sig")
            self.original = json.loads(self.raw)
            self.document = json.loads(self.raw)
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise SourceError(f"not a valid notebook: {exc}") from None
        self.changed: set[int] = set()

    def _cells(self, document: dict) -> dict[int, str]:
        return {number: cell_text(cell) for number, cell in enumerate(document["cells"], start=1)
                if isinstance(cell, dict) and cell.get("cell_type") == "code"}

    def data(self) -> bytes:
        if not self.changed:
            return self.before
        return json.dumps(self.document, ensure_ascii=False).encode("utf-8")

    def update(self, result: LintResult, new_code: str, old_code: str) -> None:
        assert isinstance(result.source, NotebookSource) and result.module is not None
        for number, text in split_cells(result.source, old_code, new_code).items():
            cell = self.document["cells"][number - 1]
            cell["source"] = _lines(text) if isinstance(cell.get("source"), list) else text
            self.changed.add(number)

    def output(self) -> str:
        if not self.changed:
            return self.raw
        return dump_like(self.document, self.original, self.raw)

    def final(self) -> bytes:
        if not self.changed:
            return self.before
        bom = codecs.BOM_UTF8 if self.before.startswith(codecs.BOM_UTF8) else b""
        return bom + self.output().encode("utf-8")

    def diff(self, path: str) -> str:
        before, after = self._cells(self.original), self._cells(self.document)
        return "".join(unified_diff(before[n], after[n], f"{path}:cell {n}")
                       for n in sorted(before) if before[n] != after.get(n, before[n]))


def split_cells(source: NotebookSource, old_code: str, new_code: str) -> dict[int, str]:
    """Map the fixed joined module back onto the notebook's code cells.

    Lines the fixes left alone get their original text back (magics, IPython
    dedent); new lines go to the cell of the line before them, the statement
    they follow. Returns the text of each cell that changed."""
    old, new = _lines(old_code), _lines(new_code)
    owner: list[tuple[int, int]] = [(cell.number, k) for cell in source.cells for k in range(cell.line_count)]
    if len(owner) != len(old):
        raise FixError("cannot map the fixes back onto the notebook's cells")
    originals: dict[int, list[str]] = {}
    prefix: dict[int, str] = {}
    for cell in source.cells:
        text = source.originals.get(cell.number, "")
        originals[cell.number] = _lines(text if text.endswith("\n") else text + "\n")
        indent = getattr(cell, "indent", 0)
        filled = [line for line in originals[cell.number] if line.strip()]
        prefix[cell.number] = filled[0][:indent] if indent and filled else ""

    def original(i: int) -> str | None:
        """The cell line module line `i` stands for, when it is that line's code."""
        number, k = owner[i]
        lines = originals[number]
        if k >= len(lines):
            return None
        line = lines[k].rstrip("\r\n")
        code = line[len(prefix[number]):] if line.strip() else ""
        return lines[k] if code == old[i].rstrip("\r\n") else None

    # Cells IPython does not run as Python (`%%bash`, or broken ones): no new line goes there.
    foreign = {cell.number for cell in source.cells
               if any(line.strip() for line in originals[cell.number])
               and not any(line.strip() for line in old[cell.first_line - 1:cell.first_line - 1 + cell.line_count])}

    def indented(number: int, lines: Sequence[str]) -> list[str]:
        return [prefix[number] + line if line.strip() else line for line in lines]

    out: dict[int, list[str]] = {cell.number: [] for cell in source.cells}
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            for i in range(i1, i2):
                number, k = owner[i]
                out[number].append(originals[number][k] if k < len(originals[number]) else old[i])
            continue
        if any(original(i) is None for i in range(i1, i2)):
            raise FixError("a fix would change a notebook line that is not Python code")
        if tag == "insert":
            number = owner[i1 - 1][0] if i1 > 0 else owner[0][0]
            if number in foreign and i1 < len(owner):
                number = owner[i1][0]
            if number in foreign:
                raise FixError("cannot place a new line in the notebook")
            out[number].extend(indented(number, new[j1:j2]))
            continue
        numbers = {owner[i][0] for i in range(i1, i2)}
        if len(numbers) == 1:
            number = numbers.pop()
            out[number].extend(indented(number, new[j1:j2]))
        elif i2 - i1 == j2 - j1:
            for i, line in zip(range(i1, i2), new[j1:j2]):
                out[owner[i][0]].extend(indented(owner[i][0], [line]))
        else:
            raise FixError("a fix spans notebook cells")
    changed = {}
    for number, lines in out.items():
        text = "".join(lines)
        before = source.originals.get(number, "")
        if not before.endswith("\n") and text.endswith("\n"):
            text = text[:-1]
        if text != before:
            changed[number] = text
    return changed


#: JSON layouts tried, most common first (nbformat writes indent=1).
_LAYOUTS: tuple[dict[str, Any], ...] = tuple(
    {"indent": indent, "ensure_ascii": ascii_only, "separators": separators}
    for indent in (1, 2, 4, 3, "\t", None)
    for ascii_only in (False, True)
    for separators in ((",", ": "), (", ", ": "), (",", ":"))
    if indent is not None or separators != (",", ": ")
)


def dump_like(document: dict, original: dict, raw: str) -> str:
    """`document` as JSON in the layout of `raw` (which holds `original`):
    indent, ASCII escapes, separators, line endings and trailing newline."""
    newline = "\r\n" if "\r\n" in raw else "\n"
    body = raw.replace("\r\n", "\n")
    stripped = body.rstrip("\n")
    trailer = body[len(stripped):]
    second = stripped.split("\n", 2)[1] if "\n" in stripped else ""
    width = len(second) - len(second.lstrip(" \t"))
    indent: Any = None if "\n" not in stripped else (second[:width] if "\t" in second[:width] else width)
    layout: dict[str, Any] | None = None
    # The indent the text shows first: a big notebook is dumped once or twice, not 30 times.
    for candidate in sorted(_LAYOUTS, key=lambda c: c["indent"] != indent):
        if json.dumps(original, **candidate) == stripped:
            layout = candidate
            break
    if layout is None:
        layout = {"indent": indent, "ensure_ascii": stripped.isascii() and not json.dumps(original).isascii()}
    return (json.dumps(document, **layout) + trailer).replace("\n", newline)

"""A notebook's JSON text, edited in place: a changed cell's source is
spliced in, and of a source given as a list of lines, only the lines that
changed are written anew. Everything else keeps its bytes: escapes such as
`\\u003c`, indentation, key order, line breaks and the trailing newline."""
from __future__ import annotations

import codecs
import difflib
import json
import re
from json.decoder import scanstring

from tfseedlint.sources import SourceError


class JSONEditError(Exception):
    """A cell's source cannot be replaced in the JSON text."""


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def _skip(raw: str, i: int) -> int:
    return _WHITESPACE.match(raw, i).end()


def _members(raw: str, i: int) -> dict[str, tuple[int, int]]:
    """The span of each member's value of the JSON object at `raw[i]`."""
    spans: dict[str, tuple[int, int]] = {}
    i = _skip(raw, i + 1)
    while raw[i] == '"':
        key, i = scanstring(raw, i + 1)
        start = _skip(raw, _skip(raw, i) + 1)  # past the colon
        _, end = _DECODER.raw_decode(raw, start)
        spans[key] = (start, end)  # a repeated key: the last one counts, as in json.loads
        i = _skip(raw, end)
        if raw[i] != ",":
            break
        i = _skip(raw, i + 1)
    return spans


def _items(raw: str, i: int) -> list[tuple[int, int]]:
    """The span of each item of the JSON array at `raw[i]`."""
    spans = []
    i = _skip(raw, i + 1)
    while raw[i] != "]":
        _, end = _DECODER.raw_decode(raw, i)
        spans.append((i, end))
        i = _skip(raw, end)
        if raw[i] == ",":
            i = _skip(raw, i + 1)
    return spans


class NotebookText:
    """A notebook's JSON text, whose cell sources are replaced in place."""

    def __init__(self, data: bytes) -> None:
        self.bom = data.startswith(codecs.BOM_UTF8)
        try:
            self.raw = data[3 if self.bom else 0:].decode("utf-8")
            json.loads(self.raw)
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise SourceError(f"not a valid notebook: {exc}") from None
        #: new text escapes non-ASCII characters when the file has none.
        self.ascii = self.raw.isascii()

    def data(self) -> bytes:
        return (codecs.BOM_UTF8 if self.bom else b"") + self.raw.encode("utf-8")

    def replace(self, sources: dict[int, str]) -> None:
        """Give the cells numbered in `sources` those texts."""
        if not sources:
            return
        top = _members(self.raw, _skip(self.raw, 0))
        cells = _items(self.raw, top["cells"][0])
        for number in sorted(sources, reverse=True):
            spans = _members(self.raw, cells[number - 1][0])
            if "source" not in spans:
                raise JSONEditError(f"cell {number} has no source to edit")
            start, end = spans["source"]
            value = self._encode(self.raw[start:end], sources[number])
            self.raw = self.raw[:start] + value + self.raw[end:]

    def _encode(self, raw: str, text: str) -> str:
        """`text` as a JSON value in the form of `raw` (a string, or a list of
        lines), keeping the bytes of the lines that are still there."""
        if not raw.startswith("["):
            return json.dumps(text, ensure_ascii=self.ascii)
        items = _items(raw, 0)
        if any(raw[start] != '"' for start, _ in items):
            raise JSONEditError("a cell's source holds something other than text")
        old = [scanstring(raw, start + 1)[0] for start, _ in items]
        parts = text.splitlines(keepends=True)
        if "".join(old).splitlines(keepends=True) != old:  # not nbformat's split: at "\n" only
            parts = [part for part in re.split(r"(?<=\n)", text) if part]
        if not items or not parts:
            return json.dumps(parts, ensure_ascii=self.ascii)
        out: list[tuple[str, int | None]] = []
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, parts, autojunk=False).get_opcodes():
            if tag == "equal":
                out += [(raw[items[i][0]:items[i][1]], i) for i in range(i1, i2)]
            else:
                out += [(json.dumps(part, ensure_ascii=self.ascii), None) for part in parts[j1:j2]]
        head, tail = raw[:items[0][0]], raw[items[-1][1]:]
        usual = raw[items[0][1]:items[1][0]] if len(items) > 1 else "," + (head[1:] or " ")
        pieces = [head]
        for n, (piece, index) in enumerate(out):
            previous = out[n - 1][1] if n else None
            if n:  # the separator the file had between the same two lines, else its usual one
                pieces.append(raw[items[previous][1]:items[index][0]]
                              if previous is not None and index == previous + 1 else usual)
            pieces.append(piece)
        return "".join(pieces) + tail

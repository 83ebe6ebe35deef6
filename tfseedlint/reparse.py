"""Re-parsing an edited document without parsing all of it again (for the
language server, which parses a document on every change).

An edit in an editor touches a few lines. The module's top-level statements
before and after those lines keep their text, so their parsed nodes can be
kept: only the statements around the edit are parsed again (as a small
module of their own) and spliced between the kept ones. The result is the
tree a full parse of the new text gives (a test compares the two after
random edits); whenever that cannot be guaranteed cheaply, `parse` returns
None and the caller parses the whole text:

- the edit touches the first two top-level statements (module docstring,
  coding cookie, header comments) or the text up to the first compound
  statement (LibCST takes the module's default indentation from the first
  indented line);
- the statements around the edit do not parse on their own (an unclosed
  bracket or string, an `else:` cut from its `if`): the full parse then
  reports the syntax error as it always does;
- the new statements leave comments that a full parse would give to the
  statement after them, or use other line endings or indentation than the
  module's defaults.

One unchanged statement on each side of the edit is parsed again too, so
that the seams between kept and new statements lie in unchanged text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import libcst as cst

#: LibCST's (and Python's) line breaks; `str.splitlines` knows more.
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


@dataclass(frozen=True)
class Parsed:
    """A parse of `text`: the module and the lines each top-level statement
    spans (0-based, end exclusive, its leading comments and blank lines
    included). No spans: the parse cannot be reused."""

    text: str
    module: cst.Module
    spans: tuple[tuple[int, int], ...] = ()
    #: index of the first top-level compound statement.
    first_block: int = 0


def lines(text: str) -> list[str]:
    return _LINES.findall(text)


def _first_block(body: Sequence[cst.BaseStatement]) -> int:
    return next((i for i, s in enumerate(body) if isinstance(s, cst.BaseCompoundStatement)), len(body))


def _spans(module: cst.Module, body: Sequence[cst.BaseStatement], line: int) -> list[tuple[int, int]]:
    spans = []
    for statement in body:
        count = len(lines(module.code_for_node(statement)))
        spans.append((line, line + count))
        line += count
    return spans


def index(text: str, module: cst.Module) -> Parsed:
    """`module`, parsed in full from `text`, made reusable."""
    spans = _spans(module, module.body, len(module.header))
    end = spans[-1][1] if spans else len(module.header)
    if end + len(module.footer) != len(lines(text)):
        return Parsed(text, module)  # lines LibCST does not render as written
    return Parsed(text, module, tuple(spans), _first_block(module.body))


def parse(old: Parsed, text: str) -> Parsed | None:
    """`text` parsed by reusing `old`'s statements away from the edit, or
    None: parse it in full."""
    if text == old.text:
        return old
    spans = old.spans
    if not spans:
        return None
    before, after = lines(old.text), lines(text)
    limit = min(len(before), len(after))
    same = 0
    while same < limit and before[same] == after[same]:
        same += 1
    tail = 0
    while tail < limit - same and before[-1 - tail] == after[-1 - tail]:
        tail += 1
    # The changed lines of `before` are [same, len(before) - tail); none for
    # a pure insertion, which then sits between lines same - 1 and same.
    first = _statement_at(spans, same if same < len(before) - tail else max(same - 1, 0))
    last = _statement_at(spans, max(len(before) - tail - 1, same - 1, 0))
    if first is None or last is None:
        return None  # in the header or the footer
    start, end = first - 1, min(last + 1, len(spans) - 1)
    if start < 1 or start < old.first_block:
        return None  # the header, or the first indented line, is not in kept text
    shift = len(after) - len(before)
    at_end = end == len(spans) - 1
    region_start = spans[start][0]
    region_end = len(after) if at_end else spans[end + 1][0] + shift
    if region_end <= region_start:
        return None
    try:
        region = cst.parse_module("".join(after[region_start:region_end]))
    except Exception:  # noqa: BLE001 - whatever the reason, the full parse decides
        return None
    module = old.module
    if (not region.body or region.default_newline != module.default_newline
            or region.default_indent != module.default_indent or (region.footer and not at_end)):
        return None
    body = list(region.body)
    if region.header:  # a full parse gives them to the first statement
        body[0] = body[0].with_changes(leading_lines=(*region.header, *body[0].leading_lines))
    new_spans = _spans(region, body, region_start)
    if new_spans[-1][1] + len(region.footer) != region_end:
        return None  # the statements do not render back to the region's lines
    changes: dict[str, object] = {"body": (*module.body[:start], *body, *module.body[end + 1:])}
    if at_end:
        changes.update(footer=region.footer, has_trailing_newline=region.has_trailing_newline)
    new = module.with_changes(**changes)
    spans_after = [(a + shift, b + shift) for a, b in spans[end + 1:]]
    return Parsed(text, new, (*spans[:start], *new_spans, *spans_after), old.first_block)


def _statement_at(spans: Sequence[tuple[int, int]], line: int) -> int | None:
    """Index of the statement whose span holds `line` (binary search)."""
    lo, hi = 0, len(spans)
    while lo < hi:
        mid = (lo + hi) // 2
        if spans[mid][1] <= line:
            lo = mid + 1
        else:
            hi = mid
    if lo < len(spans) and spans[lo][0] <= line < spans[lo][1]:
        return lo
    return None

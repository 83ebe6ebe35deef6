"""Start positions of the reported nodes, the same as LibCST's
`PositionProvider` gives, at a fraction of its cost.

`PositionProvider` renders the whole module and, for every token, splits
it on newlines and records a range for every node. A file has a handful of
reports: this renders the module with LibCST's plain code generator, notes
how many tokens precede each reported node where `PositionProvider` would
take its start, stops as soon as the last one is reached, and counts lines
and columns once, in the text before it.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Iterable, Iterator

import libcst as cst
from libcst._nodes.internal import CodegenState

# PositionProvider's own newline pattern: a lone "\r" is a line break too.
_NEWLINE = re.compile(r"\r\n?|\n")


class _Reached(Exception):
    """Every wanted node has its start: the rest need not be rendered."""


class _StartRecorder(CodegenState):
    """A code generator state that records token counts at node starts.

    As in `PositionProvider`: a node's start is where its syntactic position
    is recorded (`record_syntactic_position`), else where its code begins.
    `pending` may be shared by several recorders; with `stop`, the recorder
    stops the rendering once nothing is pending."""

    def __init__(self, module: cst.Module, pending: set[cst.CSTNode], *, stop: bool) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.pending = pending
        self.stop = stop
        self.starts: dict[cst.CSTNode, int] = {}
        self._begin: dict[cst.CSTNode, int] = {}
        #: a node whose start is another's (IndentedBlock: its first statement).
        self._borrowers: dict[cst.CSTNode, list[cst.CSTNode]] = {}

    def _settle(self, node: cst.CSTNode, count: int) -> None:
        self.starts[node] = count
        self.pending.discard(node)
        for borrower in self._borrowers.pop(node, ()):
            if borrower in self.pending:
                self._settle(borrower, count)
        if self.stop and not self.pending:
            raise _Reached

    def before_codegen(self, node: cst.CSTNode) -> None:
        if node in self.pending:
            self._begin[node] = len(self.tokens)

    def after_codegen(self, node: cst.CSTNode) -> None:
        if node in self.pending and node in self._begin and not self._borrows(node):
            self._settle(node, self._begin[node])

    def _borrows(self, node: cst.CSTNode) -> bool:
        return any(node in borrowers for borrowers in self._borrowers.values())

    @contextmanager
    def record_syntactic_position(self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None,
                                  end_node: cst.CSTNode | None = None) -> Iterator[None]:
        if node in self.pending:
            if start_node is None:
                self._settle(node, len(self.tokens))
            elif start_node in self.starts:
                self._settle(node, self.starts[start_node])
            else:
                self._borrowers.setdefault(start_node, []).append(node)
                self.pending.add(start_node)
        yield


def start_positions(module: cst.Module, nodes: Iterable[cst.CSTNode],
                    text: str | None = None) -> dict[cst.CSTNode, tuple[int, int]]:
    """(line, column) of each node's start, 1-based line and 0-based column,
    exactly as `PositionProvider` reports `.start`.

    With `text`, the source `module` was parsed from, the module is rendered
    from both ends, one top-level statement at a time, until every node is
    reached: reports near the top and the bottom of a long file then cost
    little. The ends are checked against `text`; on any doubt the module is
    rendered from the top."""
    wanted = set(nodes)
    if not wanted:
        return {}
    if text is not None and "\r" not in text:
        found = _from_both_ends(module, wanted, text)
        if found is not None:
            return found
    pending = set(wanted)
    state = _StartRecorder(module, pending, stop=True)
    try:
        module._codegen(state)
    except _Reached:
        pass
    return _positions(wanted, [(state.tokens, state.starts, 1, 0)])


def _from_both_ends(module: cst.Module, wanted: set[cst.CSTNode], text: str
                    ) -> dict[cst.CSTNode, tuple[int, int]] | None:
    pending = set(wanted)
    forward = _StartRecorder(module, pending, stop=True)
    backward: list[_StartRecorder] = []
    body = module.body
    first, last = 0, len(body) - 1
    try:
        for line in module.header:
            line._codegen(forward)
        while pending and first <= last:
            body[first]._codegen(forward)
            first += 1
            if pending and first <= last:
                state = _StartRecorder(module, pending, stop=False)
                body[last]._codegen(state)
                backward.append(state)
                last -= 1
    except _Reached:
        pass
    if pending:
        return None
    if not backward or not any(state.starts for state in backward):
        return _positions(wanted, [(forward.tokens, forward.starts, 1, 0)])
    tail = _StartRecorder(module, set(), stop=False)
    for line in module.footer:
        line._codegen(tail)
    backward.insert(0, tail)
    tokens: list[str] = []
    starts: dict[cst.CSTNode, int] = {}
    for state in reversed(backward):
        for node, count in state.starts.items():
            if node in wanted:
                starts[node] = len(tokens) + count
        tokens.extend(state.tokens)
    if not module.has_trailing_newline and tokens:
        tokens.pop()
    suffix = "".join(tokens)
    head = "".join(forward.tokens)
    offset = len(text) - len(suffix)
    if offset < len(head) or not text.endswith(suffix) or not text.startswith(head):
        return None
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1)
    forward_starts = {n: c for n, c in forward.starts.items() if n in wanted}
    return _positions(wanted, [(forward.tokens, forward_starts, 1, 0), (tokens, starts, line, column)])


def _positions(wanted: set[cst.CSTNode], parts: list[tuple[list[str], dict[cst.CSTNode, int], int, int]]
               ) -> dict[cst.CSTNode, tuple[int, int]]:
    """Positions from (tokens, node -> token count, line and column where the
    tokens begin) for each rendered part."""
    out: dict[cst.CSTNode, tuple[int, int]] = {}
    for tokens, starts, line, column in parts:
        done = 0
        for node, count in sorted(starts.items(), key=lambda item: item[1]):
            if node not in wanted:
                continue
            line, column = _advance(tokens, done, count, line, column)
            done = count
            out[node] = (line, column)
    missing = wanted - set(out)
    if missing:  # not part of this module: PositionProvider would raise too
        raise KeyError(next(iter(missing)))
    return out


def _advance(tokens: list[str], start: int, stop: int, line: int, column: int) -> tuple[int, int]:
    """Line and column after rendering tokens[start:stop], from (line, column)."""
    text = "".join(tokens[start:stop])
    if "\r" in text:
        # Rare: follow PositionProvider token by token, so that a "\r" and a
        # "\n" in two tokens count as it counts them.
        for token in tokens[start:stop]:
            segments = _NEWLINE.split(token)
            if len(segments) == 1:
                column += len(token)
            else:
                line += len(segments) - 1
                column = len(segments[-1])
        return line, column
    breaks = text.count("\n")
    if not breaks:
        return line, column + len(text)
    return line + breaks, len(text) - text.rfind("\n") - 1

"""One pass of fixes over a module: every edit of every fix of a round is
made in one transformer pass keyed on node identity (replacements on the way
up, so a builder sees what inner fixes made of its node; statements next to
the statement that holds an anchor), then the imports the fixes need."""
from __future__ import annotations

import warnings
from typing import Any, Sequence

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, ImportItem

from tfseedlint.fixes import Fix, Insert, NeededImport, Replace

_STATEMENTS = (cst.SimpleStatementLine, cst.BaseCompoundStatement, cst.SimpleStatementSuite)


class FixError(Exception):
    """The file cannot be fixed safely; it is left alone."""


class _Apply(cst.CSTTransformer):
    """Makes every edit of `fixes` in one pass: replacements on the way up
    (so a builder sees what inner fixes made of its node), statements after
    the statement that holds an anchor."""

    def __init__(self, fixes: Sequence[Fix], newline: cst.Newline) -> None:
        super().__init__()
        self._fixes = fixes
        self._newline = newline
        self._replace: dict[int, list[tuple[Replace, int]]] = {}
        self._insert: dict[int, list[tuple[Insert, int]]] = {}
        self._made = [0] * len(fixes)
        for owner, fix in enumerate(fixes):
            for replace in fix.replace:
                self._replace.setdefault(id(replace.node), []).append((replace, owner))
            for insert in fix.insert:
                self._insert.setdefault(id(insert.anchor), []).append((insert, owner))
        #: statements being visited, each with the inserts that go next to it
        #: (and the index of the small statement they follow, if any).
        self._stack: list[tuple[cst.CSTNode, list[tuple[Insert, int, int | None]]]] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, _STATEMENTS):
            self._stack.append((node, []))
        inserts = self._insert.get(id(node))
        if inserts and self._stack:
            statement, pending = self._stack[-1]
            where = self._position(statement, node)
            if where is not False:
                pending.extend((insert, owner, where) for insert, owner in inserts)
        return True

    @staticmethod
    def _position(statement: cst.CSTNode, anchor: cst.CSTNode) -> int | None | bool:
        """None: `anchor` is the statement; an index: the expression statement
        `anchor` is the call of; False: neither, no insert."""
        if statement is anchor:
            return None
        if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for index, small in enumerate(statement.body):
                if type(small) is cst.Expr and small.value is anchor:
                    return index
        return False

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
        result: Any = updated_node
        for replace, owner in self._replace.get(id(original_node), ()):
            if not isinstance(result, cst.CSTNode):
                break  # two edits of one node: the next round makes the second
            result = replace.build(result)
            self._made[owner] += 1
        if isinstance(original_node, _STATEMENTS):
            _, inserts = self._stack.pop()
            if inserts and isinstance(result, cst.CSTNode):
                result = self._place(result, inserts)
        return result

    def _place(self, statement: cst.CSTNode, inserts: list[tuple[Insert, int, int | None]]) -> Any:
        for _, owner, _ in inserts:
            self._made[owner] += 1
        spliced = isinstance(statement, cst.SimpleStatementSuite) or (
            isinstance(statement, cst.SimpleStatementLine) and len(statement.body) > 1)
        if spliced:
            # `a(); seed(1); b()` and `if x: seed(1)` stay one line:
            # `a(); seed(1); new(); b()`.
            assert isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite))
            body = list(statement.body)
            for insert, _, index in sorted(inserts, key=lambda item: -(item[2] or 0)):
                small = [s for line in insert.statements for s in line.body]
                at = (index or 0) + (0 if insert.before else 1) if index is not None else (
                    0 if insert.before else len(body))
                body[at:at] = small
            return statement.with_changes(body=body)
        # A new line ends like the line it follows (see `safe_newline`).
        follows = statement.trailing_whitespace.newline if isinstance(statement, cst.SimpleStatementLine) \
            else self._newline
        before = [_ending(s, self._newline) for insert, _, _ in inserts if insert.before for s in insert.statements]
        after = [_ending(s, follows) for insert, _, _ in inserts if not insert.before for s in insert.statements]
        return cst.FlattenSentinel([*before, statement, *after])

    def imports(self) -> list[ImportItem]:
        """The imports of the fixes whose every edit was made."""
        out: dict[NeededImport, ImportItem] = {}
        for fix, made in zip(self._fixes, self._made):
            if made >= len(fix.replace) + len(fix.insert):
                for item in fix.imports:
                    out.setdefault(item, ImportItem(item.module, None, item.alias))
        return list(out.values())


def _ending(statement: cst.SimpleStatementLine, newline: cst.Newline) -> cst.SimpleStatementLine:
    return statement.with_changes(trailing_whitespace=statement.trailing_whitespace.with_changes(newline=newline))


def safe_newline(module: cst.Module) -> cst.Newline:
    """The line ending for a new line where no neighbour gives one. LibCST's
    default is the file's first line ending; when that is a lone CR in a file
    that also has LF endings, a new line ending in CR followed by a blank LF
    line would read back as one CRLF and lose the blank line."""
    if module.default_newline == "\r" and "\n" in module.code:
        return cst.Newline("\n")
    return cst.Newline()


def apply_once(module: cst.Module, fixes: Sequence[Fix]) -> cst.Module:
    """`module` with every fix applied, then the imports they need."""
    newline = safe_newline(module)
    transformer = _Apply(fixes, newline)
    fixed = module.visit(transformer)
    imports = transformer.imports()
    if not imports:
        return fixed
    present = {id(statement) for statement in fixed.body}
    fixed = fixed.visit(AddImportsVisitor(CodemodContext(), imports))
    # The imports it added end like the statement before them.
    body = list(fixed.body)
    for index, statement in enumerate(body):
        if id(statement) in present or not isinstance(statement, cst.SimpleStatementLine) or not all(
                isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body):
            continue
        previous = body[index - 1] if index else None
        body[index] = _ending(statement, previous.trailing_whitespace.newline
                              if isinstance(previous, cst.SimpleStatementLine) else newline)
    return fixed.with_changes(body=body)


def check_code(new_code: str, old_code: str) -> None:
    """The fixed code must parse (LibCST) and compile (CPython) wherever the
    code before did."""
    try:
        cst.parse_module(new_code)
    except Exception as exc:  # noqa: BLE001 - the parser's errors have no common base
        raise FixError(f"the fixed code would not parse ({str(exc).splitlines()[0]})") from None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(old_code, "<before>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return  # newer syntax than this Python's: LibCST's word is all there is
        try:
            compile(new_code, "<after>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as exc:
            raise FixError(f"the fixed code would not compile ({exc})") from None

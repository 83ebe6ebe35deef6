"""One pass of fixes over a module: every edit of every fix of a round is
made in one transformer pass keyed on node identity (replacements on the way
up, so a builder sees what inner fixes made of its node; statements next to
the statement that holds an anchor), then the imports the fixes need."""
from __future__ import annotations

import warnings
from typing import Any, Sequence

import libcst as cst
from tfseedlint.fixes import Fix, Insert, Replace
from tfseedlint.placement import NewImport

_STATEMENTS = (cst.SimpleStatementLine, cst.BaseCompoundStatement, cst.SimpleStatementSuite)


class FixError(Exception):
    """The file cannot be fixed safely; it is left alone."""


class _Apply(cst.CSTTransformer):
    """Makes every edit of `fixes` in one pass: replacements on the way up
    (so a builder sees what inner fixes made of its node), statements next to
    the statement that holds an anchor."""

    def __init__(self, module: cst.Module, fixes: Sequence[Fix], newline: cst.Newline) -> None:
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
        self._top = {id(statement) for statement in module.body}
        #: top-level statement (original id) -> the first statement of what it
        #: became (an insert before it, or itself) and itself.
        self.groups: dict[int, tuple[cst.CSTNode, cst.CSTNode]] = {}

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
            above = 0
            if inserts and isinstance(result, cst.CSTNode):
                result, above = self._place(result, inserts)
            if id(original_node) in self._top and not isinstance(result, cst.RemovalSentinel):
                group = list(result) if isinstance(result, cst.FlattenSentinel) else [result]
                self.groups[id(original_node)] = (group[0], group[above])
        return result

    def _place(self, statement: cst.CSTNode, inserts: list[tuple[Insert, int, int | None]]) -> tuple[Any, int]:
        """The statement with the inserts made, and how many new statements
        come before it."""
        for _, owner, _ in inserts:
            self._made[owner] += 1
        small = statement.body if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)) else ()
        spliced: list[tuple[Insert, int]] = []
        before: list[Insert] = []
        after: list[Insert] = []
        for insert, _, index in inserts:
            # Next to a call inside `a(); seed(1); b()` or `if x: seed(1)`,
            # the new call joins that line; everywhere else it gets its own.
            if index is not None and (isinstance(statement, cst.SimpleStatementSuite)
                                      or (index > 0 if insert.before else index < len(small) - 1)):
                spliced.append((insert, index))
            else:
                (before if insert.before else after).append(insert)
        if spliced:
            assert isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite))
            body = list(statement.body)
            for insert, index in sorted(spliced, key=lambda item: -item[1]):
                at = index + (0 if insert.before else 1)
                body[at:at] = [s for line in insert.statements for s in line.body]
            statement = statement.with_changes(body=body)
        if not before and not after:
            return statement, 0
        # A new line ends like the line it follows (see `safe_newline`).
        follows = statement.trailing_whitespace.newline if isinstance(statement, cst.SimpleStatementLine) \
            else self._newline
        above = [_ending(s, self._newline) for insert in before for s in insert.statements]
        keep = max((insert.keep_above for insert in before), default=0)
        if keep and above and isinstance(statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            # A closing pragma comment stays above: `# pylint: enable=...` then the new lines.
            lines = statement.leading_lines
            above[0] = above[0].with_changes(leading_lines=(*lines[:keep], *above[0].leading_lines))
            statement = statement.with_changes(leading_lines=lines[keep:])
        below = [_ending(s, follows) for insert in after for s in insert.statements]
        # Calls inserted together stay together: one blank line above the group at most.
        above[1:] = [_unspaced(s) for s in above[1:]]
        below[1:] = [_unspaced(s) for s in below[1:]]
        return cst.FlattenSentinel([*above, statement, *below]), len(above)

    def imports(self) -> list[NewImport]:
        """The imports of the fixes whose every edit was made, each once."""
        out: dict[tuple[str, str | None], NewImport] = {}
        for fix, made in zip(self._fixes, self._made):
            if made >= len(fix.replace) + len(fix.insert):
                for item in fix.imports:
                    out.setdefault((item.module, item.alias), item)
        return list(out.values())


def _unspaced(statement: cst.SimpleStatementLine) -> cst.SimpleStatementLine:
    if all(line.comment is None for line in statement.leading_lines):
        return statement.with_changes(leading_lines=())
    return statement


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


def one_per_key(fixes: Sequence[Fix]) -> list[Fix]:
    """The fixes without those whose key an earlier one has (several rules
    ask for the one global seed call)."""
    seen: set[str] = set()
    out = []
    for fix in fixes:
        if fix.key is not None:
            if fix.key in seen:
                continue
            seen.add(fix.key)
        out.append(fix)
    return out


def apply_once(module: cst.Module, fixes: Sequence[Fix]) -> cst.Module:
    """`module` with every fix applied, then the imports they need, each at
    the top-level place its fix chose."""
    newline = safe_newline(module)
    transformer = _Apply(module, one_per_key(fixes), newline)
    fixed = module.visit(transformer)
    imports = transformer.imports()
    if not imports:
        return fixed
    body = list(fixed.body)
    for item in imports:
        group = transformer.groups.get(id(item.spot.anchor))
        if group is None:
            continue
        first, itself = group
        index = next(i for i, s in enumerate(body) if s is (first if item.spot.before else itself))
        at = index if item.spot.before else index + 1
        previous = body[at - 1] if at else None
        # The import ends like the line before it.
        body.insert(at, _ending(item.statement(), previous.trailing_whitespace.newline
                                if isinstance(previous, cst.SimpleStatementLine) else newline))
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

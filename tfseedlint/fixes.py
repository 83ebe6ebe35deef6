"""Fixes as data, and the functions that build them for the rules.

A `Fix` describes its edits instead of performing them: node replacements
keyed by node identity, statements to insert next to the statement that holds
a node, and imports to add. `fixer.py` applies every fix of a file in one
transformer pass and then LibCST's `AddImportsVisitor` once, so fixes compose
without knowing about each other (Fixit's design, minus its inability to add
imports).

Replacement builders receive the node as already updated by the fixes inside
it, never the original, so nested edits are not lost.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import libcst as cst

from tfseedlint import catalog
from tfseedlint.model import Call, FileModel, SeedCall, Source, find_argument, is_none, is_zero
from tfseedlint.scope import MODULE, Scope, _children, dotted, resolve_name


@dataclass(frozen=True)
class Replace:
    """Replace `node` (matched by identity) by what `build` makes of it."""

    node: cst.CSTNode
    build: Callable[[cst.CSTNode], cst.CSTNode]


@dataclass(frozen=True)
class Insert:
    """New statements right after (or, with `before`, right before) the
    statement that holds `anchor`. `anchor` is that statement itself or the
    call of an expression statement; anywhere else the insert is not made."""

    anchor: cst.CSTNode
    statements: tuple[cst.SimpleStatementLine, ...]
    before: bool = False


@dataclass(frozen=True)
class NeededImport:
    """`import module` (`as alias`). The fixer hands these to LibCST's
    `AddImportsVisitor`, which is not imported here: `libcst.codemod` and
    `libcst.matchers` cost a second at start-up that a plain lint run should
    not pay."""

    module: str
    alias: str | None = None


@dataclass(frozen=True)
class Fix:
    """The edits of one report's fix, and the imports they need (added only
    when every edit of the fix was made)."""

    replace: tuple[Replace, ...] = ()
    insert: tuple[Insert, ...] = ()
    imports: tuple[NeededImport, ...] = ()


# ------------------------------------------------------------ small builders

def seed_expression(seed: int) -> cst.BaseExpression:
    if seed < 0:
        return cst.UnaryOperation(cst.Minus(), cst.Integer(str(-seed)))
    return cst.Integer(str(seed))


def _keyword(name: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(value=value, keyword=cst.Name(name),
                   equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                         whitespace_after=cst.SimpleWhitespace("")))


def _call_statement(func: str, args: Sequence[cst.Arg] = ()) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine([cst.Expr(cst.Call(func=cst.parse_expression(func), args=args))])


def _bare(ws: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    """The same spacing without the comments and blank lines it may carry."""
    if isinstance(ws, cst.ParenthesizedWhitespace):
        return cst.ParenthesizedWhitespace(first_line=cst.TrailingWhitespace(), empty_lines=(),
                                           indent=ws.indent, last_line=ws.last_line)
    return ws


def _separator(call: cst.Call) -> cst.Comma:
    """The comma between two arguments, in the call's own style: one line or
    one argument a line."""
    args = call.args
    for arg in reversed(args[:-1]):
        if isinstance(arg.comma, cst.Comma):
            return cst.Comma(whitespace_before=_bare(arg.comma.whitespace_before),
                             whitespace_after=_bare(arg.comma.whitespace_after))
    opening = call.whitespace_before_args
    if isinstance(args[-1].comma, cst.Comma) and isinstance(opening, cst.ParenthesizedWhitespace):
        return cst.Comma(whitespace_after=_bare(opening))
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def append_arg(call: cst.Call, arg: cst.Arg) -> cst.Call:
    """`call` with `arg` last; a trailing comma and the space before `)` stay last."""
    args = list(call.args)
    if not args:
        return call.with_changes(args=[arg])
    last = args[-1]
    sep = _separator(call)
    if isinstance(last.comma, cst.Comma):
        new = arg.with_changes(comma=last.comma)
        args[-1] = last.with_changes(comma=sep)
    else:
        new = arg.with_changes(whitespace_after_arg=last.whitespace_after_arg)
        args[-1] = last.with_changes(comma=sep, whitespace_after_arg=cst.SimpleWhitespace(""))
    return call.with_changes(args=[*args, new])


class _Comments(cst.CSTVisitor):
    found = False

    def visit_Comment(self, node: cst.Comment) -> bool:
        self.found = True
        return False


def _has_comment(node: cst.CSTNode | cst.MaybeSentinel) -> bool:
    if not isinstance(node, cst.CSTNode):
        return False
    finder = _Comments()
    node.visit(finder)
    return finder.found


def remove_keyword(call: cst.Call, keyword: str) -> cst.Call:
    """`call` without its `keyword=` argument; unchanged when that would drop
    a comment."""
    args = list(call.args)
    index = next((i for i, a in enumerate(args) if a.keyword is not None and a.keyword.value == keyword), None)
    if index is None:
        return call
    gone = args.pop(index)
    if _has_comment(gone):
        return call
    if not args:
        if _has_comment(call.whitespace_before_args):
            return call
        return call.with_changes(args=(), whitespace_before_args=cst.SimpleWhitespace(""))
    if index == len(args):
        # The argument before takes over the last one's comma and spacing.
        previous = args[-1]
        if _has_comment(previous.comma) or _has_comment(previous.whitespace_after_arg):
            return call
        args[-1] = previous.with_changes(comma=gone.comma, whitespace_after_arg=gone.whitespace_after_arg)
    return call.with_changes(args=args)


# ------------------------------------------------------------ seed arguments

def seed_parameter(source: Source) -> tuple[str, int | None] | None:
    """The seed parameter of a source's API: (name, position)."""
    entry = catalog.SEEDABLES.get(source.api)
    if entry is not None:
        return (entry.seed_param, entry.seed_pos) if entry.seed_param else None
    for method in catalog.DATASET_SEEDED_METHODS.values():
        if method.name == source.api and method.seed_param:
            return method.seed_param, method.seed_pos
    util = catalog.SHUFFLING_UTILITIES.get(source.api)
    if util is not None:
        return "seed", util.seed_pos
    return None


def add_seed(source: Source, seed: int) -> Fix | None:
    """Give an unseeded call the seed: replace a `None` (or a seed of 0 that
    means "random"), else add `seed=<seed>`. Only a generator constructor
    called with no argument at all gets it positionally (`default_rng(42)`);
    everywhere else the keyword keeps it unambiguous."""
    parameter = seed_parameter(source)
    if parameter is None:
        return None
    name, position = parameter
    call = source.call
    arg = call.argument(name, position)
    value = seed_expression(seed)
    if arg is not None:
        if is_none(arg.value) or is_zero(arg.value):
            return Fix(replace=(Replace(arg.value, lambda _: value),))
        return None
    if call.may_pass(position):
        return None
    if source.rule == "TSL103" and position == 0 and not call.node.args:
        new_arg = cst.Arg(value)
    else:
        new_arg = _keyword(name, value)
    return Fix(replace=(Replace(call.node, lambda node: append_arg(node, new_arg)),))


def generator_fix(source: Source, seed: int) -> Fix | None:
    """TSL103: pass the seed; `Generator.from_non_deterministic_state(...)`
    becomes `Generator.from_seed(seed, ...)`. `get_global_generator()` has no
    mechanical fix."""
    if source.api not in catalog.NONDETERMINISTIC_GENERATORS:
        return add_seed(source, seed)
    func = source.call.node.func
    if not source.api.endswith(".from_non_deterministic_state") or type(func) is not cst.Attribute:
        return None
    if source.call.has_star_args:
        return None
    value = seed_expression(seed)

    def build(node: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
        first = cst.Arg(value, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")) if node.args
                        else cst.MaybeSentinel.DEFAULT)
        return node.with_changes(func=node.func.with_changes(attr=cst.Name("from_seed")),
                                 args=[first, *node.args])
    return Fix(replace=(Replace(source.call.node, build),))


def remove_seed_argument(call: Call) -> Fix:
    """TSL303: drop the `seed=` an API does not accept."""
    return Fix(replace=(Replace(call.node, lambda node: remove_keyword(node, "seed")),))


def set_true(value: cst.BaseExpression) -> Fix:
    """TSL203: `False` -> `True`."""
    return Fix(replace=(Replace(value, lambda node: cst.Name("True", lpar=node.lpar, rpar=node.rpar)),))


# ------------------------------------------------------------ name lookup

#: How a name that imports these reaches `keras.utils.set_random_seed`, best first.
_SET_RANDOM_SEED_VIA = (
    ("tensorflow", ".keras.utils.set_random_seed"),
    ("keras", ".utils.set_random_seed"),
    ("keras.utils", ".set_random_seed"),
    (catalog.SET_RANDOM_SEED, ""),
)
_TENSORFLOW_VIA = (("tensorflow", ""),)
_READ_CONFIG_VIA = (("tensorflow_datasets", ".ReadConfig"), ("tensorflow_datasets.ReadConfig", ""))
#: The alias an added import gets when the name is free.
_CONVENTIONAL_ALIASES = {"tensorflow": "tf", "tensorflow_datasets": "tfds"}


def _is_docstring(stmt: cst.CSTNode) -> bool:
    return (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1
            and isinstance(stmt.body[0], cst.Expr)
            and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString)))


def _is_import_line(stmt: cst.CSTNode) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and bool(stmt.body) and all(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body)


def _is_import_block(stmt: cst.CSTNode) -> bool:
    """An import line, or `try: import x / except ImportError: ...`."""
    if _is_import_line(stmt):
        return True
    if isinstance(stmt, cst.Try) and isinstance(stmt.body, cst.IndentedBlock):
        return all(_is_import_line(s) for s in stmt.body.body)
    return False


def _bound_names(stmt: cst.BaseSmallStatement) -> Iterable[str]:
    if isinstance(stmt, cst.Import):
        for alias in stmt.names:
            if alias.asname is not None:
                if isinstance(alias.asname.name, cst.Name):
                    yield alias.asname.name.value
            else:
                parts = dotted(alias.name)
                if parts:
                    yield parts[0]
    elif isinstance(stmt, cst.ImportFrom) and not isinstance(stmt.names, cst.ImportStar):
        for alias in stmt.names:
            target = alias.asname.name if alias.asname is not None else alias.name
            if isinstance(target, cst.Name):
                yield target.value


def _import_indexes(body: Sequence[cst.CSTNode]) -> dict[str, int]:
    """Name -> index of the first top-level statement that imports it (imports
    nested in top-level if / try / with blocks count, def and class bodies not)."""
    out: dict[str, int] = {}
    for index, top in enumerate(body):
        stack: list[cst.CSTNode] = [top]
        while stack:
            node = stack.pop()
            if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
                continue
            if isinstance(node, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
                for small in node.body:
                    for name in _bound_names(small):
                        out.setdefault(name, index)
                continue
            stack.extend(c for c in _children(node) if isinstance(c, (cst.BaseStatement, cst.BaseSuite,
                                                                      cst.ExceptHandler, cst.Else,
                                                                      cst.Finally, cst.If)))
    return out


def top_index(body: Sequence[cst.CSTNode], targets: set[int]) -> int | None:
    """Index of the first top-level statement that holds one of `targets` (node ids)."""
    for index, top in enumerate(body):
        stack: list[cst.CSTNode] = [top]
        while stack:
            node = stack.pop()
            if id(node) in targets:
                return index
            stack.extend(_children(node))
    return None


def _scope_chain(scope: Scope) -> list[Scope]:
    out = []
    current: Scope | None = scope
    while current is not None:
        out.append(current)
        current = current.parent
    return out


def _find_name(scope: Scope, via: Sequence[tuple[str, str]], before: int | None,
               indexes: dict[str, int], prefer: str | None = None, order: int | None = None) -> str | None:
    """An expression that reaches one of `via`'s targets through the names
    imported where `scope` sees them (at walk order `order`); module-level
    imports only count when they come before top-level statement `before`
    (None: no such limit)."""
    candidates: list[tuple[str, str, bool]] = []  # (name, qualified, module-level)
    if prefer is not None:
        qualified = resolve_name(prefer, scope, order)
        if qualified is not None:
            candidates.append((prefer, qualified, False))
    for level in _scope_chain(scope):
        for name, qualified in level.imports.items():
            candidates.append((name, qualified, level.kind == MODULE))
    for target, suffix in via:
        for name, qualified, module_level in candidates:
            if catalog.canonical(qualified) != target or resolve_name(name, scope, order) != qualified:
                continue
            if module_level and before is not None and indexes.get(name, before + 1) > before:
                continue
            return name + suffix
    return None


def _free(name: str, qualified: str, scope: Scope) -> bool:
    """Whether a module-level `import ... as name` of `qualified` would be
    what `name` means in `scope` without clashing with another binding (an
    import of the same module, or a `name = None` fallback, is no clash)."""
    for level in _scope_chain(scope):
        entries = level.bindings.get(name, ())
        if level.kind == MODULE:
            return all(bound == qualified or placeholder for _, bound, placeholder in entries)
        if entries or name in level.declared_global:
            return False
    return False


def _new_import(scope: Scope, module: str, suffix: str) -> tuple[str, tuple[NeededImport, ...]] | None:
    """A module-level import of `module` to add, and the expression using it."""
    names = ((_CONVENTIONAL_ALIASES[module], module),) if module in _CONVENTIONAL_ALIASES else ()
    for alias, plain in (*names, (None, module)):
        name = alias or plain
        if _free(name, module, scope):
            return name + suffix, (NeededImport(module, alias),)
    return None


def _imports_anywhere(model: FileModel) -> set[str]:
    roots = {q.split(".")[0] for q in model.walk.module_scope.imports.values()}
    for site in model.walk.calls:
        roots.update(q.split(".")[0] for q in site.scope.imports.values())
    return roots


def _reach(model: FileModel, scope: Scope, via: Sequence[tuple[str, str]], before: int | None,
           prefer: str | None = None, order: int | None = None) -> tuple[str, tuple[NeededImport, ...]] | None:
    indexes = _import_indexes(model.module.body)
    found = _find_name(scope, via, before, indexes, prefer, order)
    if found is not None:
        return found, ()
    target, suffix = via[0]
    if via is _SET_RANDOM_SEED_VIA:
        roots = _imports_anywhere(model)
        if "keras" in roots and "tensorflow" not in roots:
            target, suffix = via[1]
    return _new_import(scope, target, suffix)


def _call_position(model: FileModel, call: Call) -> int | None:
    """The top-level statement of a module-level call (None inside a def)."""
    if not call.module_level:
        return None
    return top_index(model.module.body, {id(call.node)})


def add_shuffle_seed(model: FileModel, source: Source, seed: int) -> Fix | None:
    """TSL206: give a TFDS read the file-shuffle seed: add
    `read_config=tfds.ReadConfig(shuffle_seed=<seed>)` (through the file's
    TFDS alias), or `shuffle_seed=<seed>` to the `ReadConfig(...)` written in
    the call. A config passed by name is left to its author."""
    call = source.call
    value = seed_expression(seed)
    arg = call.argument(catalog.TFDS_READ_CONFIG, None)
    if arg is None or is_none(arg.value):
        if arg is None and call.may_pass(None):
            return None
        reached = _reach(model, call.site.scope, _READ_CONFIG_VIA, _call_position(model, call), order=call.order)
        if reached is None:
            return None
        func, imports = reached
        config = cst.Call(func=cst.parse_expression(func), args=[_keyword(catalog.TFDS_SHUFFLE_SEED[0], value)])
        if arg is not None:
            return Fix(replace=(Replace(arg.value, lambda _: config),), imports=imports)
        new_arg = _keyword(catalog.TFDS_READ_CONFIG, config)
        return Fix(replace=(Replace(call.node, lambda node: append_arg(node, new_arg)),), imports=imports)
    written = model.read_config_call(call)
    if written is None or any(a.star for a in written.args):
        return None
    seed_arg = find_argument(written.args, *catalog.TFDS_SHUFFLE_SEED)
    if seed_arg is not None:
        return Fix(replace=(Replace(seed_arg.value, lambda _: value),)) if is_none(seed_arg.value) else None
    new_seed = _keyword(catalog.TFDS_SHUFFLE_SEED[0], value)
    return Fix(replace=(Replace(written, lambda node: append_arg(node, new_seed)),))


# ------------------------------------------------------------ global seeding

def keras_seed_instead(model: FileModel, seed: SeedCall) -> Fix | None:
    """TSL404: `tf.random.set_seed(x)` -> `tf.keras.utils.set_random_seed(x)`,
    through the file's own TensorFlow alias when it has one."""
    call = seed.call
    if any(is_none(arg.value) for arg in call.node.args):
        return None  # set_seed(None) resets; set_random_seed(None) raises
    parts = dotted(call.node.func)
    if parts is None:
        return None
    position = _call_position(model, call)
    reached = _reach(model, call.site.scope, _SET_RANDOM_SEED_VIA, position, prefer=parts[0],
                     order=call.order)
    if reached is None:
        return None
    func, imports = reached
    return Fix(replace=(Replace(call.node.func, lambda _: cst.parse_expression(func)),), imports=imports)


def insert_global_seed(model: FileModel, seed: int) -> Fix | None:
    """TSL401: `tf.keras.utils.set_random_seed(seed)` after the module
    docstring, `__future__` imports and imports, before any module-level
    randomness; an import is added only when none reaches the function."""
    body = model.module.body
    if not body:
        return None
    start = 1 if _is_docstring(body[0]) else 0
    early = {id(s.call.node) for s in model.sources if s.call.module_level}
    limit = top_index(body, early) if early else None
    limit = len(body) if limit is None else limit
    anchor = 0 if start else None
    for index in range(start, limit):
        if _is_import_block(body[index]):
            anchor = index
    reached = _reach(model, model.walk.module_scope, _SET_RANDOM_SEED_VIA, anchor if anchor is not None else -1)
    if reached is None:
        return None
    func, imports = reached
    statement = _call_statement(func, [cst.Arg(seed_expression(seed))])
    if anchor is None:
        return Fix(insert=(Insert(body[0], (statement,), before=True),), imports=imports)
    leading: tuple[cst.EmptyLine, ...] = ()
    # A blank line between the imports and the call (as between the imports
    # and the code); not in a notebook, where it would be a blanked magic's.
    if anchor + 1 < len(body) and not model.notebook:
        following = body[anchor + 1].leading_lines
        if following and following[0].comment is None:
            leading = (following[0],)
    return Fix(insert=(Insert(body[anchor], (statement.with_changes(leading_lines=leading),)),),
               imports=imports)


def insert_op_determinism(model: FileModel, seed: SeedCall) -> Fix | None:
    """TSL405: `tf.config.experimental.enable_op_determinism()` right after
    the seed call's statement, in the same block."""
    call = seed.call
    parts = dotted(call.node.func)
    position = _call_position(model, call)
    reached = _reach(model, call.site.scope, _TENSORFLOW_VIA, position, prefer=parts[0] if parts else None,
                     order=call.order)
    if reached is None:
        return None
    name, imports = reached
    statement = _call_statement(f"{name}.config.experimental.enable_op_determinism")
    return Fix(insert=(Insert(call.node, (statement,)),), imports=imports)

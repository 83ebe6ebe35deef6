"""Fixes as data, and the functions that build them for the rules.

A `Fix` describes its edits instead of performing them: node replacements
keyed by node identity, statements to insert next to the statement that holds
a node, and imports to add. `edits.py` applies every fix of a file in one
transformer pass, so fixes compose without knowing about each other (Fixit's
design, plus imports). Where new code goes and which names and seed it uses
is `placement.py`'s business.

Replacement builders receive the node as already updated by the fixes inside
it, never the original, so nested edits are not lost.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import libcst as cst

from tfseedlint import catalog
from tfseedlint.catalog import ALL_DOMAINS, Domain
from tfseedlint.model import Call, FileModel, SeedCall, Source, covered_by, find_argument, is_none, is_zero
from tfseedlint.placement import (
    KERAS_ONLY_SEED, KERAS_SEED, NUMPY_SEED, OP_DETERMINISM, PYTHON_SEED, READ_CONFIG, Layout, NewImport, Target,
    global_seed_place, keras_only, literal, other_keras_backend, reach, seed_for, top_index,
)
from tfseedlint.scope import dotted


@dataclass(frozen=True)
class Replace:
    """Replace `node` (matched by identity) by what `build` makes of it."""

    node: cst.CSTNode
    build: Callable[[cst.CSTNode], cst.CSTNode]


@dataclass(frozen=True)
class Insert:
    """New statements right after (or, with `before`, right before) the
    statement that holds `anchor`. `anchor` is that statement itself or the
    call of an expression statement; anywhere else the insert is not made.
    Before a statement, its first `keep_above` leading lines (a closing
    pragma comment) stay above the new statements."""

    anchor: cst.CSTNode
    statements: tuple[cst.SimpleStatementLine, ...]
    before: bool = False
    keep_above: int = 0


@dataclass(frozen=True)
class Fix:
    """The edits of one report's fix, and the imports they need (added only
    when every edit of the fix was made). Of the fixes of one round that
    share a `key` (the global seed call several rules ask for), only the
    first is made."""

    replace: tuple[Replace, ...] = ()
    insert: tuple[Insert, ...] = ()
    imports: tuple[NewImport, ...] = ()
    key: str | None = None


# ------------------------------------------------------------ small builders

def _keyword(name: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(value=value, keyword=cst.Name(name),
                   equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                         whitespace_after=cst.SimpleWhitespace("")))


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


def seed_at(model: FileModel, call: Call) -> cst.BaseExpression:
    """The seed to pass at `call`: the file's own seed expression where it is
    valid there, else the configured seed."""
    gap = top_index(model.module.body, {id(call.node)}) if call.module_level else None
    return seed_for(model, call.site.scope, gap)


def add_seed(source: Source, seed: int | cst.BaseExpression) -> Fix | None:
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
    value = seed if isinstance(seed, cst.BaseExpression) else literal(seed)
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


def source_fix(model: FileModel, source: Source) -> Fix | None:
    """The fix of a "not covered" source rule: the global seed for NumPy's and
    Python's global state (TSL102, TSL104), else the file's seed passed to
    the call."""
    if source.rule in ("TSL102", "TSL104"):
        return global_seed_for(model, source)
    if source.project:
        return None  # a call of a project function that draws: its seed belongs to the caller
    return add_seed(source, seed_at(model, source.call))


def generator_fix(model: FileModel, source: Source) -> Fix | None:
    """TSL103: pass the seed; `Generator.from_non_deterministic_state(...)`
    becomes `Generator.from_seed(seed, ...)`. `get_global_generator()` has no
    mechanical fix."""
    value = seed_at(model, source.call)
    if source.api not in catalog.NONDETERMINISTIC_GENERATORS:
        return add_seed(source, value)
    func = source.call.node.func
    if not source.api.endswith(".from_non_deterministic_state") or type(func) is not cst.Attribute:
        return None
    if source.call.has_star_args:
        return None

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


def add_shuffle_seed(model: FileModel, source: Source) -> Fix | None:
    """TSL206: give a TFDS read the file-shuffle seed: add
    `read_config=tfds.ReadConfig(shuffle_seed=<seed>)` (through the file's
    TFDS alias), or `shuffle_seed=<seed>` to the `ReadConfig(...)` written in
    the call. A config passed by name is left to its author."""
    call = source.call
    value = seed_at(model, call)
    arg = call.argument(catalog.TFDS_READ_CONFIG, None)
    if arg is None or is_none(arg.value):
        if arg is None and call.may_pass(None):
            return None
        gap = top_index(model.module.body, {id(call.node)})
        if gap is None:
            return None
        reached = reach(model, call.site.scope, READ_CONFIG, gap, in_function=not call.module_level,
                        order=call.order)
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

def _call_statement(func: str, args: Sequence[cst.Arg] = ()) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine([cst.Expr(cst.Call(func=cst.parse_expression(func), args=args))])


def _keras_seed(model: FileModel) -> Target:
    """A Keras-only file may run on JAX or PyTorch: `keras.utils`, no TF import."""
    return KERAS_ONLY_SEED if keras_only(model) or other_keras_backend(model) else KERAS_SEED


def insert_global_seed(model: FileModel) -> Fix | None:
    """TSL401: `tf.keras.utils.set_random_seed(seed)` (or the `keras.utils`
    spelling) where the entry point starts; an import is added only when no
    name of the file reaches the function."""
    return _insert_seed(model, _keras_seed(model), ALL_DOMAINS)


def _insert_seed(model: FileModel, target: Target, covers: Domain) -> Fix | None:
    layout = Layout.of(model)
    place = global_seed_place(model, covers, layout)
    if place is None:
        return None
    scope = model.walk.module_scope
    reached = reach(model, scope, target, place.gap, in_function=False, layout=layout)
    if reached is None:
        return None
    func, imports = reached
    statement = _call_statement(func, [cst.Arg(seed_for(model, scope, place.gap))])
    if place.blank:
        statement = statement.with_changes(leading_lines=(cst.EmptyLine(),))
    spot = place.spot
    return Fix(insert=(Insert(spot.anchor, (statement,), spot.before, spot.keep_above),), imports=imports,
               key=target.name)


def global_seed_for(model: FileModel, source: Source) -> Fix | None:
    """TSL102 / TSL104: one global seed call. In a TF / Keras file the Keras
    global seed, which seeds NumPy and Python too: an existing
    `tf.random.set_seed(x)` that comes early enough becomes
    `keras.utils.set_random_seed(x)`, else the call is inserted. Elsewhere
    `np.random.seed(seed)` / `random.seed(seed)`."""
    # A script whose TF / Keras randomness comes from its project's modules uses TF too.
    if not model.imports_tf_or_keras and not any(s.domain & (Domain.TF | Domain.KERAS) for s in model.sources):
        return _insert_seed(model, NUMPY_SEED if source.domain & Domain.NUMPY else PYTHON_SEED, source.domain)
    uncovered = [s for s in model.sources if s.domain & source.domain and not model.covered(s)]
    for seed in model.seed_calls:
        if seed.call.name in catalog.TF_ONLY_SEEDS and all(_covers_once_keras(model, seed, s) for s in uncovered):
            return keras_seed_instead(model, seed)
    return insert_global_seed(model)


def _covers_once_keras(model: FileModel, seed: SeedCall, source: Source) -> bool:
    """Whether `source` is covered once the TF-only `seed` seeds its domain
    too (a later module-level seed may still decide otherwise)."""
    return covered_by([*model.seeds_for(source.domain), seed], source)


def keras_seed_instead(model: FileModel, seed: SeedCall) -> Fix | None:
    """TSL404: `tf.random.set_seed(x)` -> `tf.keras.utils.set_random_seed(x)`,
    through the file's own TensorFlow alias when it has one."""
    call = seed.call
    if any(is_none(arg.value) for arg in call.node.args):
        return None  # set_seed(None) resets; set_random_seed(None) raises
    parts = dotted(call.node.func)
    gap = top_index(model.module.body, {id(call.node)})
    if parts is None or gap is None:
        return None
    reached = reach(model, call.site.scope, _keras_seed(model), gap, in_function=not call.module_level,
                    prefer=parts[0], order=call.order)
    if reached is None:
        return None
    func, imports = reached
    return Fix(replace=(Replace(call.node.func, lambda _: cst.parse_expression(func)),), imports=imports,
               key=catalog.SET_RANDOM_SEED)


def insert_op_determinism(model: FileModel, seed: SeedCall) -> Fix | None:
    """TSL405: `tf.config.experimental.enable_op_determinism()` right after
    the seed call's statement, in the same block; not in a Keras-only file
    (JAX / PyTorch backends have no such switch)."""
    if keras_only(model):
        return None
    call = seed.call
    parts = dotted(call.node.func)
    gap = top_index(model.module.body, {id(call.node)})
    if gap is None:
        return None
    reached = reach(model, call.site.scope, OP_DETERMINISM, gap, in_function=not call.module_level,
                    prefer=parts[0] if parts else None, order=call.order)
    if reached is None:
        return None
    name, imports = reached
    return Fix(insert=(Insert(call.node, (_call_statement(name),)),), imports=imports)

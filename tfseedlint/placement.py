"""Where fixes put what they add, and the names and seed they write it with
(SPEC "Fixes": one seed, one global seed call, where the entry point starts,
the file's own names).

Top-level positions are *gaps*: gap `g` is the place right before the
module's top-level statement `g` (`len(body)`: the end). The global seed goes
in the gap after the docstring, `__future__` imports, imports and
environment setup that come before the first module-level randomness, or at
the top of the `__main__` block when all the randomness it covers is inside
functions. An import a fix needs goes after the last import or environment
setup before the statement that uses it: never above an
`os.environ[...] = ...`, `%env` or `keras.config.set_backend(...)` line that
must run before the library is first imported.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

import libcst as cst

from tfseedlint import catalog
from tfseedlint.catalog import Domain
from tfseedlint.model import FileModel, Source, is_none
from tfseedlint.scope import MODULE, Scope, _children, _is_main_guard, dotted, resolve_expr, resolve_name
from tfseedlint.notebook import NotebookSource

# ------------------------------------------------------------ statements


def is_docstring(stmt: cst.CSTNode) -> bool:
    return (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1
            and isinstance(stmt.body[0], cst.Expr)
            and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString)))


def is_import_line(stmt: cst.CSTNode) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and bool(stmt.body) and all(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body)


def _is_future(stmt: cst.CSTNode) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and any(
        isinstance(s, cst.ImportFrom) and isinstance(s.module, cst.Name) and s.module.value == "__future__"
        for s in stmt.body)


def _statements(node: cst.CSTNode) -> Iterable[cst.CSTNode]:
    """`node` and the statements nested in it, outside def and class bodies."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (cst.FunctionDef, cst.ClassDef)):
            continue
        yield current
        if not isinstance(current, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            stack.extend(c for c in _children(current) if isinstance(
                c, (cst.BaseStatement, cst.BaseSuite, cst.ExceptHandler, cst.Else, cst.Finally, cst.If)))


def _small(node: cst.CSTNode) -> Iterable[cst.BaseSmallStatement]:
    for stmt in _statements(node):
        if isinstance(stmt, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            yield from stmt.body


def is_import_block(stmt: cst.CSTNode) -> bool:
    """An import line, or an `if` / `try` / `with` block that imports
    (`try: import x / except ImportError: x = None`, `if USE_TF: import ...`)."""
    if is_import_line(stmt):
        return True
    return isinstance(stmt, (cst.If, cst.Try, cst.With)) and not _is_main_guard_stmt(stmt) and any(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in _small(stmt))


def _is_main_guard_stmt(stmt: cst.CSTNode) -> bool:
    return isinstance(stmt, cst.If) and _is_main_guard(stmt.test)


_ENV_CALLS = frozenset({"os.environ.setdefault", "os.environ.update", "os.putenv",
                        "keras.config.set_backend", "keras.backend.set_backend"}) | frozenset(
    # TF1 scripts switch execution modes first, before anything touches TF.
    f"tensorflow.{v1}{switch}" for v1 in ("", "compat.v1.") for switch in (
        "enable_eager_execution", "disable_eager_execution", "enable_v2_behavior", "disable_v2_behavior"))


def _sets_environment(small: cst.BaseSmallStatement, scope: Scope) -> bool:
    if isinstance(small, (cst.Assign, cst.AugAssign, cst.AnnAssign)):
        targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
        return any(isinstance(t, cst.Subscript) and resolve_expr(t.value, scope) == "os.environ"
                   for t in targets)
    if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
        return resolve_expr(small.value.func, scope) in _ENV_CALLS
    return False


def env_magic_lines(source: NotebookSource) -> frozenset[int]:
    """Lines of the joined module that hold a notebook's `%env` magics."""
    out = set()
    for cell in source.cells:
        for k, line in enumerate(source.originals.get(cell.number, "").split("\n")[:cell.line_count]):
            if re.match(r"\s*%(?:set_)?env\b", line):
                out.add(cell.first_line + k)
    return frozenset(out)


@dataclass
class Layout:
    """The module's top level as the fixes see it."""

    body: Sequence[cst.BaseStatement]
    #: first gap after the docstring and `__future__` imports.
    floor: int
    imports: list[int]
    environment: list[int]
    main_guard: int | None
    #: statements that assign a SEED-style constant.
    seed_constants: list[int]

    @classmethod
    def of(cls, model: FileModel) -> Layout:
        body = model.module.body
        floor = 1 if body and is_docstring(body[0]) else 0
        while floor < len(body) and _is_future(body[floor]):
            floor += 1
        scope = model.walk.module_scope
        env_lines = model.env_lines
        imports: list[int] = []
        environment: list[int] = []
        constants: list[int] = []
        main_guard = None
        line = 1 + len(model.module.header)
        for index, stmt in enumerate(body):
            magic = False
            if env_lines:  # a `%env` magic (blanked in the module) among this statement's lines
                lines = model.module.code_for_node(stmt).count("\n")
                magic = any(line <= n < line + lines for n in env_lines)
                line += lines
            if is_import_block(stmt):
                imports.append(index)
            if magic or any(_sets_environment(s, scope) for s in _small(stmt)):
                environment.append(index)
            if main_guard is None and _is_main_guard_stmt(stmt):
                main_guard = index
            if seed_constant(stmt) is not None:
                constants.append(index)
        return cls(body, floor, imports, environment, main_guard, constants)

    def setup_end(self, limit: int) -> int:
        """The gap after the imports and environment setup before `limit`."""
        last = [i for i in (*self.imports, *self.environment) if self.floor <= i < limit]
        return max(last) + 1 if last else self.floor


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


# ------------------------------------------------------------ inserts


@dataclass(frozen=True)
class Spot:
    """Where new statements go: right after `anchor`, or right before it
    (below its first `keep_above` leading lines)."""

    anchor: cst.CSTNode
    before: bool = False
    keep_above: int = 0


#: Comments that close a pragma pair opened above (`# pylint: disable` ...
#: `# pylint: enable`): what is inserted goes below them, not inside the pair.
_CLOSING_PRAGMA = re.compile(r"#\s*(?:pylint|pytype|yapf|isort|fmt)\s*:\s*(?:enable|on)\b", re.IGNORECASE)


def gap_spot(body: Sequence[cst.BaseStatement], gap: int) -> Spot:
    if gap < len(body):
        leading = getattr(body[gap], "leading_lines", ())
        closing = [k for k, line in enumerate(leading) if line.comment and _CLOSING_PRAGMA.match(line.comment.value)]
        if closing:
            return Spot(body[gap], before=True, keep_above=closing[-1] + 1)
    if gap > 0:
        return Spot(body[gap - 1])
    return Spot(body[0], before=True)


# ------------------------------------------------------------ the global seed's place


@dataclass(frozen=True)
class SeedPlace:
    spot: Spot
    #: the gap before which the module-level names it uses must be bound.
    gap: int
    #: a blank line above the call, as between the imports and the code.
    blank: bool


def global_seed_place(model: FileModel, covers: Domain, layout: Layout | None = None) -> SeedPlace | None:
    """Where a global seed call that seeds `covers` goes: at the top of the
    `__main__` block when every source it would cover is inside functions
    (importing the module must not seed the process), else after the module's
    setup and before the first module-level source."""
    layout = layout or Layout.of(model)
    body = layout.body
    if not body:
        return None
    if layout.main_guard is not None:
        block = body[layout.main_guard]
        assert isinstance(block, cst.If)
        sources = [s for s in model.sources if s.domain & covers and s.call.module_level]
        if isinstance(block.body, cst.IndentedBlock) and top_index(body, {id(s.call.node) for s in sources}) \
                in (None, layout.main_guard) and not _module_code_calls_own_functions(model):
            statements = block.body.body
            # `args = parser.parse_args()` first when the file seeds with `args.seed`.
            parsed = _parses_seed(statements, model, sources)
            if parsed is not None:
                return SeedPlace(Spot(statements[parsed]), layout.main_guard + 1, False)
            return SeedPlace(Spot(statements[0], before=True), layout.main_guard, False)
    early = {id(s.call.node) for s in model.sources if s.call.module_level}
    limit = top_index(body, early) if early else None
    limit = len(body) if limit is None else limit
    gap = layout.setup_end(limit)
    # After a `SEED = 7` that comes before the first draw: the call uses it.
    constants = [i for i in layout.seed_constants if gap <= i < limit]
    gap = max(constants) + 1 if constants else gap
    blank = 0 < gap < len(body) and not model.notebook and bool(body[gap].leading_lines) \
        and body[gap].leading_lines[0].comment is None
    return SeedPlace(gap_spot(body, gap), gap, blank)


def _parses_seed(statements: Sequence[cst.BaseStatement], model: FileModel, sources: list[Source]) -> int | None:
    """The index of the statement of the `__main__` block that assigns the
    `args` of an `args.seed` the file uses, when no source comes before it."""
    names = {a.value.value for a in _seed_attributes(model) if isinstance(a.value, cst.Name)}
    for index, stmt in enumerate(statements):
        if top_index(statements[:index + 1], {id(s.call.node) for s in sources}) is not None:
            return None
        bound = {n for small in getattr(stmt, "body", ()) for n in _bound_names(small)} \
            if isinstance(stmt, cst.SimpleStatementLine) else set()
        if bound & names:
            return index
    return None


def _module_code_calls_own_functions(model: FileModel) -> bool:
    """Whether code outside defs and the `__main__` block calls a function of
    the file (which may draw before the block runs)."""
    guard = next((s for s in model.module.body if _is_main_guard_stmt(s)), None)
    inside: set[int] = set()
    stack: list[cst.CSTNode] = [guard] if guard is not None else []
    while stack:
        node = stack.pop()
        inside.add(id(node))
        stack.extend(_children(node))
    return any(call.module_level and isinstance(call.node.func, cst.Name)
               and call.node.func.value in model.walk.module_scope.defs and id(call.node) not in inside
               for call in model.calls)


# ------------------------------------------------------------ the file's names


@dataclass(frozen=True)
class Target:
    """A function to call: its canonical name, the attribute paths that reach
    it from a module (best first), and the import to add when none does."""

    name: str
    paths: tuple[str, ...]
    module: str
    alias: str | None


KERAS_SEED = Target(catalog.SET_RANDOM_SEED, (".keras.utils.set_random_seed", ".utils.set_random_seed",
                                              ".set_random_seed", ""), "tensorflow", "tf")
#: Keras on another backend: `keras.utils` first, even where `tf` is imported for `tf.data`.
KERAS_ONLY_SEED = Target(catalog.SET_RANDOM_SEED, (".utils.set_random_seed", ".set_random_seed", "",
                                                   ".keras.utils.set_random_seed"), "keras", None)
OP_DETERMINISM = Target("tensorflow.config.experimental.enable_op_determinism",
                        (".config.experimental.enable_op_determinism",
                         # `import tensorflow.compat.v1 as tf` has no `tf.config.experimental.enable_op_determinism`.
                         ".compat.v2.config.experimental.enable_op_determinism",
                         ".experimental.enable_op_determinism", ".enable_op_determinism", ""),
                        "tensorflow", "tf")
NUMPY_SEED = Target("numpy.random.seed", (".random.seed", ".seed", ""), "numpy", "np")
PYTHON_SEED = Target("random.seed", (".seed", ""), "random", None)
READ_CONFIG = Target("tensorflow_datasets.ReadConfig", (".ReadConfig", ""), "tensorflow_datasets", "tfds")


def imported_roots(model: FileModel) -> set[str]:
    roots = {q.split(".")[0] for q in model.walk.module_scope.imports.values()}
    for site in model.walk.calls:
        roots.update(q.split(".")[0] for q in site.scope.imports.values())
    return roots


def keras_only(model: FileModel) -> bool:
    """Imports Keras but not TensorFlow: it may run on JAX or PyTorch."""
    roots = imported_roots(model)
    return "keras" in roots and "tensorflow" not in roots


def other_keras_backend(model: FileModel) -> bool:
    """Imports Keras and picks a backend other than TensorFlow
    (`os.environ["KERAS_BACKEND"] = "jax"`, `keras.config.set_backend("torch")`)."""
    strings = {text.strip("\"'") for text in model.walk.strings}  # the literals as written, quotes and all
    return "keras" in imported_roots(model) and not strings.isdisjoint({"jax", "torch", "numpy"}) and (
        "KERAS_BACKEND" in strings or any(c.name in _ENV_CALLS and "set_backend" in c.name for c in model.calls))


def _scope_chain(scope: Scope) -> list[Scope]:
    out = []
    current: Scope | None = scope
    while current is not None:
        out.append(current)
        current = current.parent
    return out


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
    elif isinstance(stmt, (cst.Assign, cst.AnnAssign)):
        targets = [t.target for t in stmt.targets] if isinstance(stmt, cst.Assign) else [stmt.target]
        for target in targets:
            if isinstance(target, cst.Name):
                yield target.value


def binding_indexes(body: Sequence[cst.CSTNode]) -> dict[str, int]:
    """Name -> index of the first top-level statement that binds it by import
    or assignment (also inside top-level if / try / with blocks, not in def
    and class bodies)."""
    out: dict[str, int] = {}
    for index, top in enumerate(body):
        for small in _small(top):
            for name in _bound_names(small):
                out.setdefault(name, index)
    return out


def find_name(model: FileModel, scope: Scope, target: Target, gap: int | None,
              prefer: str | None = None, order: int | None = None) -> str | None:
    """An expression that reaches `target` through names `scope` sees (at
    walk order `order`); module-level names count only when bound before
    top-level gap `gap` (None: code that runs later, in a function)."""
    candidates: list[tuple[str, str, bool]] = []  # (name, qualified, module-level)
    if prefer is not None:
        qualified = resolve_name(prefer, scope, order)
        if qualified is not None:
            candidates.append((prefer, qualified, False))
    for level in _scope_chain(scope):
        candidates.extend((name, qualified, level.kind == MODULE) for name, qualified in level.imports.items())
    indexes = binding_indexes(model.module.body)
    for path in target.paths:
        for name, qualified, module_level in candidates:
            if not _reaches(qualified, path, target.name) or resolve_name(name, scope, order) != qualified:
                continue
            if module_level and gap is not None and indexes.get(name, gap) >= gap:
                continue
            return name + path
    return None


#: TensorFlow's own modules, whose attribute paths `canonical` rewrites
#: (`tf.keras.utils` is `keras.utils`).
_TF_MODULES = frozenset({"tensorflow", "tensorflow.compat.v1"})


def _reaches(qualified: str, path: str, target: str) -> bool:
    """Whether `<name of qualified><path>` is `target`: a module the name
    imports, followed by the path to it (`to_categorical.keras.utils` is no
    way to `keras.utils`, though `canonical` flattens it so)."""
    module = catalog.canonical(qualified)
    if module + path == target:
        return True
    return module in _TF_MODULES and catalog.canonical(qualified + path) == target


def free(name: str, qualified: str, scope: Scope) -> bool:
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


@dataclass(frozen=True)
class NewImport:
    """`import module` (`as alias`), placed at `spot`."""

    module: str
    alias: str | None
    spot: Spot

    def statement(self) -> cst.SimpleStatementLine:
        alias = cst.AsName(cst.Name(self.alias)) if self.alias else None
        return cst.SimpleStatementLine([cst.Import([cst.ImportAlias(cst.parse_expression(self.module), alias)])])


def import_spot(model: FileModel, module: str, use: int, layout: Layout | None = None) -> Spot | None:
    """Where `import module` goes for code at top-level gap `use`: after the
    imports and environment setup before it. None when an environment setup
    between there and the module's first import would then run too late."""
    layout = layout or Layout.of(model)
    gap = layout.setup_end(use)
    first = next((i for i, stmt in enumerate(layout.body) if i in layout.imports and any(
        isinstance(s, (cst.Import, cst.ImportFrom)) and _imports_module(s, module) for s in _small(stmt))), None)
    if first is not None and any(gap <= e < first for e in layout.environment):
        return None
    if gap == 0 and layout.body:
        return Spot(layout.body[0], before=True)
    return Spot(layout.body[gap - 1]) if gap > 0 else None


def _imports_module(stmt: cst.Import | cst.ImportFrom, module: str) -> bool:
    if isinstance(stmt, cst.Import):
        names = [".".join(dotted(a.name) or []) for a in stmt.names]
    else:
        names = [".".join(dotted(stmt.module) or []) if stmt.module is not None else ""]
    return any(n == module or n.startswith(module + ".") for n in names)


def reach(model: FileModel, scope: Scope, target: Target, gap: int, *, in_function: bool,
          prefer: str | None = None, order: int | None = None,
          layout: Layout | None = None) -> tuple[str, tuple[NewImport, ...]] | None:
    """The expression that calls `target` from code in `scope` at top-level
    gap `gap` (`in_function`: in a def there, which runs later), and the
    import to add when no name of the file reaches it."""
    found = find_name(model, scope, target, None if in_function else gap, prefer, order)
    if found is not None:
        return found, ()
    module = target.module
    for name in filter(None, (target.alias, module)):
        if free(name, module, scope):
            spot = import_spot(model, module, gap, layout)
            if spot is None:
                return None
            path = next(p for p in target.paths if catalog.canonical(module + p) == target.name)
            return name + path, (NewImport(module, target.alias if name == target.alias else None, spot),)
    return None


# ------------------------------------------------------------ one seed

#: Module-level constants that name the seed: SEED, RANDOM_SEED, SEED_VALUE, seed ...
_SEED_CONSTANT = re.compile(r"(?:[A-Za-z0-9]+_)*(?:SEED|seed)(?:_[A-Za-z0-9]+)*")


def _int_literal(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        expr = expr.expression
    return isinstance(expr, cst.Integer)


def seed_constant(stmt: cst.CSTNode) -> cst.Name | None:
    """The name a top-level `SEED = 7` (`RANDOM_SEED`, `seed` ...) assigns."""
    if isinstance(stmt, cst.SimpleStatementLine):
        for small in stmt.body:
            if isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is not None:
                targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
                if len(targets) == 1 and isinstance(targets[0], cst.Name) \
                        and _SEED_CONSTANT.fullmatch(targets[0].value) and _int_literal(small.value):
                    return targets[0]
    return None


def _seed_candidates(model: FileModel) -> list[cst.BaseExpression]:
    """The seed expressions the file uses, best first: its global seed calls'
    arguments, a module-level SEED-style constant, an `args.seed`."""
    out: list[cst.BaseExpression] = []
    for seed in model.seed_calls:
        if seed.call.name in catalog.GLOBAL_SEEDS:
            arg = seed.call.argument("seed", 0) or seed.call.argument("a", 0)
            if arg is not None and arg.star == "" and not is_none(arg.value):
                out.append(arg.value)
    out.extend(filter(None, map(seed_constant, model.module.body)))
    for attribute in _seed_attributes(model):
        out.append(attribute)
    return out


#: `.seed` as it may be written (line continuations, comments in brackets).
_SEED_ATTRIBUTE = re.compile(r"\.[\s\\]*(?:#[^\n]*[\s\\]*)*seed\b")


def _seed_attributes(model: FileModel) -> list[cst.Attribute]:
    """`name.seed` attributes (`args.seed`, `FLAGS.seed`), first of each name."""
    if model.raw_text and not _SEED_ATTRIBUTE.search(model.raw_text):
        return []  # most files: no need to walk the whole tree
    found: dict[str, cst.Attribute] = {}
    stack: list[cst.CSTNode] = [model.module]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.attr.value == "seed":
            found.setdefault(node.value.value, node)
        stack.extend(reversed(_children(node)))
    return list(found.values())


def seed_for(model: FileModel, scope: Scope, gap: int | None) -> cst.BaseExpression:
    """The seed to write in `scope` (at top-level gap `gap` for module-level
    code; None inside a function): the file's own seed expression when it is
    valid there, else the configured seed."""
    indexes: dict[str, int] | None = None
    for expr in _seed_candidates(model):
        if _int_literal(expr):
            return expr.deep_clone()
        head = expr if isinstance(expr, cst.Name) else getattr(expr, "value", None)
        if not isinstance(head, cst.Name):
            continue
        binding = _binding_level(head.value, scope)
        if binding is None or resolve_name(head.value, scope) is not None:
            continue  # unbound here, or a module
        if binding.kind == MODULE and gap is not None:
            indexes = indexes if indexes is not None else binding_indexes(model.module.body)
            if indexes.get(head.value, gap) >= gap:
                continue
        return expr.deep_clone()
    return literal(model.config.seed)


def _binding_level(name: str, scope: Scope) -> Scope | None:
    for level in _scope_chain(scope):
        if name in level.bindings:
            return level
    return None


def literal(seed: int) -> cst.BaseExpression:
    if seed < 0:
        return cst.UnaryOperation(cst.Minus(), cst.Integer(str(-seed)))
    return cst.Integer(str(seed))

"""A lean import/alias resolver over a LibCST module.

LibCST's ScopeProvider and QualifiedNameProvider cost about ten times the
parse; this walk records only what name resolution needs (imports, shadowing
bindings, simple assignments) plus the calls and attribute assignments the
rules look at, in one iterative pass, so deeply nested code cannot overflow
the Python stack.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Sequence

import libcst as cst

from tfseedlint.catalog import canonical

MODULE, FUNCTION, CLASS, COMPREHENSION = "module", "function", "class", "comprehension"


@dataclass(eq=False)
class Scope:
    kind: str
    parent: Scope | None
    #: every binding of a name here, in source order: (order, qualified name
    #: for an import else None, whether it is a `name = None` placeholder).
    bindings: dict[str, list[tuple[int, str | None, bool]]] = field(default_factory=dict)
    #: every import made here: local name -> qualified name.
    imports: dict[str, str] = field(default_factory=dict)
    declared_global: set[str] = field(default_factory=set)
    #: simple `name = value` assignments and parameter annotations, for tracing
    #: what a variable holds (a tf.data.Dataset, a Keras model ...).
    values: dict[str, list[cst.BaseExpression]] = field(default_factory=dict)
    star_imports: list[str] = field(default_factory=list)
    #: module-level `def`s, by name (project seed helpers).
    defs: dict[str, cst.FunctionDef] = field(default_factory=dict)
    #: module-level classes, by name (project classes and their methods).
    classes: dict[str, cst.ClassDef] = field(default_factory=dict)

    @property
    def module(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope


@dataclass(eq=False)
class CallSite:
    node: cst.Call
    scope: Scope
    order: int
    module_level: bool
    #: the module-level function whose body holds the call (None at module level).
    top_def: cst.FunctionDef | None
    #: the `def`s, lambdas, classes and `with` statements whose bodies hold
    #: the call, outermost first (where it runs: a test method, a callback).
    context: tuple[cst.CSTNode, ...] = ()

    @property
    def owner(self) -> str | None:
        """The function or method of the module whose body holds the call
        (`load`, `Net.__init__`); None at module level or in a class body."""
        return owner_of(self.context)


def owner_of(context: tuple[cst.CSTNode, ...]) -> str | None:
    """The module's function (`f`) or method (`Cls.m`) that a `context`
    (see `CallSite.context`) runs in; nested functions belong to it."""
    names: list[str] = []
    for node in context:
        t = type(node)
        if t is cst.With:
            continue
        if t is cst.FunctionDef:
            names.append(node.name.value)
            return ".".join(names)
        if t is cst.ClassDef and not names:
            names.append(node.name.value)
            continue
        return None
    return None


@dataclass(eq=False)
class ReturnSite:
    """A `return value` in a function or method (see `CallSite.owner`)."""

    value: cst.BaseExpression
    scope: Scope
    owner: str


@dataclass(eq=False)
class AttributeAssign:
    node: cst.Assign
    target: cst.Attribute
    value: cst.BaseExpression
    scope: Scope
    order: int


@dataclass
class Walk:
    module_scope: Scope
    calls: list[CallSite]
    attribute_assigns: list[AttributeAssign]
    has_main_guard: bool
    strings: set[str]
    returns: list[ReturnSite] = field(default_factory=list)


# Fields that only hold whitespace, punctuation or comments: never walked.
_SKIP_FIELDS = frozenset({
    "whitespace", "whitespace_before", "whitespace_after", "whitespace_before_colon",
    "whitespace_after_colon", "whitespace_before_params", "whitespace_after_def",
    "whitespace_after_class", "whitespace_before_args", "whitespace_after_func",
    "whitespace_after_arg", "whitespace_before_equal", "whitespace_after_equal",
    "whitespace_after_star", "whitespace_after_star_star", "whitespace_before_indicator",
    "whitespace_after_indicator", "whitespace_after_import", "whitespace_after_from",
    "whitespace_before_import", "whitespace_after_as", "whitespace_before_as",
    "whitespace_after_in", "whitespace_before_in", "whitespace_after_for",
    "whitespace_before_for", "whitespace_after_if", "whitespace_before_if",
    "whitespace_after_else", "whitespace_before_else", "whitespace_after_lambda",
    "whitespace_after_await", "whitespace_after_del", "whitespace_after_return",
    "whitespace_after_assert", "whitespace_after_raise", "whitespace_after_global",
    "whitespace_after_nonlocal", "whitespace_after_walrus", "whitespace_before_walrus",
    "whitespace_after_dot", "whitespace_before_dot", "whitespace_after_with",
    "whitespace_before_with", "whitespace_after_while", "whitespace_after_except",
    "whitespace_after_match", "whitespace_after_case", "whitespace_after_yield",
    "whitespace_after_from_", "whitespace_before_from", "whitespace_after_colon_",
    "lpar", "rpar", "lbracket", "rbracket", "lbrace", "rbrace", "comma", "semicolon",
    "dot", "colon", "equal", "star", "operator", "newline", "header", "footer",
    "leading_lines", "lines_after_decorators", "trailing_whitespace", "leading_whitespace",
    "first_line", "empty_lines", "indent", "asynchronous", "walrus", "arrow",
    "lines_after", "prefix", "quote", "encoding", "default_indent", "default_newline",
    "has_trailing_newline",
})
_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields(node_type: type) -> tuple[str, ...]:
    names = _FIELDS.get(node_type)
    if names is None:
        names = _FIELDS[node_type] = tuple(
            f.name for f in dataclasses.fields(node_type) if f.name not in _SKIP_FIELDS)
    return names


def _children(node: cst.CSTNode) -> list[cst.CSTNode]:
    out: list[cst.CSTNode] = []
    for name in _fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            out.append(value)
        elif type(value) is tuple or type(value) is list:
            out.extend(v for v in value if isinstance(v, cst.CSTNode))
    return out


def dotted(expr: cst.BaseExpression) -> list[str] | None:
    """`a.b.c` as ["a", "b", "c"]; None for anything but names and attributes."""
    parts: list[str] = []
    while type(expr) is cst.Attribute:
        parts.append(expr.attr.value)
        expr = expr.value
    if type(expr) is not cst.Name:
        return None
    parts.append(expr.value)
    parts.reverse()
    return parts


def _import_name(node: cst.BaseExpression) -> str:
    parts = dotted(node)
    return ".".join(parts) if parts else ""


def _bind(scope: Scope, name: str, order: int, qualified: str | None = None,
          value: cst.BaseExpression | None = None) -> None:
    placeholder = type(value) is cst.Name and value.value == "None"
    scope.bindings.setdefault(name, []).append((order, qualified, placeholder))
    if qualified is not None:
        scope.imports[name] = qualified


def _bind_target(target: cst.BaseExpression, scope: Scope, value: cst.BaseExpression | None,
                 order: int) -> None:
    t = type(target)
    if t is cst.Name:
        _bind(scope, target.value, order, None, value)
        if value is not None:
            scope.values.setdefault(target.value, []).append(value)
    elif t is cst.Tuple or t is cst.List:
        for element in target.elements:
            # Unpacking a call that returns several datasets (train, val) gives
            # each name the call: it is what they were made by.
            _bind_target(element.value, scope, value if type(value) is cst.Call else None, order)
    elif t is cst.StarredElement:
        _bind_target(target.value, scope, None, order)


def _is_main_guard(test: cst.BaseExpression) -> bool:
    if type(test) is not cst.Comparison or len(test.comparisons) != 1:
        return False
    target = test.comparisons[0]
    if type(target.operator) is not cst.Equal:
        return False
    sides = (test.left, target.comparator)
    names = [s for s in sides if type(s) is cst.Name and s.value == "__name__"]
    strings = [s for s in sides if isinstance(s, cst.SimpleString) and s.evaluated_value == "__main__"]
    return bool(names) and bool(strings)


_Item = tuple[cst.CSTNode, Scope, bool, "cst.FunctionDef | None", tuple[cst.CSTNode, ...]]


def walk(module: cst.Module, package: Sequence[str] = ()) -> Walk:
    """One pre-order pass over `module`. `package` is the dotted package the
    file belongs to (resolves relative imports; empty when unknown)."""
    module_scope = Scope(MODULE, None)
    calls: list[CallSite] = []
    attr_assigns: list[AttributeAssign] = []
    strings: set[str] = set()
    returns: list[ReturnSite] = []
    main_guard = False
    order = 0
    # Stack items: (node, scope, module_level, top_def, context). Children
    # are pushed in reverse so that nodes are visited in source order.
    stack: list[_Item] = [(module, module_scope, True, None, ())]
    pop, push = stack.pop, stack.append
    while stack:
        node, scope, at_module, top_def, outer = pop()
        t = type(node)
        order += 1
        if t is cst.Call:
            calls.append(CallSite(node, scope, order, at_module, top_def, outer))
        elif t is cst.FunctionDef or t is cst.Lambda:
            inner = Scope(FUNCTION, scope)
            if t is cst.FunctionDef:
                _bind(scope, node.name.value, order)
                if scope.kind == MODULE:
                    scope.defs[node.name.value] = node
                    top_def = node
            params = node.params
            for p in (*params.posonly_params, *params.params, *params.kwonly_params):
                _bind(inner, p.name.value, 0)
                if p.annotation is not None:
                    inner.values.setdefault(p.name.value, []).append(p.annotation.annotation)
            for p in (params.star_arg, params.star_kwarg):
                if isinstance(p, cst.Param):
                    _bind(inner, p.name.value, 0)
            body = node.body
            items: list[_Item] = []
            # Defaults, annotations and decorators run in the enclosing scope.
            for p in (*params.posonly_params, *params.params, *params.kwonly_params):
                if p.default is not None:
                    items.append((p.default, scope, at_module, top_def, outer))
            if t is cst.FunctionDef:
                items.extend((d, scope, at_module, top_def, outer) for d in node.decorators)
            items.append((body, inner, False, top_def, (*outer, node)))
            stack.extend(reversed(items))
            continue
        elif t is cst.ClassDef:
            _bind(scope, node.name.value, order)
            if scope.kind == MODULE:
                scope.classes[node.name.value] = node
            inner = Scope(CLASS, scope)
            items = [(d, scope, at_module, top_def, outer) for d in node.decorators]
            items += [(a, scope, at_module, top_def, outer) for a in node.bases]
            items += [(a, scope, at_module, top_def, outer) for a in node.keywords]
            items.append((node.body, inner, False, top_def, (*outer, node)))
            stack.extend(reversed(items))
            continue
        elif t is cst.Return:
            owner = owner_of(outer) if node.value is not None else None
            if owner is not None:
                returns.append(ReturnSite(node.value, scope, owner))
        elif t is cst.With:
            # The items run outside the block they open.
            items = [(i, scope, at_module, top_def, outer) for i in node.items]
            items.append((node.body, scope, at_module, top_def, (*outer, node)))
            stack.extend(reversed(items))
            continue
        elif t in (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp):
            inner = Scope(COMPREHENSION, scope)
            comp = node.for_in
            # The first iterable is evaluated in the enclosing scope.
            items = [(comp.iter, scope, at_module, top_def, outer)]
            rest: list[cst.CSTNode] = []
            while comp is not None:
                _bind_target(comp.target, inner, None, 0)
                if comp is not node.for_in:
                    rest.append(comp.iter)
                rest.extend(i.test for i in comp.ifs)
                comp = comp.inner_for_in
            if t is cst.DictComp:
                rest = [node.key, node.value] + rest
            else:
                rest = [node.elt] + rest
            items += [(r, inner, at_module, top_def, outer) for r in rest]
            stack.extend(reversed(items))
            continue
        elif t is cst.Import:
            for alias in node.names:
                name = _import_name(alias.name)
                if alias.asname is not None:
                    _bind_import(scope, alias.asname.name, name, order)
                else:
                    head = name.split(".")[0]
                    _bind(scope, head, order, head)
            continue
        elif t is cst.ImportFrom:
            base = _import_name(node.module) if node.module is not None else ""
            if node.relative:
                level = len(node.relative)
                if package and level <= len(package) + 1:
                    anchor = list(package[: len(package) - (level - 1)])
                    base = ".".join(anchor + ([base] if base else []))
                else:
                    base = "." * level + base
            if isinstance(node.names, cst.ImportStar):
                scope.star_imports.append(base)
                continue
            for alias in node.names:
                name = alias.name.value if type(alias.name) is cst.Name else _import_name(alias.name)
                full = f"{base}.{name}" if base and not base.endswith(".") else base + name
                _bind_import(scope, alias.asname.name if alias.asname else alias.name, full, order)
            continue
        elif t is cst.Assign:
            value = node.value
            for target in node.targets:
                if type(target.target) is cst.Attribute:
                    attr_assigns.append(AttributeAssign(node, target.target, value, scope, order))
                _bind_target(target.target, scope, value, order)
        elif t is cst.AnnAssign:
            _bind_target(node.target, scope, node.value or node.annotation.annotation, order)
        elif t is cst.AugAssign:
            _bind_target(node.target, scope, None, order)
        elif t is cst.NamedExpr:
            # A walrus in a comprehension binds in the enclosing function.
            target_scope = scope
            while target_scope.kind == COMPREHENSION and target_scope.parent is not None:
                target_scope = target_scope.parent
            _bind_target(node.target, target_scope, node.value, order)
        elif t is cst.For:
            _bind_target(node.target, scope, None, order)
        elif t is cst.WithItem:
            if node.asname is not None:
                _bind_target(node.asname.name, scope, node.item, order)
        elif t is cst.ExceptHandler:
            if node.name is not None:
                _bind_target(node.name.name, scope, None, order)
        elif t is cst.Global:
            scope.declared_global.update(item.name.value for item in node.names)
        elif t is cst.If:
            if at_module and _is_main_guard(node.test):
                main_guard = True
        elif t is cst.SimpleString:
            strings.add(node.value)
            continue
        elif t is cst.MatchAs or t is cst.MatchStar:
            if node.name is not None:
                _bind_target(node.name, scope, None, order)
        elif t is cst.Name or t is cst.Integer or t is cst.Float:
            continue
        children = _children(node)
        for child in reversed(children):
            push((child, scope, at_module, top_def, outer))
    return Walk(module_scope, calls, attr_assigns, main_guard, strings, returns)


def _bind_import(scope: Scope, name_node: cst.BaseExpression, qualified: str, order: int) -> None:
    if type(name_node) is cst.Name:
        _bind(scope, name_node.value, order, qualified)


def _binding_scope(name: str, scope: Scope, order: int | None) -> tuple[Scope, tuple[int, str | None, bool]] | None:
    """The scope that binds `name` as seen from `scope`, and the binding in
    effect: the last one before `order` while the use runs in order with the
    code (module level, class bodies, comprehensions), else the last one (a
    function body runs after the module has finished)."""
    current: Scope | None = scope
    start = True
    while current is not None:
        if current.kind == CLASS and not start:
            current = current.parent  # class bodies do not enclose their methods
            continue
        if name in current.declared_global:
            current = current.module
        entries = current.bindings.get(name)
        if entries:
            if any(q is not None for _, q, _ in entries):
                # `try: import tensorflow as tf / except ImportError: tf = None`
                entries = [e for e in entries if not e[2]] or entries
            if order is not None:
                before = [e for e in entries if e[0] < order]
                if before:
                    return current, before[-1]
            return current, entries[-1]
        if current.kind == FUNCTION:
            order = None
        current = current.parent
        start = False
    return None


def resolve_name(name: str, scope: Scope, order: int | None = None) -> str | None:
    """The qualified name `name` refers to in `scope`, or None when it is a
    local binding (which shadows any module of the same spelling) or unknown."""
    found = _binding_scope(name, scope, order)
    return found[1][1] if found else None


def resolve_expr(expr: cst.BaseExpression, scope: Scope, order: int | None = None) -> str | None:
    """Canonical qualified name of a dotted expression, or None."""
    parts = dotted(expr)
    if parts is None:
        return None
    head = resolve_name(parts[0], scope, order)
    if head is None:
        return None
    return canonical(".".join([head, *parts[1:]]))


def lookup_values(name: str, scope: Scope) -> list[cst.BaseExpression]:
    """What a non-imported name was assigned, in the scope that binds it."""
    found = _binding_scope(name, scope, None)
    if found is None or found[1][1] is not None:
        return []
    return found[0].values.get(name, [])


def module_def(name: str, scope: Scope) -> cst.FunctionDef | None:
    """The module-level `def` a plain name calls, if not shadowed on the way."""
    found = _binding_scope(name, scope, None)
    if found is None or found[0].parent is not None or found[1][1] is not None:
        return None
    return found[0].defs.get(name)


def is_bound(name: str, scope: Scope) -> bool:
    return _binding_scope(name, scope, None) is not None

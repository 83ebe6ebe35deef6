"""Where a call runs, as far as reproducibility goes (SPEC "Covered", TSL403).

- In a test harness that seeds before every test: a method of a class
  deriving from `tf.test.TestCase` (also through the file's own classes and
  the project's, see `project.TestBases`), or any function or class of a
  module whose `__main__` runs `tf.test.main()`.
- Inside `with DeterministicRandomTestTool(...).scope():`, which fixes the
  seed of every stateful TF random op.
- In input preprocessing: a function passed to `Dataset.map` / `filter` /
  `interleave` / `flat_map` / `tf.py_function` (and the functions only
  those call), or a block under `with tf.device("/cpu...")`: tf.data runs on
  the CPU, where the GPU kernels TSL403 is about never run.

`FileModel` asks; the answers only ever silence a finding.
"""
from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Callable, Iterator

import libcst as cst

from tfseedlint import catalog
from tfseedlint.scope import Scope, dotted, lookup_values, resolve_expr

if TYPE_CHECKING:
    from tfseedlint.model import Call, FileModel

#: Answers whether a project class (qualified name) derives from tf.test.TestCase.
TestBaseLookup = Callable[[str], bool]

_FUNCTIONS = (cst.FunctionDef, cst.Lambda)


def _leaf(name: str | None) -> str:
    return name.rsplit(".", 1)[-1] if name else ""


class Contexts:
    """The run-time context of the calls of one file (computed on demand)."""

    def __init__(self, model: FileModel, test_bases: TestBaseLookup | None = None) -> None:
        self._model = model
        self._test_bases = test_bases
        self._module_scope: Scope = model.walk.module_scope
        self._test_case: dict[cst.ClassDef, bool] = {}

    # ------------------------------------------------------------ test harness

    @cached_property
    def _classes(self) -> dict[str, cst.ClassDef]:
        """Module-level classes by name (for bases defined in the same file)."""
        out: dict[str, cst.ClassDef] = {}
        for stmt in self._model.module.body:
            if type(stmt) is cst.ClassDef:
                out[stmt.name.value] = stmt
        return out

    def _base_names(self, cls: cst.ClassDef) -> Iterator[tuple[cst.BaseExpression, str | None]]:
        for arg in cls.bases:
            if arg.keyword is None and not arg.star:
                yield arg.value, resolve_expr(arg.value, self._module_scope)

    def is_tf_test_case(self, cls: cst.ClassDef) -> bool:
        """Whether `cls` derives from `tf.test.TestCase` (whose `setUp` seeds)."""
        known = self._test_case.get(cls)
        if known is not None:
            return known
        self._test_case[cls] = False  # a cycle of bases proves nothing
        found = False
        for expr, name in self._base_names(cls):
            if name is None:
                local = self._classes.get(expr.value) if type(expr) is cst.Name else None
                found = local is not None and self.is_tf_test_case(local)
            elif name in catalog.TF_TEST_CASES:
                found = True
            elif name.split(".")[0] not in catalog.ROOT_MODULES and self._test_bases is not None:
                found = self._test_bases(name)
            if found:
                break
        self._test_case[cls] = found
        return found

    @cached_property
    def runs_tf_test_main(self) -> bool:
        return any(c.module_level and c.name in catalog.TF_TEST_MAINS for c in self._model.calls)

    def in_test_harness(self, call: Call) -> bool:
        """Seeded before every test: in a tf.test.TestCase method, or in any
        function or class of a module that runs `tf.test.main()`."""
        context = call.site.context
        if not context:
            return False
        if self.runs_tf_test_main and any(type(n) is not cst.With for n in context):
            return True
        return any(type(n) is cst.ClassDef and self.is_tf_test_case(n) for n in context)

    @cached_property
    def is_test_module(self) -> bool:
        """A module of tests: it runs a test main, defines a `...TestCase`
        class, or imports pytest and defines `test_*` functions (a training
        script's `test_step` is no test)."""
        if any(c.module_level and c.name in catalog.TEST_MAINS for c in self._model.calls):
            return True
        pytest = any(q.split(".")[0] == "pytest" for q in self._module_scope.imports.values())
        for stmt in self._model.module.body:
            if pytest and type(stmt) is cst.FunctionDef and stmt.name.value.startswith("test_"):
                return True
            if type(stmt) is cst.ClassDef:
                if self.is_tf_test_case(stmt):
                    return True
                for expr, name in self._base_names(stmt):
                    parts = dotted(expr)
                    if _leaf(name).endswith("TestCase") or (parts and parts[-1].endswith("TestCase")):
                        return True
        return False

    # ------------------------------------------- DeterministicRandomTestTool

    def in_deterministic_tool_scope(self, call: Call) -> bool:
        return any(type(n) is cst.With and self._opens_tool_scope(n, call.site.scope) for n in call.site.context)

    def _opens_tool_scope(self, node: cst.With, scope: Scope) -> bool:
        for item in node.items:
            expr = item.item
            if type(expr) is cst.Call and type(expr.func) is cst.Attribute and expr.func.attr.value == "scope":
                if self._is_tool(expr.func.value, scope, 0):
                    return True
        return False

    def _is_tool(self, expr: cst.BaseExpression, scope: Scope, depth: int) -> bool:
        if depth > 4:
            return False
        if type(expr) is cst.Call:
            name = resolve_expr(expr.func, scope)
            return _leaf(name) == catalog.DETERMINISTIC_RANDOM_TEST_TOOL and name.split(".")[0] in catalog.ROOT_MODULES
        if type(expr) is cst.Name:
            return any(self._is_tool(v, scope, depth + 1) for v in lookup_values(expr.value, scope))
        return False

    # ---------------------------------------------------- input preprocessing

    def in_preprocessing(self, call: Call, *, backprop_only: bool = False) -> bool:
        """Runs in input preprocessing or on the CPU only. For an op whose
        only nondeterministic kernel is its gradient (`backprop_only`), a
        function passed to tf.data may also be called elsewhere, as long as
        no gradient is taken there (not in a `GradientTape` block, a
        function that trains, or a method of a layer or model)."""
        found = self._preprocessing_functions(backprop_only)
        for node in call.site.context:
            if type(node) is cst.With:
                if self._on_cpu(node):
                    return True
            elif (type(node) is cst.Lambda or type(node) is cst.FunctionDef) and node in found:
                return True
        return False

    def _on_cpu(self, node: cst.With) -> bool:
        for item in node.items:
            expr = item.item
            if type(expr) is not cst.Call or not expr.args:
                continue
            if resolve_expr(expr.func, self._module_scope) not in catalog.DEVICE_SCOPE:
                continue
            device = expr.args[0].value
            if isinstance(device, cst.SimpleString):
                text = device.evaluated_value
                if isinstance(text, str) and "cpu" in text.lower():
                    return True
        return False

    @cached_property
    def _callbacks(self) -> set[cst.CSTNode]:
        """The function expressions passed to tf.data callbacks / py_function
        (and the lambdas that names passed there were assigned)."""
        from tfseedlint.model import MODEL, OTHER

        out: set[cst.CSTNode] = set()
        model = self._model
        for call in model.calls:
            arg = None
            if call.method in catalog.PREPROCESSING_METHODS:
                if model.receiver_kind(call) in (MODEL, OTHER):
                    continue
                arg = call.argument(catalog.PREPROCESSING_METHODS[call.method], 0)
            elif call.name in catalog.PREPROCESSING_FUNCTIONS:
                arg = call.argument(catalog.PREPROCESSING_FUNCTIONS[call.name], 0)
            if arg is None:
                continue
            value = arg.value
            # functools.partial(fn, ...) passes fn on.
            if type(value) is cst.Call and value.args and \
                    resolve_expr(value.func, call.site.scope) == catalog.PARTIAL:
                value = value.args[0].value
            out.add(value)
            if type(value) is cst.Name:  # `augment = lambda x: ...` then `.map(augment)`
                out.update(v for v in lookup_values(value.value, call.site.scope) if type(v) is cst.Lambda)
        return out

    @cached_property
    def _training_functions(self) -> set[cst.CSTNode]:
        """Functions that take gradients: a `GradientTape` or a training call inside."""
        out: set[cst.CSTNode] = set()
        for call in self._model.calls:
            if call.name == catalog.GRADIENT_TAPE or call.method in catalog.TRAINING_METHODS:
                out.update(n for n in call.site.context if type(n) is cst.FunctionDef or type(n) is cst.Lambda)
        return out

    def _gradient_taken(self, context: tuple[cst.CSTNode, ...]) -> bool:
        """Whether code in `context` may run under a gradient: in a
        `GradientTape` block, a training function or any class body."""
        for node in context:
            if type(node) is cst.ClassDef or node in self._training_functions:
                return True
            if type(node) is cst.With and any(
                    type(i.item) is cst.Call and resolve_expr(i.item.func, self._module_scope) == catalog.GRADIENT_TAPE
                    for i in node.items):
                return True
        return False

    def _preprocessing_functions(self, backprop_only: bool) -> set[cst.CSTNode]:
        key = "_relaxed" if backprop_only else "_strict"
        cached = self.__dict__.get(key)
        if cached is None:
            cached = self.__dict__[key] = self._find_preprocessing(backprop_only)
        return cached

    def _find_preprocessing(self, relaxed: bool) -> set[cst.CSTNode]:
        """Lambdas passed as callbacks, and named functions used as callbacks
        or from inside preprocessing code (least fixed point): only so, or,
        when `relaxed`, also where no gradient is taken."""
        callbacks = self._callbacks
        found: set[cst.CSTNode] = {n for n in callbacks if type(n) is cst.Lambda}
        if not callbacks:
            return found
        defs, refs = _functions_and_references(self._model.module)
        named = {name: refs.get(name, []) for name in defs}
        preprocessing_names: set[str] = set()
        changed = True
        while changed:
            changed = False
            for name, uses in named.items():
                if name in preprocessing_names:
                    continue
                anchored = [node in callbacks or self._inside(context, found) for node, context in uses]
                if not any(anchored):
                    continue
                if all(ok or (relaxed and not self._gradient_taken(context))
                       for ok, (_, context) in zip(anchored, uses)):
                    preprocessing_names.add(name)
                    found.update(defs[name])
                    changed = True
        return found

    def _inside(self, context: tuple[cst.CSTNode, ...], functions: set[cst.CSTNode]) -> bool:
        return any(n in functions or (type(n) is cst.With and self._on_cpu(n)) for n in context)


def _functions_and_references(module: cst.Module) -> tuple[
        dict[str, list[cst.FunctionDef]], dict[str, list[tuple[cst.CSTNode, tuple[cst.CSTNode, ...]]]]]:
    """Every `def` by name, and every use of those names (`name` or
    `self.name`) with the functions, classes and `with` blocks around it."""
    defs: dict[str, list[cst.FunctionDef]] = {}
    uses: list[tuple[str, cst.CSTNode, tuple[cst.CSTNode, ...]]] = []
    stack: list[tuple[cst.CSTNode, tuple[cst.CSTNode, ...]]] = [(module, ())]
    while stack:
        node, context = stack.pop()
        t = type(node)
        if t is cst.FunctionDef or t is cst.Lambda:
            if t is cst.FunctionDef:
                defs.setdefault(node.name.value, []).append(node)
                stack.extend((d, context) for d in node.decorators)
            stack.extend((p.default, context) for p in (*node.params.params, *node.params.kwonly_params,
                                                        *node.params.posonly_params) if p.default is not None)
            stack.append((node.body, (*context, node)))
            continue
        if t is cst.With:
            stack.extend((i, context) for i in node.items)
            stack.append((node.body, (*context, node)))
            continue
        if t is cst.ClassDef:
            stack.extend((n, context) for n in (*node.decorators, *node.bases, *node.keywords))
            stack.append((node.body, (*context, node)))
            continue
        if t is cst.Name:
            uses.append((node.value, node, context))
            continue
        if t is cst.Attribute:
            if type(node.value) is cst.Name and node.value.value in ("self", "cls"):
                uses.append((node.attr.value, node, context))
                continue
            stack.append((node.value, context))
            continue
        if t is cst.Param:
            if node.default is not None:
                stack.append((node.default, context))
            continue
        if t is cst.Arg:  # `map_func=` names a parameter, not a function
            stack.append((node.value, context))
            continue
        stack.extend((child, context) for child in node.children)
    refs: dict[str, list[tuple[cst.CSTNode, tuple[cst.CSTNode, ...]]]] = {}
    for name, node, context in uses:
        if name in defs:
            refs.setdefault(name, []).append((node, context))
    return defs, refs

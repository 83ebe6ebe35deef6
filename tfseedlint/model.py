"""The facts about one file that every rule shares.

`FileModel` resolves each call once (catalog name, or method and receiver
kind), finds the randomness sources and global seed calls, decides whether
the file is an entry point and which sources are covered (SPEC "Terms").
Rules only read it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Sequence

import libcst as cst

from tfseedlint import catalog
from tfseedlint.catalog import Domain
from tfseedlint.contexts import Contexts, TestBaseLookup
from tfseedlint.ftypes import Config, ProjectFact
from tfseedlint.graph import propagate
from tfseedlint.scope import (
    AttributeAssign, CallSite, Scope, Walk, dotted, is_bound, lookup_values, module_def, resolve_expr,
    resolve_name, walk,
)

#: Looks a qualified name up in the project index (`tfseedlint.project`):
#: None when the name is not the linted project's.
HelperLookup = Callable[[str], "ProjectFact | None"]

DATASET, OPTIONS, MODEL, OTHER = "dataset", "options", "model", "other"
TFDS_BUILDER = "tfds-builder"
#: The kind of an instance of a project class: this prefix, then the class's dotted name.
INSTANCE = "instance:"
#: Kinds a project function's result may have (`ProjectFact.kind`).
PROJECT_KINDS = frozenset({DATASET, OPTIONS, MODEL})
#: Where a project call's draws are reported at the call by their own rule;
#: TF / Keras draws only count for the global-seed rules (SPEC "Terms").
_PROJECT_RULES = ((Domain.NUMPY, "TSL102"), (Domain.PYTHON, "TSL104"), (Domain.TF | Domain.KERAS, None))


def find_argument(args: Sequence[cst.Arg], keyword: str | None, position: int | None) -> cst.Arg | None:
    """The argument of `args` passed for a parameter, by keyword or position;
    a later keyword wins (a call's keyword overrides its partial's)."""
    positional = 0
    found: cst.Arg | None = None
    for arg in args:
        if arg.keyword is not None:
            if arg.keyword.value == keyword:
                found = arg
        elif arg.star == "":
            if position is not None and positional == position:
                return arg
            positional += 1
    return found


#: `TF_USE_LEGACY_KERAS` set to a true value ("1", "True") anywhere in the text.
_LEGACY_KERAS = re.compile(catalog.LEGACY_KERAS_ENV + r"\W{0,8}(?:1|true)\b", re.IGNORECASE)


@dataclass(eq=False)
class Call:
    """A call with what the rules need to know about it."""

    site: CallSite
    name: str | None  # canonical API name when the callee resolves through imports
    method: str | None  # attribute name when the callee is a method of some value
    receiver: cst.BaseExpression | None
    #: arguments a `functools.partial` object passes ahead of the call's own
    #: (`name` is then the partial's API).
    bound: tuple[cst.Arg, ...] = ()

    @property
    def node(self) -> cst.Call:
        return self.site.node

    @property
    def order(self) -> int:
        return self.site.order

    @property
    def module_level(self) -> bool:
        return self.site.module_level

    def argument(self, keyword: str | None, position: int | None) -> cst.Arg | None:
        """The argument passed for a parameter, by keyword or position."""
        return find_argument((*self.bound, *self.node.args), keyword, position)

    @property
    def has_star_args(self) -> bool:
        return any(arg.star for arg in (*self.bound, *self.node.args))

    def may_pass(self, position: int | None) -> bool:
        """Whether `*args` / `**kwargs` may carry a parameter at `position`
        (None: keyword-only, which only `**kwargs` can carry)."""
        stars = {arg.star for arg in (*self.bound, *self.node.args)}
        return "**" in stars or (position is not None and "*" in stars)


@dataclass(eq=False)
class Source:
    """A call that draws randomness without a seed of its own."""

    call: Call
    api: str
    domain: Domain
    rule: str | None  # the per-source rule that reports it (None: layers, fit)
    #: a call of a project function: (API, "path:line") of what it draws.
    site: tuple[str, str] | None = None

    @property
    def project(self) -> bool:
        """Whether it is a call of a function of the linted project."""
        return self.site is not None


@dataclass(eq=False)
class SeedCall:
    call: Call
    name: str  # the API or helper called
    domain: Domain


def is_none(expr: cst.BaseExpression) -> bool:
    return type(expr) is cst.Name and expr.value == "None"


def is_false(expr: cst.BaseExpression) -> bool:
    return type(expr) is cst.Name and expr.value == "False"


def is_zero(expr: cst.BaseExpression) -> bool:
    return type(expr) is cst.Integer and expr.evaluated_value == 0


def string_value(expr: cst.BaseExpression) -> str | None:
    if isinstance(expr, cst.SimpleString):
        value = expr.evaluated_value
        return value if isinstance(value, str) else None
    return None


def covered_by(seeds: Sequence[SeedCall], source: Source) -> bool:
    """SPEC "Covered" by these global seed calls of the source's domain: any
    of them, unless the source is module-level and comes before the first
    module-level one."""
    if not seeds:
        return False
    if not source.call.module_level:
        return True
    module_seeds = [s.call.order for s in seeds if s.call.module_level]
    return not module_seeds or min(module_seeds) < source.call.order


class FileModel:
    """Everything the rules read about one parsed file."""

    def __init__(self, module: cst.Module, config: Config, *, notebook: bool = False,
                 package: Sequence[str] = (), helpers: HelperLookup | None = None,
                 raw_text: str = "", test_bases: TestBaseLookup | None = None,
                 module_name: str = "", env_lines: frozenset[int] = frozenset()) -> None:
        self.module = module
        self.config = config
        self.notebook = notebook
        self._helpers = helpers
        #: the file's dotted module name in the project, when known (summaries).
        self.module_name = module_name
        self._kinds: dict[tuple[int, int, bool], tuple[str | None, tuple[str, ...]]] = {}
        self._facts: dict[str, ProjectFact | None] = {}
        #: the text as written ("" when not given), for cheap text checks.
        self.raw_text = raw_text
        #: lines of a notebook's `%env` magics (blank in `module`), for fixes.
        self.env_lines = env_lines
        self.walk: Walk = walk(module, package)
        self.calls: list[Call] = [self._classify(site) for site in self.walk.calls]
        #: where calls run: test harnesses, seeded test scopes, preprocessing.
        self.contexts = Contexts(self, test_bases)

    # ------------------------------------------------------------ resolution

    def _classify(self, site: CallSite) -> Call:
        func = site.node.func
        name = resolve_expr(func, site.scope, site.order)
        if name is None and type(func) is cst.Name and not is_bound(func.value, site.scope):
            name = self._star_imported(func.value)
        if name is not None:
            return Call(site, name, None, None)
        if type(func) is cst.Attribute:
            return Call(site, None, func.attr.value, func.value)
        if type(func) is cst.Name:
            partial = self._partial(func.value, site.scope)
            if partial is not None:
                return Call(site, partial[0], None, None, partial[1])
        return Call(site, None, None, None)

    def _partial(self, name: str, scope: Scope) -> tuple[str, tuple[cst.Arg, ...]] | None:
        """The API and bound arguments of a name assigned
        `functools.partial(api, ...)` (every assignment of it, to one API)."""
        found: tuple[str, tuple[cst.Arg, ...]] | None = None
        for value in lookup_values(name, scope):
            if type(value) is not cst.Call or resolve_expr(value.func, scope) != catalog.PARTIAL:
                return None
            args = value.args
            if not args or args[0].keyword is not None or args[0].star:
                return None
            api = resolve_expr(args[0].value, scope)
            if api is None or (found is not None and found[0] != api):
                return None
            found = (api, tuple(args[1:]))
        return found

    def _star_imported(self, name: str) -> str | None:
        """`from numpy.random import *` makes `rand` mean numpy.random.rand."""
        for module in self.walk.module_scope.star_imports:
            candidate = catalog.canonical(f"{module}.{name}")
            if candidate in catalog.SEEDABLES or candidate in catalog.GLOBAL_SEEDS:
                return candidate
        return None

    def project(self, name: str | None) -> ProjectFact | None:
        """The project index's fact for a resolved name (None: not the project's)."""
        if name is None or self._helpers is None or name.split(".")[0] in catalog.ROOT_MODULES:
            return None
        if name not in self._facts:
            self._facts[name] = self._helpers(name)
        return self._facts[name]

    def kind_of(self, expr: cst.BaseExpression, scope: Scope, depth: int = 0,
                refs: list[str] | None = None) -> str | None:
        """What a value is known to be: a tf.data Dataset, Options, a Keras
        model, or an instance of a project class (`INSTANCE` + its name).
        With `refs`, a call of a name that is not a library's is recorded
        there instead of being judged (summaries of project files)."""
        # Memoized: names are traced through their values, receivers
        # through their chains, and many calls share them.
        key = (id(expr), id(scope), refs is not None)
        known = self._kinds.get(key)
        if known is not None:
            if refs is not None:
                refs.extend(known[1])
            return known[0]
        self._kinds[key] = (None, ())  # a value defined through itself is not known
        found: list[str] | None = [] if refs is not None else None
        kind = self._kind_of(expr, scope, depth, found)
        self._kinds[key] = (kind, tuple(found or ()))
        if refs is not None and found:
            refs.extend(found)
        return kind

    def _kind_of(self, expr: cst.BaseExpression, scope: Scope, depth: int,
                 refs: list[str] | None) -> str | None:
        if depth > 12:
            return None
        t = type(expr)
        if t is cst.Call:
            name = resolve_expr(expr.func, scope)
            if name is not None:
                if name in catalog.DATASET_SOURCES or name.startswith(catalog.DATASET_SOURCES_PREFIX):
                    return DATASET
                if name == catalog.DATA_OPTIONS:
                    return OPTIONS
                if name in catalog.KERAS_MODELS:
                    return MODEL
                if name.split(".")[0] == catalog.TFDS_ROOT:
                    return TFDS_BUILDER  # `tfds.builder(...)`, a builder class: their `as_dataset`
                if name.split(".")[0] in catalog.ROOT_MODULES:
                    return None
                if refs is not None:
                    refs.append(name)
                    return None
                fact = self.project(name)
                if fact is not None:  # the project's own: traced, never "another library"
                    return _fact_kind(fact)
                # Made by another library (an sklearn estimator, a pandas frame):
                # its `.fit` / `.shuffle` are not Keras' or tf.data's.
                return OTHER
            func = expr.func
            if type(func) is cst.Name:
                # A function or class of this file.
                local = module_def(func.value, scope)
                if local is not None:
                    return self._local_kind(local.name.value, depth, refs)
                if func.value in self.walk.module_scope.classes and _binding_is_module(func.value, scope):
                    return self._local_kind(func.value, depth, refs)
            if type(func) is cst.Attribute:
                inner = self.kind_of(func.value, scope, depth + 1, refs)
                method = func.attr.value
                if inner == DATASET and method in catalog.DATASET_METHODS:
                    return DATASET
                if inner == DATASET and method == "options":
                    return OPTIONS
                if method == "as_dataset" and (inner == TFDS_BUILDER or (inner is None and self.imports_tfds)):
                    return DATASET
                if inner is not None and inner.startswith(INSTANCE):
                    cls = inner[len(INSTANCE):]
                    if refs is not None:
                        refs.append(f"{cls}.{method}")
                        return None
                    fact = self.project(f"{cls}.{method}")
                    return _fact_kind(fact) if fact is not None else None
            return None
        if t is cst.Name:
            for value in lookup_values(expr.value, scope):
                kind = self.kind_of(value, scope, depth + 1, refs)
                if kind is not None:
                    return kind
            return None
        if t is cst.Subscript and self.kind_of(expr.value, scope, depth + 1, refs) == DATASET:
            return DATASET  # `tfds.load(name)["train"]`: a dict of datasets
        if t is cst.Attribute or t is cst.Subscript:
            # A parameter annotated `tf.data.Dataset`, or `Optional[...]` of it.
            name = resolve_expr(expr, scope) if t is cst.Attribute else None
            if name == "tensorflow.data.Dataset":
                return DATASET
            if name == catalog.DATA_OPTIONS:
                return OPTIONS
        return None

    def _local_kind(self, name: str, depth: int, refs: list[str] | None) -> str | None:
        """The kind of what this file's function (or class) `name` returns."""
        if refs is not None:
            refs.append(f"{self.module_name}.{name}" if self.module_name else name)
            return None
        if name in self.walk.module_scope.classes:
            return self.local_class_kinds.get(name)
        for site in self.walk.returns:
            if site.owner == name:
                kind = self.kind_of(site.value, site.scope, depth + 1)
                if kind is not None:
                    return kind
        return None

    @cached_property
    def local_class_kinds(self) -> dict[str, str]:
        """Module-level classes of this file: Keras models, else instances
        (left out: a class with a base of the project's whose kind is not
        known, which may be a model)."""
        out: dict[str, str] = {}
        for name, node in self.walk.module_scope.classes.items():
            kind: str | None = INSTANCE + (f"{self.module_name}.{name}" if self.module_name else name)
            for base in node.bases:
                based = resolve_expr(base.value, self.walk.module_scope)
                fact = self.project(based)
                if based in catalog.KERAS_MODELS or (fact is not None and fact.kind == MODEL):
                    kind = MODEL
                    break
                if fact is not None and fact.kind is None:
                    kind = None
            if kind is not None:
                out[name] = kind
        return out

    def receiver_kind(self, call: Call) -> str | None:
        if call.receiver is None:
            return None
        return self.kind_of(call.receiver, call.site.scope)

    @cached_property
    def _imported_roots(self) -> frozenset[str]:
        """Top-level packages the file imports (in any scope that calls something)."""
        scopes = {id(site.scope): site.scope for site in self.walk.calls}
        scopes[id(self.walk.module_scope)] = self.walk.module_scope
        return frozenset(q.split(".")[0] for scope in scopes.values() for q in scope.imports.values())

    @cached_property
    def imports_tf_or_keras(self) -> bool:
        return not self._imported_roots.isdisjoint(("tensorflow", "keras", "tf_keras"))

    @cached_property
    def imports_tensorflow(self) -> bool:
        """SPEC "Backend": a file that imports `keras` but not TensorFlow may
        run on JAX or PyTorch, where TF's op determinism means nothing."""
        return "tensorflow" in self._imported_roots

    @cached_property
    def legacy_keras(self) -> bool:
        """SPEC "Legacy Keras": tf_keras imported, or `TF_USE_LEGACY_KERAS` on."""
        return "tf_keras" in self._imported_roots or _LEGACY_KERAS.search(self.raw_text) is not None

    @property
    def keras_seed_call(self) -> str:
        """How this file should spell the Keras global seed."""
        return "tf.keras.utils.set_random_seed" if self.imports_tensorflow else "keras.utils.set_random_seed"

    # -------------------------------------------------------- seeds & sources

    def is_seeded(self, call: Call, entry: catalog.Seedable) -> bool:
        """Whether a seedable call is given a seed (`seed=None` is no seed)."""
        if entry.seed_param is None:
            return False
        arg = call.argument(entry.seed_param, entry.seed_pos)
        if arg is None:
            # `**kwargs` / `*args` may carry a seed: give the benefit of the doubt.
            return call.may_pass(entry.seed_pos)
        if is_none(arg.value):
            return False
        if entry.zero_is_random and is_zero(arg.value):
            return False
        return True

    @cached_property
    def sources(self) -> list[Source]:
        """Every unseeded randomness source, in textual order."""
        out: list[Source] = []
        for call in self.calls:
            source = self._source(call)
            if source is not None:
                out.append(source)
            elif self._helpers is not None:
                out.extend(self._project_sources(call))
        return out

    def project_callee(self, call: Call) -> tuple[str, ProjectFact] | None:
        """The project function, class or method a call runs, with its fact."""
        if call.name is not None:
            fact = self.project(call.name)
            return (call.name, fact) if fact is not None else None
        if call.method is not None and call.receiver is not None:
            kind = self.receiver_kind(call)
            if kind is not None and kind.startswith(INSTANCE):
                name = f"{kind[len(INSTANCE):]}.{call.method}"
                fact = self.project(name)
                return (name, fact) if fact is not None else None
        return None

    def _project_sources(self, call: Call) -> list[Source]:
        """A call of a project function that draws: a source of each domain
        it draws, placed at the call (SPEC "Terms")."""
        callee = self.project_callee(call)
        if callee is None or not callee[1].draws:
            return []
        name, fact = callee
        draws = Domain(fact.draws) & ~Domain(fact.seeds)
        out = []
        for domain, rule in _PROJECT_RULES:
            part = draws & domain
            if part:
                site = fact.site(part.value) or ("?", "?")
                out.append(Source(call, name, part, rule, site))
        return out

    def _source(self, call: Call) -> Source | None:
        if call.name is not None:
            if call.name in catalog.NONDETERMINISTIC_GENERATORS:
                if call.name.endswith("get_global_generator") and self._sets_global_generator:
                    return None
                return Source(call, call.name, Domain.NONE, "TSL103")
            entry = catalog.SEEDABLES.get(call.name)
            if entry is not None:
                if self.is_seeded(call, entry):
                    return None
                if entry.switch is not None and not self.switched_on(call, entry.switch):
                    return None
                domain = entry.domain
                if self.legacy_keras and call.name in catalog.LEGACY_TF_SEEDED_LAYERS:
                    domain = Domain.TF  # legacy Keras draws them through TF ops
                return Source(call, entry.name, domain, entry.rule)
            if call.name == catalog.TFDS_LOAD:
                return self._tfds_source(call, call.name)
            if call.name in catalog.SHUFFLING_UTILITIES:
                util = catalog.SHUFFLING_UTILITIES[call.name]
                if self.utility_shuffles_unseeded(call, util):
                    return Source(call, call.name, Domain.NUMPY, "TSL204")
                return None
            if call.name in catalog.WEIGHT_LAYERS and self._layer_draws_weights(call):
                return Source(call, call.name, Domain.KERAS, None)
            if call.name in catalog.TF1_WEIGHT_LAYERS and self._layer_draws_weights(call):
                return Source(call, call.name, Domain.TF, None)
            return None
        if call.method is not None:
            entry = catalog.DATASET_SEEDED_METHODS.get(call.method)
            if entry is not None and self.receiver_kind(call) == DATASET and not self.is_seeded(call, entry):
                return Source(call, entry.name, entry.domain, entry.rule)
            if call.method == "fit" and self._fit_shuffles(call):
                return Source(call, "keras.Model.fit", Domain.TF, None)
            if call.method == "as_dataset" and self._is_tfds_builder(call):
                return self._tfds_source(call, catalog.TFDS_AS_DATASET)
        return None

    def switched_on(self, call: Call, switch: catalog.Switch) -> bool:
        """Whether a call may draw: its switch is not given `False` (an
        expression counts as maybe true; `None` means the default)."""
        arg = call.argument(switch.param, switch.pos)
        if arg is None:
            return switch.default or call.may_pass(switch.pos)
        if is_none(arg.value):
            return switch.default
        return not is_false(arg.value)

    # ---------------------------------------------------- TensorFlow Datasets

    @cached_property
    def imports_tfds(self) -> bool:
        return any(q.split(".")[0] == "tensorflow_datasets" for site in self.walk.calls
                   for q in site.scope.imports.values()) or any(
            q.split(".")[0] == "tensorflow_datasets" for q in self.walk.module_scope.imports.values())

    def _is_tfds_builder(self, call: Call) -> bool:
        """`as_dataset` on a TFDS builder, or on an unknown value in a file
        that imports TFDS (a builder passed in or made by a project function)."""
        kind = self.receiver_kind(call)
        return kind == TFDS_BUILDER or (kind is None and self.imports_tfds)

    def _tfds_source(self, call: Call, api: str) -> Source | None:
        if not self.switched_on(call, catalog.TFDS_SHUFFLE) or self.tfds_shuffle_seeded(call):
            return None
        return Source(call, api, Domain.NONE, "TSL206")

    def read_config_call(self, call: Call) -> cst.Call | None:
        """The `tfds.ReadConfig(...)` written as the call's `read_config`."""
        arg = call.argument(catalog.TFDS_READ_CONFIG, None)
        if arg is None or type(arg.value) is not cst.Call:
            return None
        value = arg.value
        return value if resolve_expr(value.func, call.site.scope) in catalog.TFDS_READ_CONFIG_CLASS else None

    def tfds_shuffle_seeded(self, call: Call) -> bool:
        """Whether the call's `read_config` sets a `shuffle_seed` (a config
        that is not written out, a parameter say, is given the benefit of
        the doubt)."""
        arg = call.argument(catalog.TFDS_READ_CONFIG, None)
        if arg is None:
            return call.may_pass(None)
        if is_none(arg.value):
            return False
        configs: list[cst.BaseExpression] = [arg.value]
        if type(arg.value) is cst.Name:
            if any(a.target.attr.value == catalog.TFDS_SHUFFLE_SEED[0] and dotted(a.target.value) == [arg.value.value]
                   for a in self.walk.attribute_assigns):
                return True  # `config.shuffle_seed = 42`
            configs = list(lookup_values(arg.value.value, call.site.scope)) or configs
        for config in configs:
            if type(config) is not cst.Call or resolve_expr(config.func, call.site.scope) \
                    not in catalog.TFDS_READ_CONFIG_CLASS:
                return True
            seed = find_argument(config.args, *catalog.TFDS_SHUFFLE_SEED)
            if (seed is not None and not is_none(seed.value)) or any(a.star for a in config.args):
                return True
        return False

    @cached_property
    def _training_inputs(self) -> list[tuple[cst.BaseExpression, Scope]]:
        """What `fit` trains on: its first argument (or `x=`)."""
        out = []
        for call in self.calls:
            if call.method == "fit" and self.receiver_kind(call) in (MODEL, None):
                arg = call.argument("x", 0)
                if arg is not None:
                    out.append((arg.value, call.site.scope))
        return out

    def reaches_training(self, call: Call) -> bool:
        """Whether what `call` returns is what `fit` trains on: directly, or
        through names, dataset methods, tf.data constructors and the file's
        own functions (their returns, or an argument passed through them).
        A value returned by a function used in ways the file does not show
        (a method, a function passed on) may reach training: in a file that
        trains, it counts as doing so."""
        if any(self._made_by(expr, scope, call.node, 0) for expr, scope in self._training_inputs):
            return True
        return self.trains and self._returned_out_of_sight(call)

    def _returned_out_of_sight(self, call: Call) -> bool:
        functions = [n for n in call.site.context if type(n) is cst.FunctionDef]
        if not functions:
            return False
        func = functions[-1]
        if not any(self._made_by(v, call.site.scope, call.node, 0) for v in _returned(func)):
            return False  # consumed where it is made
        if func is not call.site.top_def:
            return True  # a method or nested function: its callers are not traced
        name = func.name.value
        traced = {id(c.node.func) for c in self.calls
                  if type(c.node.func) is cst.Name and c.node.func.value == name
                  and module_def(name, c.site.scope) is func}
        # Every other mention (`Class.method = make`, `map(make, ...)`) hands it on unseen.
        return any(id(node) not in traced for node in _mentions(self.module, name))

    def _made_by(self, expr: cst.BaseExpression, scope: Scope, target: cst.Call, depth: int) -> bool:
        if depth > 12:
            return False
        if expr is target:
            return True
        t = type(expr)
        if t is cst.Name:
            return any(self._made_by(v, scope, target, depth + 1) for v in lookup_values(expr.value, scope))
        if t is cst.Subscript:  # `splits[0]`
            return self._made_by(expr.value, scope, target, depth + 1)
        if t is cst.Tuple or t is cst.List:
            return any(self._made_by(e.value, scope, target, depth + 1) for e in expr.elements)
        if t is not cst.Call:
            return False
        func = expr.func
        if type(func) is cst.Attribute and func.attr.value in catalog.DATASET_METHODS:
            return self._made_by(func.value, scope, target, depth + 1)
        name = resolve_expr(func, scope)
        local = module_def(func.value, scope) if type(func) is cst.Name else None
        if local is not None:
            inner = self._def_scopes.get(local, scope)
            if any(self._made_by(v, inner, target, depth + 1) for v in _returned(local)):
                return True
        elif not (name or "").startswith("tensorflow.data."):
            return False
        return any(self._made_by(a.value, scope, target, depth + 1) for a in expr.args)

    @cached_property
    def _def_scopes(self) -> dict[cst.FunctionDef, Scope]:
        """The body scope of each module-level function that calls something."""
        out: dict[cst.FunctionDef, Scope] = {}
        for site in self.walk.calls:
            top = site.top_def
            if top is not None and top not in out and site.context and site.context[0] is top:
                scope = site.scope
                while scope.parent is not None and scope.parent.parent is not None:
                    scope = scope.parent  # up to the function's own scope
                out[top] = scope
        return out

    def utility_shuffles_unseeded(self, call: Call, util: catalog.ShufflingUtility) -> bool:
        if call.has_star_args:
            return False
        seed = call.argument("seed", util.seed_pos)
        if seed is not None and not is_none(seed.value):
            return False
        shuffle = call.argument("shuffle", util.shuffle_pos)
        if shuffle is None:
            return util.shuffle_default
        return not is_false(shuffle.value)

    def has_validation_split(self, call: Call) -> bool:
        arg = call.argument("validation_split", None)
        return arg is not None and not is_none(arg.value)

    def _layer_draws_weights(self, call: Call) -> bool:
        """A weight layer draws its initial weights unless its initializer is
        given: a call there is judged on its own, a string only when random,
        `None` is the default."""
        name = call.name or ""
        keyword = (catalog.WEIGHT_LAYERS.get(name) or catalog.TF1_WEIGHT_LAYERS[name])[0]
        arg = call.argument(keyword, None)
        if arg is None:
            return not call.has_star_args
        if is_none(arg.value):
            return True
        text = string_value(arg.value)
        if text is not None:
            return text not in catalog.CONSTANT_INITIALIZERS
        return False

    def _fit_shuffles(self, call: Call) -> bool:
        shuffle = call.argument("shuffle", None)
        if shuffle is not None and is_false(shuffle.value):
            return False
        kind = self.receiver_kind(call)
        # A model made by a project function is one in any file; an
        # untraced receiver only in a file that uses TF / Keras.
        return kind == MODEL or (kind is None and self.imports_tf_or_keras)

    @cached_property
    def seed_calls(self) -> list[SeedCall]:
        """Global seed calls (library ones and project helpers), textual order."""
        out = []
        configured = set(self.config.seed_functions)
        for call in self.calls:
            domain = self._seed_domain(call, configured)
            if domain:
                out.append(SeedCall(call, call.name or _callee_text(call), domain))
        return out

    def _seed_domain(self, call: Call, configured: set[str]) -> Domain:
        name = call.name
        if name is not None and name in catalog.GLOBAL_SEEDS:
            return catalog.GLOBAL_SEEDS[name]
        text = _callee_text(call)
        if text and (text in configured or (name and name in configured)
                     or text.rsplit(".", 1)[-1] in configured):
            return catalog.ALL_DOMAINS
        func = call.node.func
        if type(func) is cst.Name:
            local = module_def(func.value, call.site.scope)
            if local is not None:
                return self.helper_domains.get(local, Domain.NONE)
        fact = self.project(name)
        return Domain(fact.seeds) if fact is not None else Domain.NONE

    @cached_property
    def helper_domains(self) -> dict[cst.FunctionDef, Domain]:
        """What each module-level function of this file seeds, transitively."""
        direct: dict[cst.FunctionDef, Domain] = {}
        edges: dict[cst.FunctionDef, set[cst.FunctionDef]] = {}
        for call in self.calls:
            top = call.site.top_def
            if top is None:
                continue
            name = call.name
            domain = catalog.GLOBAL_SEEDS.get(name or "", Domain.NONE)
            if not domain:
                fact = self.project(name)
                domain = Domain(fact.seeds) if fact is not None else Domain.NONE
            if domain:
                direct[top] = direct.get(top, Domain.NONE) | domain
            func = call.node.func
            if type(func) is cst.Name:
                target = module_def(func.value, call.site.scope)
                if target is not None and target is not top:
                    edges.setdefault(top, set()).add(target)
        return propagate(direct, edges)

    def seeds_for(self, domain: Domain) -> list[SeedCall]:
        return [s for s in self.seed_calls if s.domain & domain]

    # ---------------------------------------------------------- entry points

    @cached_property
    def is_entry_point(self) -> bool:
        if self.notebook or self.walk.has_main_guard:
            return True
        return any(s.call.module_level for s in self.sources)

    @cached_property
    def _sets_global_generator(self) -> bool:
        return any(c.name in catalog.SET_GLOBAL_GENERATOR for c in self.calls)

    def covered(self, source: Source) -> bool:
        """SPEC "Covered": a seed of its domain anywhere in the file, unless the
        source is module-level and comes before the first module-level one;
        or a test harness / `DeterministicRandomTestTool` scope seeds it."""
        if not source.domain:
            return False  # RNG constructors: no seed reaches them
        if self.contexts.in_test_harness(source.call):
            return True
        if not source.domain & ~Domain.TF and self.contexts.in_deterministic_tool_scope(source.call):
            return True
        return covered_by(self.seeds_for(source.domain), source)

    def reportable(self, source: Source) -> bool:
        """The policy of the "not covered, in an entry point" rules."""
        if self.config.strict:
            return True
        return self.is_entry_point and not self.covered(source)

    def sources_for(self, rule: str) -> list[Source]:
        return [s for s in self.sources if s.rule == rule]

    # ------------------------------------------------------------ op determinism

    @cached_property
    def enables_op_determinism(self) -> bool:
        if any(c.name in catalog.OP_DETERMINISM for c in self.calls):
            return True
        return catalog.DETERMINISM_ENV in self.raw_text or any(
            catalog.DETERMINISM_ENV in s for s in self.walk.strings)

    def gpu_op_calls(self) -> list[tuple[Call, catalog.GpuOp]]:
        """Calls of GPU-nondeterministic ops (with their argument conditions met)."""
        out = []
        for call in self.calls:
            if call.name is None:
                continue
            op = catalog.gpu_op(call.name)
            if op is None:
                continue
            if op.when is not None and not self._condition_holds(call, op.when):
                continue
            out.append((call, op))
        return out

    def _condition_holds(self, call: Call, when: tuple[str, int | None, tuple[str, ...], str]) -> bool:
        keyword, position, values, default = when
        arg = call.argument(keyword, position)
        if arg is None:
            return default in values
        text = string_value(arg.value)
        if text is None:
            parts = dotted(arg.value)
            text = ".".join(parts[-2:]) if parts else None
            if text is not None and text not in values:
                text = parts[-1] if parts else None
        return text is not None and text in values

    @cached_property
    def trains(self) -> bool:
        """`.fit(`, `apply_gradients`, `minimize`... or `tf.GradientTape` in a
        TF / Keras file; building or calling a model is not training."""
        if not self.imports_tf_or_keras:
            return False
        return any((c.method in catalog.TRAINING_METHODS and self.receiver_kind(c) in (MODEL, None))
                   or c.name == catalog.GRADIENT_TAPE for c in self.calls)


def _returned(func: cst.FunctionDef) -> list[cst.BaseExpression]:
    """The values `func`'s own `return` statements give (nested defs aside)."""
    out: list[cst.BaseExpression] = []
    stack: list[cst.CSTNode] = [func.body]
    while stack:
        node = stack.pop()
        t = type(node)
        if t is cst.Return:
            if node.value is not None:
                out.append(node.value)
        elif t is not cst.FunctionDef and t is not cst.ClassDef and t is not cst.Lambda:
            stack.extend(node.children)
    return out


def _mentions(module: cst.Module, name: str) -> list[cst.Name]:
    """Every `Name` node spelling `name` (a def's own name and parameters aside)."""
    out: list[cst.Name] = []
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        t = type(node)
        if t is cst.Name:
            if node.value == name:
                out.append(node)
        elif t is cst.FunctionDef:
            stack.extend((node.params, node.body, *node.decorators))
        elif t is cst.Param:
            if node.default is not None:
                stack.append(node.default)
        elif t is cst.Arg:
            stack.append(node.value)
        elif t is cst.Attribute:
            stack.append(node.value)
        else:
            stack.extend(node.children)
    return out


def _fact_kind(fact: ProjectFact) -> str | None:
    if fact.kind == "instance" and fact.cls:
        return INSTANCE + fact.cls
    return fact.kind if fact.kind in PROJECT_KINDS else None


def _binding_is_module(name: str, scope: Scope) -> bool:
    """Whether `name` seen from `scope` is bound at module level (a class there)."""
    current: Scope | None = scope
    while current is not None:
        if current.parent is None:
            return True
        if current.kind != "class" and name in current.bindings:
            return False
        current = current.parent
    return True


def _callee_text(call: Call) -> str:
    parts = dotted(call.node.func)
    return ".".join(parts) if parts else ""


__all__ = ["Call", "FileModel", "SeedCall", "Source", "AttributeAssign", "resolve_name"]

"""Decide cheaply, before LibCST, whether a file can have findings at all.

Parsing with LibCST costs about eight times CPython's own parser, and most
files of a large code base call nothing the rules look at. `Screen.needs_lint`
answers False only when the engine would report nothing, so skipping a file
changes no output. It reasons from what every finding needs:

- TSL001: the file does not parse. A file that CPython does not compile goes
  to the engine, which decides and reports it as it always does;
- TSL203: `deterministic=False` as a keyword, or an attribute named
  `deterministic` / `experimental_deterministic` assigned `False`;
- every other rule: a call that resolves to a catalog API (through the
  file's imports, with `catalog.canonical`, as the engine resolves it), or a
  `fit` / `shuffle` / ... method call in a file that imports TF or Keras;
- the rules that report only in entry points (SPEC "Terms") also need a
  notebook, a `__main__` guard or a randomness source called at module level;
  a seedable call given a seed is no source;
- a call of a function of the linted project that seeds, draws or returns
  a model, dataset or options (the project index says which) may make any of
  them report: a file that imports from the project and calls such a name
  is linted.

In order of cost: a regex over the text looks for the last components
("leaves") of those names in front of `(` (or `as`, for an import under
another name); `canonical` never changes the last component of a name, so a
file without one only needs to compile. Otherwise CPython's `ast` gives the
imports and which lines run at module level, the dotted name in front of each
leaf is read from the text and resolved, and only if seeded calls could
decide the answer is the whole tree walked for their arguments. A script
(`__main__` or a notebook) that imports TF / Keras / NumPy is linted at once.

The resolution here is looser than the engine's (it ignores shadowing and
uses every import of a name in any scope), so it can only say yes more
often. Each rule code declares below what triggers it; tests check that
every rule code is declared and compare the screen with the engine on every
rule example, on typical scripts and on variants of them.
"""
from __future__ import annotations

import ast
import bisect
import re
import warnings
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

from tfseedlint import catalog
from tfseedlint.ftypes import Config, ProjectFact

#: What may stand between a name and its `(` (or `as`): whitespace, line
#: continuations, comments, closing parentheses (`(np.random.rand)(3)`).
#: Possessive, so that a line of `#####` cannot make the regex backtrack.
_GAP = r"(?:[\s\\)]|#[^\n]*+)*+"
#: A keyword or an assignment target named (experimental_)deterministic.
_DETERMINISTIC = re.compile(r"deterministic" + _GAP + r"=(?!=)")
#: An import of the libraries the rules know, at the start of a line.
_SCRIPT_IMPORT = re.compile(r"^[ \t]*(?:import|from)[ \t]+(?:tensorflow|keras|tf_keras|numpy|random)\b", re.M)
#: Methods the engine only traces when the file imports TF / Keras (or TFDS,
#: whose builders' `as_dataset` it traces).
_TF_ROOTS = frozenset({"tensorflow", "keras", "tf_keras", "tensorflow_datasets"})


def leaf(name: str) -> str:
    return name.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class Trigger:
    """Calls that can make one rule report."""

    #: canonical catalog names, called (or imported and called under an alias).
    names: frozenset[str] = frozenset()
    #: method names, called on any receiver.
    methods: frozenset[str] = frozenset()
    #: False: reported only in entry points (unless `strict`).
    everywhere: bool = False
    #: Text the file must also contain (`seed` for TSL303's keyword ...).
    needs: str = ""
    #: Names of which one must also be called (TSL404's Keras sources).
    also: frozenset[str] = frozenset()
    #: `names` count only as randomness sources: a call given a seed does not.
    sources: bool = True


def _seedables(rule: str, *, zero_is_random: bool | None = None) -> frozenset[str]:
    """The catalog's sources of `rule`, and `functools.partial` (a partial
    object of one of them is called under a name of the file's own)."""
    return frozenset(s.name for s in catalog.SEEDABLES.values()
                     if s.rule == rule and (zero_is_random is None or s.zero_is_random == zero_is_random)
                     ) | {catalog.PARTIAL}


def _methods(rule: str) -> frozenset[str]:
    return frozenset(m for m, s in catalog.DATASET_SEEDED_METHODS.items() if s.rule == rule)


def source_names() -> frozenset[str]:
    """Every API whose call can be a randomness source (a `functools.partial`
    object of one included: the partial is called before it)."""
    return (frozenset(catalog.SEEDABLES) | catalog.NONDETERMINISTIC_GENERATORS
            | frozenset(catalog.SHUFFLING_UTILITIES) | frozenset(catalog.WEIGHT_LAYERS)
            | frozenset(catalog.TF1_WEIGHT_LAYERS)
            | {catalog.TFDS_LOAD, catalog.PARTIAL})


#: Methods whose call can be a randomness source (`Dataset.shuffle`,
#: `Model.fit`, a TFDS builder's `as_dataset`).
SOURCE_METHODS = frozenset(catalog.DATASET_SEEDED_METHODS) | {"fit", "as_dataset"}


def _gpu_names(target: str | None, *, lacking_only: bool) -> frozenset[str]:
    ops = {name for name, op in catalog.GPU_OPS.items()
           if not lacking_only or catalog.lacks_deterministic_kernel(op, target)}
    return frozenset(ops | {alias for alias, name in catalog.GPU_OP_ALIASES.items() if name in ops})


def triggers(config: Config) -> dict[str, tuple[Trigger, ...]]:
    """Per rule code, the calls that can make it report. TSL001 (syntax) and
    TSL203 (`deterministic = False`) are decided apart."""
    keras_sources = frozenset([s.name for s in catalog.SEEDABLES.values() if s.domain & catalog.Domain.KERAS]
                              + list(catalog.WEIGHT_LAYERS) + [catalog.PARTIAL])
    utilities = frozenset(catalog.SHUFFLING_UTILITIES)
    return {
        "TSL001": (),
        "TSL101": (Trigger(_seedables("TSL101")),
                   Trigger(_seedables("TSL101", zero_is_random=True), everywhere=True)),
        "TSL102": (Trigger(_seedables("TSL102")),),
        "TSL103": (Trigger(_seedables("TSL103") | catalog.NONDETERMINISTIC_GENERATORS, everywhere=True),),
        "TSL104": (Trigger(_seedables("TSL104")),),
        "TSL105": (Trigger(_seedables("TSL105")),),
        "TSL201": (Trigger(methods=_methods("TSL201")),),
        "TSL202": (Trigger(_seedables("TSL202")),),
        "TSL203": (),
        "TSL204": (Trigger(utilities), Trigger(utilities, everywhere=True, needs="validation_split")),
        "TSL205": (Trigger(_seedables("TSL205"), _methods("TSL205")),),
        "TSL206": (Trigger(frozenset({catalog.TFDS_LOAD, catalog.PARTIAL}), frozenset({"as_dataset"}),
                           everywhere=True, needs="shuffle_files"),),
        "TSL207": (Trigger(_seedables("TSL207")),),
        "TSL301": (Trigger(_seedables("TSL301")),),
        "TSL302": (Trigger(_seedables("TSL302")),),
        "TSL303": (Trigger(catalog.NO_SEED_PARAMETER, everywhere=True, needs="seed", sources=False),),
        "TSL401": (Trigger(source_names(), SOURCE_METHODS),),
        "TSL402": (Trigger(source_names(), SOURCE_METHODS),),
        "TSL403": (Trigger(_gpu_names(config.target_tensorflow, lacking_only=True), everywhere=True,
                           sources=False),),
        "TSL404": (Trigger(catalog.TF_ONLY_SEEDS, everywhere=True, also=keras_sources, sources=False),),
        "TSL405": (Trigger(_gpu_names(None, lacking_only=False) | {catalog.GRADIENT_TAPE}, {"fit"},
                           sources=False),),
    }


def _leaf_regex(words: Iterable[str]) -> re.Pattern[str] | None:
    """`word(` or `word as` for any of `words`: group `call` is set for `(`."""
    words = sorted(set(words))
    if not words:
        return None
    return re.compile(r"\b(?P<leaf>" + _trie(words) + r")\b" + _GAP + r"(?:(?P<call>\()|as\b)")


def _trie(words: list[str]) -> str:
    """One alternation with shared prefixes factored out: the regex engine
    then rejects a position after a character or two, whatever the count."""
    root: dict = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            body = f"(?:{body})?"
        return body

    return "(?:" + emit(root) + ")"


_GATES: dict[frozenset[str], re.Pattern[str] | None] = {}


def _gate_for(leaves: frozenset[str]) -> re.Pattern[str] | None:
    if leaves not in _GATES:
        _GATES[leaves] = _leaf_regex(leaves)
    return _GATES[leaves]


@dataclass(frozen=True)
class _Policy:
    """Triggers that share a policy, merged."""

    names: frozenset[str]
    methods: frozenset[str]
    needs: str
    also: frozenset[str]


class Screen:
    """The prefilter for one configuration (build it once per run)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        table = triggers(config)
        enabled = {code for code in table if config.enabled(code)}
        self._deterministic = "TSL203" in enabled
        groups: dict[tuple[bool, str, frozenset[str]], tuple[set[str], set[str]]] = {}
        not_sources: set[str] = set()
        for code in sorted(enabled):
            for item in table[code]:
                if not item.sources:
                    not_sources |= item.names
                key = (item.everywhere or config.strict, item.needs, item.also)
                names, methods = groups.setdefault(key, (set(), set()))
                names.update(item.names)
                methods.update(item.methods)
        self._everywhere: list[_Policy] = []
        self._entry: list[_Policy] = []
        for (anywhere, needs, also), (names, methods) in groups.items():
            policy = _Policy(frozenset(names), frozenset(methods), needs, also)
            (self._everywhere if anywhere else self._entry).append(policy)
        self._sources = source_names()
        policies = self._everywhere + self._entry
        names = frozenset().union(*(p.names | p.also for p in policies))
        methods = frozenset().union(*(p.methods for p in policies))
        if self._entry:  # entry points are recognised by their sources
            names |= self._sources
            methods |= SOURCE_METHODS
        self._wanted = (names, methods)
        self._calls_: _Calls | None = None
        #: names that matter only as unseeded sources: their seeded calls drop out.
        self._seedable = frozenset(n for n in names if n not in not_sources
                                   and n in catalog.SEEDABLES and catalog.SEEDABLES[n].seed_param is not None)

    @property
    def _calls(self) -> _Calls:
        # Built on first use: compiling its regex costs more than a small
        # file's whole screening, and a script may not need it at all.
        if self._calls_ is None:
            self._calls_ = _Calls(*self._wanted)
        return self._calls_

    def needs_lint(self, text: str, *, notebook: bool = False, package: Sequence[str] = (),
                   project: Callable[[str], ProjectFact | None] | None = None,
                   is_project: Callable[[str], bool] | None = None) -> bool:
        """False only when linting `text` would report nothing. `project`
        and `is_project`: the project index's lookup and which names are the
        project's (`HelperIndex`); without them project calls are not judged."""
        text = _one_newline(text)
        if self._needs_lint(text, notebook, package):
            return True
        return project is not None and is_project is not None and _calls_project(text, package, project,
                                                                                  is_project)

    def _needs_lint(self, text: str, notebook: bool, package: Sequence[str]) -> bool:
        if self._entry and (notebook or "__main__" in text) and _SCRIPT_IMPORT.search(text):
            # A script that imports TF / Keras / NumPy: it will be linted
            # whatever the details say (a wrong guess only costs a parse).
            return True
        deterministic = [m.start() for m in _DETERMINISTIC.finditer(text)] if self._deterministic else []
        matches = self._calls.matches(text)
        if not deterministic and not matches:
            return not _compiles(text)
        tree = _parse(text)
        if tree is None:
            return True  # the engine decides
        facts = _Facts.of(tree, text, package, self._calls, matches, deterministic)
        if facts.deterministic_false:
            return True
        if catalog.PARTIAL in facts.called:
            # Test suites call `functools.partial` on their own helpers: such a
            # file would otherwise be parsed by LibCST (slow and large for
            # the biggest files) for nothing.
            facts.drop_idle_partials(tree, text, self._calls.by_leaf)
        if not self._decide(facts, text, notebook):
            return False
        seedable = facts.called & self._seedable
        if not seedable:
            return True
        # Yes, but maybe only for calls that a seed argument makes harmless:
        # first without them, then (a walk over the whole tree) their arguments.
        called, module_level = facts.called, facts.module_level
        facts.called, facts.module_level = called - seedable, module_level - seedable
        if self._decide(facts, text, notebook):
            return True
        facts.called, facts.module_level = called, module_level
        facts.drop_seeded(tree, self._seedable)
        return self._decide(facts, text, notebook)

    def _decide(self, facts: _Facts, text: str, notebook: bool) -> bool:
        if any(self._reports(policy, text, facts) for policy in self._everywhere):
            return True
        if not self._entry:
            return False
        entry = notebook or "__main__" in text or bool(facts.module_level & self._sources) or (
            facts.relevant and bool(facts.module_level_methods & SOURCE_METHODS))
        return entry and any(self._reports(policy, text, facts) for policy in self._entry)

    @staticmethod
    def _reports(policy: _Policy, text: str, facts: _Facts) -> bool:
        if policy.needs and policy.needs not in text:
            return False
        if not (facts.called & policy.names or (facts.relevant and facts.methods & policy.methods)):
            return False
        return not policy.also or bool(facts.called & policy.also)


#: `import a.b` / `from a.b import` at the start of a line: group 1 or 2 is the module.
_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import\b|import[ \t]+([^\n#;]+))", re.M)


def _calls_project(text: str, package: Sequence[str], project: Callable[[str], ProjectFact | None],
                   is_project: Callable[[str], bool]) -> bool:
    """Whether `text` calls a project function that seeds, draws or returns
    a traced kind. Only a file that imports from the project (a module of
    the project, or a relative import) is parsed for it."""
    def imported(match: re.Match[str]) -> list[str]:
        if match.group(1) is not None:
            return [match.group(1)]
        return [part.split()[0] for part in match.group(2).split(",") if part.split()]

    if not any(module.startswith(".") or is_project(f"{module}.*")
               for m in _IMPORT.finditer(text) for module in imported(m)):
        return False
    tree = _parse(text)
    if tree is None:
        return True  # the engine decides
    imports: dict[str, str] = {}
    calls: list[ast.Call] = []  # one walk over the tree for imports and calls
    for node in ast.walk(tree):
        if type(node) is ast.Call:
            calls.append(node)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname is not None:
                    imports[alias.asname] = alias.name
                else:
                    imports[alias.name.split(".")[0]] = alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            base = _from_base(node, package)
            for alias in node.names:
                if alias.name != "*":
                    full = f"{base}.{alias.name}" if base and not base.endswith(".") else base + alias.name
                    imports[alias.asname or alias.name] = full
    imports = {k: v for k, v in imports.items() if v.split(".")[0] not in catalog.ROOT_MODULES}
    if not imports:
        return False
    asked: set[str] = set()
    for node in calls:
        chain = _ast_chain(node.func)
        if chain is None or chain[0] not in imports:
            continue
        name = ".".join((imports[chain[0]], *chain[1:]))
        if name in asked or not is_project(name):
            continue
        asked.add(name)
        fact = project(name)
        if fact is not None and (fact.seeds or fact.draws or fact.kind):
            return True
    return False


def might_call_in_functions(text: str, names: frozenset[str], package: Sequence[str] = ()) -> bool:
    """False only when no call in the body of a module-level function of
    `text` resolves to one of `names` (catalog or project names): where the
    functions that `project` indexes would make it. A file that CPython
    cannot parse may: LibCST may parse it."""
    calls = _calls_for(names)
    text = _one_newline(text)
    matches = calls.matches(text)
    if not matches:
        return False
    tree = _parse(text)
    if tree is None:
        return True
    return bool(_Facts.of(tree, text, package, calls, matches, []).in_functions)


_CALLS: dict[frozenset[str], _Calls] = {}


def _calls_for(names: frozenset[str]) -> _Calls:
    if names not in _CALLS:
        if len(_CALLS) > 64:
            _CALLS.clear()
        _CALLS[names] = _Calls(names, frozenset())
    return _CALLS[names]


class _Calls:
    """Finds the calls of some names (and methods) in a text."""

    def __init__(self, names: frozenset[str], methods: frozenset[str]) -> None:
        self.names = names
        self.methods = methods
        self.by_leaf: dict[str, set[str]] = {}
        for name in names:
            self.by_leaf.setdefault(leaf(name), set()).add(name)
        self.gate = _gate_for(frozenset(self.by_leaf) | methods)

    def matches(self, text: str) -> list[re.Match[str]]:
        return list(self.gate.finditer(text)) if self.gate is not None else []


def _one_newline(text: str) -> str:
    """CPython counts "\r\n" and a lone "\r" as line breaks: so do we."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


_LAST_PARSE: list[tuple[str, ast.Module | None]] = []


def _parse(text: str) -> ast.Module | None:
    # The screen and the helper index read the same file in a row: parse once.
    if _LAST_PARSE and _LAST_PARSE[0][0] == text:
        return _LAST_PARSE[0][1]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree: ast.Module | None = ast.parse(text)
    except Exception:  # SyntaxError, ValueError, RecursionError, MemoryError ...
        tree = None
    _LAST_PARSE[:] = [(text, tree)]
    return tree


def _compiles(text: str) -> bool:
    """Whether CPython compiles `text`. It checks all that LibCST's parser
    checks (same grammar) and more, so a file it compiles parses."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<screen>", "exec", dont_inherit=True)
    except Exception:
        return False
    return True


class _Lines:
    """Sets of line ranges, merged, for "is line N in there?"."""

    def __init__(self) -> None:
        self._ranges: list[tuple[int, int]] = []
        self._starts: list[int] | None = None

    def add(self, first: int, last: int) -> None:
        self._ranges.append((first, max(first, last)))
        self._starts = None

    def __contains__(self, line: int) -> bool:
        if self._starts is None:
            merged: list[list[int]] = []
            for first, last in sorted(self._ranges):
                if merged and first <= merged[-1][1] + 1:
                    merged[-1][1] = max(merged[-1][1], last)
                else:
                    merged.append([first, last])
            self._ranges = [(a, b) for a, b in merged]
            self._starts = [a for a, _ in self._ranges]
        index = bisect.bisect_right(self._starts, line) - 1
        return index >= 0 and line <= self._ranges[index][1]


def _span(node: ast.AST) -> tuple[int, int]:
    first = getattr(node, "lineno", 1)
    return first, getattr(node, "end_lineno", None) or first


@dataclass
class _Facts:
    """What the screen needs from one parsed file."""

    #: an import reaches tensorflow / keras / tf_keras (the engine traces
    #: `fit` and tf.data methods only then).
    relevant: bool = False
    #: names of interest called anywhere / at module level / in the body of
    #: a module-level function.
    called: set[str] = field(default_factory=set)
    module_level: set[str] = field(default_factory=set)
    in_functions: set[str] = field(default_factory=set)
    #: methods of interest called anywhere / at module level.
    methods: set[str] = field(default_factory=set)
    module_level_methods: set[str] = field(default_factory=set)
    deterministic_false: bool = False
    _resolver: _Resolver | None = None
    _aliases: dict[str, str] = field(default_factory=dict)
    _module_lines: _Lines | None = None

    def drop_idle_partials(self, tree: ast.Module, text: str, by_leaf: dict[str, set[str]]) -> None:
        """Forget the `functools.partial` calls when none may bind a name of
        interest: the engine only follows a partial object to the API that is
        its first argument (`FileModel._partial`). Anything but a plain
        dotted first argument that resolves to no such name keeps them."""
        assert self._resolver is not None
        for node in _calls_on_lines(tree, text, ["partial", *(local for local, name in self._aliases.items()
                                                              if name == catalog.PARTIAL)]):
            chain = _ast_chain(node.func)
            if chain is None or (chain[-1] != "partial" and self._resolver.resolve(chain) != catalog.PARTIAL):
                continue
            target = _ast_chain(node.args[0]) if node.args else None
            if target is None or target[-1] in by_leaf or self._resolver.resolve(target) is not None:
                return
        self.called.discard(catalog.PARTIAL)
        self.module_level.discard(catalog.PARTIAL)
        self.in_functions.discard(catalog.PARTIAL)

    def drop_seeded(self, tree: ast.Module, seedable: frozenset[str]) -> None:
        """Forget the calls of `seedable` names that are given a seed (as
        `FileModel.is_seeded` judges): they are no randomness sources."""
        assert self._resolver is not None and self._module_lines is not None
        judged = self.called & seedable
        leaves = {leaf(n) for n in judged}
        unseeded: set[str] = set()
        module_level: set[str] = set()
        for node in ast.walk(tree):
            if type(node) is not ast.Call:
                continue
            chain = _ast_chain(node.func)
            if chain is None or not (chain[-1] in leaves or (len(chain) == 1 and chain[0] in self._aliases)):
                continue
            name = self._aliases.get(chain[0]) if len(chain) == 1 and chain[0] in self._aliases else None
            name = name or self._resolver.resolve(chain)
            if name in judged and not _seeded(node, catalog.SEEDABLES[name]):
                unseeded.add(name)
                if (node.func.end_lineno or node.lineno) in self._module_lines:
                    module_level.add(name)
        self.called -= judged - unseeded
        self.module_level = (self.module_level - judged) | module_level

    @classmethod
    def of(cls, tree: ast.Module, text: str, package: Sequence[str], calls: _Calls,
           matches: list[re.Match[str]], deterministic: list[int]) -> _Facts:
        """`matches`: the gate's matches in `text`; `deterministic`: offsets
        of `deterministic =` in it."""
        facts = cls()
        imports: dict[str, set[str]] = {}
        stars: list[str] = []
        module_lines, function_lines = _Lines(), _Lines()
        det_lines = _line_numbers(text, deterministic)
        det_nodes: list[ast.AST] = []
        stack: list[tuple[list[ast.stmt], bool]] = [(tree.body, True)]
        # Statements only (cheap): imports anywhere, which lines run at module
        # level, which are module-level function bodies, and the statements
        # on the lines that say `deterministic =`.
        while stack:
            body, at_module = stack.pop()
            for stmt in body:
                if isinstance(stmt, ast.Import):
                    for alias in stmt.names:
                        if alias.asname is not None:
                            imports.setdefault(alias.asname, set()).add(alias.name)
                        else:
                            head = alias.name.split(".")[0]
                            imports.setdefault(head, set()).add(head)
                    continue
                if isinstance(stmt, ast.ImportFrom):
                    base = _from_base(stmt, package)
                    for alias in stmt.names:
                        if alias.name == "*":
                            stars.append(base)
                            continue
                        full = f"{base}.{alias.name}" if base and not base.endswith(".") else base + alias.name
                        imports.setdefault(alias.asname or alias.name, set()).add(full)
                    continue
                if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    header = list(stmt.decorator_list)
                    if isinstance(stmt, ast.ClassDef):
                        header += stmt.bases + stmt.keywords
                    else:
                        header += stmt.args.defaults + [d for d in stmt.args.kw_defaults if d is not None]
                    first = min([stmt.lineno] + [d.lineno for d in stmt.decorator_list])
                    if at_module:
                        # Decorators, defaults and bases run at module level.
                        module_lines.add(first, stmt.body[0].lineno)
                        if not isinstance(stmt, ast.ClassDef):
                            function_lines.add(stmt.body[0].lineno, _span(stmt)[1])
                    if det_lines:
                        det_nodes.extend(n for n in header if _overlaps(n, det_lines))
                    stack.append((stmt.body, False))
                    continue
                children = _bodies(stmt)
                if at_module:
                    if children:  # a compound statement: its header
                        module_lines.add(stmt.lineno, children[0][0].lineno)
                        for handler in getattr(stmt, "handlers", ()):
                            module_lines.add(handler.lineno, handler.body[0].lineno)
                        for case in getattr(stmt, "cases", ()):
                            module_lines.add(case.pattern.lineno, case.body[0].lineno)
                    else:
                        module_lines.add(*_span(stmt))
                if det_lines:
                    det_nodes.extend(n for n in (_expressions(stmt) if children else [stmt])
                                     if _overlaps(n, det_lines))
                stack.extend((child, at_module) for child in children)
        qualified = [q for qs in imports.values() for q in qs] + stars
        facts.relevant = any(q.split(".")[0] in _TF_ROOTS for q in qualified)
        resolver = facts._resolver = _Resolver(imports, stars, calls.names)
        facts._module_lines = module_lines
        # Import aliases of a name of interest (`from numpy.random import rand
        # as r`) are called under the alias.
        aliases = facts._aliases = {
            local: found for local, qs in imports.items()
            for found in [resolver.resolve((local,))] if found is not None and local != leaf(found)}
        found_calls = [(m.start("leaf"), m.group("leaf")) for m in matches if m.group("call") is not None]
        if aliases:
            pattern = re.compile(r"\b(?P<leaf>" + _trie(sorted(aliases)) + r")\b" + _GAP + r"\(")
            found_calls += [(m.start("leaf"), m.group("leaf")) for m in pattern.finditer(text)]
            found_calls.sort()
        lines = _line_numbers(text, [offset for offset, _ in found_calls])
        for (offset, word), line in zip(found_calls, lines):
            chain = _chain(text, offset, word)
            if chain is None:  # not a plain dotted name: anything with this leaf
                names = set(calls.by_leaf.get(word, ()))
                if word in aliases:
                    names.add(aliases[word])
                is_method = word in calls.methods
            elif len(chain) == 1 and word in aliases:
                names, is_method = {aliases[word]}, False
            else:
                resolved = resolver.resolve(chain)
                names = {resolved} if resolved is not None else set()
                is_method = resolved is None and len(chain) > 1 and word in calls.methods
            if names:
                facts.called |= names
                if line in module_lines:
                    facts.module_level |= names
                if line in function_lines:
                    facts.in_functions |= names
            if is_method:
                facts.methods.add(word)
                if line in module_lines:
                    facts.module_level_methods.add(word)
        for node in det_nodes:
            for sub in ast.walk(node):
                kind = type(sub)
                if kind is ast.Call:
                    if any(k.arg == "deterministic" and _is_false(k.value) for k in sub.keywords):
                        facts.deterministic_false = True
                elif kind is ast.Assign and _is_false(sub.value) and any(
                        type(t) is ast.Attribute and t.attr in catalog.OPTIONS_ATTRIBUTES for t in sub.targets):
                    facts.deterministic_false = True
        return facts


def _line_numbers(text: str, offsets: list[int]) -> list[int]:
    """1-based line of each offset (offsets ascending)."""
    out, line, previous = [], 1, 0
    for offset in offsets:
        line += text.count("\n", previous, offset)
        previous = offset
        out.append(line)
    return out


def _calls_on_lines(tree: ast.Module, text: str, words: list[str]) -> Iterable[ast.Call]:
    """The calls in `tree` on a line where one of `words` stands before `(`:
    only the nodes spanning such a line are visited (a test file's whole
    tree is large, its calls of one name few)."""
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b" + _GAP + r"\(")
    lines = _line_numbers(text, [m.start() for m in pattern.finditer(text)])
    if not lines:
        return
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if type(node) is ast.Call:
            yield node
        # Positions inside f-strings may be off before Python 3.12: not pruned.
        exact = type(node) is not ast.JoinedStr
        for child in ast.iter_child_nodes(node):
            first = getattr(child, "lineno", None)
            if exact and first is not None:  # decorators stand before a definition's line
                first = min([first, *(d.lineno for d in getattr(child, "decorator_list", ()))])
                last = getattr(child, "end_lineno", None) or first
                index = bisect.bisect_left(lines, first)
                if index == len(lines) or lines[index] > last:
                    continue
            stack.append(child)


def _overlaps(node: ast.AST, lines: list[int]) -> bool:
    first, last = _span(node)
    index = bisect.bisect_left(lines, first)
    return index < len(lines) and lines[index] <= last


_SPACE = " \t\f\\\n"
_DOTTED = re.compile(r"[\s\\]*[^\W\d]\w*(?:[\s\\]*\.[\s\\]*[^\W\d]\w*)*[\s\\]*")


def _chain(text: str, start: int, word: str) -> tuple[str, ...] | None:
    """The dotted name whose last part is the `word` at `start`: ("np",
    "random", "rand") for `np.random.rand(`. None when what comes before is
    not a plain dotted name (a call's result, a subscript, a comment inside)."""
    parts = [word]
    position = start
    while True:
        index = _skip_back(text, position - 1)
        if index is None:
            return None
        if index < 0 or text[index] != ".":
            return tuple(reversed(parts))
        index = _skip_back(text, index - 1)
        if index is None or index < 0:
            return None
        if text[index] == ")":
            opening = text.rfind("(", 0, index)
            inner = text[opening + 1:index] if opening >= 0 else ""
            if opening < 0 or not _DOTTED.fullmatch(inner):
                return None
            before = _skip_back(text, opening - 1)
            if before is None or (before >= 0 and (text[before].isalnum() or text[before] in "_)]}'\"")):
                return None  # `f(a.b).c`: a call's result
            parts.extend(reversed([p.strip(" \t\f\\\n") for p in inner.split(".")]))
            position = opening
            continue
        end = index
        while index >= 0 and (text[index].isalnum() or text[index] == "_"):
            index -= 1
        if index == end or (index >= 0 and not text[index].isascii()):
            return None  # not a name, or one we cannot be sure where it starts
        parts.append(text[index + 1:end + 1])
        position = index + 1


def _skip_back(text: str, index: int) -> int | None:
    """The index of the last non-blank character at or before `index`; None
    if the blank stretch crosses the end of a line with a `#` on it."""
    crossed = False
    while index >= 0 and text[index] in _SPACE:
        if text[index] == "\n":
            crossed = True
        index -= 1
    if crossed and index >= 0 and "#" in text[text.rfind("\n", 0, index) + 1:index + 1]:
        return None
    return index


def _ast_chain(func: ast.expr) -> tuple[str, ...] | None:
    """("np", "random", "rand") for the callee `np.random.rand`, else None."""
    parts: list[str] = []
    while type(func) is ast.Attribute:
        parts.append(func.attr)
        func = func.value
    if type(func) is not ast.Name:
        return None
    parts.append(func.id)
    return tuple(reversed(parts))


def _seeded(call: ast.Call, entry: catalog.Seedable) -> bool:
    """`FileModel.is_seeded` on CPython's tree: a seed argument that is not
    `None` (nor 0 where 0 means random), or `*args` / `**kwargs` that may
    carry one."""
    if entry.seed_param is None:
        return False
    value: ast.expr | None = None
    for keyword in call.keywords:
        if keyword.arg == entry.seed_param:
            value = keyword.value
            break
    if value is None and entry.seed_pos is not None:
        positional = [a for a in call.args if type(a) is not ast.Starred]
        if entry.seed_pos < len(positional):
            value = positional[entry.seed_pos]
    if value is None:
        # `**kwargs` may carry any seed, `*args` only a positional one.
        return any(k.arg is None for k in call.keywords) or (
            entry.seed_pos is not None and any(type(a) is ast.Starred for a in call.args))
    if type(value) is ast.Constant and value.value is None:
        return False
    if entry.zero_is_random and type(value) is ast.Constant and type(value.value) is int and value.value == 0:
        return False
    return True


def _is_false(node: ast.AST) -> bool:
    return type(node) is ast.Constant and node.value is False


class _Resolver:
    """Dotted callee -> a name of interest, through any import of its head
    in the file (the engine's resolution, without shadowing)."""

    def __init__(self, imports: dict[str, set[str]], stars: list[str], names: frozenset[str]) -> None:
        self._imports = imports
        self._stars = stars
        self._names = names

    def resolve(self, chain: tuple[str, ...]) -> str | None:
        head, rest = chain[0], ".".join(chain[1:])
        for qualified in self._imports.get(head, ()):
            name = catalog.canonical(f"{qualified}.{rest}" if rest else qualified)
            if name in self._names:
                return name
        if len(chain) == 1:
            for module in self._stars:
                name = catalog.canonical(f"{module}.{head}")
                if name in self._names:
                    return name
        return None


def _from_base(stmt: ast.ImportFrom, package: Sequence[str]) -> str:
    """The module a `from` import reads, resolved as `scope.walk` does."""
    base = stmt.module or ""
    if stmt.level:
        if package and stmt.level <= len(package) + 1:
            anchor = list(package[: len(package) - (stmt.level - 1)])
            return ".".join(anchor + ([base] if base else []))
        return "." * stmt.level + base
    return base


_BODY_FIELDS = ("body", "orelse", "finalbody")


def _bodies(stmt: ast.stmt) -> list[list[ast.stmt]]:
    """The (non-empty) statement lists nested in a compound statement."""
    out = [getattr(stmt, name) for name in _BODY_FIELDS if getattr(stmt, name, None)]
    out.extend(handler.body for handler in getattr(stmt, "handlers", ()))
    out.extend(case.body for case in getattr(stmt, "cases", ()))
    return out


def _expressions(stmt: ast.stmt) -> list[ast.AST]:
    """The parts of a compound statement that are not nested statements."""
    out: list[ast.AST] = []
    for name, value in ast.iter_fields(stmt):
        if name in _BODY_FIELDS:
            continue
        if name == "handlers":
            out.extend(h.type for h in value if h.type is not None)
        elif name == "cases":
            out.extend(c.pattern for c in value)
            out.extend(c.guard for c in value if c.guard is not None)
        elif isinstance(value, ast.AST):
            out.append(value)
        elif isinstance(value, list):
            out.extend(v for v in value if isinstance(v, ast.AST))
    return out

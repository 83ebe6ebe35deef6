"""The project's own seed helpers: functions that (transitively) make a
global seed call, found across the files of the project so that
`from utils import seed_everything` counts as seeding, also when only the
calling file is linted.

Only files that mention "seed" can hold a helper: a helper's file makes the
seed call itself or calls one that does. Of those, LibCST parses only the
files that may call a global seed API (CPython's parser and the prefilter
decide that) and the files that mention a helper already found, until no new
helper turns up: the other files' functions cannot seed, so the table is the
same as if every file had been parsed. What each file holds is kept per file
(keyed by its stat and, when that changed, its content) in the project's
`.tfseedlint_cache/`, so a later run parses only what changed, and a run with
nothing changed imports no LibCST at all.
"""
from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable

from tfseedlint import catalog
from tfseedlint.cache import RACY_NS, RecordStore, content_digest, stamp_of
from tfseedlint.catalog import Domain
from tfseedlint.config import PROJECT_FILES
from tfseedlint.ftypes import Config, ProjectFact
from tfseedlint.graph import propagate
from tfseedlint.paths import iter_source_files

#: Global seed APIs: a file that calls none of them can only relay a seed.
_GLOBAL_SEEDS = frozenset(catalog.GLOBAL_SEEDS)
#: Prefix of the results-cache keys that record test-base lookups (a space
#: never appears in a dotted name).
TEST_BASE = "class "


def module_parts(path: Path, root: Path) -> tuple[str, ...]:
    """Dotted module path of `path` inside `root` (`src/` layouts unwrapped)."""
    return _module_parts(path, path.resolve(), root.resolve())


def _module_parts(path: Path, real: Path, real_root: Path) -> tuple[str, ...]:
    try:
        rel = real.relative_to(real_root)
    except ValueError:
        return (path.stem,)
    parts = list(rel.with_suffix("").parts)
    if parts and parts[0] == "src" and len(parts) > 1:
        parts = parts[1:]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return tuple(parts)


def package_of(path: Path, root: Path) -> tuple[str, ...]:
    """The package a file belongs to (for relative imports)."""
    parts = module_parts(path, root)
    return parts if path.name == "__init__.py" else parts[:-1]


@dataclass(frozen=True)
class _Helper:
    key: str  # full dotted name: module.function
    direct: Domain
    calls: frozenset[str]  # qualified names this function calls


def _is_project_name(name: str) -> bool:
    return name.split(".")[0] not in catalog.ROOT_MODULES


class HelperIndex:
    """Maps a qualified function name to the global seeds it sets.

    `store` keeps what each file holds between runs (None: no cache);
    `files`, when given, are the project's files (saves walking it again)."""

    def __init__(self, root: Path, config: Config, *, store: RecordStore | None = None,
                 files: Iterable[Path] | None = None, reads: dict[str, Any] | None = None,
                 stamps: dict[str, Any] | None = None, names: list[str] | None = None,
                 tables: RecordStore | None = None, functions: RecordStore | None = None) -> None:
        self.root = root
        self._config = config
        self._store = store
        #: the last table and the snapshot of the files it was built from:
        #: small, so that a run with nothing changed need not load `store`.
        self._tables = tables
        self._files = list(files) if files is not None else None
        #: the files as absolute path names, when given so (Paths made only if needed).
        self._names = names
        #: path -> (stamp, digest, mentions seed, text): shared by the indexes
        #: of nested roots, which read the same files.
        self._reads: dict[str, Any] = reads if reads is not None else {}
        #: path -> stat stamp (or None: gone), shared in the same way.
        self._stamps: dict[str, Any] = stamps if stamps is not None else {}
        self._table: dict[str, Domain] | None = None
        self._lock = threading.RLock()
        #: what each file's functions do (see `summarise`), kept between runs.
        self._functions = functions
        self._modules: dict[str, list[str]] | None = None
        self._summaries: dict[str, _Summary | None] = {}
        self._nodes_of: dict[str, list[_Node]] = {}
        self._facts: dict[_Node, ProjectFact] = {}
        #: `lookup`'s answers: the files do not change during a run.
        self._answers: dict[str, ProjectFact | None] = {}

    def lookup(self, name: str) -> ProjectFact | None:
        """What the project's function, method or class `name` does (seeds,
        draws, returns); None when `name` is not the project's."""
        if not _is_project_name(name):
            return None
        if name in self._answers:
            return self._answers[name]
        seeds = self.table().get(name)
        with self._lock:
            fact = self.fact(name)
        if seeds:
            fact = replace(fact or ProjectFact(), seeds=(fact.seeds if fact else 0) | seeds.value)
        self._answers[name] = fact
        return fact

    # ---------------------------------------------------- functions' facts

    def modules(self) -> dict[str, list[str]]:
        """Dotted module name -> the project's files that Python may import
        under it: from the root, from `src/`, and (every dotted suffix) from
        a script's own directory."""
        if self._modules is None:
            modules: dict[str, list[str]] = {}
            real_root = self.root.resolve()
            for name in self._file_names():
                if not name.endswith(".py"):
                    continue
                path = Path(name)
                parts = _module_parts(path, path.resolve(), real_root)
                for i in range(len(parts)):
                    modules.setdefault(".".join(parts[i:]), []).append(name)
            self._modules = modules
        return self._modules

    def _file_names(self) -> list[str]:
        if self._names is None:
            if self._files is None:
                self._files, _ = iter_source_files([self.root], self._config)
            self._names = [str(path) for path in self._files]
        return self._names

    def is_project(self, name: str) -> bool:
        """Whether a dotted name lies in one of the project's modules."""
        modules = self.modules()
        parts = name.split(".")
        return any(".".join(parts[:i]) in modules for i in range(len(parts) - 1, 0, -1))

    def fact(self, name: str) -> ProjectFact | None:
        """The joined facts of what `name` may be (None: not the project's)."""
        if not self.is_project(name):
            return None
        nodes = self._nodes(name)
        if not nodes:
            return ProjectFact()
        self._close(nodes)
        facts = [self._facts[node] for node in nodes]
        if len(facts) == 1:
            return facts[0]
        kinds = {(f.kind, f.cls) for f in facts}
        kind, cls = kinds.pop() if len(kinds) == 1 else (None, None)
        sites: dict[int, tuple[int, str, str]] = {}
        for f in facts:
            for site in f.sites:
                sites.setdefault(site[0], site)
        return ProjectFact(_union(f.seeds for f in facts), _union(f.draws for f in facts),
                           tuple(sites[b] for b in sorted(sites)), kind, cls)

    def _nodes(self, name: str, hops: int = 0) -> list[_Node]:
        """The functions, methods or classes `name` may be: (file, name in it)."""
        found = self._nodes_of.get(name)
        if found is not None:
            return found
        self._nodes_of[name] = []  # a cycle of re-exports finds nothing
        found = []
        parts = name.split(".")
        modules = self.modules()
        for i in range(len(parts) - 1, 0, -1):
            paths = modules.get(".".join(parts[:i]))
            if not paths:
                continue
            qual = ".".join(parts[i:])
            head, _, rest = qual.partition(".")
            for path in paths:
                summary = self._summary(path)
                if summary is None:
                    continue
                if qual in summary.functions:
                    found.append((path, qual))
                elif hops >= _MAX_HOPS:
                    continue
                elif head in summary.aliases:  # a re-export (`from .net import build`)
                    found.extend(self._nodes(summary.aliases[head] + (f".{rest}" if rest else ""), hops + 1))
                elif rest and "." not in rest and head in summary.functions:  # an inherited method
                    for base in summary.functions[head].bases:
                        found.extend(self._nodes(f"{base}.{rest}", hops + 1))
            if found:
                break
        found = sorted(set(found))
        self._nodes_of[name] = found
        return found

    def _function(self, node: _Node) -> _Function:
        summary = self._summary(node[0])
        assert summary is not None
        return summary.functions[node[1]]

    def _close(self, start: list[_Node]) -> None:
        """The fixed point of the summaries over what `start` reaches."""
        graph: dict[_Node, _Function] = {}
        calls: dict[_Node, list[_Node]] = {}
        returns: dict[_Node, list[_Node]] = {}
        todo = [n for n in start if n not in self._facts]
        while todo:
            node = todo.pop()
            if node in graph or node in self._facts:
                continue
            function = graph[node] = self._function(node)
            calls[node] = sorted({m for c in function.calls for m in self._nodes(c)})
            returns[node] = [m for r in sorted(function.returns) + function.bases for m in self._nodes(r)]
            todo.extend(calls[node])
            todo.extend(returns[node])
        if not graph:
            return
        known = self._facts
        seeds = propagate({n: Domain(f.seeds) for n, f in graph.items()},
                          {n: calls[n] for n in graph}, {n: Domain(f.seeds) for n, f in known.items()})
        draws = propagate({n: Domain(f.draws) for n, f in graph.items()}, {n: calls[n] for n in graph},
                          {n: Domain(f.draws) for n, f in known.items()},
                          mask={n: seeds.get(n, Domain.NONE) for n in graph})
        kinds: dict[_Node, tuple[str | None, str | None]] = {}

        def kind(node: _Node, seen: frozenset[_Node]) -> tuple[str | None, str | None]:
            if node in known:
                return known[node].kind, known[node].cls
            if node in kinds:
                return kinds[node]
            if node in seen:
                return None, None
            function, seen = graph[node], seen | {node}
            result: tuple[str | None, str | None] = (None, None)
            if function.is_class:
                result = ("instance", self._dotted(node))
                if function.kind == "model" or any(kind(b, seen)[0] == "model" for b in returns[node]):
                    result = ("model", None)
                elif any(self.is_project(b) and not self._nodes(b) for b in function.bases):
                    result = (None, None)  # a base of the project's that is not found: maybe a model
            elif function.kind is not None:
                result = (function.kind, None)
            else:
                result = next((k for k in (kind(m, seen) for m in returns[node]) if k[0]), result)
            kinds[node] = result
            return result

        def site(node: _Node, bit: int, seen: frozenset[_Node]) -> tuple[int, str, str] | None:
            if node in known:
                return next((s for s in known[node].sites if s[0] == bit), None)
            function = graph[node]
            if bit in function.sites and function.draws & bit:
                api, line = function.sites[bit]
                return bit, api, f"{self._relative(node[0])}:{line}"
            for callee in calls[node]:
                drawn = known[callee].draws if callee in known else draws.get(callee, Domain.NONE).value
                if callee not in seen and drawn & bit:
                    found = site(callee, bit, seen | {node})
                    if found is not None:
                        return found
            return None

        for node in graph:
            drawn = draws.get(node, Domain.NONE)
            sites = tuple(s for bit in Domain if bit.value and bit & drawn
                          for s in [site(node, bit.value, frozenset())] if s is not None)
            found_kind, cls = kind(node, frozenset())
            self._facts[node] = ProjectFact(seeds.get(node, Domain.NONE).value, drawn.value, sites,
                                            found_kind, cls)

    def _dotted(self, node: _Node) -> str:
        parts = _module_parts(Path(node[0]), Path(node[0]).resolve(), self.root.resolve())
        return ".".join([*parts, node[1]])

    def _relative(self, name: str) -> str:
        try:
            return Path(name).resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return Path(name).as_posix()

    def _summary(self, name: str) -> _Summary | None:
        """The summary of one file: from the store while it is unchanged."""
        if name in self._summaries:
            return self._summaries[name]
        summary = self._summaries[name] = self._read_summary(Path(name))
        return summary

    def _read_summary(self, path: Path) -> _Summary | None:
        stamp = self._stamp(path)
        if stamp is None:
            return None
        key = self._key(path)
        store = self._functions
        if store is not None:
            cached = store.get(key, stamp)
            loaded = _Summary.load(cached) if cached is not None else None
            if loaded is not None:
                return loaded
        try:
            data = read_bytes(path)
        except OSError:
            return None
        digest = content_digest(data)
        if store is not None and store.digest(key) == digest:
            loaded = _Summary.load(store.data(key))
            if loaded is not None:
                store.touch(key, stamp)
                return loaded
        summary = self._summarise(path, data)
        if store is not None:
            store.put(key, stamp, summary.dump(), digest)
        return summary

    def _summarise(self, path: Path, data: bytes) -> _Summary:
        # LibCST only here: a run with nothing changed never gets this far.
        from tfseedlint.engine import deep, parse
        from tfseedlint.sources import SourceError, decode_python

        try:
            module = parse(decode_python(data).text)
            return deep(lambda: summarise(module, self._config, ".".join(module_parts(path, self.root)),
                                          package_of(path, self.root)))
        except (SourceError, RecursionError):
            return _Summary()

    def table(self) -> dict[str, Domain]:
        """Suffix of a helper's dotted name -> what it seeds (nonzero only)."""
        with self._lock:
            if self._table is None:
                self._table = self._build()
            return self._table

    @property
    def built(self) -> bool:
        """Whether the table is known already (no work to ask for it)."""
        return self._table is not None

    def fingerprint(self) -> str:
        """A stable text of the index, for cache keys."""
        return ";".join(f"{k}={v.value}" for k, v in sorted(self.table().items()))

    def _build(self) -> dict[str, Domain]:
        if self._names is None:
            if self._files is None:
                self._files, _ = iter_source_files([self.root], self._config)
            self._names = [str(path) for path in self._files]
        # The same files with the same stats as when the table was last built:
        # the same table, without looking at each file's record.
        snapshot = self._snapshot()
        if snapshot is not None and self._tables is not None:
            kept = self._tables.data(str(self.root))
            if isinstance(kept, list) and len(kept) == 2 and kept[0] == snapshot:
                try:
                    return {str(k): Domain(v) for k, v in kept[1]}
                except (TypeError, ValueError):
                    pass
        table = self._build_table()
        if self._store is not None:
            self._store.save()
        if snapshot is not None and self._tables is not None:
            self._tables.put(str(self.root), (0, 0, 0, 0), [snapshot, sorted([k, v.value] for k, v in table.items())])
            self._tables.save()
        return table

    def _snapshot(self) -> str | None:
        """A digest of the project's files and their stats; None when one of
        them changed too recently for its stat to be trusted (see `cache`)."""
        if self._tables is None:
            return None
        racy = self._tables.started_ns - RACY_NS
        digest = hashlib.blake2b(digest_size=16)
        for name in self._names or ():
            if not name.endswith(".py"):
                continue
            stamp = self._stamp(name)
            if stamp is not None and stamp[0] >= racy:
                return None
            digest.update(f"{name}\0{stamp}\n".encode("utf-8", "surrogateescape"))
        return digest.hexdigest()

    def _stamp(self, path: Path | str) -> tuple[int, int, int, int] | None:
        name = str(path)
        if name not in self._stamps:
            try:
                self._stamps[name] = stamp_of(os.stat(name))
            except OSError:
                self._stamps[name] = None
        return self._stamps[name]

    def _build_table(self) -> dict[str, Domain]:
        if self._files is None:
            self._files = [Path(name) for name in self._names or ()]
        records: dict[Path, _Record] = {}
        for path in self._files:
            if path.suffix == ".py":
                record = self._record(path)
                if record is not None:
                    records[path] = record
        # Parse the files that may seed, then those that mention a helper
        # found so far, until no new helper turns up.
        while True:
            for path, record in records.items():
                if record.helpers is None and record.seeder:
                    record.helpers = self._scan(path)
                    self._changed(path, record)
            table = _table(h for r in records.values() for h in r.helpers or ())
            keys = frozenset(table)
            found = False
            for path, record in records.items():
                if record.helpers is not None or not record.seed or record.seeder:
                    continue
                unchecked = keys - set(record.absent)
                if not unchecked:
                    continue
                if self._relays(path, unchecked):
                    record.seeder = found = True  # parse it on the next round
                else:
                    record.absent = sorted(set(record.absent) | unchecked)
                self._changed(path, record)
            if not found:
                break
        return table

    def _record(self, path: Path) -> _Record | None:
        """What `path` holds, from the store when its stat is unchanged."""
        stamp = self._stamp(path)
        if stamp is None:
            return None
        key = self._key(path)
        if self._store is not None:
            cached = self._store.get(key, stamp)
            loaded = _Record.load(stamp, cached) if cached is not None else None
            if loaded is not None:
                return loaded
        read = self._reads.get(str(path))
        if read is None or read[0] != stamp:
            try:
                data = read_bytes(path)
            except OSError:
                return None
            seed = b"seed" in data.lower()
            read = self._reads[str(path)] = (stamp, content_digest(data), seed,
                                             _decoded(data) if seed else None)
        _, digest, seed, text = read
        if self._store is not None and self._store.digest(key) == digest:
            loaded = _Record.load(stamp, self._store.data(key))
            if loaded is not None:
                self._store.touch(key, stamp)
                return loaded
        record = _Record(stamp)
        record.seed = seed
        if text is not None:
            from tfseedlint.prefilter import might_call_in_functions

            record.seeder = might_call_in_functions(text, _GLOBAL_SEEDS, package_of(path, self.root))
        self._changed(path, record, digest)
        return record

    def _key(self, path: Path) -> str:
        # Records depend on the root (module names, relative imports), and
        # the indexes of nested roots may share one store.
        return f"{self.root}\0{path}"

    def _relays(self, path: Path, helpers: frozenset[str]) -> bool:
        """Whether a module-level function of `path` may call one of `helpers`."""
        from tfseedlint.prefilter import might_call_in_functions

        read = self._reads.get(str(path))
        text = read[3] if read is not None and read[3] is not None else _text(path)
        return text is not None and might_call_in_functions(text, helpers, package_of(path, self.root))

    def _changed(self, path: Path, record: _Record, digest: str | None = None) -> None:
        if self._store is not None:
            self._store.put(self._key(path), record.stamp, record.dump(), digest)

    def _scan(self, path: Path) -> list[_Helper]:
        # LibCST only here: a run with nothing changed never gets this far.
        from tfseedlint.engine import parse
        from tfseedlint.model import FileModel
        from tfseedlint.sources import SourceError, decode_python

        try:
            data = read_bytes(path)
        except OSError:
            return []
        if b"seed" not in data.lower():
            return []
        try:
            module = parse(decode_python(data).text)
        except SourceError:
            return []
        parts = module_parts(path, self.root)
        model = FileModel(module, self._config, package=package_of(path, self.root))
        domains = model.helper_domains
        calls: dict[object, set[str]] = {}
        for call in model.calls:
            top = call.site.top_def
            if top is not None and call.name is not None and _is_project_name(call.name):
                calls.setdefault(top, set()).add(call.name)
        prefix = ".".join(parts)
        out = []
        for name, node in model.walk.module_scope.defs.items():
            key = f"{prefix}.{name}" if prefix else name
            out.append(_Helper(key, domains.get(node, Domain.NONE), frozenset(calls.get(node, ()))))
        return out


#: A function, method or class of the project: (file, dotted name in the file).
_Node = tuple[str, str]


def _union(values: Iterable[int]) -> int:
    out = 0
    for value in values:
        out |= value
    return out


def _table(helpers: Iterable[_Helper]) -> dict[str, Domain]:
    helpers = list(helpers)
    by_key = {h.key: h for h in helpers}
    direct = {h.key: h.direct for h in helpers if h.direct}
    # Suffix keys let `utils.seed_all` find `pkg.utils.seed_all` when a
    # script imports it with the package directory on sys.path.
    suffixes: dict[str, set[str]] = {}
    for key in by_key:
        parts = key.split(".")
        for i in range(len(parts) - 1):
            suffixes.setdefault(".".join(parts[i:]), set()).add(key)
    edges = {h.key: {k for c in h.calls for k in suffixes.get(c, ())} for h in helpers}
    closed = propagate(direct, edges)
    table: dict[str, Domain] = {}
    for suffix, keys in suffixes.items():
        domain = Domain.NONE
        for key in keys:
            domain |= closed.get(key, Domain.NONE)
        if domain:
            table[suffix] = domain
    return table


def read_bytes(path: Path) -> bytes:
    from tfseedlint.sources import read_bytes as read  # not needed by a run with nothing to read

    return read(path)


def _decoded(data: bytes) -> str | None:
    from tfseedlint.sources import SourceError, decode_python

    try:
        return decode_python(data).text
    except SourceError:
        return None


def _text(path: Path) -> str | None:
    try:
        return _decoded(read_bytes(path))
    except OSError:
        return None


class _Record:
    """What one file holds for the index."""

    __slots__ = ("stamp", "seed", "seeder", "helpers", "absent")

    def __init__(self, stamp: tuple[int, int, int, int]) -> None:
        self.stamp = stamp
        self.seed = False  # mentions "seed": may hold a helper
        self.seeder = False  # may call a global seed API: parse it
        self.helpers: list[_Helper] | None = None  # None: not parsed
        self.absent: list[str] = []  # helper names it is known not to call

    def dump(self) -> list[Any]:
        helpers = None if self.helpers is None else [
            [h.key, h.direct.value, sorted(h.calls)] for h in self.helpers]
        return [self.seed, self.seeder, helpers, self.absent]

    @classmethod
    def load(cls, stamp: tuple[int, int, int, int], data: Any) -> _Record | None:
        """The record stored as `data`; None if it is not one."""
        record = cls(stamp)
        try:
            record.seed, record.seeder, helpers, absent = data
            record.absent = [str(name) for name in absent]
            if helpers is not None:
                record.helpers = [_Helper(str(key), Domain(direct), frozenset(map(str, calls)))
                                  for key, direct, calls in helpers]
        except (TypeError, ValueError):
            return None
        return record


class TestBases:
    """The project's classes that derive, through any chain of project
    classes, from `tf.test.TestCase` (SPEC "Covered"): a test class whose
    base is the project's own `TestCase` subclass, defined in another file,
    is seeded by its `setUp` too.

    Only files that mention "TestCase" can hold one; they are read with
    CPython's parser (module-level imports and class statements only)."""

    def __init__(self, root: Path, config: Config, names: Iterable[str] | None = None) -> None:
        self.root = root
        self._config = config
        self._names = list(names) if names is not None else None
        self._table: frozenset[str] | None = None
        self._lock = threading.Lock()

    def lookup(self, name: str) -> bool:
        """Whether the project class `name` (any dotted suffix of its module
        path and name, as an import may spell it) is a tf.test.TestCase."""
        return _is_project_name(name) and name in self.table()

    def table(self) -> frozenset[str]:
        with self._lock:
            if self._table is None:
                self._table = self._build()
            return self._table

    def _build(self) -> frozenset[str]:
        if self._names is None:
            files, _ = iter_source_files([self.root], self._config)
            self._names = [str(path) for path in files]
        bases: dict[str, list[str]] = {}  # class key -> qualified names of its bases
        for name in self._names:
            if name.endswith(".py"):
                bases.update(self._classes(Path(name)))
        suffixes: dict[str, set[str]] = {}
        for key in bases:
            parts = key.split(".")
            for i in range(len(parts) - 1):
                suffixes.setdefault(".".join(parts[i:]), set()).add(key)
        derived: set[str] = set()
        changed = True
        while changed:
            changed = False
            for key, names in bases.items():
                if key not in derived and any(
                        catalog.canonical(n) in catalog.TF_TEST_CASES or not derived.isdisjoint(suffixes.get(n, ()))
                        for n in names):
                    derived.add(key)
                    changed = True
        return frozenset(suffix for suffix, keys in suffixes.items() if not derived.isdisjoint(keys))

    def _classes(self, path: Path) -> dict[str, list[str]]:
        import ast
        import warnings

        try:
            data = read_bytes(path)
        except OSError:
            return {}
        if b"TestCase" not in data:
            return {}
        text = _decoded(data)
        if text is None:
            return {}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return {}
        prefix = ".".join(module_parts(path, self.root))
        package = package_of(path, self.root)
        local = {stmt.name for stmt in tree.body if isinstance(stmt, ast.ClassDef)}
        imports: dict[str, str] = {}
        out: dict[str, list[str]] = {}

        def qualified(expr: ast.expr) -> str | None:
            parts: list[str] = []
            while isinstance(expr, ast.Attribute):
                parts.append(expr.attr)
                expr = expr.value
            if not isinstance(expr, ast.Name):
                return None
            parts.append(expr.id)
            head, rest = parts[-1], parts[-2::-1]
            if head in imports:
                return ".".join([imports[head], *rest])
            if head in local:
                return ".".join([prefix, head, *rest] if prefix else [head, *rest])
            return None

        for stmt in tree.body:
            if isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    if alias.asname:
                        imports[alias.asname] = alias.name
                    else:
                        head = alias.name.split(".")[0]
                        imports[head] = head
            elif isinstance(stmt, ast.ImportFrom):
                base = _from_base(stmt.module, stmt.level, package)
                for alias in stmt.names:
                    target = f"{base}.{alias.name}" if base else alias.name
                    imports[alias.asname or alias.name] = target
                    # A re-export (`from .case import TestCase` in a package's
                    # __init__) names the same class under this module.
                    key = f"{prefix}.{alias.asname or alias.name}" if prefix else alias.asname or alias.name
                    out.setdefault(key, [target])
            elif isinstance(stmt, ast.ClassDef):
                key = f"{prefix}.{stmt.name}" if prefix else stmt.name
                out[key] = [q for q in map(qualified, stmt.bases) if q is not None]
        return out


def _from_base(module: str | None, level: int, package: tuple[str, ...]) -> str:
    """The module a `from` import reads (relative ones as `scope.walk` resolves them)."""
    base = module or ""
    if level and package and level <= len(package) + 1:
        return ".".join([*package[: len(package) - (level - 1)], *([base] if base else [])])
    return base


class Projects:
    """One HelperIndex per project root, shared by the files of a run.

    With `use_cache`, the indexes keep their per-file records in
    `.tfseedlint_cache/` (see `tfseedlint.cache`) at `home(root)`. Roots,
    homes and real paths are memoized: a run asks for them per file."""

    def __init__(self, config: Config, *, use_cache: bool = False) -> None:
        self._config = config
        self._use_cache = use_cache
        self._indexes: dict[Path, HelperIndex] = {}
        self._roots: dict[str, Path] = {}
        self._markers: dict[str, str | None] = {}
        self._homes: dict[Path, Path] = {}
        self._real: dict[str, str] = {}
        self._stores: dict[tuple[Path, str], RecordStore] = {}
        self._reads: dict[str, Any] = {}
        self._stamps: dict[str, Any] = {}
        self._walks: dict[Path, list[str]] = {}
        self._test_bases: dict[Path, TestBases] = {}

    def root_of(self, path: Path, *, is_file: bool = False) -> Path:
        """`config.find_project_root(path)`, with one look per directory
        (`is_file`: the caller knows `path` is no directory)."""
        directory = os.path.abspath(path)
        if is_file or not os.path.isdir(directory):
            directory = os.path.dirname(directory)
        root = self._roots.get(directory)
        if root is None:
            root = self._roots[directory] = Path(self._marked(directory) or directory)
        return root

    def _marked(self, directory: str) -> str | None:
        """The nearest directory at or above `directory` with a project marker."""
        if directory not in self._markers:
            if any(os.path.isfile(os.path.join(directory, marker)) for marker in PROJECT_FILES) or \
                    os.path.exists(os.path.join(directory, ".git")):
                self._markers[directory] = directory
            else:
                parent = os.path.dirname(directory)
                self._markers[directory] = self._marked(parent) if parent != directory else None
        return self._markers[directory]

    def package_of(self, path: Path, root: Path) -> tuple[str, ...]:
        """`package_of(path, root)`, resolving each directory once."""
        absolute = os.path.abspath(path)
        if os.path.islink(absolute):
            real = os.path.realpath(absolute)
        else:
            real = os.path.join(self._realpath(os.path.dirname(absolute)), os.path.basename(absolute))
        parts = _module_parts(path, Path(real), Path(self._realpath(str(root))))
        return parts if path.name == "__init__.py" else parts[:-1]

    def _realpath(self, directory: str) -> str:
        if directory not in self._real:
            self._real[directory] = os.path.realpath(directory)
        return self._real[directory]

    def home(self, root: Path) -> Path:
        """Where the cache of `root` lives: the root itself when it holds
        a project marker (`pyproject.toml`, `setup.py`, `setup.cfg`, `.git`);
        else the current directory (never the folder a loose file happens to
        sit in)."""
        home = self._homes.get(root)
        if home is None:
            home = root
            if self._marked(str(root)) is None:
                try:
                    home = Path(os.getcwd())
                except OSError:  # the working directory is gone: no better place
                    pass
            self._homes[root] = home
        return home

    def walked(self, directory: Path, files: list[str]) -> None:
        """`files` are `iter_source_files([directory])` (as absolute paths):
        the index of a project rooted at `directory` takes them as they are."""
        self._walks[directory] = files

    def remember_stamp(self, path: str, stamp: Any) -> None:
        """A stat of the absolute `path` taken by the caller in this run, for
        the indexes to reuse."""
        self._stamps[path] = stamp

    def store(self, root: Path, kind: str, config: Config | None = None) -> RecordStore:
        """The cache store of `kind` for files under `root`."""
        home = self.home(root)
        key = (home, kind)
        if key not in self._stores:
            self._stores[key] = RecordStore(home, kind, config)
        return self._stores[key]

    def save(self) -> None:
        """Write the cache stores of this run."""
        for store in self._stores.values():
            store.save()

    def index(self, root: Path, files: Iterable[Path] | None = None) -> HelperIndex:
        index = self._indexes.get(root)
        if index is None:
            store = self.store(root, "helpers") if self._use_cache else None
            tables = self.store(root, "tables") if self._use_cache else None
            functions = self.store(root, "functions") if self._use_cache else None
            index = self._indexes[root] = HelperIndex(root, self._config, store=store, files=files,
                                                      reads=self._reads, stamps=self._stamps,
                                                      names=self._walks.get(root) if files is None else None,
                                                      tables=tables, functions=functions)
        return index

    def test_bases(self, root: Path) -> TestBases:
        bases = self._test_bases.get(root)
        if bases is None:
            bases = self._test_bases[root] = TestBases(root, self._config, self._walks.get(root))
        return bases

    def answer(self, root: Path, key: str) -> Any:
        """What the project says about `key`, as the results cache keeps it:
        the `ProjectFact.encode()` of a project name (0: not the project's),
        or for `TEST_BASE + name`, 1 when that class derives from
        tf.test.TestCase (else 0)."""
        if key.startswith(TEST_BASE):
            return int(self.test_bases(root).lookup(key[len(TEST_BASE):]))
        found = self.index(root).lookup(key)
        return found.encode() if found is not None else 0

    def table(self, root: Path) -> dict[str, int]:
        """Every nonzero `answer` for `root` (what worker processes are given)."""
        table = {k: v.value for k, v in self.index(root).table().items()}
        table.update((TEST_BASE + name, 1) for name in self.test_bases(root).table())
        return table

    def for_file(self, path: Path) -> tuple[HelperIndex, tuple[str, ...]]:
        root = self.root_of(path)
        return self.index(root), self.package_of(path, root)


# ------------------------------------------------------- functions' facts
#
# What each function, method and class of the project draws and returns.
# Demand-driven: a file is summarised (LibCST, once per content, cached)
# only when a linted file calls into it; the facts of a name are the fixed
# point of the summaries over the part of the call graph it reaches.

#: Methods whose draws a call of the class itself makes (construction).
_CONSTRUCTION = ("__init__", "build")
#: How deep aliases (re-exports) and base classes are followed.
_MAX_HOPS = 8


@dataclass
class _Function:
    """One function, method (`Cls.m`) or class (`Cls`) of a summary."""

    draws: int = 0
    #: domain bit -> (API, line) of its first own draw of that domain.
    sites: dict[int, tuple[str, int]] = field(default_factory=dict)
    seeds: int = 0
    #: names it calls (resolved: `pkg.mod.f`, `pkg.mod.Cls.m`), project or not.
    calls: set[str] = field(default_factory=set)
    kind: str | None = None
    #: names whose results it returns (their kind is its kind).
    returns: set[str] = field(default_factory=set)
    #: a class: its bases (resolved names).
    bases: list[str] = field(default_factory=list)
    is_class: bool = False

    def dump(self) -> list[Any]:
        return [self.draws, [[b, a, n] for b, (a, n) in sorted(self.sites.items())], self.seeds,
                sorted(self.calls), self.kind, sorted(self.returns), self.bases, self.is_class]

    @classmethod
    def load(cls, data: Any) -> _Function:
        draws, sites, seeds, calls, kind, returns, bases, is_class = data
        return cls(int(draws), {int(b): (str(a), int(n)) for b, a, n in sites}, int(seeds),
                   set(map(str, calls)), kind if isinstance(kind, str) else None, set(map(str, returns)),
                   [str(b) for b in bases], bool(is_class))


@dataclass
class _Summary:
    """What one file's functions do, read from that file alone."""

    functions: dict[str, _Function] = field(default_factory=dict)
    #: module-level imports of names that are not a library's (re-exports).
    aliases: dict[str, str] = field(default_factory=dict)

    def dump(self) -> list[Any]:
        return [{k: f.dump() for k, f in self.functions.items()}, self.aliases]

    @classmethod
    def load(cls, data: Any) -> _Summary | None:
        try:
            functions, aliases = data
            return cls({str(k): _Function.load(v) for k, v in functions.items()},
                       {str(k): str(v) for k, v in aliases.items()})
        except (TypeError, ValueError, AttributeError):
            return None


def summarise(module: Any, config: Config, module_name: str, package: tuple[str, ...]) -> _Summary:
    """The summary of a parsed file (`module`: a LibCST Module), by the
    engine's own `FileModel`, without looking at any other file."""
    import libcst as cst

    from tfseedlint.model import INSTANCE, MODEL, PROJECT_KINDS, FileModel
    from tfseedlint.positions import start_positions
    from tfseedlint.scope import resolve_expr

    model = FileModel(module, config, package=package, module_name=module_name)
    prefix = f"{module_name}." if module_name else ""
    summary = _Summary()
    functions = summary.functions

    def function(owner: str) -> _Function:
        found = functions.get(owner)
        if found is None:
            found = functions[owner] = _Function()
        return found

    for name in model.walk.module_scope.defs:
        function(name)
    for name, node in model.walk.module_scope.classes.items():
        cls = function(name)
        cls.calls.update(f"{prefix}{name}.{m}" for m in _CONSTRUCTION)
        for base in node.bases:
            based = resolve_expr(base.value, model.walk.module_scope)
            if based is None and type(base.value) is cst.Name and \
                    base.value.value in model.walk.module_scope.classes:
                based = prefix + base.value.value
            if based is not None:
                cls.bases.append(based)
        cls.is_class = True
        cls.kind = MODEL if model.local_class_kinds.get(name) == MODEL else "instance"
        for statement in node.body.body:
            if type(statement) is cst.FunctionDef:
                function(f"{name}.{statement.name.value}")
    first: dict[tuple[str, int], Any] = {}
    for source in model.sources:
        owner = source.call.site.owner
        if owner is None or not source.domain:
            continue
        target = function(owner)
        target.draws |= source.domain.value
        for bit in Domain:
            if bit.value and bit & source.domain and (owner, bit.value) not in first:
                first[(owner, bit.value)] = source
    if first:
        starts = start_positions(module, list({id(s.call.node): s.call.node for s in first.values()}.values()))
        for (owner, bit), source in first.items():
            functions[owner].sites[bit] = (source.api, starts[source.call.node][0])
    for seed in model.seed_calls:
        if seed.call.site.owner is not None:
            function(seed.call.site.owner).seeds |= seed.domain.value
    for call in model.calls:
        owner = call.site.owner
        if owner is None:
            continue
        callee = _callee(model, call, prefix, owner)
        if callee is not None:
            function(owner).calls.add(callee)
    # A return annotation (`-> tf.keras.Model`) says the kind where the
    # returned value cannot be traced (a model picked from a dict).
    defs = [(name, node) for name, node in model.walk.module_scope.defs.items()]
    defs += [(f"{cls}.{stmt.name.value}", stmt) for cls, node in model.walk.module_scope.classes.items()
             for stmt in node.body.body if type(stmt) is cst.FunctionDef]
    for owner, node in defs:
        if node.returns is not None:
            annotated = _ANNOTATED_KINDS.get(resolve_expr(node.returns.annotation, model.walk.module_scope) or "")
            if annotated is not None:
                function(owner).kind = annotated
    for site in model.walk.returns:
        refs: list[str] = []
        kind = model.kind_of(site.value, site.scope, refs=refs)
        target = function(site.owner)
        if kind in PROJECT_KINDS:
            target.kind = kind
        elif kind is not None and kind.startswith(INSTANCE):
            target.returns.add(kind[len(INSTANCE):])
        target.returns.update(refs)
    scope = model.walk.module_scope
    for local, qualified in scope.imports.items():
        if qualified.split(".")[0] not in catalog.ROOT_MODULES and local != qualified:
            summary.aliases[local] = qualified
    for local, values in scope.values.items():
        # `Model = models.Model`: another name for a project class or function.
        if len(values) == 1 and local not in functions and local not in scope.imports:
            qualified = resolve_expr(values[0], scope)
            if qualified is not None and qualified.split(".")[0] not in catalog.ROOT_MODULES:
                summary.aliases[local] = qualified
    return summary


#: Return annotations that give a function's result its kind.
_ANNOTATED_KINDS = {**{name: "model" for name in catalog.KERAS_MODELS},
                    "tensorflow.data.Dataset": "dataset", catalog.DATA_OPTIONS: "options"}


def _callee(model: Any, call: Any, prefix: str, owner: str) -> str | None:
    """The name a call in a project function runs, for the call graph:
    an imported (non-library) name, a function or class of the same file,
    or `self.method` of the method's own class."""
    from tfseedlint.scope import module_def

    name = call.name
    if name is not None:
        return name if name.split(".")[0] not in catalog.ROOT_MODULES else None
    import libcst as cst

    func = call.node.func
    if type(func) is cst.Name:
        if module_def(func.value, call.site.scope) is not None:
            return prefix + func.value
        if func.value in model.walk.module_scope.classes:
            return prefix + func.value
        return None
    if type(func) is cst.Attribute and type(func.value) is cst.Name and func.value.value in ("self", "cls") \
            and "." in owner:
        return f"{prefix}{owner.split('.')[0]}.{func.attr.value}"
    return None

"""The project's own seed helpers: functions that (transitively) make a
global seed call, found across the files of the project so that
`from utils import seed_everything` counts as seeding, also when only the
calling file is linted.

Only files that mention "seed" are parsed: a helper's file makes the seed
call itself or calls one that does.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from tfseedlint import catalog
from tfseedlint.catalog import Domain
from tfseedlint.config import find_project_root
from tfseedlint.engine import parse
from tfseedlint.ftypes import Config
from tfseedlint.model import FileModel, propagate
from tfseedlint.paths import iter_source_files
from tfseedlint.sources import SourceError, decode_python


def module_parts(path: Path, root: Path) -> tuple[str, ...]:
    """Dotted module path of `path` inside `root` (`src/` layouts unwrapped)."""
    try:
        rel = path.resolve().relative_to(root.resolve())
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
    """Maps a qualified function name to the global seeds it sets."""

    def __init__(self, root: Path, config: Config) -> None:
        self.root = root
        self._config = config
        self._table: dict[str, Domain] | None = None
        self._lock = threading.Lock()

    def lookup(self, name: str) -> Domain | None:
        if not _is_project_name(name):
            return None
        with self._lock:
            if self._table is None:
                self._table = self._build()
        return self._table.get(name)

    def fingerprint(self) -> str:
        """A stable text of the index, for cache keys."""
        if self._table is None:
            with self._lock:
                self._table = self._build()
        return ";".join(f"{k}={v.value}" for k, v in sorted(self._table.items()))

    def _build(self) -> dict[str, Domain]:
        files, _ = iter_source_files([self.root], self._config)
        helpers: list[_Helper] = []
        for path in files:
            if path.suffix != ".py":
                continue
            helpers.extend(self._scan(path))
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

    def _scan(self, path: Path) -> list[_Helper]:
        try:
            data = path.read_bytes()
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


class Projects:
    """One HelperIndex per project root, shared by the files of a run."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self._indexes: dict[Path, HelperIndex] = {}

    def for_file(self, path: Path) -> tuple[HelperIndex, tuple[str, ...]]:
        root = find_project_root(path)
        index = self._indexes.get(root)
        if index is None:
            index = self._indexes[root] = HelperIndex(root, self._config)
        return index, package_of(path, root)

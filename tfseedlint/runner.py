"""Linting a run's files: results cache first, cheap work next, LibCST last,
spread over worker processes.

For each file, in order of cost:

1. the results cache (`tfseedlint.cache`): a file whose stat, or else whose
   content, is unchanged, and whose project seed helpers still answer as they
   did, is not read again (a run served entirely from the cache imports
   neither LibCST nor the rules);
2. the prefilter (`tfseedlint.prefilter`): a file that calls nothing the
   rules look at is not parsed with LibCST;
3. the engine (`tfseedlint.engine`) on what is left.

With several jobs the files go to worker processes, largest first. Workers
return plain findings, and the run's output is sorted, so it is the same for
any number of jobs. A worker does not wait for the project's seed-helper
table: unless this process has it already, it lints as if the project had
no helpers and records each helper lookup it makes; meanwhile this process
builds the table, and a file whose lookups the table answers differently is
linted again. An unreadable or vanished file, or a failure in one file, becomes an
error message for that file, never the end of the run.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence

from tfseedlint.cache import RecordStore, Stamp, content_digest, stamp_of
from tfseedlint.catalog import ROOT_MODULES
from tfseedlint.ftypes import Config, Finding, ProjectFact
from tfseedlint.project import TEST_BASE, Projects

#: Below this much work, starting worker processes costs more than it saves.
POOL_MIN_BYTES = 256 * 1024
#: Finding fields as stored in the cache (the path is the record's own).
_FIELDS = ("line", "col", "code", "message", "name", "cell", "fixable")


class HasFindings(Protocol):
    @property
    def findings(self) -> list[Finding]: ...


@dataclass
class FileResult:
    """One file's findings (from the cache, the prefilter or the engine)."""

    findings: list[Finding] = field(default_factory=list)
    #: "cache", "prefilter" or "engine": what decided them.
    via: str = "engine"
    # What `engine.LintResult` also carries; `--fix` lints files again itself.
    module: None = None
    placed: list[Any] = field(default_factory=list)
    source: None = None


@dataclass
class Run:
    """What one lint run produced."""

    #: (path, result) per file, in the order the files were given.
    results: list[tuple[str, HasFindings]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: what the user should know that is no error (a fix left undone).
    notes: list[str] = field(default_factory=list)
    #: the bytes read from standard input (`-`), for `--fix` / `--diff`.
    stdin_data: bytes | None = None

    @property
    def findings(self) -> list[Finding]:
        return sorted((f for _, r in self.results for f in r.findings), key=lambda f: f.sort_key)

    def count(self, via: str) -> int:
        """How many files `via` ("cache", "prefilter", "engine") decided."""
        return sum(1 for _, r in self.results if getattr(r, "via", "engine") == via)


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


# ------------------------------------------------------------------ workers


@dataclass(frozen=True)
class _Task:
    index: int
    path: str
    display: str
    package: tuple[str, ...]
    root: str
    size: int


@dataclass
class _Outcome:
    index: int
    stamp: Stamp | None = None
    digest: str | None = None
    #: None on error.
    findings: list[Finding] | None = None
    #: project names looked up in the project index -> the fact's
    #: `encode()` (0: not the project's); `TEST_BASE + name` -> 1 when the
    #: project class derives from tf.test.TestCase, else 0.
    deps: dict[str, Any] = field(default_factory=dict)
    via: str = "engine"
    error: str | None = None


def _is_project_name(name: str) -> bool:
    return name.split(".")[0] not in ROOT_MODULES


Lookup = Callable[[str], "ProjectFact | None"]


def encoded(fact: ProjectFact | None) -> Any:
    """A fact as the results cache keeps it (0: not the project's)."""
    return fact.encode() if fact is not None else 0


def in_modules(modules: frozenset[str] | dict[str, Any]) -> Callable[[str], bool]:
    """Whether a dotted name lies in one of `modules` (`HelperIndex.is_project`)."""
    def inside(name: str) -> bool:
        parts = name.split(".")
        return any(".".join(parts[:i]) in modules for i in range(len(parts) - 1, 0, -1))
    return inside


class _Speculation:
    """A worker's guess at the project index: the seed helpers and test
    bases when known (`Projects.table`), and which names are the project's;
    what functions draw and return is left out (the results are checked
    against the index, see the module doc)."""

    def __init__(self, table: dict[str, int], modules: frozenset[str]) -> None:
        self.table = table
        self.is_project = in_modules(modules)

    def lookup(self, name: str) -> ProjectFact | None:
        value = self.table.get(name, 0)
        if value:
            return ProjectFact(seeds=value)
        return ProjectFact() if self.is_project(name) else None

    def is_test_base(self, name: str) -> bool:
        return bool(self.table.get(TEST_BASE + name, 0))


class _Index(Protocol):
    def lookup(self, name: str) -> ProjectFact | None: ...
    def is_project(self, name: str) -> bool: ...
    def is_test_base(self, name: str) -> bool: ...


class _Project:
    """The project index and test bases of one root, in this process."""

    def __init__(self, projects: Projects, root: Path) -> None:
        index = projects.index(root)
        self.lookup = index.lookup
        self.is_project = index.is_project
        self.is_test_base = projects.test_bases(root).lookup


class _Linter:
    """Lints one task at a time; one per worker process (or in-process)."""

    def __init__(self, config: Config, helpers: dict[str, _Index]) -> None:
        self.config = config
        #: per project root: the project index (or a guess at it).
        self.helpers = helpers
        self._screen: Any = None

    def run(self, task: _Task) -> _Outcome:
        outcome = _Outcome(task.index)
        from tfseedlint.sources import read_bytes

        try:
            stat = os.stat(task.path)  # before reading: a later change shows next time
            data = read_bytes(task.path)
        except OSError as exc:
            outcome.error = f"{task.path}: {exc.strerror or exc}"
            return outcome
        outcome.stamp = stamp_of(stat)
        outcome.digest = content_digest(data)
        try:
            self._lint(task, data, outcome)
        except Exception as exc:  # a bug in one file must not end the run
            outcome.error = f"{task.display}: internal error: {type(exc).__name__}: {exc}"
            outcome.findings = None
        return outcome

    def _lint(self, task: _Task, data: bytes, outcome: _Outcome) -> None:
        notebook = task.display.endswith(".ipynb")
        index = self.helpers.get(task.root)
        deps = outcome.deps

        def lookup(name: str) -> ProjectFact | None:
            if not _is_project_name(name):
                return None
            fact = index.lookup(name) if index is not None else None
            deps[name] = encoded(fact)
            return fact

        def is_test_base(name: str) -> bool:
            if not _is_project_name(name):
                return False
            value = deps[TEST_BASE + name] = int(index.is_test_base(name)) if index is not None else 0
            return bool(value)

        if not self._needs_lint(data, notebook, task.package, lookup,
                                index.is_project if index is not None else None):
            outcome.findings, outcome.via = [], "prefilter"
            return
        from tfseedlint.engine import lint_source

        result = lint_source(data, task.display, self.config, helpers=lookup, package=task.package,
                             test_bases=is_test_base)
        outcome.findings = list(result.findings)

    def _needs_lint(self, data: bytes, notebook: bool, package: tuple[str, ...], lookup: Lookup,
                    is_project: Callable[[str], bool] | None) -> bool:
        from tfseedlint.notebook import decode_notebook
        from tfseedlint.sources import SourceError, decode_python

        try:
            source = decode_notebook(data) if notebook else decode_python(data)
        except SourceError:
            return True  # the engine reports it
        if source is None:
            return False  # a notebook of another language
        if self._screen is None:
            from tfseedlint.prefilter import Screen

            self._screen = Screen(self.config)
        try:
            return self._screen.needs_lint(source.text, notebook=notebook, package=package,
                                           project=lookup if is_project is not None else None,
                                           is_project=is_project)
        except Exception:  # the screen may only ever save work, not lose findings
            return True


_WORKER: _Linter | None = None


def _start_worker(config: Config, tables: dict[str, tuple[dict[str, int], frozenset[str]]]) -> None:
    global _WORKER
    _WORKER = _Linter(config, {root: _Speculation(*table) for root, table in tables.items()})


def _work(task: _Task) -> _Outcome:
    assert _WORKER is not None
    return _WORKER.run(task)


# --------------------------------------------------------------------- runs


class _Runner:
    """One run over a list of files (see the module docstring)."""

    def __init__(self, config: Config, jobs: int, use_cache: bool) -> None:
        self.config = config
        self.jobs = jobs if jobs > 0 else default_jobs()
        self.use_cache = use_cache
        self.projects = Projects(config, use_cache=use_cache)
        self.roots: dict[str, Path] = {}

    def store(self, root: Path) -> RecordStore | None:
        return self.projects.store(root, "results", self.config) if self.use_cache else None

    def table(self, root: str, known: bool = True) -> tuple[dict[str, int], frozenset[str]]:
        """What a worker is told of a project: its seed helpers and test
        bases (with `known`; building those tables may parse files) and its
        modules."""
        table = self.projects.table(Path(root)) if known else {}
        return table, frozenset(self.projects.index(Path(root)).modules())

    def helpers_hold(self, root: str, deps: dict[str, Any]) -> bool:
        """Whether the project index and test bases answer `deps` as they did."""
        return all(self.projects.answer(self.roots[root], name) == value for name, value in deps.items())

    def lint(self, files: Sequence[Path]) -> Run:
        slots: list[tuple[str, FileResult] | None] = [None] * len(files)
        errors: dict[int, str] = {}
        tasks: list[_Task] = []
        reused: list[tuple[_Task, list[Any], list[Finding]]] = []
        # All roots first: where caches live depends on them (Projects.home).
        file_roots = [self.projects.root_of(path, is_file=True) for path in files]
        for index, path in enumerate(files):
            display = str(path)
            root = file_roots[index]
            self.roots[str(root)] = root
            try:
                stamp = stamp_of(os.stat(path))
            except OSError as exc:
                errors[index] = f"{path}: {exc.strerror or exc}"
                continue
            key = os.path.abspath(path)
            self.projects.remember_stamp(key, stamp)
            store = self.store(root)
            cached = _valid_record(store.data(key), display) if store is not None else None
            # The same file under the same name and root: the same package.
            if cached is not None and (cached[0][0], cached[0][1]) == (display, str(root)):
                record, found = cached
                task = _Task(index, str(path), display, tuple(record[2]), str(root), stamp[2])
                if store.get(key, stamp) is not None or self._same_content(path, key, stamp):
                    reused.append((task, record, found))
                    continue
            package = self.projects.package_of(path, root)
            tasks.append(_Task(index, str(path), display, package, str(root), stamp[2]))

        outcomes = self._execute(tasks, speculative=True)
        for task in tasks:
            outcome = outcomes[task.index]
            if outcome.error is not None:
                errors[task.index] = outcome.error
        # Cached findings stand while the seed helpers they relied on answer
        # the same; speculative ones too.
        again: list[_Task] = []
        for task, record, found in reused:
            if self.helpers_hold(task.root, record[4]):
                slots[task.index] = (task.display, FileResult(found, "cache"))
            else:
                again.append(_Task(task.index, task.path, task.display, task.package, task.root, task.size))
        for task in tasks:
            outcome = outcomes[task.index]
            if outcome.findings is None:
                continue
            if not self.helpers_hold(task.root, outcome.deps):
                again.append(_Task(task.index, task.path, task.display, task.package, task.root, task.size))
                continue
            self._keep(task, outcome, slots)
        if again:
            redone = self._execute(again, speculative=False)
            for task in again:
                outcome = redone[task.index]
                if outcome.error is not None:
                    errors[task.index] = outcome.error
                else:
                    self._keep(task, outcome, slots)
        self.projects.save()
        run = Run()
        run.results = [slot for slot in slots if slot is not None]
        run.errors = [errors[i] for i in sorted(errors)]
        return run

    def _keep(self, task: _Task, outcome: _Outcome, slots: list[tuple[str, FileResult] | None]) -> None:
        findings = outcome.findings or []
        slots[task.index] = (task.display, FileResult(findings, outcome.via))
        store = self.store(self.roots[task.root])
        if store is not None and outcome.stamp is not None:
            store.put(os.path.abspath(task.path), outcome.stamp,
                      [task.display, task.root, list(task.package), _dump(findings), outcome.deps], outcome.digest)

    def _same_content(self, path: Path, key: str, stamp: Stamp) -> bool:
        """A new stat (touched, copied, checked out again) but the same bytes
        as the cached record: keep the record, with the new stat."""
        store = self.store(self.projects.root_of(path))
        if store is None or store.digest(key) is None:
            return False
        from tfseedlint.sources import read_bytes

        try:
            same = content_digest(read_bytes(path)) == store.digest(key)
        except OSError:
            return False  # the worker will say why
        if same:
            store.touch(key, stamp)
        return same

    def _execute(self, tasks: list[_Task], *, speculative: bool) -> dict[int, _Outcome]:
        """Run `tasks` in worker processes or in this one. `speculative`:
        workers need not wait for the helper tables (see the module doc)."""
        if not tasks:
            return {}
        # Workers only guess at the project index: what is linted again
        # (not speculative) is linted here, against the index itself.
        if speculative and self.jobs > 1 and len(tasks) > 1 and sum(t.size for t in tasks) >= POOL_MIN_BYTES:
            return self._pool(tasks)
        roots = {t.root for t in tasks}
        linter = _Linter(self.config, {r: _Project(self.projects, Path(r)) for r in roots})
        return {task.index: linter.run(task) for task in tasks}

    def _pool(self, tasks: list[_Task]) -> dict[int, _Outcome]:
        from concurrent.futures import ProcessPoolExecutor, as_completed
        from concurrent.futures.process import BrokenProcessPool

        roots = sorted({t.root for t in tasks})
        # Seed-helper tables already known are passed on; others start
        # empty (speculation).
        tables = {r: self.table(r, known=self._table_ready(r)) for r in roots}
        ordered = sorted(tasks, key=lambda t: (-t.size, t.index))
        outcomes: dict[int, _Outcome] = {}
        broken: list[_Task] = []
        workers = min(self.jobs, len(tasks))
        with ProcessPoolExecutor(max_workers=workers, initializer=_start_worker,
                                 initargs=(self.config, tables)) as pool:
            futures = {pool.submit(_work, t): t for t in ordered}
            for future in as_completed(futures):
                task = futures[future]
                try:
                    outcome = outcomes[task.index] = future.result()
                except BrokenProcessPool:
                    broken.append(task)
                    continue
                if outcome.deps:
                    # What this result is checked against (the seed-helper
                    # table, the facts of the project names it called),
                    # worked out here while the workers go on.
                    index = self.projects.index(Path(task.root))
                    for name in outcome.deps:
                        if not name.startswith(TEST_BASE):
                            index.lookup(name)
        for task in broken:  # one at a time, each in a process of its own
            outcomes[task.index] = self._isolated(task)
        return outcomes

    def _table_ready(self, root: str) -> bool:
        return self.projects.index(Path(root)).built

    def _isolated(self, task: _Task) -> _Outcome:
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        try:
            with ProcessPoolExecutor(max_workers=1, initializer=_start_worker,
                                     initargs=(self.config, {task.root: self.table(task.root)})) as pool:
                return pool.submit(_work, task).result()
        except BrokenProcessPool:
            return _Outcome(task.index, error=f"{task.display}: internal error: the worker process died")


def _valid_record(data: Any, display: str) -> tuple[list[Any], list[Finding]] | None:
    """A results record ([display, root, package, findings, deps]) fit to use,
    with its findings (named `display`), or None."""
    if data is None:
        return None
    try:
        _, root, package, rows, deps = data
        ok = (isinstance(root, str) and isinstance(package, list) and all(isinstance(p, str) for p in package)
              and isinstance(deps, dict) and all(isinstance(v, (int, list)) for v in deps.values()))
        return (data, _load(display, rows)) if ok else None
    except (TypeError, ValueError):
        return None


def _dump(findings: list[Finding]) -> list[list[Any]]:
    return [[getattr(f, name) for name in _FIELDS] for f in findings]


def _load(path: str, rows: list[list[Any]]) -> list[Finding]:
    return [Finding(path, *row) for row in rows]


def lint_files(files: Sequence[Path], config: Config, jobs: int = 0, use_cache: bool = True,
               walked: Path | None = None) -> Run:
    """Lint `files` (with `jobs` processes, 0: one per core); unreadable files
    become error messages, never exceptions. `walked`: the directory that
    `files` are the `iter_source_files` walk of, if any (a project rooted
    there need not be walked again)."""
    runner = _Runner(config, jobs, use_cache)
    if walked is not None:
        top = os.path.abspath(walked)
        prefix = "" if os.path.normpath(walked) == os.curdir else os.path.join(str(walked), "")
        names = [str(f) for f in files]
        if all(name.startswith(prefix) for name in names):
            runner.projects.walked(Path(top), [os.path.join(top, name[len(prefix):]) for name in names])
    return runner.lint(files)


def lint_stdin(name: str, config: Config, use_cache: bool = True, data: bytes | None = None) -> Run:
    """Lint the bytes of standard input (or `data`) as the file `name`."""
    if data is None:
        data = sys.stdin.buffer.read()
    run = Run(stdin_data=data)
    projects = Projects(config, use_cache=use_cache)
    path = Path(name)
    root = projects.root_of(path)
    package = projects.package_of(path, root)
    linter = _Linter(config, {str(root): _Project(projects, root)})
    task = _Task(0, name, name, package, str(root), len(data))
    outcome = _Outcome(0)
    try:
        linter._lint(task, data, outcome)
    except Exception as exc:
        run.errors.append(f"{name}: internal error: {type(exc).__name__}: {exc}")
    run.results.append((name, FileResult(outcome.findings or [], outcome.via)))
    return run


__all__ = ["FileResult", "Run", "default_jobs", "lint_files", "lint_stdin"]

"""`--fix` and `--diff`: apply the fixes the rules report, file by file.

Each file with fixable findings is read and linted again here (a run's
results may come from a cache or from other processes). All fixes of a round
are applied in one pass (`edits.py`); the file is linted again and the loop
repeats until nothing changes, so fixes compose (the seed call that
TSL401 inserts is where TSL405 then inserts op determinism).

A fix never loses code: the result must parse and compile, comments and
formatting outside the edits are kept, and the file is replaced atomically,
with its encoding, BOM, line endings and mode, and only if it is still what
was read. Notebooks are edited cell by cell, keeping magics, outputs,
metadata and the JSON layout (`documents.py`).
"""
from __future__ import annotations

import codecs
import dataclasses
import os
import stat
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from tfseedlint.documents import NotebookDocument, PythonDocument, merge_edits, unified_diff
from tfseedlint.edits import FixError, apply_once, check_code, safe_newline
from tfseedlint.contexts import TestBaseLookup
from tfseedlint.engine import LintResult, Placed, deep, lint_source
from tfseedlint.fixes import Fix
from tfseedlint.ftypes import Config
from tfseedlint.model import HelperLookup
from tfseedlint.project import Projects
from tfseedlint.rules import RULES_BY_CODE
from tfseedlint.notebook import NotebookSource, PlacementError
from tfseedlint.sources import SourceError, read_bytes

if TYPE_CHECKING:
    from tfseedlint.runner import Run

#: Rounds of fix-and-lint per file; each one lets fixes that depend on an
#: earlier one fire (TSL401 -> TSL405), none is expected to need more.
MAX_ROUNDS = 6
#: Per-call seeds that a global seed call makes needless: while a round
#: inserts one, they wait for the next round, where most are no longer reported.
COVERED_BY_GLOBAL_SEED = frozenset({"TSL101", "TSL105", "TSL201", "TSL202", "TSL204", "TSL205",
                                    "TSL207", "TSL301", "TSL302"})


def applicable(code: str, unsafe: bool) -> bool:
    """Whether `code`'s fixes run: safe ones always, unsafe ones on request."""
    rule = RULES_BY_CODE.get(code)
    safety = rule.fix_safety if rule is not None else None
    return safety == "safe" or (safety == "unsafe" and unsafe)


def _choose(placed: Sequence[Placed], unsafe: bool, stuck: set[str]) -> list[tuple[str, Fix]]:
    chosen = [(item.report.code, item.report.fix) for item in placed
              if item.report.fix is not None and item.report.code not in stuck
              and applicable(item.report.code, unsafe)]
    if any(fix.key is not None for _, fix in chosen):  # type: ignore[union-attr]
        chosen = [(code, fix) for code, fix in chosen if code not in COVERED_BY_GLOBAL_SEED]
    return chosen  # type: ignore[return-value]


# ------------------------------------------------------------ one file


@dataclass
class FileFix:
    """What fixing one file's bytes gave."""

    path: str
    before: bytes
    after: bytes
    #: the lint of `after`: the findings that remain.
    result: LintResult
    diff: str = ""
    #: the fixed text (what `--fix` writes to stdout for `-`).
    text: str = ""
    error: str | None = None
    #: why some fixes were left undone, the file being fixed otherwise.
    note: str | None = None

    @property
    def changed(self) -> bool:
        return self.after != self.before


def fix_source(data: bytes, path: str, config: Config, *, unsafe: bool = False,
               helpers: HelperLookup | None = None, package: Sequence[str] = (),
               test_bases: TestBaseLookup | None = None) -> FileFix:
    """Fix one file's bytes (`path` names it and picks notebook handling)."""
    notebook = path.endswith(".ipynb")

    def lint(payload: bytes) -> LintResult:
        return lint_source(payload, path, config, helpers=helpers, package=package, test_bases=test_bases)

    first = lint(data)
    try:
        document: PythonDocument | NotebookDocument = (
            NotebookDocument(data) if notebook else PythonDocument(data))
    except SourceError:
        return FileFix(path, data, data, first, text=data.decode("utf-8", "replace"))
    result = first
    stuck: set[str] = set()
    note = None
    try:
        for _ in range(MAX_ROUNDS):
            chosen = _choose(result.placed, unsafe, stuck)
            if not chosen or result.module is None:
                break
            module = result.module
            try:
                # Deeply nested code needs a deeper stack to be transformed and rendered.
                old_code, new_code = deep(lambda module=module, chosen=chosen: (
                    module.code, apply_once(module, [f for _, f in chosen]).code))
            except RecursionError:
                raise FixError("the code is nested too deeply to fix") from None
            if new_code == old_code:
                break
            check_code(new_code, old_code)
            before = _pending(result)
            try:
                document.update(result, new_code, old_code)
            except PlacementError as exc:
                # The fixes that add lines are left undone; the others go on.
                adding = {code for code, fix in chosen if fix.insert or fix.imports}
                note = f"{path}: {exc}; {', '.join(sorted(adding))} not fixed"
                stuck.update(adding)
                continue
            result = lint(document.data())
            if result.module is None:
                raise FixError("the fixed code would not parse")
            after = _pending(result)
            # A fix that did not clear its findings is not tried again. Findings
            # are told apart by message and line text: one that an earlier fix
            # revealed (the import TSL401 adds makes `tf.` calls resolve) is new.
            stuck.update(code for code, _ in chosen
                         if any(after[key] >= count for key, count in before.items() if key[0] == code))
        after = document.final()
    except FixError as exc:
        return FileFix(path, data, data, first, text=_text_of(first, data), error=f"{path}: {exc}; not fixed")
    return FileFix(path, data, after, result, diff=document.diff(path), text=document.output(), note=note)


def _pending(result: LintResult) -> Counter[tuple[str, str, str]]:
    """The fixable findings of `result` by code, message and line text."""
    lines = result.source.text.splitlines() if result.source is not None else []
    return Counter((item.report.code, item.report.message,
                    lines[item.line - 1].strip() if 0 < item.line <= len(lines) else "")
                   for item in result.placed if item.report.fix is not None)


def _text_of(result: LintResult, data: bytes) -> str:
    if result.source is not None and not isinstance(result.source, NotebookSource):
        return result.source.text
    return data.decode("utf-8-sig", "replace")


# ------------------------------------------------------------ writing


def write_atomic(path: Path, data: bytes, expected: bytes, read_stat: os.stat_result) -> str | None:
    """Replace `path` by `data` through a temporary file in its directory,
    keeping its mode, unless it is no longer `expected`. Returns an error."""
    target = Path(os.path.realpath(path))
    try:
        status = os.stat(target)
        mode = stat.S_IMODE(status.st_mode)
        # Renaming over a file needs only a writable directory: honour the
        # file's own read-only mode as an editor would.
        if not os.access(target, os.W_OK):
            return f"{path}: cannot write: Permission denied; not fixed"
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tfseedlint")
    except OSError as exc:
        return f"{path}: cannot write: {exc.strerror or exc}; not fixed"
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        if hasattr(os, "chown") and (status.st_uid, status.st_gid) != (os.geteuid(), os.getegid()):
            try:  # root fixing a user's file: it stays theirs
                os.chown(temporary, status.st_uid, status.st_gid)
            except OSError:
                pass
        now = os.stat(target)
        if (now.st_mtime_ns, now.st_size) != (read_stat.st_mtime_ns, read_stat.st_size) \
                or target.read_bytes() != expected:
            os.unlink(temporary)
            return f"{path}: changed on disk since it was read; not fixed"
        os.replace(temporary, target)
    except OSError as exc:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        return f"{path}: cannot write: {exc.strerror or exc}; not fixed"
    return None


def apply_fixes(run: Run, config: Config, *, write: bool, unsafe: bool,
                stdin: bool = False) -> tuple[Run, str, list[str]]:
    """Fix the files of `run` that have fixable findings.

    Returns the run with the findings that remain, the text to print (the
    unified diff; with `stdin` and `write`, the fixed source itself) and
    error messages, each naming a file that was left alone. Notes on fixes
    left undone in a file that was fixed go to the run's `notes`."""
    projects = Projects(config)
    targets = {f.path for f in run.findings if f.fixable and applicable(f.code, unsafe)}
    results: list[tuple[str, LintResult]] = []
    errors: list[str] = []
    notes: list[str] = []
    diffs: list[str] = []
    output = ""
    for path, result in run.results:
        if stdin:
            # Nothing to re-read: fix the bytes the run read (the fixed
            # source is printed even when there was nothing to fix).
            data = getattr(run, "stdin_data", None)
            if data is None:
                data = _reconstruct(result)
            if data is None:
                results.append((path, result))
                continue
            index, package = projects.for_file(Path(path))
            outcome = fix_source(data, path, config, unsafe=unsafe, helpers=index.lookup, package=package,
                                 test_bases=projects.test_bases(index.root).lookup)
            notes += [outcome.note] if outcome.note else []
            output = outcome.text if write else outcome.diff
            if outcome.error:
                errors.append(outcome.error)
            results.append((path, outcome.result))
            continue
        if path not in targets:
            results.append((path, result))
            continue
        file = Path(path)
        try:
            read_stat = os.stat(file)
            if not stat.S_ISREG(read_stat.st_mode):
                raise OSError("not a regular file")
            data = read_bytes(file)
        except OSError as exc:
            errors.append(f"{path}: {exc.strerror or exc}; not fixed")
            results.append((path, result))
            continue
        index, package = projects.for_file(file)
        outcome = fix_source(data, path, config, unsafe=unsafe, helpers=index.lookup, package=package,
                             test_bases=projects.test_bases(index.root).lookup)
        notes += [outcome.note] if outcome.note else []
        if outcome.error:
            errors.append(outcome.error)
            results.append((path, outcome.result))
            continue
        if write and outcome.changed:
            problem = write_atomic(file, outcome.after, data, read_stat)
            if problem is not None:
                errors.append(problem)
                results.append((path, result))
                continue
        diffs.append(outcome.diff)
        results.append((path, outcome.result))
    if not stdin:
        output = "".join(diffs)
    return dataclasses.replace(run, results=results, notes=[*run.notes, *notes]), output, errors


def _reconstruct(result: LintResult) -> bytes | None:
    source = result.source
    if source is None or isinstance(source, NotebookSource):
        return None
    try:
        return (codecs.BOM_UTF8 if source.bom else b"") + source.text.encode(source.encoding)
    except UnicodeEncodeError:
        return None


__all__ = ["FileFix", "FixError", "MAX_ROUNDS", "applicable", "apply_fixes", "apply_once", "fix_source",
           "merge_edits", "safe_newline", "unified_diff", "write_atomic"]

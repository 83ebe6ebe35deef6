"""The engine: parse a file once with LibCST, run every enabled rule over one
`FileModel`, place the reports and apply `# noqa`.

Positions are PositionProvider's, computed only for the reported nodes
(`positions.start_positions`), and only for files that have something to report.
"""
from __future__ import annotations

import ast
import difflib
import re
import sys
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence, TypeVar

import libcst as cst

from tfseedlint import reparse
from tfseedlint.ftypes import Config, Finding
from tfseedlint.contexts import TestBaseLookup
from tfseedlint.model import FileModel, HelperLookup
from tfseedlint.placement import env_magic_lines
from tfseedlint.positions import start_positions
from tfseedlint.rule import Report
from tfseedlint.rules import RULES_BY_CODE, ALL_RULES
from tfseedlint.notebook import NotebookSource, decode_notebook
from tfseedlint.sources import PythonSource, SourceError, decode_python, read_bytes

# flake8's own pattern and semantics, so that both tools suppress the same lines.
_NOQA = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
_FILE_NOQA = re.compile(r"^\s*#\s*tfseedlint\s*:\s*noqa\s*$", re.IGNORECASE | re.MULTILINE)


@dataclass
class Placed:
    """A report with its position in the parsed text (1-based line and column)."""

    report: Report
    line: int
    col: int


@dataclass
class LintResult:
    findings: list[Finding] = field(default_factory=list)
    #: the parsed module and reports, kept for --fix.
    module: cst.Module | None = None
    placed: list[Placed] = field(default_factory=list)
    source: PythonSource | NotebookSource | None = None


def suppressed(line_text: str, code: str) -> bool:
    """flake8 semantics: `# noqa` alone, or `# noqa: CODES` (codes or prefixes,
    compared case-sensitively)."""
    match = _NOQA.search(line_text)
    if match is None:
        return False
    codes = match.group("codes")
    if not codes:
        return True
    listed = tuple(c for c in re.split(r"[,\s]+", codes) if c)
    return code in listed or code.startswith(listed)


def parse(text: str) -> cst.Module:
    beyond = _beyond_python(text)
    if beyond is not None:
        raise beyond
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        # Valid Python LibCST's tokenizer refuses: a form feed in indentation
        # (CPython resets the column there) and a backslash continuation in
        # it (`   \` then ` if x:`). Parse the text as CPython reads it;
        # positions are moved back onto the file's lines by `_realign`.
        normal = _FORM_FEED_INDENT.sub("", _INDENT_CONTINUATION.sub(r"\1", text))
        if normal != text:
            try:
                return cst.parse_module(normal)
            except Exception:  # noqa: BLE001, S110 - the original error is reported below
                pass
        raise _python_syntax_error(text) or SourceError(
            f"syntax error: {exc.message}", exc.raw_line, exc.raw_column + 1) from None
    except (RecursionError, MemoryError):
        raise SourceError("cannot parse: code nested too deeply") from None
    except Exception as exc:  # the native parser's own failures
        raise SourceError(f"cannot parse: {exc}") from None


#: Brackets nested this deep, lines this long or this many backslash
#: continuations make a file worth checking with CPython's parser before
#: LibCST's: CPython gives up at 200 brackets or ~3,000 nested expressions,
#: where LibCST's parser spends minutes and gigabytes before failing.
_DEEP_BRACKETS = 100
_LONG_LINE = 5_000
_CONTINUATIONS = 500
_NOT_BRACKETS = re.compile(r"[^()\[\]{}]+")
_ONE_BRACKET = str.maketrans("[{]}", "(())")


def _looks_pathological(text: str) -> bool:
    """Cheap (C-speed) signs of nesting CPython may refuse."""
    if len(text) < 2 * _DEEP_BRACKETS:
        return False
    if text.count("\\\n") + text.count("\\\r") > _CONTINUATIONS:
        return True
    if max(map(len, text.splitlines()), default=0) > _LONG_LINE:
        return True
    brackets = _NOT_BRACKETS.sub("", text).translate(_ONE_BRACKET)
    for _ in range(_DEEP_BRACKETS):  # each pass strips one level of pairs
        inner = brackets.replace("()", "")
        if inner == brackets:
            return False
        brackets = inner
    return True


def _compile_ast(text: str) -> None:
    with warnings.catch_warnings():  # the user's SyntaxWarnings are not ours to print
        warnings.simplefilter("ignore")
        compile(text, "<source>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)


def _beyond_python(text: str) -> SourceError | None:
    """TSL001 for a file nested deeper than the interpreter itself accepts;
    None when it does not look so or CPython accepts it (only nesting limits
    count: other syntax errors may be newer syntax than this interpreter's)."""
    if not _looks_pathological(text):
        return None
    try:
        _compile_ast(text)
    except SyntaxError as exc:
        if "too many" in exc.msg or "too complex" in exc.msg or "nested" in exc.msg:
            return SourceError(f"syntax error: {exc.msg}", exc.lineno or 1, exc.offset or 1)
    except (RecursionError, MemoryError):
        return SourceError("cannot parse: code nested too deeply (Python cannot compile it either)")
    except ValueError:
        pass
    return None


_DEEP_LOCK = threading.Lock()
_DEEP_STACK = 512 << 20
_DEEP_LIMIT = 100_000

_T = TypeVar("_T")


def deep(fn: Callable[[], _T]) -> _T:
    """`fn()`, run again on a thread with a large stack and recursion limit if
    it overflows the default ones: LibCST visits and renders trees
    recursively, and Python accepts ~3,000 nested expressions. A
    RecursionError that persists propagates."""
    try:
        return fn()
    except RecursionError:
        pass
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    with _DEEP_LOCK:  # the recursion limit is process-wide
        old_limit = sys.getrecursionlimit()
        try:
            old_stack = threading.stack_size(_DEEP_STACK)
        except (ValueError, RuntimeError):  # no settable stack size here
            raise RecursionError("nested too deeply") from None
        sys.setrecursionlimit(max(old_limit, _DEEP_LIMIT))
        try:
            thread = threading.Thread(target=target, name="tfseedlint-deep", daemon=True)
            thread.start()
            thread.join()
        finally:
            threading.stack_size(old_stack)
            sys.setrecursionlimit(old_limit)
    if "error" in box:
        raise box["error"]
    return box["value"]


def _python_syntax_error(text: str) -> SourceError | None:
    """CPython's own message and position for a syntax error: clearer than
    the LibCST parser's. Only runs for files that failed to parse."""
    try:
        _compile_ast(text)
    except SyntaxError as exc:
        return SourceError(f"syntax error: {exc.msg}", exc.lineno or 1, exc.offset or 1)
    except (ValueError, RecursionError, MemoryError):
        return None
    return None


def lint_module(model: FileModel, path: str) -> list[Report]:
    """Run every rule enabled for `path` over one model."""
    reports: list[Report] = []
    for rule in ALL_RULES:
        if model.config.enabled(rule.code, path):
            reports.extend(rule.check(model))
    return reports


#: A line holding only a backslash: LibCST drops it when it renders the
#: module, so positions after it would count one line short.
_DROPPED_LINE = re.compile(r"(?:\A|[\r\n])[ \t\f]*\\(?:\r|\n)")
_LINE_BREAK = re.compile(r"\r\n?|\n")
#: Leading whitespace up to its last form feed, which CPython ignores.
_FORM_FEED_INDENT = re.compile(r"(?:(?<=[\r\n])|\A)[ \t\x0c]*\x0c")
#: A backslash continuation right after a line's indentation.
_INDENT_CONTINUATION = re.compile(r"(?:(?<=[\r\n])|\A)([ \t\x0c]*)\\(?:\r\n|\r|\n)")


def _realign(placed: list[Placed], rendered: str, text: str) -> list[Placed]:
    """Move positions in LibCST's rendering `rendered` to the lines of `text`."""
    if rendered == text:
        return placed
    ours, theirs = _LINE_BREAK.split(rendered), _LINE_BREAK.split(text)
    where: dict[int, int] = {}  # 1-based: line of `rendered` -> line of `text`
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ours, theirs, autojunk=False).get_opcodes():
        if tag == "delete":  # not in the file: the line that stands there
            where.update((k + 1, min(j1 + 1, len(theirs))) for k in range(i1, i2))
        elif tag != "insert":
            # Aligned on the last lines: a line LibCST joined (`   \` + ` if x:`)
            # holds the code of the last of the file's lines it stands for.
            shift = max(0, (j2 - j1) - (i2 - i1))
            where.update((k + 1, min(j2 - 1, j1 + k - i1 + shift) + 1 if tag == "replace" else j1 + k - i1 + 1)
                         for k in range(i1, i2))

    def line(number: int) -> int:
        return where.get(number, number)

    def col(number: int, moved: int, column: int) -> int:
        """Columns grow by what LibCST left out at the start of the line (form feeds)."""
        if 0 < number <= len(ours) and 0 < moved <= len(theirs):
            mine, real = ours[number - 1], theirs[moved - 1]
            if mine != real and real.endswith(mine):
                return column + len(real) - len(mine)
            if mine != real and mine.endswith(real):  # a continued indentation, joined
                return max(1, column - (len(mine) - len(real)))
        return column

    return [Placed(item.report, line(item.line), col(item.line, line(item.line), item.col)) for item in placed]


def place(module: cst.Module, reports: list[Report], text: str | None = None) -> list[Placed]:
    """Positions of `reports`; `text`, when given, is what `module` renders
    back to (it lets long files be rendered from both ends)."""
    if not reports:
        return []
    starts = start_positions(module, [report.node for report in reports], text)
    return [Placed(report, starts[report.node][0], starts[report.node][1] + 1) for report in reports]


#: Called for each syntax error: (error, cell number in a notebook or None).
ErrorSink = Callable[[SourceError, "int | None"], None]


def parse_reusing(text: str, previous: reparse.Parsed | None) -> reparse.Parsed:
    """`text` parsed, keeping the statements of `previous` (a parse of an
    earlier version of the same document) that the edit left alone: the
    language server's parse. Raises SourceError as `parse` does."""
    usual = "\x0c" not in text and _DROPPED_LINE.search(text) is None and not _looks_pathological(text)
    if previous is not None and usual:
        parsed = reparse.parse(previous, text)
        if parsed is not None:
            return parsed
    module = parse(text)
    # Text that LibCST cannot take as written was parsed normalised: its
    # statements' lines are not the text's, so the parse is not reused.
    return reparse.index(text, module) if usual else reparse.Parsed(text, module)


def read_module(data: bytes, notebook: bool, on_error: ErrorSink,
                parser: Callable[[str], cst.Module] = parse,
                ) -> tuple[PythonSource | NotebookSource, cst.Module | None] | None:
    """Decode and parse a file's bytes. None: nothing to lint (undecodable, or
    a notebook of another language); a None module: it does not parse. In a
    notebook one broken cell does not hide the others: each is reported and
    the rest is parsed without it. `parser` parses a Python file's text."""
    try:
        source = decode_notebook(data) if notebook else decode_python(data)
    except SourceError as exc:
        on_error(exc, None)
        return None
    if source is None:
        return None
    try:
        return source, (parse if notebook else parser)(source.text)
    except SourceError as exc:
        if not isinstance(source, NotebookSource):
            on_error(exc, None)
            return source, None
        broken = set()
        for cell in source.cells:
            try:
                parse(cell.code)
            except SourceError as cell_exc:
                broken.add(cell.number)
                cell_exc.col += cell.shift(cell_exc.line - 1) if 0 < cell_exc.line <= cell.line_count else 0
                on_error(cell_exc, cell.number)
        source.broken = broken
        try:
            return source, parse(source.without(broken))
        except SourceError:
            if not broken:
                cell, exc.line = source.locate(exc.line)
                on_error(exc, cell)
            return source, None


def lint_source(data: bytes, path: str, config: Config, *, helpers: HelperLookup | None = None,
                package: Sequence[str] = (), test_bases: TestBaseLookup | None = None,
                parser: Callable[[str], cst.Module] = parse) -> LintResult:
    """Lint one file's bytes; `path` names it in findings and picks
    per-file-ignores, and a `.ipynb` suffix makes it a notebook. `parser`
    parses a Python file's text (the language server's reuses its last parse)."""
    notebook = path.endswith(".ipynb")
    result = LintResult()
    errors: list[tuple[SourceError, int | None]] = []
    loaded = read_module(data, notebook, lambda exc, cell: errors.append((exc, cell)), parser)
    if loaded is not None:
        result.source = loaded[0]
        if _FILE_NOQA.search(_original_text(loaded[0])):
            return result
    if config.enabled("TSL001", path):
        result.findings.extend(Finding(path, exc.line, exc.col, "TSL001", exc.message,
                                       RULES_BY_CODE["TSL001"].name, cell) for exc, cell in errors)
    if loaded is None or loaded[1] is None:
        return result
    source, module = loaded

    def analyse() -> list[Placed]:
        model = FileModel(module, config, notebook=notebook, package=package, helpers=helpers,
                          raw_text=_original_text(source), test_bases=test_bases,
                          env_lines=env_magic_lines(source) if isinstance(source, NotebookSource) else frozenset())
        # A Python file's module renders back to its text, but for lines
        # holding only a backslash and form feeds, which LibCST may drop.
        inexact = "\x0c" in source.text or _DROPPED_LINE.search(source.text) is not None
        exact = source.text if not inexact and isinstance(source, PythonSource) else None
        placed = place(module, lint_module(model, path), exact)
        if placed and inexact:
            placed = _realign(placed, module.code, source.text)
        return placed

    try:
        placed = deep(analyse)
    except RecursionError:
        if config.enabled("TSL001", path):
            result.findings.append(Finding(path, 1, 1, "TSL001", "cannot analyse: code nested too deeply",
                                           RULES_BY_CODE["TSL001"].name))
        return result
    # Python's line breaks only (`splitlines` also breaks at form feeds).
    lines = _LINE_BREAK.split(source.text)
    kept = []
    for item in placed:
        line_text = lines[item.line - 1] if item.line - 1 < len(lines) else ""
        cell = None
        line = item.line
        col = item.col
        if isinstance(source, NotebookSource):
            cell, line = source.locate(item.line)
            col = source.column(item.line, col)
            original = _LINE_BREAK.split(source.originals.get(cell, ""))
            line_text = original[line - 1] if line - 1 < len(original) else line_text
        if suppressed(line_text, item.report.code):
            continue
        kept.append(item)
        rule = RULES_BY_CODE[item.report.code]
        result.findings.append(Finding(path, line, col, item.report.code, item.report.message,
                                       rule.name, cell, fixable=item.report.fix is not None))
    result.module = module
    result.placed = kept
    result.findings.sort(key=lambda f: f.sort_key)
    return result


def _original_text(source: PythonSource | NotebookSource) -> str:
    """The text as written (a notebook's cells with their magics)."""
    if isinstance(source, NotebookSource):
        return "\n".join(source.originals.values())
    return source.text


def lint_path(path: Path, config: Config, *, display: str | None = None,
              helpers: HelperLookup | None = None, package: Sequence[str] = (),
              test_bases: TestBaseLookup | None = None) -> LintResult:
    """Read and lint one file. OSError propagates: the caller reports it."""
    return lint_source(read_bytes(path), display or str(path), config, helpers=helpers, package=package,
                       test_bases=test_bases)


def gpu_op_sites(paths: Sequence[Path], config: Config | None = None) -> dict[str, list[tuple[str, int]]]:
    """Where the code under `paths` calls GPU-nondeterministic ops (the ops
    behind TSL403 and TSL405): catalog op name -> [(path, line)], for the probe.
    A notebook's path reads `nb.ipynb:cell N` and its line is within the cell."""
    from tfseedlint.config import ConfigError, find_config, load_config
    from tfseedlint.paths import iter_source_files
    from tfseedlint.rules import ALL_CODES

    if config is None:
        try:
            config = load_config(find_config(Path(paths[0]) if paths else Path.cwd()), ALL_CODES)
        except ConfigError:
            config = load_config(None, ALL_CODES)
    files, _errors = iter_source_files(list(paths), config)
    sites: dict[str, list[tuple[str, int]]] = {}
    for path in files:
        try:
            data = read_bytes(path)  # never a FIFO: it would block the probe
        except OSError:
            continue
        notebook = path.suffix == ".ipynb"
        loaded = read_module(data, notebook, lambda exc, cell: None)
        if loaded is None or loaded[1] is None:
            continue
        source, module = loaded
        model = FileModel(module, config, notebook=notebook)
        calls = model.gpu_op_calls()
        if not calls:
            continue
        starts = start_positions(module, [call.node for call, _ in calls])
        for call, op in calls:
            line = starts[call.node][0]
            where = str(path)
            if isinstance(source, NotebookSource):
                cell, line = source.locate(line)
                where = f"{path}:cell {cell}"
            sites.setdefault(op.name, []).append((where, line))
    return sites

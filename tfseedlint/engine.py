"""The engine: parse a file once with LibCST, run every enabled rule over one
`FileModel`, place the reports and apply `# noqa`.

Positions come from LibCST's PositionProvider, which re-renders the whole
module; it runs only for files that have something to report.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from tfseedlint.ftypes import Config, Finding
from tfseedlint.model import FileModel, HelperLookup
from tfseedlint.rule import Report
from tfseedlint.rules import RULES_BY_CODE, ALL_RULES
from tfseedlint.sources import NotebookSource, PythonSource, SourceError, decode_notebook, decode_python

_NOQA = re.compile(r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]*(?:[,\s]+[A-Z]+[0-9]*)*))?", re.IGNORECASE)
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
    """flake8 semantics: `# noqa` alone, or `# noqa: CODES` (codes or prefixes)."""
    match = _NOQA.search(line_text)
    if match is None:
        return False
    codes = match.group("codes")
    if not codes:
        return True
    return any(code.startswith(c.strip().upper()) for c in re.split(r"[,\s]+", codes) if c.strip())


def parse(text: str) -> cst.Module:
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        raise _python_syntax_error(text) or SourceError(
            f"syntax error: {exc.message}", exc.raw_line, exc.raw_column + 1) from None
    except (RecursionError, MemoryError):
        raise SourceError("cannot parse: code nested too deeply") from None
    except Exception as exc:  # the native parser's own failures
        raise SourceError(f"cannot parse: {exc}") from None


def _python_syntax_error(text: str) -> SourceError | None:
    """CPython's own message and position for a syntax error: clearer than
    the LibCST parser's. Only runs for files that failed to parse."""
    try:
        compile(text, "<source>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
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


def place(module: cst.Module, reports: list[Report]) -> list[Placed]:
    if not reports:
        return []
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    out = []
    for report in reports:
        start = positions[report.node].start
        out.append(Placed(report, start.line, start.column + 1))
    return out


def lint_source(data: bytes, path: str, config: Config, *, helpers: HelperLookup | None = None,
                package: Sequence[str] = ()) -> LintResult:
    """Lint one file's bytes; `path` names it in findings and picks
    per-file-ignores, and a `.ipynb` suffix makes it a notebook."""
    notebook = path.endswith(".ipynb")
    result = LintResult()

    def syntax_error(exc: SourceError, cell: int | None = None) -> None:
        if config.enabled("TSL001", path):
            result.findings.append(Finding(path, exc.line, exc.col, "TSL001", exc.message,
                                           RULES_BY_CODE["TSL001"].name, cell))

    try:
        source = decode_notebook(data) if notebook else decode_python(data)
    except SourceError as exc:
        syntax_error(exc)
        return result
    if source is None:
        return result  # a notebook of another language
    result.source = source
    if _FILE_NOQA.search(source.text if not notebook else "\n".join(source.originals.values())):
        return result
    try:
        module = parse(source.text)
    except SourceError as exc:
        if not isinstance(source, NotebookSource):
            syntax_error(exc)
            return result
        # One broken cell must not hide the rest of the notebook: report each
        # cell that does not parse and lint the others.
        broken = set()
        for cell in source.cells:
            try:
                parse(cell.code)
            except SourceError as cell_exc:
                broken.add(cell.number)
                cell_exc.col += cell.indent if cell_exc.line <= cell.line_count else 0
                syntax_error(cell_exc, cell.number)
        try:
            module = parse(source.without(broken))
        except SourceError:
            if not broken:
                cell, exc.line = source.locate(exc.line)
                syntax_error(exc, cell)
            return result
    model = FileModel(module, config, notebook=notebook, package=package, helpers=helpers,
                      raw_text=source.text if not notebook else "\n".join(source.originals.values()))
    placed = place(module, lint_module(model, path))
    lines = source.text.splitlines()
    kept = []
    for item in placed:
        line_text = lines[item.line - 1] if item.line - 1 < len(lines) else ""
        cell = None
        line = item.line
        col = item.col
        if isinstance(source, NotebookSource):
            cell, line = source.locate(item.line)
            col += source.cell_at(item.line).indent if source.cell_at(item.line) else 0
            original = source.originals.get(cell, "").splitlines()
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


def lint_path(path: Path, config: Config, *, display: str | None = None,
              helpers: HelperLookup | None = None, package: Sequence[str] = ()) -> LintResult:
    """Read and lint one file. OSError propagates: the caller reports it."""
    return lint_source(path.read_bytes(), display or str(path), config, helpers=helpers, package=package)

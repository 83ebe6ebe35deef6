"""The language server: `tfseedlint lsp` (needs the `lsp` extra, pygls 2).

Speaks LSP over stdio. It lints each open Python document (the editor's
buffer, not the file on disk) and each open notebook (LSP notebook
documents: the cells are `vscode-notebook-cell:` text documents, linted
together as one program, as `tfseedlint nb.ipynb` does) when it is opened,
changed and saved, and publishes the findings as diagnostics: TSL001 (the
code does not parse) and TSL303 (the call raises) as errors, the others as
warnings, each with a link to its rule page. Each finding of a Python
document with a mechanical fix is offered as a quick fix, and
`source.fixAll.tfseedlint` applies every safe fix of the document, as
`tfseedlint --fix` would.

Settings come from the nearest `[tool.tfseedlint]` above the document, read
again when it changes on disk; a broken one is shown as a diagnostic on the
document's first line.

Lints run one at a time in a worker thread, so the connection stays
responsive and the caches (settings, the project's seed-helper index, the
last parse of each document) need no locks. A change is linted at once when
the worker is idle; changes that arrive while a lint runs are folded into
one lint of the newest text, and a lint whose document changed meanwhile
publishes nothing.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from tfseedlint import __version__
from tfseedlint.codes import rule_url, severity
# The same text-to-bytes step as the flake8 plugin's: editors hand over text.
from tfseedlint.flake8_plugin import text_to_bytes as encode

if TYPE_CHECKING:
    import libcst as cst

    from tfseedlint.engine import Placed
    from tfseedlint.ftypes import Config, Finding
    from tfseedlint.project import Projects
    from tfseedlint.reparse import Parsed
    from tfseedlint.rule import Rule

try:
    from lsprotocol import types
    from pygls.lsp.server import LanguageServer
    from pygls.uris import to_fs_path
except ImportError:  # the optional extra is not installed: main() says so
    types = None  # type: ignore[assignment]
    LanguageServer = object  # type: ignore[assignment,misc]

SOURCE = "tfseedlint"
FIX_ALL = "source.fixAll.tfseedlint"
#: Documents linted here: what `tfseedlint DIR` lints, and buffers without a
#: suffix that the editor says are Python.
PYTHON_SUFFIXES = (".py",)
NOTEBOOK_SUFFIX = ".ipynb"

log = logging.getLogger(__name__)
_WORD = re.compile(r"[\w.]+")


@dataclass
class Lint:
    """One document version's lint: what the diagnostics and code actions
    are computed from."""

    text: str
    findings: list[Finding] = field(default_factory=list)
    #: for each finding, the engine's report (which holds its fix), or None.
    placed: list[Placed | None] = field(default_factory=list)
    #: the parsed module that the reports' nodes (and so their fixes) belong to.
    module: cst.Module | None = None
    #: why the settings are unusable (then there are no findings).
    error: str | None = None
    #: the text's parse, for reuse by the next version's lint.
    parsed: Parsed | None = None


class Settings:
    """Config and project index per settings file, reloaded when the file
    changes on disk; the indexes are dropped when a Python file is saved
    (a seed helper may have changed)."""

    def __init__(self) -> None:
        self._cache: dict[tuple[Path | None, int | None], tuple[Config, Projects]] = {}

    def for_path(self, path: Path) -> tuple[Config, Projects]:
        """(Config, Projects) for a document at `path`; raises ConfigError."""
        from tfseedlint.config import find_config, load_config
        from tfseedlint.project import Projects
        from tfseedlint.rules import ALL_CODES

        source = find_config(path)
        stamp = source.stat().st_mtime_ns if source is not None else None
        cached = self._cache.get((source, stamp))
        if cached is None:
            config = load_config(source, ALL_CODES)
            cached = self._cache[(source, stamp)] = (config, Projects(config))
        return cached

    def clear(self) -> None:
        self._cache.clear()


def lint_text(text: str, path: Path, settings: Settings, previous: Parsed | None = None) -> Lint:
    """Lint a document's text; `previous`, the parse of its last version,
    lets the parse keep the statements the edit did not touch."""
    from tfseedlint.config import ConfigError
    from tfseedlint.engine import lint_source, parse_reusing

    try:
        config, projects = settings.for_path(path)
    except ConfigError as exc:
        return Lint(text, error=str(exc))
    index, package = projects.for_file(path)
    parsed: list[Parsed] = []

    def parser(source: str) -> cst.Module:
        parsed.append(parse_reusing(source, previous))
        return parsed[-1].module

    result = lint_source(encode(text), str(path), config, helpers=index.lookup, package=package,
                         test_bases=projects.test_bases(index.root).lookup, parser=parser)
    by_position = {(p.line, p.col, p.report.code): p for p in result.placed}
    findings = [f for f in result.findings if f.cell is None]
    return Lint(text, findings, [by_position.get((f.line, f.col, f.code)) for f in findings], result.module,
                parsed=parsed[-1] if parsed else previous)


def fix_all(text: str, path: Path, settings: Settings) -> str | None:
    """The document with every safe fix applied, or None (nothing to do,
    or the fixer refused)."""
    from tfseedlint.config import ConfigError
    from tfseedlint.fixer import fix_source

    try:
        config, projects = settings.for_path(path)
    except ConfigError:
        return None
    index, package = projects.for_file(path)
    outcome = fix_source(encode(text), str(path), config, unsafe=False, helpers=index.lookup, package=package,
                         test_bases=projects.test_bases(index.root).lookup)
    if outcome.error or not outcome.changed or outcome.text == text:
        return None
    return outcome.text


def fix_one(lint: Lint, index: int) -> str | None:
    """The document with only the fix of finding `index` applied, or None."""
    import libcst as cst

    from tfseedlint.fixer import apply_once

    placed, module = lint.placed[index], lint.module
    if placed is None or placed.report.fix is None or module is None:
        return None
    try:
        fixed = apply_once(module, [placed.report.fix]).code
        cst.parse_module(fixed)  # never offer an edit that breaks the file
    except Exception:  # noqa: BLE001 - a fix that cannot be made is not offered
        log.exception("the fix of %s could not be made", placed.report.code)
        return None
    return fixed if fixed != module.code else None


@dataclass(frozen=True)
class CellText:
    """One cell of an open notebook: its text document and kind."""

    uri: str
    kind: str  # "code", "markdown" or "raw" (a code cell in another language)
    text: str
    version: int | None = None


def notebook_bytes(cells: Sequence[CellText]) -> bytes:
    """The cells as an `.ipynb` document, for the linter's notebook reader:
    cell N of the editor is cell N of the notebook, markdown included."""
    document = {
        "cells": [{"cell_type": c.kind, "metadata": {}, "source": c.text,
                   **({"outputs": [], "execution_count": None} if c.kind == "code" else {})} for c in cells],
        "metadata": {"language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(document).encode("utf-8")


def lint_notebook(cells: Sequence[CellText], path: Path, settings: Settings) -> dict[str, Lint]:
    """Lint the notebook as one program; the findings of each cell, keyed by
    the cell's document URI (every cell has an entry)."""
    from tfseedlint.config import ConfigError
    from tfseedlint.engine import lint_source

    lints = {c.uri: Lint(c.text) for c in cells}
    try:
        config, projects = settings.for_path(path)
    except ConfigError as exc:
        first = next((c for c in cells if c.kind == "code"), None)
        if first is not None:
            lints[first.uri].error = str(exc)
        return lints
    index, package = projects.for_file(path)
    result = lint_source(notebook_bytes(cells), str(path), config, helpers=index.lookup, package=package,
                         test_bases=projects.test_bases(index.root).lookup)
    first_code = next((i for i, c in enumerate(cells) if c.kind == "code"), 0)
    for finding in result.findings:
        number = finding.cell if finding.cell is not None and 1 <= finding.cell <= len(cells) else first_code + 1
        lint = lints[cells[number - 1].uri]
        lint.findings.append(finding)
        lint.placed.append(None)  # no quick fixes in cells: fix the notebook with `tfseedlint --fix`
    return lints


def text_edit(old: str, new: str) -> types.TextEdit:
    """One edit that replaces just the lines that differ (keeps the editor's
    cursor and folds elsewhere)."""
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    start = 0
    while start < min(len(old_lines), len(new_lines)) and old_lines[start] == new_lines[start]:
        start += 1
    end_old, end_new = len(old_lines), len(new_lines)
    while end_old > start and end_new > start and old_lines[end_old - 1] == new_lines[end_new - 1]:
        end_old -= 1
        end_new -= 1
    return types.TextEdit(
        range=types.Range(start=types.Position(line=start, character=0),
                          end=types.Position(line=end_old, character=0)),
        new_text="".join(new_lines[start:end_new]),
    )


class TfseedlintServer(LanguageServer):  # type: ignore[misc,valid-type]
    def __init__(self) -> None:
        super().__init__(SOURCE, __version__, notebook_document_sync=types.NotebookDocumentSyncOptions(
            notebook_selector=[types.NotebookDocumentFilterWithCells(
                notebook="*", cells=[types.NotebookCellLanguage(language="python")])]))
        self.settings = Settings()
        self.lints: dict[str, Lint] = {}
        #: documents (and notebooks) with a change not linted yet.
        self._dirty: set[str] = set()
        self._running: dict[str, asyncio.Task] = {}
        #: each document's last parse (see `reparse`).
        self._parses: dict[str, Parsed | None] = {}
        #: the cells each notebook's last diagnostics went to.
        self._published_cells: dict[str, list[str]] = {}
        # One worker: lints never overlap, so the caches need no locks.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tfseedlint")

    # ------------------------------------------------------------ linting

    def wants(self, uri: str) -> bool:
        if self.workspace.get_notebook_document(cell_uri=uri) is not None:
            return False  # a cell: linted with its notebook
        document = self.workspace.get_text_document(uri)
        path = document.path or ""
        if path.endswith(PYTHON_SUFFIXES):
            return True
        return not Path(path).suffix and document.language_id == "python"

    def path_of(self, uri: str) -> Path:
        return Path(self.workspace.get_text_document(uri).path)

    async def run(self, function: Callable[..., Any], *args: Any) -> Any:
        """`function(*args)` in the lint worker."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    def reload(self) -> None:
        """Forget the settings and project indexes, and lint every open
        document again."""
        # In the worker, between two lints: the caches stay single-threaded.
        self._executor.submit(self.settings.clear)
        for uri in list(self.workspace.text_documents):
            self.schedule(uri)
        for uri in list(self.workspace.notebook_documents):
            self.schedule_notebook(uri)

    def schedule(self, uri: str) -> None:
        if self.wants(uri):
            self._mark(uri)

    def schedule_notebook(self, uri: str) -> None:
        self._mark(uri)

    def _mark(self, uri: str) -> None:
        self._dirty.add(uri)
        if uri not in self._running:
            self._running[uri] = asyncio.ensure_future(self._lint_while_dirty(uri))

    async def _lint_while_dirty(self, uri: str) -> None:
        try:
            while uri in self._dirty:
                self._dirty.discard(uri)
                if self.workspace.get_notebook_document(notebook_uri=uri) is not None:
                    await self._lint_notebook(uri)
                elif uri in self.workspace.text_documents:
                    await self._lint_document(uri)
        except Exception:  # noqa: BLE001 - a failed lint must not stop later ones
            log.exception("linting %s failed", uri)
        finally:
            self._running.pop(uri, None)

    async def _lint_document(self, uri: str) -> None:
        document = self.workspace.get_text_document(uri)
        text, version = document.source, document.version
        lint = await self.run(lint_text, text, self.path_of(uri), self.settings, self._parses.get(uri))
        self._parses[uri] = lint.parsed
        if uri not in self.workspace.text_documents or document.version != version:
            return  # a newer change has its own lint coming
        self.lints[uri] = lint
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=version, diagnostics=self.diagnostics(lint)))

    def _cells(self, notebook: types.NotebookDocument) -> list[CellText]:
        cells = []
        for cell in notebook.cells:
            document = self.workspace.get_text_document(cell.document)
            if cell.kind == types.NotebookCellKind.Markup:
                kind = "markdown"
            else:
                kind = "code" if document.language_id in (None, "python") else "raw"
            cells.append(CellText(cell.document, kind, document.source, document.version))
        return cells

    async def _lint_notebook(self, uri: str) -> None:
        notebook = self.workspace.get_notebook_document(notebook_uri=uri)
        assert notebook is not None
        version, cells = notebook.version, self._cells(notebook)
        lints = await self.run(lint_notebook, cells, Path(to_fs_path(uri) or uri), self.settings)
        notebook = self.workspace.get_notebook_document(notebook_uri=uri)
        if notebook is None or notebook.version != version:
            return  # closed or changed meanwhile
        for old in self._published_cells.get(uri, []):
            if old not in lints:  # a cell deleted since: clear what it showed
                self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=old, diagnostics=[]))
        self._published_cells[uri] = list(lints)
        for cell in cells:
            self.lints[cell.uri] = lints[cell.uri]
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                uri=cell.uri, version=cell.version, diagnostics=self.diagnostics(lints[cell.uri])))

    def close_notebook(self, uri: str) -> None:
        self._dirty.discard(uri)
        for cell in self._published_cells.pop(uri, []):
            self.lints.pop(cell, None)
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=cell, diagnostics=[]))

    def diagnostics(self, lint: Lint) -> list[types.Diagnostic]:
        lines = lint.text.splitlines(keepends=True) or [""]
        codec = self.workspace.position_codec
        if lint.error is not None:
            return [types.Diagnostic(
                range=types.Range(start=types.Position(line=0, character=0),
                                  end=types.Position(line=0, character=0)),
                message=f"tfseedlint settings: {lint.error}", severity=types.DiagnosticSeverity.Error,
                source=SOURCE)]
        out = []
        for finding in lint.findings:
            line = finding.line - 1
            start = finding.col - 1
            text = lines[line] if line < len(lines) else ""
            word = _WORD.match(text, start)
            end = word.end() if word is not None else min(start + 1, len(text.rstrip("\r\n")))
            out.append(types.Diagnostic(
                range=codec.range_to_client_units(lines, types.Range(
                    start=types.Position(line=line, character=start),
                    end=types.Position(line=line, character=max(end, start)))),
                message=finding.message,
                severity=_SEVERITY[severity(finding.code)],
                code=finding.code,
                code_description=types.CodeDescription(href=rule_url(finding.code)),
                source=SOURCE,
                data={"name": finding.name, "fixable": finding.fixable},
            ))
        return out

    # ------------------------------------------------------------ code actions

    async def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        if not self.wants(uri):
            return []
        document = self.workspace.get_text_document(uri)
        text = document.source
        lint = self.lints.get(uri)
        if lint is None or lint.text != text:
            lint = await self.run(lint_text, text, self.path_of(uri), self.settings, self._parses.get(uri))
            self._parses[uri] = lint.parsed
            self.lints[uri] = lint
        only = params.context.only
        actions: list[types.CodeAction] = []
        if _wanted(only, types.CodeActionKind.QuickFix):
            lines = text.splitlines(keepends=True) or [""]
            requested = self.workspace.position_codec.range_from_client_units(lines, params.range)
            diagnostics = self.diagnostics(lint)
            for i, finding in enumerate(lint.findings):
                if not finding.fixable or not requested.start.line <= finding.line - 1 <= requested.end.line:
                    continue
                fixed = await self.run(fix_one, lint, i)
                if fixed is None:
                    continue
                rule = _rule(finding.code)
                unsafe = rule is not None and rule.fix_safety == "unsafe"
                actions.append(types.CodeAction(
                    title=f"Fix {finding.code} ({rule.name if rule else finding.name})"
                          + (" [unsafe]" if unsafe else ""),
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diagnostics[i]],
                    is_preferred=not unsafe,
                    edit=types.WorkspaceEdit(changes={uri: [text_edit(text, fixed)]}),
                ))
        if _wanted(only, FIX_ALL) and any(f.fixable for f in lint.findings):
            fixed = await self.run(fix_all, text, self.path_of(uri), self.settings)
            if fixed is not None:
                actions.append(types.CodeAction(
                    title="Fix all safely fixable tfseedlint problems",
                    kind=FIX_ALL,
                    edit=types.WorkspaceEdit(changes={uri: [text_edit(text, fixed)]}),
                ))
        return actions


_SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning} \
    if types is not None else {}


def _rule(code: str) -> Rule | None:
    from tfseedlint.rules import RULES_BY_CODE

    return RULES_BY_CODE.get(code)


def _wanted(only: Sequence[str] | None, kind: str) -> bool:
    """Whether the client's `only` filter admits `kind` (LSP: kinds are
    hierarchical, `source.fixAll` admits `source.fixAll.tfseedlint`)."""
    return only is None or any(kind == k or kind.startswith(f"{k}.") for k in only)


def create_server() -> TfseedlintServer:
    server = TfseedlintServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: TfseedlintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: TfseedlintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def did_open_notebook(ls: TfseedlintServer, params: types.DidOpenNotebookDocumentParams) -> None:
        ls.schedule_notebook(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def did_change_notebook(ls: TfseedlintServer, params: types.DidChangeNotebookDocumentParams) -> None:
        ls.schedule_notebook(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    def did_save_notebook(ls: TfseedlintServer, params: types.DidSaveNotebookDocumentParams) -> None:
        ls.reload()

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def did_close_notebook(ls: TfseedlintServer, params: types.DidCloseNotebookDocumentParams) -> None:
        ls.close_notebook(params.notebook_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: TfseedlintServer, params: types.DidSaveTextDocumentParams) -> None:
        # The saved file may be a seed helper that other documents import.
        ls.reload()

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: TfseedlintServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls._dirty.discard(uri)
        ls.lints.pop(uri, None)
        ls._parses.pop(uri, None)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: TfseedlintServer, params: types.DidChangeWatchedFilesParams) -> None:
        ls.reload()

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL]),
    )
    async def code_action(ls: TfseedlintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return await ls.code_actions(params)

    return server


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tfseedlint lsp", description="Run tfseedlint as a language server over stdio.")
    parser.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default)")
    parser.add_argument("--log-file", type=Path, help="write the server's log here")
    parser.add_argument("--verbose", "-v", action="store_true", help="log debug messages")
    args = parser.parse_args(list(argv or []))
    if types is None:
        print("tfseedlint: error: `tfseedlint lsp` needs pygls: pip install 'tfseedlint[lsp]'", file=sys.stderr)
        return 2
    # stdout carries the protocol: logs go to a file or stderr, never stdout.
    logging.basicConfig(filename=args.log_file, level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    create_server().start_io()
    return 0

"""`--fix` and `--diff`: apply the fixes the rules report, file by file.

Each file with fixable findings is read and linted again here (a run's
results may come from a cache or from other processes). All fixes of a round
are applied in one transformer pass keyed on node identity, then LibCST's
`AddImportsVisitor` adds the imports they need; the file is linted again and
the loop repeats until nothing changes, so fixes compose (the seed call that
TSL401 inserts is where TSL405 then inserts op determinism).

A fix never loses code: the result must parse and compile, comments and
formatting outside the edits are kept, and the file is replaced atomically,
with its encoding, BOM, line endings and mode, and only if it is still what
was read. Notebooks are edited cell by cell, keeping magics, outputs,
metadata and the JSON layout.
"""
from __future__ import annotations

import codecs
import dataclasses
import difflib
import json
import os
import re
import stat
import tempfile
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, ImportItem

from tfseedlint.engine import LintResult, Placed, deep, lint_source
from tfseedlint.fixes import Fix, Insert, NeededImport, Replace
from tfseedlint.ftypes import Config
from tfseedlint.model import HelperLookup
from tfseedlint.project import Projects
from tfseedlint.rules import RULES_BY_CODE
from tfseedlint.sources import NotebookSource, SourceError, cell_text, decode_python, read_bytes

if TYPE_CHECKING:
    from tfseedlint.cli import Run

#: Rounds of fix-and-lint per file; each one lets fixes that depend on an
#: earlier one fire (TSL401 -> TSL405), none is expected to need more.
MAX_ROUNDS = 6
#: Fixes that set a global seed; the per-call seeds that seed makes needless
#: wait for the next round, where most of them are no longer reported.
GLOBAL_SEED_FIXES = frozenset({"TSL401", "TSL404"})
COVERED_BY_GLOBAL_SEED = frozenset({"TSL101", "TSL105", "TSL201", "TSL202", "TSL204", "TSL205",
                                    "TSL301", "TSL302"})

_STATEMENTS = (cst.SimpleStatementLine, cst.BaseCompoundStatement, cst.SimpleStatementSuite)


class FixError(Exception):
    """The file cannot be fixed safely; it is left alone."""


def applicable(code: str, unsafe: bool) -> bool:
    """Whether `code`'s fixes run: safe ones always, unsafe ones on request."""
    rule = RULES_BY_CODE.get(code)
    safety = rule.fix_safety if rule is not None else None
    return safety == "safe" or (safety == "unsafe" and unsafe)


# ------------------------------------------------------------ one pass


class _Apply(cst.CSTTransformer):
    """Makes every edit of `fixes` in one pass: replacements on the way up
    (so a builder sees what inner fixes made of its node), statements after
    the statement that holds an anchor."""

    def __init__(self, fixes: Sequence[Fix], newline: cst.Newline) -> None:
        super().__init__()
        self._fixes = fixes
        self._newline = newline
        self._replace: dict[int, list[tuple[Replace, int]]] = {}
        self._insert: dict[int, list[tuple[Insert, int]]] = {}
        self._made = [0] * len(fixes)
        for owner, fix in enumerate(fixes):
            for replace in fix.replace:
                self._replace.setdefault(id(replace.node), []).append((replace, owner))
            for insert in fix.insert:
                self._insert.setdefault(id(insert.anchor), []).append((insert, owner))
        #: statements being visited, each with the inserts that go next to it
        #: (and the index of the small statement they follow, if any).
        self._stack: list[tuple[cst.CSTNode, list[tuple[Insert, int, int | None]]]] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, _STATEMENTS):
            self._stack.append((node, []))
        inserts = self._insert.get(id(node))
        if inserts and self._stack:
            statement, pending = self._stack[-1]
            where = self._position(statement, node)
            if where is not False:
                pending.extend((insert, owner, where) for insert, owner in inserts)
        return True

    @staticmethod
    def _position(statement: cst.CSTNode, anchor: cst.CSTNode) -> int | None | bool:
        """None: `anchor` is the statement; an index: the expression statement
        `anchor` is the call of; False: neither, no insert."""
        if statement is anchor:
            return None
        if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for index, small in enumerate(statement.body):
                if type(small) is cst.Expr and small.value is anchor:
                    return index
        return False

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
        result: Any = updated_node
        for replace, owner in self._replace.get(id(original_node), ()):
            if not isinstance(result, cst.CSTNode):
                break  # two edits of one node: the next round makes the second
            result = replace.build(result)
            self._made[owner] += 1
        if isinstance(original_node, _STATEMENTS):
            _, inserts = self._stack.pop()
            if inserts and isinstance(result, cst.CSTNode):
                result = self._place(result, inserts)
        return result

    def _place(self, statement: cst.CSTNode, inserts: list[tuple[Insert, int, int | None]]) -> Any:
        for _, owner, _ in inserts:
            self._made[owner] += 1
        spliced = isinstance(statement, cst.SimpleStatementSuite) or (
            isinstance(statement, cst.SimpleStatementLine) and len(statement.body) > 1)
        if spliced:
            # `a(); seed(1); b()` and `if x: seed(1)` stay one line:
            # `a(); seed(1); new(); b()`.
            assert isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite))
            body = list(statement.body)
            for insert, _, index in sorted(inserts, key=lambda item: -(item[2] or 0)):
                small = [s for line in insert.statements for s in line.body]
                at = (index or 0) + (0 if insert.before else 1) if index is not None else (
                    0 if insert.before else len(body))
                body[at:at] = small
            return statement.with_changes(body=body)
        # A new line ends like the line it follows (see `safe_newline`).
        follows = statement.trailing_whitespace.newline if isinstance(statement, cst.SimpleStatementLine) \
            else self._newline
        before = [_ending(s, self._newline) for insert, _, _ in inserts if insert.before for s in insert.statements]
        after = [_ending(s, follows) for insert, _, _ in inserts if not insert.before for s in insert.statements]
        return cst.FlattenSentinel([*before, statement, *after])

    def imports(self) -> list[ImportItem]:
        """The imports of the fixes whose every edit was made."""
        out: dict[NeededImport, ImportItem] = {}
        for fix, made in zip(self._fixes, self._made):
            if made >= len(fix.replace) + len(fix.insert):
                for item in fix.imports:
                    out.setdefault(item, ImportItem(item.module, None, item.alias))
        return list(out.values())


def _ending(statement: cst.SimpleStatementLine, newline: cst.Newline) -> cst.SimpleStatementLine:
    return statement.with_changes(trailing_whitespace=statement.trailing_whitespace.with_changes(newline=newline))


def safe_newline(module: cst.Module) -> cst.Newline:
    """The line ending for a new line where no neighbour gives one. LibCST's
    default is the file's first line ending; when that is a lone CR in a file
    that also has LF endings, a new line ending in CR followed by a blank LF
    line would read back as one CRLF and lose the blank line."""
    if module.default_newline == "\r" and "\n" in module.code:
        return cst.Newline("\n")
    return cst.Newline()


def apply_once(module: cst.Module, fixes: Sequence[Fix]) -> cst.Module:
    """`module` with every fix applied, then the imports they need."""
    newline = safe_newline(module)
    transformer = _Apply(fixes, newline)
    fixed = module.visit(transformer)
    imports = transformer.imports()
    if not imports:
        return fixed
    present = {id(statement) for statement in fixed.body}
    fixed = fixed.visit(AddImportsVisitor(CodemodContext(), imports))
    # The imports it added end like the statement before them.
    body = list(fixed.body)
    for index, statement in enumerate(body):
        if id(statement) in present or not isinstance(statement, cst.SimpleStatementLine) or not all(
                isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body):
            continue
        previous = body[index - 1] if index else None
        body[index] = _ending(statement, previous.trailing_whitespace.newline
                              if isinstance(previous, cst.SimpleStatementLine) else newline)
    return fixed.with_changes(body=body)


def _choose(placed: Sequence[Placed], unsafe: bool, stuck: set[str]) -> list[tuple[str, Fix]]:
    chosen = [(item.report.code, item.report.fix) for item in placed
              if item.report.fix is not None and item.report.code not in stuck
              and applicable(item.report.code, unsafe)]
    if any(code in GLOBAL_SEED_FIXES for code, _ in chosen):
        chosen = [(code, fix) for code, fix in chosen if code not in COVERED_BY_GLOBAL_SEED]
    return chosen  # type: ignore[return-value]


def _check(new_code: str, old_code: str) -> None:
    """The fixed code must parse (LibCST) and compile (CPython) wherever the
    code before did."""
    try:
        cst.parse_module(new_code)
    except Exception as exc:  # noqa: BLE001 - the parser's errors have no common base
        raise FixError(f"the fixed code would not parse ({str(exc).splitlines()[0]})") from None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(old_code, "<before>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return  # newer syntax than this Python's: LibCST's word is all there is
        try:
            compile(new_code, "<after>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as exc:
            raise FixError(f"the fixed code would not compile ({exc})") from None


# ------------------------------------------------------------ documents


def _lines(text: str) -> list[str]:
    """Lines split at "\\n" only, each keeping it (`splitlines` also splits at
    form feeds and other characters Python does not end lines at)."""
    parts = text.split("\n")
    out = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        out.append(parts[-1])
    return out


#: After "\r\n", "\n", or a lone "\r": Python's line ends, and no others.
_LINE_END = re.compile(r"(?<=\n)|(?<=\r)(?!\n)")


def merge_edits(text: str, rendered: str, fixed: str) -> str:
    """Make on `text` the line edits that turned `rendered` into `fixed`.

    `rendered` is LibCST's rendering of `text`, which is not always
    byte-identical: it drops a form feed that starts a line, a lone "\r"
    at the end of the file, a line holding only a backslash. Lines the fixes
    left alone keep their original bytes; an edit that touches a line LibCST
    did not render faithfully raises FixError."""
    if text == rendered:
        return fixed
    original = [line for line in _LINE_END.split(text) if line]
    before = [line for line in _LINE_END.split(rendered) if line]
    after = [line for line in _LINE_END.split(fixed) if line]
    faithful: dict[int, int] = {}  # line of `rendered` -> the same line of `text`
    for tag, i1, i2, j1, _ in difflib.SequenceMatcher(None, before, original, autojunk=False).get_opcodes():
        if tag == "equal":
            faithful.update((i1 + k, j1 + k) for k in range(i2 - i1))
    edits: list[tuple[int, int, list[str]]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if i1 < i2:
            if any(i not in faithful for i in range(i1, i2)) or faithful[i2 - 1] - faithful[i1] != i2 - 1 - i1:
                # Between the faithful lines around it, the text may already
                # read as the fix would make it: nothing to do there.
                low = faithful[i1 - 1] + 1 if i1 - 1 in faithful else (0 if i1 == 0 else None)
                high = faithful[i2] if i2 in faithful else (len(original) if i2 == len(before) else None)
                if low is not None and high is not None and original[low:high] == after[j1:j2]:
                    continue
                raise FixError("a fix touches a line LibCST cannot reproduce exactly")
            start, end = faithful[i1], faithful[i2 - 1] + 1
        elif i1 in faithful:
            start = end = faithful[i1]
        elif i1 > 0 and i1 - 1 in faithful:
            start = end = faithful[i1 - 1] + 1
        elif i1 == 0:
            start = end = 0
        else:
            raise FixError("a fix touches a line LibCST cannot reproduce exactly")
        edits.append((start, end, after[j1:j2]))
    for start, end, lines in reversed(edits):
        original[start:end] = lines
    return "".join(original)


def unified_diff(old: str, new: str, label: str) -> str:
    out = []
    for line in difflib.unified_diff(_lines(old), _lines(new), label, label):
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


class _PythonDocument:
    def __init__(self, data: bytes) -> None:
        self.before = data
        self.source = decode_python(data)
        self.original = self.text = self.source.text

    def data(self) -> bytes:
        if self.text == self.original:
            return self.before
        try:
            encoded = self.text.encode(self.source.encoding)
        except UnicodeEncodeError as exc:
            raise FixError(f"the fixed code cannot be written as {self.source.encoding}: {exc}") from None
        return (codecs.BOM_UTF8 if self.source.bom else b"") + encoded

    def update(self, result: LintResult, new_code: str, old_code: str) -> None:
        self.text = merge_edits(self.text, old_code, new_code)

    def final(self) -> bytes:
        return self.data()

    def output(self) -> str:
        return self.text

    def diff(self, path: str) -> str:
        return unified_diff(self.original, self.text, path) if self.text != self.original else ""


class _NotebookDocument:
    def __init__(self, data: bytes) -> None:
        self.before = data
        try:
            self.raw = data.decode("utf-8-sig")
            self.original = json.loads(self.raw)
            self.document = json.loads(self.raw)
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise SourceError(f"not a valid notebook: {exc}") from None
        self.changed: set[int] = set()

    def _cells(self, document: dict) -> dict[int, str]:
        return {number: cell_text(cell) for number, cell in enumerate(document["cells"], start=1)
                if isinstance(cell, dict) and cell.get("cell_type") == "code"}

    def data(self) -> bytes:
        if not self.changed:
            return self.before
        return json.dumps(self.document, ensure_ascii=False).encode("utf-8")

    def update(self, result: LintResult, new_code: str, old_code: str) -> None:
        assert isinstance(result.source, NotebookSource) and result.module is not None
        for number, text in split_cells(result.source, old_code, new_code).items():
            cell = self.document["cells"][number - 1]
            cell["source"] = _lines(text) if isinstance(cell.get("source"), list) else text
            self.changed.add(number)

    def output(self) -> str:
        if not self.changed:
            return self.raw
        return dump_like(self.document, self.original, self.raw)

    def final(self) -> bytes:
        if not self.changed:
            return self.before
        bom = codecs.BOM_UTF8 if self.before.startswith(codecs.BOM_UTF8) else b""
        return bom + self.output().encode("utf-8")

    def diff(self, path: str) -> str:
        before, after = self._cells(self.original), self._cells(self.document)
        return "".join(unified_diff(before[n], after[n], f"{path}:cell {n}")
                       for n in sorted(before) if before[n] != after.get(n, before[n]))


def split_cells(source: NotebookSource, old_code: str, new_code: str) -> dict[int, str]:
    """Map the fixed joined module back onto the notebook's code cells.

    Lines the fixes left alone get their original text back (magics, IPython
    dedent); new lines go to the cell of the line before them, the statement
    they follow. Returns the text of each cell that changed."""
    old, new = _lines(old_code), _lines(new_code)
    owner: list[tuple[int, int]] = [(cell.number, k) for cell in source.cells for k in range(cell.line_count)]
    if len(owner) != len(old):
        raise FixError("cannot map the fixes back onto the notebook's cells")
    originals: dict[int, list[str]] = {}
    prefix: dict[int, str] = {}
    for cell in source.cells:
        text = source.originals.get(cell.number, "")
        originals[cell.number] = _lines(text if text.endswith("\n") else text + "\n")
        indent = getattr(cell, "indent", 0)
        filled = [line for line in originals[cell.number] if line.strip()]
        prefix[cell.number] = filled[0][:indent] if indent and filled else ""

    def original(i: int) -> str | None:
        """The cell line module line `i` stands for, when it is that line's code."""
        number, k = owner[i]
        lines = originals[number]
        if k >= len(lines):
            return None
        line = lines[k].rstrip("\r\n")
        code = line[len(prefix[number]):] if line.strip() else ""
        return lines[k] if code == old[i].rstrip("\r\n") else None

    # Cells IPython does not run as Python (`%%bash`, or broken ones): no new line goes there.
    foreign = {cell.number for cell in source.cells
               if any(line.strip() for line in originals[cell.number])
               and not any(line.strip() for line in old[cell.first_line - 1:cell.first_line - 1 + cell.line_count])}

    def indented(number: int, lines: Sequence[str]) -> list[str]:
        return [prefix[number] + line if line.strip() else line for line in lines]

    out: dict[int, list[str]] = {cell.number: [] for cell in source.cells}
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            for i in range(i1, i2):
                number, k = owner[i]
                out[number].append(originals[number][k] if k < len(originals[number]) else old[i])
            continue
        if any(original(i) is None for i in range(i1, i2)):
            raise FixError("a fix would change a notebook line that is not Python code")
        if tag == "insert":
            number = owner[i1 - 1][0] if i1 > 0 else owner[0][0]
            if number in foreign and i1 < len(owner):
                number = owner[i1][0]
            if number in foreign:
                raise FixError("cannot place a new line in the notebook")
            out[number].extend(indented(number, new[j1:j2]))
            continue
        numbers = {owner[i][0] for i in range(i1, i2)}
        if len(numbers) == 1:
            number = numbers.pop()
            out[number].extend(indented(number, new[j1:j2]))
        elif i2 - i1 == j2 - j1:
            for i, line in zip(range(i1, i2), new[j1:j2]):
                out[owner[i][0]].extend(indented(owner[i][0], [line]))
        else:
            raise FixError("a fix spans notebook cells")
    changed = {}
    for number, lines in out.items():
        text = "".join(lines)
        before = source.originals.get(number, "")
        if not before.endswith("\n") and text.endswith("\n"):
            text = text[:-1]
        if text != before:
            changed[number] = text
    return changed


#: JSON layouts tried, most common first (nbformat writes indent=1).
_LAYOUTS: tuple[dict[str, Any], ...] = tuple(
    {"indent": indent, "ensure_ascii": ascii_only, "separators": separators}
    for indent in (1, 2, 4, 3, "\t", None)
    for ascii_only in (False, True)
    for separators in ((",", ": "), (", ", ": "), (",", ":"))
    if indent is not None or separators != (",", ": ")
)


def dump_like(document: dict, original: dict, raw: str) -> str:
    """`document` as JSON in the layout of `raw` (which holds `original`):
    indent, ASCII escapes, separators, line endings and trailing newline."""
    newline = "\r\n" if "\r\n" in raw else "\n"
    body = raw.replace("\r\n", "\n")
    stripped = body.rstrip("\n")
    trailer = body[len(stripped):]
    second = stripped.split("\n", 2)[1] if "\n" in stripped else ""
    width = len(second) - len(second.lstrip(" \t"))
    indent: Any = None if "\n" not in stripped else (second[:width] if "\t" in second[:width] else width)
    layout: dict[str, Any] | None = None
    # The indent the text shows first: a big notebook is dumped once or twice, not 30 times.
    for candidate in sorted(_LAYOUTS, key=lambda c: c["indent"] != indent):
        if json.dumps(original, **candidate) == stripped:
            layout = candidate
            break
    if layout is None:
        layout = {"indent": indent, "ensure_ascii": stripped.isascii() and not json.dumps(original).isascii()}
    return (json.dumps(document, **layout) + trailer).replace("\n", newline)


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

    @property
    def changed(self) -> bool:
        return self.after != self.before


def fix_source(data: bytes, path: str, config: Config, *, unsafe: bool = False,
               helpers: HelperLookup | None = None, package: Sequence[str] = ()) -> FileFix:
    """Fix one file's bytes (`path` names it and picks notebook handling)."""
    notebook = path.endswith(".ipynb")

    def lint(payload: bytes) -> LintResult:
        return lint_source(payload, path, config, helpers=helpers, package=package)

    first = lint(data)
    try:
        document: _PythonDocument | _NotebookDocument = (
            _NotebookDocument(data) if notebook else _PythonDocument(data))
    except SourceError:
        return FileFix(path, data, data, first, text=data.decode("utf-8", "replace"))
    result = first
    stuck: set[str] = set()
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
            _check(new_code, old_code)
            before = _pending(result)
            document.update(result, new_code, old_code)
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
    return FileFix(path, data, after, result, diff=document.diff(path), text=document.output())


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
    error messages, each naming a file that was left alone."""
    projects = Projects(config)
    targets = {f.path for f in run.findings if f.fixable and applicable(f.code, unsafe)}
    results: list[tuple[str, LintResult]] = []
    errors: list[str] = []
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
            outcome = fix_source(data, path, config, unsafe=unsafe, helpers=index.lookup, package=package)
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
        outcome = fix_source(data, path, config, unsafe=unsafe, helpers=index.lookup, package=package)
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
    return dataclasses.replace(run, results=results), output, errors


def _reconstruct(result: LintResult) -> bytes | None:
    source = result.source
    if source is None or isinstance(source, NotebookSource):
        return None
    try:
        return (codecs.BOM_UTF8 if source.bom else b"") + source.text.encode(source.encoding)
    except UnicodeEncodeError:
        return None

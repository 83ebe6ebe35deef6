"""Jupyter notebooks: the Python IPython runs from each code cell, and the
way back from fixed Python to the notebook's JSON text.

Reading: the code cells become one module with one line per cell line, so
positions map straight back. Each cell is cleaned up as IPython does it (the
first line's indentation is removed from the lines that start with it);
`%magic`, `!shell` and `obj?` lines become blank lines (or `pass` inside a
block), and a `%%` cell of another language (`%%bash`, `%%writefile`...)
becomes blank lines: it is neither linted nor edited.

Writing: the fixed module is compared line by line with the one that was
read. Only the lines a fix changed or added are written into a cell, each
next to the Python line it follows; every other line keeps its text, and a
cell without an edit keeps its bytes. `tfseedlint.notebook_json` splices the
new cell sources into the JSON text.
"""
from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field

from tfseedlint.sources import SourceError

#: Python's line ends ("\r\n", "\n" and a lone "\r"), and no others.
_LINE_END = re.compile(r"(?<=\n)|(?<=\r)(?!\n)")
_ENDING = re.compile(r"(?:\r\n|\n|\r)\Z")
_MAGIC = re.compile(r"^(\s*)(?:[%!?]|\w+\s*=\s*[%!])")
#: IPython "automagics" given arguments: `ls ./data`, `pip install x`. A bare
#: name (`history`) stays Python: it is what shows a variable's value.
_AUTOMAGIC = re.compile(r"^(\s*)(?:ls|cd|pwd|pip|conda|cat|mkdir|rm|cp|mv|env|clear|less|man|"
                        r"load_ext|reload_ext|matplotlib|time|timeit|who|whos|history|alias)"
                        r"\s+(?![=+\-*/%&|^<>!,:)\]}]|[\w.]+\s*[=(])")
#: `obj?`, `obj.attr??`, `%magic?`: IPython's help syntax (its `_help_end_re`).
_HELP = re.compile(r"^\s*%{0,2}[A-Za-z_*][\w*]*(?:\.[A-Za-z_*][\w*]*)*\?\??\s*$")
#: Cell magics whose body is still Python.
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "tensorflow_version"})


class NotebookEditError(Exception):
    """The fixed module cannot be written back into the notebook's cells."""


class PlacementError(NotebookEditError):
    """A new line has no place in a cell that runs as Python."""


def split_lines(text: str) -> list[str]:
    """Lines at Python's line ends, each keeping its ending."""
    return [line for line in _LINE_END.split(text) if line]


def _body(line: str) -> str:
    return _ENDING.sub("", line)


@dataclass
class Cell:
    number: int  # 1-based among all cells, markdown included
    first_line: int  # line of the joined module where the cell starts (1-based)
    lines: list[str]  # the cell's lines as written, with their endings
    code: str  # the cell as the joined module holds it
    #: per line: whether the module line is the written line's Python (less `prefix`).
    kept: list[bool] = field(default_factory=list)
    prefix: str = ""  # the indentation IPython removes from lines starting with it
    magic: str | None = None  # the `%%` cell magic's name
    header: int = -1  # index of the `%%` line

    @property
    def line_count(self) -> int:
        return len(self.lines)

    @property
    def foreign(self) -> bool:
        """A `%%` cell of another language: no Python, never edited."""
        return self.magic is not None and self.magic not in _PYTHON_CELL_MAGICS

    def shift(self, k: int) -> int:
        """Columns IPython removed from line `k` (0-based)."""
        return len(self.prefix) if self.prefix and self.lines[k].startswith(self.prefix) else 0


def _blank_magics(lines: list[str]) -> list[str]:
    """Replace IPython-only lines by blank lines, or `pass` lines of the same
    indentation (a shell command continued with a trailing backslash included)."""
    out = []
    continued = False
    depth = 0  # open brackets: `%` or `!` inside an expression is an operator
    for line in lines:
        match = None if depth > 0 or continued else (_MAGIC.match(line) or _AUTOMAGIC.match(line))
        if continued or match:
            indent = match.group(1) if match else ""
            out.append(f"{indent}pass" if indent else "")
            continued = line.rstrip().endswith("\\")
            continue
        code = line.split("#", 1)[0]
        depth = max(0, depth + sum(code.count(c) for c in "([{") - sum(code.count(c) for c in ")]}"))
        out.append("" if depth == 0 and _HELP.match(line) else line)
    return out


def read_cell(number: int, first_line: int, text: str) -> Cell:
    """One code cell as IPython runs it, one module line per cell line."""
    lines = split_lines(text) or [""]
    bodies = [_body(line) for line in lines]
    first = next((b for b in bodies if b.strip()), "")
    # IPython's cleanup: leading blank lines go, then the first line's
    # indentation goes from every line that starts with it (the others keep theirs).
    cell = Cell(number, first_line, lines, "", prefix=re.match(r"[ \t]*", first).group())
    code = [b[cell.shift(k):] for k, b in enumerate(bodies)]
    start = next((k for k, b in enumerate(code) if b.strip()), 0)
    if code[start].startswith("%%"):
        cell.header = start
        cell.magic = code[start][2:].split()[0] if code[start][2:].strip() else ""
        code = [""] * len(code) if cell.foreign else ["" if k == start else b for k, b in enumerate(code)]
    if not cell.foreign:
        code = _blank_magics(code)
    cell.kept = [c == b[cell.shift(k):] for k, (c, b) in enumerate(zip(code, bodies))]
    endings = [line[len(b):] or "\n" for line, b in zip(lines, bodies)]
    cell.code = "".join(c + e for c, e in zip(code, endings))
    return cell


def cell_text(cell: dict) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        return "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


@dataclass
class NotebookSource:
    """A notebook's code cells as one module, and the map back to cells."""

    text: str
    document: dict
    cells: list[Cell] = field(default_factory=list)
    #: the original cell texts (magics included), for `# noqa` and fixes.
    originals: dict[int, str] = field(default_factory=dict)
    #: cells that do not parse: blank in the module that is analysed.
    broken: set[int] = field(default_factory=set)

    def locate(self, line: int) -> tuple[int, int]:
        """(cell number, line within the cell) of a line of the joined module."""
        cell = self.cell_at(line)
        if cell is None:
            return (self.cells[0].number if self.cells else 1), line
        return cell.number, line - cell.first_line + 1

    def cell_at(self, line: int) -> Cell | None:
        for cell in reversed(self.cells):
            if line >= cell.first_line:
                return cell
        return None

    def column(self, line: int, col: int) -> int:
        """The cell's column of column `col` of a line of the joined module."""
        cell = self.cell_at(line)
        k = line - cell.first_line if cell is not None else -1
        return col + cell.shift(k) if cell is not None and 0 <= k < cell.line_count else col

    def without(self, numbers: set[int]) -> str:
        """The joined module with the given cells blanked (lines kept)."""
        return "".join("\n" * c.line_count if c.number in numbers else c.code for c in self.cells)

    def analysed(self) -> str:
        """The module that was parsed: broken cells blanked."""
        return self.without(self.broken) if self.broken else self.text

    def edit(self, fixed: str) -> dict[int, str]:
        """The new text of each cell that `fixed` (the analysed module, edited)
        changes. Raises NotebookEditError where a line cannot be written back."""
        return _Edit(self, fixed).cells()


class _Edit:
    """Writes the line edits between the analysed module and `fixed` into the cells."""

    def __init__(self, source: NotebookSource, fixed: str) -> None:
        # Lines without their endings: LibCST may change the ending of a line
        # it did not edit in a file that mixes them, which is no edit here.
        self.old = [_body(line) for line in split_lines(source.analysed())]
        self.new = [_body(line) for line in split_lines(fixed)]
        self.owner = [(cell, k) for cell in source.cells for k in range(cell.line_count)]
        if len(self.owner) != len(self.old):
            raise NotebookEditError("cannot map the fixes back onto the notebook's cells")
        self.broken = source.broken
        #: (cell number, k) -> the lines that replace line k of the cell / that go before it.
        self.replaced: dict[tuple[int, int], list[str]] = {}
        self.before: dict[tuple[int, int], list[str]] = {}

    def cells(self) -> dict[int, str]:
        for i1, i2, j1, j2 in changes(self.old, self.new):
            for sub in _refine(self.old, self.new, i1, i2, j1, j2):
                if sub[0] < sub[1] or sub[2] < sub[3]:
                    self._apply(*sub)
        changed = {}
        for cell in {cell.number: cell for cell, _ in self.owner}.values():
            text = self._assemble(cell)
            if text != "".join(cell.lines):
                changed[cell.number] = text
        return changed

    def _apply(self, i1: int, i2: int, j1: int, j2: int) -> None:
        if i1 == i2:
            cell, k = self._gap(i1)
            lines = self.new[j1:j2]
            # Blank lines that would only part the new lines from another cell are left out.
            while lines and k == cell.line_count and not lines[-1].strip():
                lines = lines[:-1]
            while lines and k == 0 and not lines[0].strip():
                lines = lines[1:]
            self.before.setdefault((cell.number, k), []).extend(self._indented(cell.prefix, lines))
            return
        for i in range(i1, i2):
            cell, k = self.owner[i]
            if not cell.kept[k] or cell.foreign or cell.number in self.broken:
                raise NotebookEditError("a fix would change a notebook line that is not Python code")
        cells = {self.owner[i][0].number for i in range(i1, i2)}
        if len(cells) > 1 and i2 - i1 != j2 - j1:
            raise NotebookEditError("a fix spans notebook cells")
        pairs = zip(range(i1, i2), ([line] for line in self.new[j1:j2])) if len(cells) > 1 else \
            [(i1, self.new[j1:j2])] + [(i, []) for i in range(i1 + 1, i2)]
        for i, lines in pairs:
            cell, k = self.owner[i]
            self.replaced[(cell.number, k)] = self._indented(cell.lines[k][:cell.shift(k)], lines)

    def _gap(self, i: int) -> tuple[Cell, int]:
        """Where lines inserted before module line `i` go: after the line
        before when it can take them, else across blank lines to the nearest
        place in a Python cell (blank lines are no code to keep order with)."""
        candidates = []
        if i > 0:
            cell, k = self.owner[i - 1]
            candidates.append((cell, k + 1))
        j = i
        while j < len(self.old):
            cell, k = self.owner[j]
            candidates.append((cell, k))
            if self.old[j].strip():
                break
            candidates.append((cell, k + 1))
            j += 1
        j = i - 1
        while j >= 0 and not self.old[j].strip():
            cell, k = self.owner[j]
            candidates += [(cell, k + 1), (cell, k)]
            j -= 1
        for cell, k in candidates:
            if self._can_take(cell, k):
                return cell, k
        raise PlacementError("cannot place a new line in the notebook: no Python cell there")

    def _can_take(self, cell: Cell, k: int) -> bool:
        """Whether new lines may go before line `k` of `cell` (k == count: at its end)."""
        if cell.foreign or cell.number in self.broken or not "".join(cell.lines).strip() or k <= cell.header:
            return False
        return k == 0 or not _body(cell.lines[k - 1]).rstrip().endswith("\\")

    @staticmethod
    def _indented(prefix: str, lines: list[str]) -> list[str]:
        """Module lines as cell lines: IPython removes `prefix` again (a new
        line always gets the cell's, so that it cannot change the cell's)."""
        return [prefix + line if line.strip() else line for line in lines]

    def _assemble(self, cell: Cell) -> str:
        """The cell's lines as written, but the edited ones; new lines end like its first."""
        endings = [line[len(_body(line)):] for line in cell.lines]
        newline = next((e for e in endings if e), "\n")
        pieces: list[list[str]] = []  # [text, ending]
        for k, line in enumerate(cell.lines):
            pieces += [[b, newline] for b in self.before.get((cell.number, k), [])]
            replaced = self.replaced.get((cell.number, k))
            pieces += [[_body(line), endings[k]]] if replaced is None else [[b, endings[k] or newline]
                                                                            for b in replaced]
        pieces += [[b, newline] for b in self.before.get((cell.number, cell.line_count), [])]
        for piece in pieces[:-1]:
            piece[1] = piece[1] or newline
        if pieces:  # Jupyter's way, no newline after the last line, is kept
            pieces[-1][1] = endings[-1] and (pieces[-1][1] or newline)
        return "".join(text + ending for text, ending in pieces)


def changes(old: list[str], new: list[str]) -> list[tuple[int, int, int, int]]:
    """The blocks (i1, i2, j1, j2) where `old[i1:i2]` became `new[j1:j2]`, by
    a shortest edit script (Myers' O(ND) diff). Unlike difflib's longest
    matching blocks it does not pair a line with a copy of it in another
    cell, which would move lines between cells."""
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    n, m = len(old) - start, len(new) - start
    end = 0
    while end < min(n, m) and old[-1 - end] == new[-1 - end]:
        end += 1
    a, b = old[start:len(old) - end], new[start:len(new) - end]
    n, m = len(a), len(b)
    furthest: dict[int, int] = {1: 0}  # diagonal k = x - y -> furthest x reached
    trace = []
    for d in range(n + m + 1):
        if d > 2000:  # not a fix's few edits: difflib's blocks will do
            return [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(
                None, old, new, autojunk=False).get_opcodes() if tag != "equal"]
        trace.append(dict(furthest))
        for k in range(-d, d + 1, 2):
            x = furthest[k + 1] if k == -d or (k != d and furthest[k - 1] < furthest[k + 1]) else furthest[k - 1] + 1
            y = x - k
            while x < n and y < m and a[x] == b[y]:
                x, y = x + 1, y + 1
            furthest[k] = x
            if x >= n and y >= m:
                break
        if x >= n and y >= m:
            break
    # Walk back from the end, collecting the lines that are not kept.
    x, y, blocks = n, m, []
    for d in range(len(trace) - 1, 0, -1):
        v = trace[d]
        k = x - y
        previous = k + 1 if k == -d or (k != d and v[k - 1] < v[k + 1]) else k - 1
        px = v[previous]
        py = px - previous
        while x > px and y > py:
            x, y = x - 1, y - 1
        if blocks and blocks[0][0] == x and blocks[0][2] == y:  # extends the block after it
            blocks[0] = (px, blocks[0][1], py, blocks[0][3])
        else:
            blocks.insert(0, (px, x, py, y))
        x, y = px, py
    return [(i1 + start, i2 + start, j1 + start, j2 + start) for i1, i2, j1, j2 in blocks]


def _refine(old: list[str], new: list[str], i1: int, i2: int, j1: int, j2: int) -> list[tuple[int, int, int, int]]:
    """Split a block of changed lines into line-for-line changes and pure
    inserts, pairing each old line with its most similar new line: a seed
    argument added on a line and a line added before it are two edits."""
    if i1 == i2 or j1 == j2 or (i2 - i1 == j2 - j1) or (i2 - i1) * (j2 - j1) > 400:
        return [(i1, i2, j1, j2)]
    best, where = 0.5, None
    for i in range(i1, i2):
        for j in range(j1, j2):
            ratio = difflib.SequenceMatcher(None, old[i], new[j]).ratio()
            if ratio > best:
                best, where = ratio, (i, j)
    if where is None:
        return [(i1, i2, j1, j2)]
    i, j = where
    return (_refine(old, new, i1, i, j1, j) + [(i, i + 1, j, j + 1)] + _refine(old, new, i + 1, i2, j + 1, j2))


def decode_notebook(data: bytes) -> NotebookSource | None:
    """The notebook's Python code, or None for a notebook of another language."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except RecursionError:  # `[[[[...` a hundred thousand deep
        raise SourceError("not a valid notebook (JSON): nested too deeply") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise SourceError(f"not a valid notebook (JSON): {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("cells"), list):
        raise SourceError("not a valid notebook: no list of cells")
    metadata = document.get("metadata") if isinstance(document.get("metadata"), dict) else {}
    kernel, info = (metadata.get(key) if isinstance(metadata.get(key), dict) else {}
                    for key in ("kernelspec", "language_info"))
    language = kernel.get("language") or info.get("name")
    if language and str(language).lower() not in ("python", "python3", "ipython"):
        return None
    cells: list[Cell] = []
    originals: dict[int, str] = {}
    line = 1
    for number, cell in enumerate(document["cells"], start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        originals[number] = cell_text(cell)
        cells.append(read_cell(number, line, originals[number]))
        line += cells[-1].line_count
    return NotebookSource("".join(c.code for c in cells), document, cells, originals)

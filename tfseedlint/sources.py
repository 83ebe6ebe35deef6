"""Reading what the linter checks: Python files (PEP 263 encodings, BOM, any
line ending) and Jupyter notebooks (code cells joined into one module, with
IPython `%magic` / `!shell` lines blanked so that positions stay put)."""
from __future__ import annotations

import codecs
import errno
import json
import os
import re
import stat
import tokenize
from dataclasses import dataclass, field


class SourceError(Exception):
    """The file's bytes are not Python source (reported as TSL001)."""

    def __init__(self, message: str, line: int = 1, col: int = 1, cell: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col
        self.cell = cell


@dataclass
class PythonSource:
    """Decoded text plus what is needed to write it back byte-identically."""

    text: str
    encoding: str = "utf-8"
    bom: bool = False


@dataclass
class Cell:
    number: int  # 1-based among all cells, markdown included
    first_line: int  # line of the joined module where the cell starts (1-based)
    line_count: int
    indent: int = 0  # columns IPython's dedent removed from every line
    code: str = ""  # the cell as the joined module holds it


@dataclass
class NotebookSource:
    """A notebook's code cells as one module, and the map back to cells."""

    text: str
    document: dict
    cells: list[Cell] = field(default_factory=list)
    #: the original cell texts (magics included), for `# noqa` and fixes.
    originals: dict[int, str] = field(default_factory=dict)

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

    def without(self, numbers: set[int]) -> str:
        """The joined module with the given cells blanked (lines kept)."""
        return "".join("\n" * c.line_count if c.number in numbers else c.code for c in self.cells)


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """A file's bytes. What is not a regular file raises OSError instead of
    being read: a FIFO or a device named `x.py` would block the run forever."""
    # O_NONBLOCK: opening a FIFO without a writer must not wait for one.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with open(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", os.fspath(path))
        return fh.read()


def decode_python(data: bytes) -> PythonSource:
    """Decode like the interpreter does (BOM, coding cookie, else UTF-8)."""
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise SourceError("source contains a NUL byte", line)
    try:
        # The first two lines split as Python splits them: a file whose lines
        # end in a lone "\r" is one "line" to BytesIO.readline, and its
        # coding cookie would be judged against the whole file.
        head = iter(data.splitlines(keepends=True)[:2])
        encoding, _ = tokenize.detect_encoding(lambda: next(head, b""))
    except SyntaxError as exc:
        raise SourceError(f"cannot decode: {exc}") from None
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        data = data[len(codecs.BOM_UTF8):]
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        line = 1
        if isinstance(exc, UnicodeDecodeError):
            line = data[: exc.start].count(b"\n") + 1
        raise SourceError(f"cannot decode as {encoding}: {exc}", line) from None
    return PythonSource(text, "utf-8" if encoding == "utf-8-sig" else encoding, bom)


_MAGIC = re.compile(r"^(\s*)(?:[%!?]|\w+\s*=\s*[%!])")
#: IPython "automagics": `ls ./data` or `pip install x` typed without `%`.
_AUTOMAGIC = re.compile(r"^(\s*)(?:ls|cd|pwd|pip|conda|cat|mkdir|rm|cp|mv|env|clear|less|man|"
                        r"load_ext|reload_ext|matplotlib|time|timeit|who|whos|history|alias)"
                        r"(?:\s*$|\s+(?![=+\-*/%&|^<>!,:)\]}]|[\w.]+\s*[=(]))")
#: Cell magics whose body is still Python.
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "tensorflow_version"})


def _blank_magics(source: str) -> str:
    """Replace IPython-only lines by `pass` lines of the same indentation (a
    shell command continued with a trailing backslash included)."""
    lines = source.split("\n")
    if lines and lines[0].lstrip().startswith("%%"):
        magic = lines[0].lstrip()[2:].split()[0] if lines[0].strip() != "%%" else ""
        if magic not in _PYTHON_CELL_MAGICS:
            return "\n".join("" for _ in lines)  # a %%bash / %%writefile ... cell
        lines[0] = ""
    out = []
    continued = False
    depth = 0  # open brackets: `%` or `!` inside an expression is an operator
    for line in lines:
        match = None if depth > 0 else (_MAGIC.match(line) or _AUTOMAGIC.match(line))
        if not continued and not match:
            code = line.split("#", 1)[0]
            depth = max(0, depth + sum(code.count(c) for c in "([{") - sum(code.count(c) for c in ")]}"))
        if continued or match:
            indent = match.group(1) if match else ""
            out.append(f"{indent}pass" if indent else "")
            continued = line.rstrip().endswith("\\")
        elif line.rstrip().endswith("?") and not line.lstrip().startswith("#") and "#" not in line:
            out.append("")  # `obj?` help
        else:
            out.append(line)
    return "\n".join(out)


def _dedent(code: str) -> tuple[str, int]:
    """IPython runs a cell whose lines all share an indentation as if it had
    none; do the same and return how many columns were removed."""
    lines = code.split("\n")
    filled = [line for line in lines if line.strip()]
    if not filled or not filled[0][:1].isspace():
        return code, 0
    width = min(len(line) - len(line.lstrip(" \t")) for line in filled)
    if width == 0:
        return code, 0
    return "\n".join(line[width:] if line.strip() else "" for line in lines), width


def cell_text(cell: dict) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        return "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


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
    language = (metadata.get("kernelspec") or {}).get("language") if isinstance(
        metadata.get("kernelspec"), dict) else None
    language = language or ((metadata.get("language_info") or {}).get("name")
                            if isinstance(metadata.get("language_info"), dict) else None)
    if language and str(language).lower() not in ("python", "python3", "ipython"):
        return None
    parts: list[str] = []
    cells: list[Cell] = []
    originals: dict[int, str] = {}
    line = 1
    for number, cell in enumerate(document["cells"], start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        original = cell_text(cell)
        originals[number] = original
        code, indent = _dedent(_blank_magics(original))
        if not code.endswith("\n"):
            code += "\n"
        count = code.count("\n")
        cells.append(Cell(number, line, count, indent, code))
        parts.append(code)
        line += count
    return NotebookSource("".join(parts), document, cells, originals)

"""Reading what the linter checks: Python files (PEP 263 encodings, BOM, any
line ending) and Jupyter notebooks (code cells joined into one module, with
IPython `%magic` / `!shell` lines blanked so that positions stay put)."""
from __future__ import annotations

import codecs
import io
import json
import re
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
        for cell in reversed(self.cells):
            if line >= cell.first_line:
                return cell.number, line - cell.first_line + 1
        return (self.cells[0].number if self.cells else 1), line


def decode_python(data: bytes) -> PythonSource:
    """Decode like the interpreter does (BOM, coding cookie, else UTF-8)."""
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise SourceError("source contains a NUL byte", line)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
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
#: Cell magics whose body is still Python.
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "tensorflow_version"})


def _blank_magics(source: str) -> str:
    """Replace IPython-only lines by `pass` lines of the same indentation."""
    lines = source.split("\n")
    if lines and lines[0].lstrip().startswith("%%"):
        magic = lines[0].lstrip()[2:].split()[0] if lines[0].strip() != "%%" else ""
        if magic not in _PYTHON_CELL_MAGICS:
            return "\n".join("" for _ in lines)  # a %%bash / %%writefile ... cell
        lines[0] = ""
    out = []
    for line in lines:
        match = _MAGIC.match(line)
        if match and not line.rstrip().endswith(("\\",)):
            indent = match.group(1)
            out.append(f"{indent}pass" if indent else "")
        elif line.rstrip().endswith("?") and not line.lstrip().startswith("#") and "#" not in line:
            out.append("")  # `obj?` help
        else:
            out.append(line)
    return "\n".join(out)


def cell_text(cell: dict) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        return "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


def decode_notebook(data: bytes) -> NotebookSource | None:
    """The notebook's Python code, or None for a notebook of another language."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
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
        code = _blank_magics(original)
        if not code.endswith("\n"):
            code += "\n"
        count = code.count("\n")
        cells.append(Cell(number, line, count))
        parts.append(code)
        line += count
    return NotebookSource("".join(parts), document, cells, originals)

"""Reading what the linter checks: Python files (PEP 263 encodings, BOM, any
line ending). Jupyter notebooks are read by `tfseedlint.notebook`."""
from __future__ import annotations

import codecs
import errno
import os
import stat
import tokenize
from dataclasses import dataclass


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

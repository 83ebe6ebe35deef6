"""`--add-noqa`: mark each reported line with `# noqa: CODE`, so that a new
rule set can be adopted on a large code base and its findings worked off
one by one (like `ruff check --add-noqa`).

A directive goes at the end of the line the finding is reported on, since
that is the line `# noqa` is read from. An existing `# noqa: X` there gets
the new codes added; other comments are kept. A line whose end lies inside
a string or continues with a backslash cannot hold a comment: it is left
alone and named. Files are rewritten atomically, keeping encoding, BOM and
line endings; notebooks are not edited.
"""
from __future__ import annotations

import codecs
import io
import os
import re
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tfseedlint.ftypes import Finding
from tfseedlint.sources import SourceError, decode_python, read_bytes

# The engine's `# noqa` pattern (flake8's).
_NOQA = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
_PARTS = re.compile(r"(\r\n|\r|\n)")


@dataclass
class Added:
    """What `add_noqa` did."""

    directives: int = 0
    errors: list[str] = field(default_factory=list)
    #: findings that could not be marked (`path:line: why`).
    skipped: list[str] = field(default_factory=list)


def _comment_lines(text: str) -> set[int]:
    """Lines (1-based) whose end is outside any string and not continued
    with a backslash: where a trailing comment can go."""
    ends: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(text, newline="").readline):
        if token.type in (tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT):
            ends.add(token.start[0])
    return ends


def _with_codes(line: str, codes: list[str]) -> str:
    match = _NOQA.search(line)
    if match is not None and match.group("codes"):
        listed_text = match.group("codes")
        listed = [c for c in re.split(r"[,\s]+", listed_text) if c]
        merged = listed + [c for c in codes if c not in listed]
        # The pattern takes the blanks after the codes: give them back.
        trailing = listed_text[len(listed_text.rstrip(", \t")):].replace(",", "")
        return f"{line[:match.start()]}# noqa: {', '.join(merged)}{trailing}{line[match.end():]}"
    code = line.rstrip(" \t")
    return f"{code}  # noqa: {', '.join(codes)}"


def add_noqa(findings: Iterable[Finding]) -> Added:
    """Add `# noqa: CODES` for `findings` to their files."""
    from tfseedlint.fixer import write_atomic

    added = Added()
    by_path: dict[str, dict[int, list[str]]] = {}
    notebooks: dict[str, int] = {}
    for finding in findings:
        if finding.code == "TSL001":
            continue  # a file that does not parse: nothing to mark
        if finding.cell is not None:
            notebooks[finding.path] = notebooks.get(finding.path, 0) + 1
            continue
        codes = by_path.setdefault(finding.path, {}).setdefault(finding.line, [])
        if finding.code not in codes:
            codes.append(finding.code)
    for path, count in sorted(notebooks.items()):
        added.skipped.append(f"{path}: notebooks are not edited by --add-noqa ({count} not marked)")
    for path, lines in sorted(by_path.items()):
        try:
            read_stat = os.stat(path)
            data = read_bytes(path)
            source = decode_python(data)
            safe = _comment_lines(source.text)
        except OSError as exc:
            added.errors.append(f"{path}: {exc.strerror or exc}; no noqa added")
            continue
        except (SourceError, tokenize.TokenError, SyntaxError) as exc:
            added.errors.append(f"{path}: cannot tokenize ({exc}); no noqa added")
            continue
        parts = _PARTS.split(source.text)  # line, break, line, break, ..., line
        count = 0
        for line, codes in sorted(lines.items()):
            index = 2 * (line - 1)
            if line not in safe or index >= len(parts):
                added.skipped.append(f"{path}:{line}: the line continues (string or backslash); no noqa added")
                continue
            parts[index] = _with_codes(parts[index], sorted(codes))
            count += 1
        if not count:
            continue
        text = "".join(parts)
        try:
            encoded = (codecs.BOM_UTF8 if source.bom else b"") + text.encode(source.encoding)
        except UnicodeEncodeError as exc:
            added.errors.append(f"{path}: cannot encode as {source.encoding} ({exc.reason}); no noqa added")
            continue
        problem = write_atomic(Path(path), encoded, data, read_stat)
        if problem is not None:
            added.errors.append(problem)
            continue
        added.directives += count
    return added

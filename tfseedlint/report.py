"""Turn findings into output text: the human formats (`concise`, `full`,
`grouped`), the machine ones (`json`, `json-lines`, `junit`, `github`,
`gitlab`, `pylint`, `sarif`), `--statistics` counts and the summary lines.

This is the only module that formats findings; it returns strings and
never prints, so the CLI decides where output goes.

A notebook finding's `line` is within its cell (`path:cell N:line:col`).
Formats whose consumers place a finding on a line of the file itself
(GitHub annotations, SARIF, GitLab, JUnit, pylint) get the line of the
`.ipynb` JSON text that holds that cell line, and say the cell in the
message (and, in SARIF, in the result's properties).
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from json.decoder import scanstring  # type: ignore[attr-defined]
from pathlib import Path, PurePath
from typing import Any, Protocol

import tfseedlint
from tfseedlint.ftypes import Finding

__all__ = [
    "ALIASES",
    "FORMATS",
    "MACHINE_FORMATS",
    "RuleInfo",
    "Sources",
    "render",
    "statistics",
    "statistics_records",
]

FORMATS = ("concise", "full", "json", "json-lines", "junit", "grouped", "github", "gitlab", "pylint", "sarif")
#: Older names that still work (`--format text`).
ALIASES = {"text": "concise"}
#: Formats that programs read: summaries and tables go to stderr instead.
MACHINE_FORMATS = frozenset({"json", "json-lines", "junit", "github", "gitlab", "pylint", "sarif"})
#: Formats whose document holds the `--statistics` counts itself.
STATISTICS_INSIDE = frozenset({"json", "sarif"})

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/tfseedlint/"
SRCROOT = "%SRCROOT%"

# LibCST's (and Python's) line breaks: a lone "\r" is one too, a form feed is not.
_LINE_BREAK = re.compile(r"\r\n?|\n")


class RuleInfo(Protocol):
    """What a reporter needs to know about a rule (`fix_safety`, when the
    object has it, says whether a fix is "safe" or "unsafe")."""

    @property
    def code(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def summary(self) -> str:
        """One-line description."""
        ...


def _name(finding: Finding, rules: Mapping[str, RuleInfo]) -> str:
    # The registry is the source of truth; a finding's own name covers codes
    # the registry lacks (e.g. from a plugin or an older cache).
    rule = rules.get(finding.code)
    return rule.name if rule is not None else finding.name


def fix_safety(finding: Finding, rules: Mapping[str, RuleInfo]) -> str | None:
    """"safe", "unsafe" or None (no fix) for this finding."""
    if not finding.fixable:
        return None
    return getattr(rules.get(finding.code), "fix_safety", None) or "safe"


def applicable(finding: Finding, rules: Mapping[str, RuleInfo], unsafe: bool) -> bool:
    """Whether `--fix` (with `unsafe`: `--fix --unsafe-fixes`) fixes it."""
    safety = fix_safety(finding, rules)
    return safety == "safe" or (safety == "unsafe" and unsafe)


# -- the files behind the findings ---------------------------------------------


@dataclass
class _Text:
    """One file as the reporters need it: its lines (a notebook's per cell)
    and, for a notebook, where each cell's source lies in the JSON text."""

    lines: list[str] | None = None
    cells: dict[int, list[str]] = field(default_factory=dict)
    raw: str | None = None
    #: cell number -> [(offset of the opening quote in `raw`, decoded string)]
    sources: dict[int, list[tuple[int, str]]] | None = None


class Sources:
    """The text of the linted files, read on demand: the source line `full`
    shows, and where a notebook cell's line lies in the `.ipynb` file.

    `texts` gives the bytes of files that are not on disk (standard input).
    A file that cannot be read (or decoded) gives no context, and a notebook
    finding then keeps its cell-relative line."""

    def __init__(self, texts: Mapping[str, bytes] | None = None) -> None:
        self._given = dict(texts or {})
        self._texts: dict[str, _Text] = {}

    def _text(self, path: str) -> _Text:
        text = self._texts.get(path)
        if text is None:
            text = self._texts[path] = self._read(path)
        return text

    def _read(self, path: str) -> _Text:
        from tfseedlint.notebook import cell_text
        from tfseedlint.sources import SourceError, decode_python, read_bytes

        data = self._given.get(path)
        if data is None:
            try:
                data = read_bytes(path)
            except OSError:
                return _Text()
        if not path.endswith(".ipynb"):
            try:
                return _Text(lines=_LINE_BREAK.split(decode_python(data).text))
            except SourceError:
                return _Text()
        try:
            raw = data.decode("utf-8-sig")
            document = json.loads(raw)
            cells = document["cells"]
            texts = {n: _LINE_BREAK.split(cell_text(c)) for n, c in enumerate(cells, 1) if isinstance(c, dict)}
        except (UnicodeDecodeError, ValueError, KeyError, TypeError, RecursionError):
            return _Text()
        return _Text(cells=texts, raw=raw)

    def line(self, finding: Finding) -> str | None:
        """The source line the finding is on (a notebook's: in its cell)."""
        text = self._text(finding.path)
        lines = text.cells.get(finding.cell) if finding.cell is not None else text.lines
        if lines is None or not 0 < finding.line <= len(lines):
            return None
        return lines[finding.line - 1]

    def context(self, finding: Finding, before: int = 2, after: int = 2) -> list[tuple[int, str]]:
        """Numbered lines around the finding's, for `full`."""
        text = self._text(finding.path)
        lines = text.cells.get(finding.cell) if finding.cell is not None else text.lines
        if lines is None or not 0 < finding.line <= len(lines):
            return []
        first, last = max(1, finding.line - before), min(len(lines), finding.line + after)
        shown = [(n, lines[n - 1]) for n in range(first, last + 1)]
        # Blank lines at the edges of the window say nothing.
        while shown and shown[0][0] != finding.line and not shown[0][1].strip():
            shown.pop(0)
        while shown and shown[-1][0] != finding.line and not shown[-1][1].strip():
            shown.pop()
        return shown

    def file_position(self, finding: Finding) -> tuple[int, int]:
        """(line, column) of the finding in the file as stored: for a
        notebook, in the `.ipynb` JSON text (falls back to the cell's)."""
        if finding.cell is None:
            return finding.line, finding.col
        text = self._text(finding.path)
        if text.raw is None:
            return finding.line, finding.col
        if text.sources is None:
            try:
                text.sources = _notebook_sources(text.raw)
            except (ValueError, IndexError, RecursionError):
                text.sources = {}
        found = _json_position(text.raw, text.sources.get(finding.cell), finding.line, finding.col)
        return found if found is not None else (finding.line, finding.col)


_WS = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null")


def _notebook_sources(raw: str) -> dict[int, list[tuple[int, str]]]:
    """Where each cell's `source` strings start in the notebook's JSON text:
    cell number (1-based) -> [(offset of the opening quote, decoded text)]."""
    found: dict[int, list[tuple[int, str]]] = {}

    def value(i: int, path: tuple[Any, ...]) -> int:
        i = _WS.match(raw, i).end()  # type: ignore[union-attr]
        c = raw[i]
        if c == '"':
            text, end = scanstring(raw, i + 1)
            if len(path) in (3, 4) and path[0] == "cells" and path[2] == "source":
                found.setdefault(path[1] + 1, []).append((i, text))
            return end
        if c in "{[":
            close, i = ("}" if c == "{" else "]"), _WS.match(raw, i + 1).end()  # type: ignore[union-attr]
            index = 0
            if raw[i] == close:
                return i + 1
            while True:
                if c == "{":
                    key, i = scanstring(raw, raw.index('"', i) + 1)
                    i = _WS.match(raw, i).end()  # type: ignore[union-attr]
                    if raw[i] != ":":
                        raise ValueError("expected ':'")
                    # Only the path to cell sources matters; deeper keys are scanned, not kept.
                    i = value(i + 1, (*path, key) if len(path) < 4 else path)
                else:
                    i = value(i, (*path, index) if len(path) < 4 else path)
                    index += 1
                i = _WS.match(raw, i).end()  # type: ignore[union-attr]
                if raw[i] == ",":
                    i += 1
                    continue
                if raw[i] == close:
                    return i + 1
                raise ValueError(f"unexpected {raw[i]!r}")
        match = _SCALAR.match(raw, i)
        if match is None:
            raise ValueError(f"unexpected {c!r}")
        return match.end()

    value(0, ())
    return found


def _raw_offset(raw: str, quote: int, index: int) -> int:
    """The offset in `raw` of the `index`-th decoded character of the JSON
    string whose opening quote is at `quote`."""
    i = quote + 1
    for _ in range(index):
        if raw[i] != "\\":
            i += 1
        elif raw[i + 1] == "u":
            # A surrogate pair is one character: two escapes.
            high = 0xD800 <= int(raw[i + 2 : i + 6], 16) <= 0xDBFF
            i += 12 if high and raw[i + 6 : i + 8] == "\\u" else 6
        else:
            i += 2
    return i


def _json_position(raw: str, strings: list[tuple[int, str]] | None, line: int, col: int) -> tuple[int, int] | None:
    if not strings:
        return None
    text = "".join(s for _, s in strings)
    starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]
    if not 0 < line <= len(starts):
        return None
    target = starts[line - 1] + col - 1
    offset = 0
    for quote, string in strings:
        if target < offset + len(string) or (quote, string) == strings[-1]:
            at = _raw_offset(raw, quote, min(max(target - offset, 0), len(string)))
            file_line = raw.count("\n", 0, at) + 1
            return file_line, at - (raw.rfind("\n", 0, at) + 1) + 1
        offset += len(string)
    return None


# -- styling --------------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    """ANSI colours, or none (`color=False`)."""

    color: bool = False

    def _wrap(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color and text else text

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def code(self, text: str) -> str:
        return self._wrap("1;31", text)

    def dim(self, text: str) -> str:
        return self._wrap("34", text)

    def cyan(self, text: str) -> str:
        return self._wrap("36", text)

    def error(self, text: str) -> str:
        return self._wrap("1;31", text)


@dataclass
class Options:
    """How to render: colours, which fixes count as applicable (`[*]`), the
    files' text, and whether the document carries `--statistics`."""

    style: Style = field(default_factory=Style)
    unsafe_fixes: bool = False
    sources: Sources = field(default_factory=Sources)
    statistics: bool = False


def _location(f: Finding, style: Style) -> str:
    colon = style.cyan(":")
    cell = f"cell {f.cell}{colon}" if f.cell is not None else ""
    return f"{style.bold(f.path)}{colon}{cell}{f.line}{colon}{f.col}{colon}"


def _marker(f: Finding, rules: Mapping[str, RuleInfo], options: Options) -> str:
    return options.style.cyan("[*]") + " " if applicable(f, rules, options.unsafe_fixes) else ""


# -- human formats -------------------------------------------------------------------


def _concise(findings: Sequence[Finding], rules: Mapping[str, RuleInfo], options: Options) -> str:
    style = options.style
    return "\n".join(f"{_location(f, style)} {style.code(f.code)} {f.message}" for f in findings)


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _full(findings: Sequence[Finding], rules: Mapping[str, RuleInfo], options: Options) -> str:
    style = options.style
    blocks = []
    for f in findings:
        head = f"{_location(f, style)} {style.code(f.code)} {_marker(f, rules, options)}{f.message}"
        shown = options.sources.context(f)
        if not shown:
            blocks.append(head)
            continue
        gutter = len(str(shown[-1][0]))
        bar = style.dim(" " * gutter + " |")
        body = [head, bar]
        for number, text in shown:
            body.append(style.dim(f"{number:>{gutter}} |") + (" " + text.replace("\t", "    ") if text else ""))
            if number == f.line:
                pad = _width(text[: max(f.col - 1, 0)].replace("\t", "    "))
                body.append(f"{bar} {' ' * pad}{style.code('^ ' + f.code)}")
        body.append(bar)
        blocks.append("\n".join(body))
    return "\n\n".join(blocks)


def _grouped(findings: Sequence[Finding], rules: Mapping[str, RuleInfo], options: Options) -> str:
    style = options.style
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        groups.setdefault(f.path, []).append(f)
    blocks = []
    for path, items in groups.items():
        places = [(f"cell {f.cell}:" if f.cell is not None else "") + f"{f.line}:{f.col}" for f in items]
        width = max(len(p) for p in places)
        lines = [style.bold(path) + style.cyan(":")]
        for place, f in zip(places, items):
            lines.append(f"  {place:<{width}} {style.code(f.code)} {_marker(f, rules, options)}{f.message}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


# -- machine formats ------------------------------------------------------------------


def _record(f: Finding, rules: Mapping[str, RuleInfo]) -> dict[str, Any]:
    return {
        "path": f.path,
        "cell": f.cell,
        "line": f.line,
        "column": f.col,
        "code": f.code,
        "name": _name(f, rules),
        "message": f.message,
        "fixable": f.fixable,
    }


def _json(findings: Sequence[Finding], rules: Mapping[str, RuleInfo], options: Options) -> str:
    records = [_record(f, rules) for f in findings]
    if options.statistics:
        return json.dumps({"findings": records, "statistics": statistics_records(findings, rules)}, indent=2)
    return json.dumps(records, indent=2)


def _json_lines(findings: Sequence[Finding], rules: Mapping[str, RuleInfo], options: Options) -> str:
    return "\n".join(json.dumps(_record(f, rules)) for f in findings)


def _in_cell(finding: Finding, text: str) -> str:
    # File-line formats have no notion of a notebook cell: say it in the text.
    return text if finding.cell is None else f"cell {finding.cell}: {text}"


def _artifact_location(path: str) -> dict[str, str]:
    """A relative posix URI under %SRCROOT% (the working directory), or an
    absolute file URI for a path outside it."""
    absolute = os.path.abspath(path)
    try:
        rel = os.path.relpath(absolute, os.getcwd())
    except ValueError:  # another drive on Windows
        rel = os.pardir
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return {"uri": Path(absolute).as_uri()}
    # Percent-encode: a URI may not hold spaces, `#`, `%`...
    # surrogateescape: a name that is not UTF-8 on disk keeps its own bytes.
    from urllib.parse import quote

    return {"uri": quote(PurePath(rel).as_posix(), safe="/", errors="surrogateescape"), "uriBaseId": SRCROOT}


def _descriptor(code: str, name: str, summary: str) -> dict[str, Any]:
    return {"id": code, "name": name, "shortDescription": {"text": summary},
            "defaultConfiguration": {"level": "warning"}}


def _sarif(findings: Sequence[Finding], rules: Mapping[str, RuleInfo], options: Options) -> str:
    descriptors: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for code in sorted(rules):
        rule = rules[code]
        index[code] = len(descriptors)
        descriptors.append(_descriptor(rule.code, rule.name, rule.summary))
    results: list[dict[str, Any]] = []
    for f in findings:
        if f.code not in index:
            # Keep every ruleIndex valid even for a code the registry lacks.
            index[f.code] = len(descriptors)
            descriptors.append(_descriptor(f.code, f.name or f.code, f.name or f.code))
        line, col = options.sources.file_position(f)
        result: dict[str, Any] = {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": "warning",
            "message": {"text": _in_cell(f, f.message)},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": _artifact_location(f.path),
                        "region": {"startLine": line, "startColumn": col},
                    }
                }
            ],
        }
        if f.cell is not None:
            result["properties"] = {"cell": f.cell, "cellLine": f.line, "cellColumn": f.col}
        results.append(result)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "tfseedlint",
                "version": tfseedlint.__version__,
                "informationUri": INFORMATION_URI,
                "rules": descriptors,
            }
        },
        # LibCST columns count characters, not bytes or UTF-16 units.
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    if options.statistics:
        run["properties"] = {"statistics": statistics_records(findings, rules)}
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2)


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _posix(path: str) -> str:
    return path.replace(os.sep, "/") if os.sep != "/" else path


def _github(findings: Sequence[Finding], rules: Mapping[str, RuleInfo], options: Options) -> str:
    lines = []
    for f in findings:
        name = _name(f, rules)
        title = f"{f.code} {name}" if name else f.code
        line, col = options.sources.file_position(f)
        lines.append(
            f"::warning file={_escape_property(_posix(f.path))},line={line},col={col},"
            f"title={_escape_property(title)}::{_escape_data(_in_cell(f, f.message))}"
        )
    return "\n".join(lines)


def _project_relative(path: str) -> str:
    """GitLab wants paths relative to the repository (`CI_PROJECT_DIR` in a
    job, else the working directory)."""
    base = os.environ.get("CI_PROJECT_DIR") or os.getcwd()
    try:
        rel = os.path.relpath(os.path.abspath(path), base)
    except ValueError:
        rel = path
    return _posix(path if rel.startswith(os.pardir) else rel)


def _gitlab(findings: Sequence[Finding], rules: Mapping[str, RuleInfo], options: Options) -> str:
    import hashlib

    issues = []
    seen: Counter[tuple[str, str, str]] = Counter()
    for f in findings:
        path = _project_relative(f.path)
        line, _ = options.sources.file_position(f)
        # Stable while lines move: path, code, message and which occurrence.
        key = (path, f.code, f.message)
        seen[key] += 1
        fingerprint = hashlib.blake2b("\0".join((*key, str(seen[key]))).encode("utf-8", "surrogateescape"),
                                      digest_size=16).hexdigest()
        issues.append({
            "type": "issue",
            "check_name": f.code,
            "description": f"{f.code} {_in_cell(f, f.message)}",
            "categories": ["Bug Risk"],
            "severity": "major",
            "fingerprint": fingerprint,
            "location": {"path": path, "lines": {"begin": line}},
        })
    return json.dumps(issues, indent=2)


def _pylint(findings: Sequence[Finding], rules: Mapping[str, RuleInfo], options: Options) -> str:
    lines = []
    for f in findings:
        line, _ = options.sources.file_position(f)
        lines.append(f"{f.path}:{line}: [{f.code}] {_in_cell(f, f.message)}")
    return "\n".join(lines)


# Characters XML 1.0 cannot carry; a name that is not UTF-8 on disk reads
# back as U+FFFD there.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml(text: str) -> str:
    return _XML_ILLEGAL.sub("\ufffd", text)


def _junit(findings: Sequence[Finding], rules: Mapping[str, RuleInfo], options: Options) -> str:
    import xml.etree.ElementTree as ET

    suites = ET.Element("testsuites", name="tfseedlint", tests=str(max(len(findings), 1)),
                        failures=str(len(findings)), errors="0")
    if not findings:
        suite = ET.SubElement(suites, "testsuite", name="tfseedlint", tests="1", failures="0", errors="0",
                              skipped="0")
        ET.SubElement(suite, "testcase", name="No problems found", classname="tfseedlint")
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        groups.setdefault(f.path, []).append(f)
    for path, items in groups.items():
        suite = ET.SubElement(suites, "testsuite", name=_xml(path), tests=str(len(items)),
                              failures=str(len(items)), errors="0", skipped="0")
        for f in items:
            line, col = options.sources.file_position(f)
            case = ET.SubElement(suite, "testcase", name=_xml(f"{f.code} {_name(f, rules)}".strip()),
                                 classname=_xml(path), file=_xml(path), line=str(line))
            failure = ET.SubElement(case, "failure", message=_xml(_in_cell(f, f.message)), type=f.code)
            failure.text = _xml(f"{f.location}: {f.code} {f.message}")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode")


_RENDERERS: dict[str, Callable[[Sequence[Finding], Mapping[str, RuleInfo], Options], str]] = {
    "concise": _concise,
    "full": _full,
    "grouped": _grouped,
    "json": _json,
    "json-lines": _json_lines,
    "junit": _junit,
    "github": _github,
    "gitlab": _gitlab,
    "pylint": _pylint,
    "sarif": _sarif,
}


def render(findings: Sequence[Finding], fmt: str, rules: Mapping[str, RuleInfo], *,
           options: Options | None = None) -> str:
    """`findings` in output format `fmt` (one of `FORMATS` or `ALIASES`),
    sorted by `Finding.sort_key`. `rules` maps codes to rule descriptions.

    The text has no trailing newline. Line formats give "" for no findings;
    `json`, `gitlab`, `junit` and `sarif` always give a document. Raises
    ValueError for an unknown format."""
    renderer = _RENDERERS.get(ALIASES.get(fmt, fmt))
    if renderer is None:
        raise ValueError(f"unknown output format {fmt!r} (choose from {', '.join(FORMATS)})")
    return renderer(sorted(findings, key=lambda f: f.sort_key), rules, options or Options())


# -- statistics and summaries ----------------------------------------------------------


def statistics_records(findings: Sequence[Finding], rules: Mapping[str, RuleInfo]) -> list[dict[str, Any]]:
    """Per code: `code`, `name`, `count` and how many are `fixable`, most
    frequent first (ties by code)."""
    counts = Counter(f.code for f in findings)
    fixable = Counter(f.code for f in findings if f.fixable)
    names = {f.code: _name(f, rules) for f in findings}
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [{"code": code, "name": names[code], "count": count, "fixable": fixable[code]}
            for code, count in ordered]


def statistics(findings: Sequence[Finding], rules: Mapping[str, RuleInfo]) -> str:
    """One line per code, `count code name`, most frequent first (ties by
    code), like `flake8 --statistics`. "" when there are no findings."""
    return "\n".join(f"{r['count']:<6}{r['code']} {r['name']}".rstrip()
                     for r in statistics_records(findings, rules))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(findings: Sequence[Finding], rules: Mapping[str, RuleInfo], *, fixed: int = 0,
            fix_mode: str | None = None, unsafe_fixes: bool = False) -> list[str]:
    """Ruff's closing lines: `Found N problems (M fixed, K remaining).` and
    `[*] N fixable with --fix (U more with --unsafe-fixes).`

    `fix_mode` is None (a plain run), "fix" (`fixed` were fixed and
    `findings` remain) or "diff" (`fixed` would be fixed)."""
    remaining = len(findings)
    lines: list[str] = []
    if fix_mode == "diff":
        if fixed:
            lines.append(f"Would fix {_plural(fixed, 'problem')} ({remaining} remaining).")
        else:
            lines.append("No fixes available." if remaining else "All checks passed!")
        return lines
    if fix_mode == "fix" and fixed:
        lines.append(f"Found {_plural(fixed + remaining, 'problem')} ({fixed} fixed, {remaining} remaining).")
    elif remaining:
        lines.append(f"Found {_plural(remaining, 'problem')}.")
    else:
        return ["All checks passed!"]
    safe = sum(1 for f in findings if fix_safety(f, rules) == "safe")
    unsafe = sum(1 for f in findings if fix_safety(f, rules) == "unsafe")
    if unsafe_fixes:
        safe, unsafe = safe + unsafe, 0
    if safe and unsafe:
        lines.append(f"[*] {safe} fixable with --fix ({unsafe} more with --unsafe-fixes).")
    elif safe:
        lines.append(f"[*] {safe} fixable with --fix.")
    elif unsafe:
        lines.append(f"No fixes available ({unsafe} with --fix --unsafe-fixes).")
    return lines


def fixed_table(fixed: Mapping[str, Counter[str]], rules: Mapping[str, RuleInfo], *, would: bool = False) -> str:
    """`--show-fixes`: what was (or, for `--diff`, would be) fixed, per file
    and code."""
    total = sum(sum(c.values()) for c in fixed.values())
    if not total:
        return "No problems would be fixed." if would else "No problems fixed."
    lines = [f"{'Would fix' if would else 'Fixed'} {_plural(total, 'problem')}:"]
    for path in sorted(fixed):
        counts = fixed[path]
        if not counts:
            continue
        lines.append(f"- {path}:")
        for code, count in sorted(counts.items()):
            rule = rules.get(code)
            lines.append(f"    {count} × {code}" + (f" ({rule.name})" if rule is not None else ""))
    return "\n".join(lines)

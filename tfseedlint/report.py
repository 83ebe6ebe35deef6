"""Turn findings into output text: flake8-style lines, JSON, SARIF 2.1.0,
GitHub Actions annotations, and `--statistics` counts.

This is the only module that formats findings; it returns strings and
never prints, so the CLI decides where output goes.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path, PurePath
from typing import Any, Protocol
from urllib.parse import quote

import tfseedlint
from tfseedlint.ftypes import Finding

__all__ = ["FORMATS", "RuleInfo", "render", "statistics"]

FORMATS = ("text", "json", "sarif", "github")

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/tfseedlint/"
SRCROOT = "%SRCROOT%"


class RuleInfo(Protocol):
    """What a reporter needs to know about a rule."""

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


def _text(findings: Sequence[Finding], rules: Mapping[str, RuleInfo]) -> str:
    return "\n".join(f"{f.location}: {f.code} {f.message}" for f in findings)


def _json(findings: Sequence[Finding], rules: Mapping[str, RuleInfo]) -> str:
    records = [
        {
            "path": f.path,
            "cell": f.cell,
            "line": f.line,
            "column": f.col,
            "code": f.code,
            "name": _name(f, rules),
            "message": f.message,
            "fixable": f.fixable,
        }
        for f in findings
    ]
    return json.dumps(records, indent=2)


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
    return {"uri": quote(PurePath(rel).as_posix(), safe="/", errors="surrogateescape"), "uriBaseId": SRCROOT}


def _sarif_message(finding: Finding) -> str:
    # SARIF regions have no notion of a notebook cell: say it in the text.
    if finding.cell is None:
        return finding.message
    return f"cell {finding.cell}: {finding.message}"


def _sarif(findings: Sequence[Finding], rules: Mapping[str, RuleInfo]) -> str:
    descriptors: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for code in sorted(rules):
        rule = rules[code]
        index[code] = len(descriptors)
        descriptors.append(
            {
                "id": rule.code,
                "name": rule.name,
                "shortDescription": {"text": rule.summary},
                "defaultConfiguration": {"level": "warning"},
            }
        )
    results: list[dict[str, Any]] = []
    for f in findings:
        if f.code not in index:
            # Keep every ruleIndex valid even for a code the registry lacks.
            index[f.code] = len(descriptors)
            label = f.name or f.code
            descriptors.append(
                {
                    "id": f.code,
                    "name": label,
                    "shortDescription": {"text": label},
                    "defaultConfiguration": {"level": "warning"},
                }
            )
        result: dict[str, Any] = {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": "warning",
            "message": {"text": _sarif_message(f)},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": _artifact_location(f.path),
                        "region": {"startLine": f.line, "startColumn": f.col},
                    }
                }
            ],
        }
        if f.cell is not None:
            result["properties"] = {"cell": f.cell}
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
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
        ],
    }
    return json.dumps(log, indent=2)


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _github(findings: Sequence[Finding], rules: Mapping[str, RuleInfo]) -> str:
    lines = []
    for f in findings:
        name = _name(f, rules)
        title = f"{f.code} {name}" if name else f.code
        # Annotations anchor to file lines; a notebook's line is per cell.
        message = f"cell {f.cell}: {f.message}" if f.cell is not None else f.message
        path = f.path.replace(os.sep, "/") if os.sep != "/" else f.path
        lines.append(
            f"::warning file={_escape_property(path)},line={f.line},col={f.col},"
            f"title={_escape_property(title)}::{_escape_data(message)}"
        )
    return "\n".join(lines)


_RENDERERS: dict[str, Callable[[Sequence[Finding], Mapping[str, RuleInfo]], str]] = {
    "text": _text,
    "json": _json,
    "sarif": _sarif,
    "github": _github,
}


def render(findings: Sequence[Finding], fmt: str, rules: Mapping[str, RuleInfo]) -> str:
    """`findings` in output format `fmt` (one of `FORMATS`), sorted by
    `Finding.sort_key`. `rules` maps codes to rule descriptions.

    The text has no trailing newline. For `text` and `github` no findings
    give "" (print nothing); `json` and `sarif` always give a document.
    Raises ValueError for an unknown format."""
    renderer = _RENDERERS.get(fmt)
    if renderer is None:
        raise ValueError(f"unknown output format {fmt!r} (choose from {', '.join(FORMATS)})")
    return renderer(sorted(findings, key=lambda f: f.sort_key), rules)


def statistics(findings: Sequence[Finding], rules: Mapping[str, RuleInfo]) -> str:
    """One line per code, `count code name`, most frequent first (ties by
    code), like `flake8 --statistics`. "" when there are no findings."""
    counts = Counter(f.code for f in findings)
    names = {f.code: _name(f, rules) for f in findings}
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return "\n".join(f"{count:<6}{code} {names[code]}".rstrip() for code, count in ordered)

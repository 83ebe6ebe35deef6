"""Shared test helpers: lint snippets and read `# expect:` annotations."""
from __future__ import annotations

import re
from dataclasses import replace

from tfseedlint.engine import lint_source
from tfseedlint.ftypes import Config, Finding

EXPECT = re.compile(r"#\s*expect:\s*((?:TSL\d{3}[\s,]*)+)")
CONFIG = Config(target_tensorflow="2.21.0")


def lint(code: str, path: str = "example.py", **settings: object) -> list[Finding]:
    config = replace(CONFIG, **settings) if settings else CONFIG
    return lint_source(code.encode("utf-8"), path, config).findings


def expected(code: str, only: str | None = None) -> set[tuple[int, str]]:
    out = set()
    for number, line in enumerate(code.splitlines(), start=1):
        match = EXPECT.search(line)
        if match:
            for found in re.findall(r"TSL\d{3}", match.group(1)):
                if only is None or found == only:
                    out.add((number, found))
    return out


def reported(findings: list[Finding]) -> set[tuple[int, str]]:
    return {(f.line, f.code) for f in findings}

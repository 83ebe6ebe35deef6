"""Rule reference pages, generated from each rule's docstring and examples.

`rules/CODE.md`, `tfseedlint explain CODE` and the README rule table all come
from here, so the rule module stays the one source of truth. Regenerate the
pages with `python -m tfseedlint.docs`; a test fails when they are stale.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from tfseedlint.rule import Rule
from tfseedlint.rules import ALL_RULES

_FIX = {"safe": "safe fix", "unsafe": "unsafe fix (`--unsafe-fixes`)", None: "no fix"}
#: The test suite's `# expect: CODE` markers, not meant for readers.
_EXPECT = re.compile(r"[ \t]*#\s*expect:\s*(?:TSL\d{3}[\s,]*)+$", re.MULTILINE)


def rule_page(rule: Rule) -> str:
    documentation = rule.documentation().rstrip()
    parts = [documentation]
    if "## Fix safety" not in documentation:  # else the docstring says it already
        parts += ["", f"Fix: {_FIX[rule.fix_safety]}."]
    for title, examples in (("Reported", [i.code for i in rule.INVALID]), ("Not reported", rule.VALID)):
        if examples:
            parts += ["", f"## {title} (from the rule's tests)"]
            for example in examples:
                parts += ["", "```python", _EXPECT.sub("", example.rstrip("\n")), "```"]
    return "\n".join(parts) + "\n"


def rule_table() -> str:
    rows = ["| code | name | what it finds | fix |", "|---|---|---|---|"]
    for rule in ALL_RULES:
        fix = {"safe": "yes", "unsafe": "unsafe"}.get(rule.fix_safety or "", "—")
        rows.append(f"| [{rule.code}](rules/{rule.code}.md) | {rule.name} | {rule.summary} | {fix} |")
    return "\n".join(rows) + "\n"


def write_pages(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for rule in ALL_RULES:
        path = directory / f"{rule.code}.md"
        path.write_text(rule_page(rule), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "rules"
    for page in write_pages(target):
        print(page)

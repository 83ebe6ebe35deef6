"""Every rule's own VALID / INVALID examples, run as tests."""
from __future__ import annotations

import pytest

from tfseedlint.rules import ALL_RULES
from tests.helpers import expected, lint, reported

VALID = [(rule.code, i, code) for rule in ALL_RULES for i, code in enumerate(rule.VALID)]
INVALID = [(rule.code, i, ex.code) for rule in ALL_RULES for i, ex in enumerate(rule.INVALID)]


@pytest.mark.parametrize("code,index,source", VALID, ids=[f"{c}-valid-{i}" for c, i, _ in VALID])
def test_valid_example_is_silent(code: str, index: int, source: str) -> None:
    assert lint(source, select=(code,)) == []


@pytest.mark.parametrize("code,index,source", INVALID, ids=[f"{c}-invalid-{i}" for c, i, _ in INVALID])
def test_invalid_example_reports_marked_lines(code: str, index: int, source: str) -> None:
    want = expected(source, only=code)
    assert want, "an INVALID example must mark at least one line with `# expect:`"
    assert reported(lint(source, select=(code,))) == want


@pytest.mark.parametrize("rule", ALL_RULES, ids=[r.code for r in ALL_RULES])
def test_rule_is_documented(rule) -> None:
    doc = rule.documentation()
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"):
        assert heading in doc, f"{rule.code} lacks {heading}"
    assert rule.name == rule.name.lower() and " " not in rule.name
    if rule.code != "TSL001":
        assert rule.INVALID, f"{rule.code} has no INVALID example"

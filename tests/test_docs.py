"""The generated rule pages and the README table match the rule modules."""
from __future__ import annotations

from pathlib import Path

from tfseedlint.docs import rule_page, rule_table
from tfseedlint.rules import ALL_RULES

ROOT = Path(__file__).resolve().parent.parent


def test_rule_pages_are_up_to_date() -> None:
    stale = [rule.code for rule in ALL_RULES
             if (ROOT / "rules" / f"{rule.code}.md").read_text(encoding="utf-8") != rule_page(rule)]
    assert stale == [], "run `python -m tfseedlint.docs` to regenerate rules/"


def test_no_page_without_a_rule() -> None:
    pages = {p.stem for p in (ROOT / "rules").glob("*.md")}
    assert pages == {rule.code for rule in ALL_RULES}


def test_readme_rule_table_is_current() -> None:
    assert rule_table() in (ROOT / "README.md").read_text(encoding="utf-8")

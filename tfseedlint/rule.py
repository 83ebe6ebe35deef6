"""The rule base class: a rule reads the `FileModel` and records reports.

Each rule lives in its own module under `tfseedlint/rules/`, carries its
documentation (ruff's headings) in its docstring and its own examples:
`VALID` snippets must stay silent, `INVALID` snippets mark each line that
must be reported with `# expect: CODE`. One generic test runs them all, and
`tfseedlint explain CODE` and `rules/*.md` are generated from the same text.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Iterator

import libcst as cst

from tfseedlint.fixes import Fix, source_fix

if TYPE_CHECKING:
    from tfseedlint.model import FileModel, Source


@dataclass(frozen=True)
class Report:
    """A finding before positions are known: the node it is reported at."""

    code: str
    node: cst.CSTNode
    message: str
    #: the edits `--fix` makes (see fixes.py); None: no mechanical fix.
    fix: Fix | None = None


@dataclass(frozen=True)
class Invalid:
    """An INVALID example: code whose `# expect:` lines must be reported, and
    (for fixable rules) the code `--fix` must turn it into."""

    code: str
    fixed: str | None = None


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    #: One line: what the rule finds (the rule table, SARIF, `tfseedlint rules`).
    summary: ClassVar[str]
    #: "safe", "unsafe" (needs --unsafe-fixes) or None (no mechanical fix).
    fix_safety: ClassVar[str | None] = None
    VALID: ClassVar[list[str]] = []
    INVALID: ClassVar[list[Invalid]] = []

    def check(self, model: FileModel) -> Iterator[Report]:
        raise NotImplementedError

    def report(self, node: cst.CSTNode, message: str, fix: Fix | None = None) -> Report:
        return Report(self.code, node, message, fix)

    @classmethod
    def documentation(cls) -> str:
        """The rule's page: title line, docstring sections, then its examples."""
        doc = inspect.cleandoc(cls.__doc__ or "")
        return f"# {cls.code} {cls.name}\n\n{cls.summary}\n\n{doc}\n"


def display_name(api: str) -> str:
    """How users spell an API: `tf.random.normal`, `np.random.rand`."""
    for long, short in (("tensorflow.", "tf."), ("numpy.", "np."), ("tensorflow_datasets.", "tfds.")):
        if api.startswith(long):
            return short + api[len(long):]
    return api


class SourceRule(Rule):
    """A rule of the "not covered, in an entry point" family (SPEC "Terms"):
    it reports each unseeded source of its code that the policy lets through
    (`strict` reports them all)."""

    #: The message, formatted with `api` (the display name of the call).
    message: ClassVar[str]

    def check(self, model: FileModel) -> Iterator[Report]:
        for source in model.sources_for(self.code):
            if model.reportable(source):
                fix = source_fix(model, source) if self.fix_safety else None
                yield self.report(source.call.node, source_message(self.message, source), fix)


def source_message(template: str, source: Source) -> str:
    """A message about a source: `template` names it as `{api}`; a project
    function's call also says what it draws where
    (`load` (through `random.gauss` at `pkg/data.py:12`))."""
    via = ""
    if source.site is not None:
        api, where = source.site
        via = f" (through `{display_name(api)}` at `{where}`)"
    return template.replace("`{api}`", "`{api}`{via}").format(api=display_name(source.api), via=via)

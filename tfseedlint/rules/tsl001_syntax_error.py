"""TSL001 syntax-error."""
from __future__ import annotations

from typing import Iterator

from tfseedlint.model import FileModel
from tfseedlint.rule import Report, Rule


class SyntaxErrorRule(Rule):
    """
    ## What it does
    Reports a file that cannot be read as Python: a syntax error, bytes that
    do not decode in the file's encoding, a NUL byte, or a notebook that is not
    valid JSON. The position is the error's.

    ## Why is this bad?
    Nothing else can be checked in such a file, so its reproducibility
    problems would go unreported. The other files are still linted.

    ## Example
    ```python
    def train(:
        ...
    ```

    ## Use instead
    Fix the syntax error (or the encoding declaration), then lint again.

    ## Fix safety
    No fix.
    """

    code = "TSL001"
    name = "syntax-error"
    summary = "The file cannot be parsed or decoded."
    VALID = ["x = 1\n"]

    def check(self, model: FileModel) -> Iterator[Report]:
        return iter(())  # the engine reports this code when parsing fails

"""flake8 plugin: `flake8 --select TSL` runs tfseedlint's rules.

A thin adapter: flake8 hands over the file name and its lines; the engine
does the rest, with the settings of the nearest `[tool.tfseedlint]`.
flake8's own `# noqa` and `--per-file-ignores` then apply to the results.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator, Sequence

from tfseedlint import __version__


class Plugin:
    name = "tfseedlint"
    version = __version__

    def __init__(self, tree: object, filename: str, lines: Sequence[str]) -> None:
        self.filename = filename
        self.lines = lines

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        from tfseedlint.config import ConfigError, find_config, load_config
        from tfseedlint.engine import lint_source
        from tfseedlint.project import Projects
        from tfseedlint.rules import ALL_CODES

        path = Path(self.filename)
        try:
            config = load_config(find_config(path if path.exists() else Path.cwd()), ALL_CODES)
        except ConfigError:
            config = load_config(None, ALL_CODES)
        index, package = Projects(config).for_file(path)
        data = "".join(self.lines).encode("utf-8")
        result = lint_source(data, self.filename, config, helpers=index.lookup, package=package)
        for finding in result.findings:
            # flake8 wants a 0-based column and "CODE message" text.
            yield finding.line, finding.col - 1, f"{finding.code} {finding.message}", type(self)

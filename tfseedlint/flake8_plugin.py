"""flake8 plugin: `flake8 --select TSL` runs tfseedlint's rules.

A thin adapter over the engine. Three decisions make its findings the same
as `tfseedlint`'s on the same `.py` files:

- Settings come from the nearest `[tool.tfseedlint]` above each file (as
  the CLI finds them), so its `select` / `ignore` / `per-file-ignores` /
  `seed-functions` / `strict` apply; flake8's own `--select`, `--ignore`
  and `--per-file-ignores` then filter on top.
- `# noqa` is left to flake8, which applies it once, by its own rules (so
  `--disable-noqa` works); `tfseedlint` applies flake8's rules itself.
  The engine lints the file with its inline `# noqa` comments defused
  (`defuse_noqa`) so that it does not apply them a second time, by rules
  of its own; `# tfseedlint: noqa` (a whole file), which flake8 does not
  know, still applies.
- flake8 constructs the plugin once per file, so the settings and the
  project's seed-helper index are cached per directory and per settings
  file for the life of the (worker) process.

File selection is flake8's: its `exclude` applies, tfseedlint's `exclude`
and `.gitignore` do not (a file flake8 hands over is linted, as a file named
on tfseedlint's command line is). flake8 reports a file that the standard
library cannot parse as E999 and never runs plugins on it, so TSL001 appears
only for code that `ast` accepts and LibCST does not.
"""
from __future__ import annotations

import ast
import functools
import io
import os
import re
import tokenize
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

from tfseedlint import __version__

if TYPE_CHECKING:
    from tfseedlint.ftypes import Config
    from tfseedlint.project import Projects

# flake8 imports every installed plugin at start-up, also when TSL is not
# selected: the engine (and LibCST) are imported on the first file instead.


@functools.cache
def _settings_file(directory: str) -> Path | None:
    from tfseedlint.config import find_config

    return find_config(Path(directory))


@functools.cache
def _settings(source: Path | None) -> tuple[Config, Projects]:
    from tfseedlint.config import ConfigError, load_config
    from tfseedlint.project import Projects
    from tfseedlint.rules import ALL_CODES

    try:
        config = load_config(source, ALL_CODES)
    except ConfigError as exc:
        # Stop flake8 with the file and key named (as `tfseedlint` exits 2)
        # rather than lint with settings the user did not write. A builtin
        # exception: flake8's worker processes pickle it, with its message.
        raise RuntimeError(f"tfseedlint: {exc}") from None
    return config, Projects(config)


def settings_for(filename: str) -> tuple[Config, Projects]:
    """The settings (and project index) for `filename`, which need not exist
    (flake8's `--stdin-display-name`): they come from its directory."""
    directory = os.path.dirname(os.path.abspath(filename))
    return _settings(_settings_file(directory))


#: An inline `# noqa` as the engine may read it (it also takes `#noqa`).
_INLINE_NOQA = re.compile(r"(#\s*)n(oqa)", re.IGNORECASE)


def defuse_noqa(text: str) -> str:
    """`text` with each inline `# noqa` spelled `# _oqa`, every offset kept,
    so that the engine reports what such comments hide and flake8 alone
    applies them. `# tfseedlint: noqa` is left as it is."""
    return _INLINE_NOQA.sub(r"\1_\2", text)


def text_to_bytes(text: str) -> bytes:
    """Decoded source as its file holds it (in its coding cookie's
    encoding), so that the engine decodes the same text again."""
    data = text.encode("utf-8", "surrogatepass")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data if encoding in ("utf-8", "utf-8-sig") else text.encode(encoding)
    except (SyntaxError, LookupError, UnicodeEncodeError):
        return data  # the engine reports what is wrong with it as TSL001


class Plugin:
    """The `TSL` entry point of `flake8.extension`."""

    name = "tfseedlint"
    version = __version__

    def __init__(self, tree: ast.AST, filename: str, lines: Sequence[str]) -> None:
        self.filename = filename
        self.lines = lines
        # Here, not in run(): flake8 reports an exception raised while it
        # constructs a plugin as "<file>: "TSL[tfseedlint]" failed ...".
        self.config, self.projects = settings_for(filename)

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        from tfseedlint.engine import lint_source

        if self.filename.endswith(".ipynb"):
            return  # flake8 reads a notebook's JSON, not its cells: no line would be right
        # flake8 has already read the file (coding cookie, BOM stripped):
        # lint that text rather than reading the file a second time.
        data = text_to_bytes(defuse_noqa("".join(self.lines)))
        index, package = self.projects.for_file(Path(self.filename))
        result = lint_source(data, self.filename, self.config, helpers=index.lookup, package=package,
                             test_bases=self.projects.test_bases(index.root).lookup)
        for finding in result.findings:
            # flake8 wants a 0-based column and "CODE message".
            yield finding.line, finding.col - 1, f"{finding.code} {finding.message}", type(self)

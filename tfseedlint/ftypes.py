"""Plain data shared by the engine, the rules, the fixer and the reporters."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tfseedlint.globs import matches_glob


@dataclass(frozen=True)
class Finding:
    """One reported problem. `line` and `col` are 1-based; for a notebook they
    are relative to the cell numbered `cell` (1-based among all cells)."""

    path: str
    line: int
    col: int
    code: str
    message: str
    name: str = ""
    cell: int | None = None
    fixable: bool = False

    @property
    def sort_key(self) -> tuple[str, int, int, int, str]:
        return (self.path, self.cell or 0, self.line, self.col, self.code)

    @property
    def location(self) -> str:
        """`path:line:col` or, in a notebook, `path:cell N:line:col`."""
        cell = f"cell {self.cell}:" if self.cell is not None else ""
        return f"{self.path}:{cell}{self.line}:{self.col}"


@dataclass(frozen=True)
class Config:
    """The effective settings for one run (`[tool.tfseedlint]` plus CLI flags).

    `root` is the directory the settings were read from: `per-file-ignores`
    and `exclude` globs are relative to it."""

    select: tuple[str, ...] = ("TSL",)
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()
    seed: int = 42
    seed_functions: tuple[str, ...] = ()
    strict: bool = False
    target_tensorflow: str | None = None
    #: the `output-format` setting (None: the command line decides); it
    #: changes no finding, so it is not compared (nor part of cache keys).
    output_format: str | None = field(default=None, compare=False)
    root: Path | None = field(default=None, compare=False)
    source: Path | None = field(default=None, compare=False)

    @property
    def excluded(self) -> tuple[str, ...]:
        """Every exclusion glob: `exclude` and `extend-exclude`."""
        return self.exclude + self.extend_exclude

    def enabled(self, code: str, path: str | None = None) -> bool:
        """Whether `code` is reported (for `path`, after per-file-ignores).

        Like ruff, the most specific matching prefix wins between select and
        ignore; a tie goes to ignore."""
        best_sel = max((len(p) for p in self.select + self.extend_select if code.startswith(p)), default=-1)
        ignores = list(self.ignore)
        if path is not None:
            ignores.extend(self.ignored_for(path))
        best_ign = max((len(p) for p in ignores if code.startswith(p)), default=-1)
        return best_sel >= 0 and best_sel > best_ign

    def ignored_for(self, path: str) -> tuple[str, ...]:
        """Codes that `per-file-ignores` switches off for `path`."""
        out: list[str] = []
        for pattern, codes in self.per_file_ignores:
            if matches_glob(path, pattern, self.root):
                out.extend(codes)
        return tuple(out)


@dataclass(frozen=True)
class ProjectFact:
    """What a function, method or class of the linted project does, joined
    across its files (`tfseedlint.project`): the global seeds it sets and the
    randomness it draws (`catalog.Domain` values, transitively), where it
    first draws each domain, and the kind of value it returns."""

    seeds: int = 0
    draws: int = 0
    #: (domain bit, drawing API, "path:line" relative to the project root),
    #: the first draw of each domain.
    sites: tuple[tuple[int, str, str], ...] = ()
    #: "model", "dataset", "options", "instance" (of a project class) or None.
    kind: str | None = None
    #: the dotted name of the project class whose instance it returns
    #: (kind "instance"), or of the class itself when the name is a class.
    cls: str | None = None

    def site(self, domain: int) -> tuple[str, str] | None:
        """(API, "path:line") of the first draw of `domain`, if known."""
        for bit, api, where in self.sites:
            if bit & domain:
                return api, where
        return None

    def encode(self) -> list:
        """A JSON value for the results cache (equal facts, equal values)."""
        return [self.seeds, self.draws, [list(s) for s in self.sites], self.kind, self.cls]

    @classmethod
    def decode(cls, value: object) -> ProjectFact | None:
        if not isinstance(value, list) or len(value) != 5:
            return None
        seeds, draws, sites, kind, name = value
        try:
            return cls(int(seeds), int(draws), tuple((int(b), str(a), str(w)) for b, a, w in sites),
                       kind if isinstance(kind, str) else None, name if isinstance(name, str) else None)
        except (TypeError, ValueError):
            return None

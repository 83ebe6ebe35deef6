"""Which files a run lints: the directory walk, with `exclude` globs (see
`globs.py`) and `.gitignore` files (git's own rules, through `pathspec`).

A walk never leaves the tree it was asked to walk: a symbolic link whose
target lies outside it is skipped (a path named on the command line is
always linted, link or not).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tfseedlint.config import find_project_root
from tfseedlint.ftypes import Config
from tfseedlint.globs import match_prepared, matches_glob, posix, relative_posix

if TYPE_CHECKING:
    import pathspec

__all__ = ["SKIP_DIRS", "SOURCE_SUFFIXES", "iter_source_files", "matches_glob"]

SOURCE_SUFFIXES = (".py", ".ipynb")

# Never project code: VCS metadata, environments, build output, caches.
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "build",
        "dist",
        "__pycache__",
        ".tfseedlint_cache",
        "node_modules",
        ".ipynb_checkpoints",
    }
)

# -- .gitignore ---------------------------------------------------------------


@dataclass(frozen=True)
class _IgnoreFile:
    """The patterns of one `.gitignore` (or `.git/info/exclude`), matched with
    git's own wildmatch rules by `pathspec`; `base` is the directory they are
    relative to (absolute)."""

    base: str
    spec: pathspec.GitIgnoreSpec

    def match(self, abs_path: str, is_dir: bool) -> bool | None:
        """True (ignored), False (re-included by `!`) or None (no pattern
        matched). As in git, the last matching pattern decides."""
        rel = _rel_under(self.base, abs_path)
        if rel is None:
            return None
        # A trailing "/" tells pathspec it is a directory (`build/` patterns).
        return self.spec.check_file(rel + "/" if is_dir else rel).include


def _rel_under(base: str, abs_path: str) -> str | None:
    prefix = base if base.endswith(os.sep) else base + os.sep
    if abs_path.startswith(prefix):
        return posix(abs_path[len(prefix) :])
    try:
        rel = os.path.relpath(abs_path, base)
    except ValueError:
        return None
    if rel == os.curdir or rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return None
    return posix(rel)


def _load_ignore_file(directory: str, name: str = ".gitignore", base: str | None = None) -> _IgnoreFile | None:
    try:
        with open(os.path.join(directory, name), encoding="utf-8", errors="surrogateescape") as fh:
            lines = fh.read().splitlines()
    except OSError:  # unreadable or vanished: git skips it too
        return None
    import pathspec  # only where there is a .gitignore: a warm run counts milliseconds

    spec = pathspec.GitIgnoreSpec.from_lines(lines)
    return _IgnoreFile(base or directory, spec) if len(spec) else None


def _is_gitignored(abs_path: str, is_dir: bool, ignore_files: Sequence[_IgnoreFile]) -> bool:
    ignored = False
    for ignore_file in ignore_files:  # outermost first: deeper files override
        verdict = ignore_file.match(abs_path, is_dir)
        if verdict is not None:
            ignored = verdict
    return ignored


def _inside(real: str, real_top: str) -> bool:
    return real == real_top or real.startswith(real_top if real_top.endswith(os.sep) else real_top + os.sep)


# -- the walk -----------------------------------------------------------------


class _Walker:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.files: list[Path] = []
        self.errors: list[str] = []
        self._seen_files: set[str] = set()  # real paths: a file is linted once
        self._visited_dirs: set[str] = set()  # real paths: symlink loops end
        self._root = os.path.abspath(config.root) if config.root is not None else None

    def add_file(self, path: Path, real: str) -> None:
        if real in self._seen_files:
            return
        self._seen_files.add(real)
        self.files.append(path)

    def _ignore_root(self, abs_top: str) -> str:
        for directory in (abs_top, *map(str, Path(abs_top).parents)):
            if os.path.exists(os.path.join(directory, ".git")):
                return directory
        # No repository: the settings' directory stands in for its root.
        if self._root is not None and (self._root == abs_top or _rel_under(self._root, abs_top) is not None):
            return self._root
        return str(find_project_root(Path(abs_top)))

    def _ancestor_ignores(self, abs_top: str) -> list[_IgnoreFile]:
        """The ignore files that apply above `abs_top`, outermost first."""
        root = self._ignore_root(abs_top)
        rel = _rel_under(root, abs_top)
        chain = [root]
        if rel:
            for part in rel.split("/")[:-1]:
                chain.append(os.path.join(chain[-1], part))
        else:
            chain = []  # the top is the root: its own file is read on entry
        found: list[_IgnoreFile] = []
        if os.path.isdir(os.path.join(root, ".git")):
            info = _load_ignore_file(os.path.join(root, ".git", "info"), "exclude", base=root)
            if info is not None:
                found.append(info)
        for directory in chain:
            loaded = _load_ignore_file(directory)
            if loaded is not None:
                found.append(loaded)
        return found

    def _excluded(self, path: Path, abs_path: str, is_dir: bool, ignores: Sequence[_IgnoreFile]) -> bool:
        if self.config.excluded:
            # Same answer as matches_glob(), minus its abspath/relpath calls.
            rel = _rel_under(self._root, abs_path) if self._root is not None else None
            if rel is None:
                rel = relative_posix(str(path), self.config.root)
            rooted = self._root is not None
            if any(match_prepared(rel, abs_path, p, rooted, is_dir) for p in self.config.excluded):
                return True
        return _is_gitignored(abs_path, is_dir, ignores)

    def walk(self, top: Path) -> None:
        abs_top = os.path.abspath(top)
        found: list[Path] = []
        # An explicit stack, not recursion: deep trees cannot overflow it.
        real_top = os.path.realpath(abs_top)
        stack: list[tuple[Path, str, str, list[_IgnoreFile], bool]] = [
            (top, abs_top, real_top, self._ancestor_ignores(abs_top), True)
        ]
        while stack:
            directory, abs_dir, real_dir, ignores, is_top = stack.pop()
            if real_dir in self._visited_dirs:
                continue
            self._visited_dirs.add(real_dir)
            try:
                with os.scandir(directory) as it:
                    entries = sorted(it, key=lambda entry: entry.name)
            except PermissionError:
                self.errors.append(f"{directory}: Permission denied")
                continue
            except OSError as exc:
                self.errors.append(f"{directory}: {exc.strerror or exc}")
                continue
            names = {entry.name for entry in entries}
            # A virtualenv is recognised by its marker file, whatever its name;
            # one named explicitly on the command line is still walked.
            if "pyvenv.cfg" in names and not is_top:
                continue
            if ".gitignore" in names:
                own = _load_ignore_file(abs_dir)
                if own is not None:
                    ignores = [*ignores, own]
            subdirs: list[tuple[Path, str, str, list[_IgnoreFile], bool]] = []
            for entry in entries:
                child = directory / entry.name
                abs_child = os.path.join(abs_dir, entry.name)
                try:
                    is_dir = entry.is_dir()
                    is_file = not is_dir and entry.is_file()
                    is_link = entry.is_symlink()
                except OSError:
                    continue
                # realpath (several syscalls) only for links; below a real
                # directory a plain entry's real path is just joined.
                real = os.path.realpath(abs_child) if is_link else os.path.join(real_dir, entry.name)
                if is_link and not _inside(real, real_top):
                    continue  # `x.py -> /etc/passwd`: not part of this tree
                if is_dir:
                    if entry.name in SKIP_DIRS or self._excluded(child, abs_child, True, ignores):
                        continue
                    subdirs.append((child, abs_child, real, ignores, False))
                elif is_file and entry.name.endswith(SOURCE_SUFFIXES):
                    if self._excluded(child, abs_child, False, ignores):
                        continue
                    if real not in self._seen_files:
                        self._seen_files.add(real)
                        found.append(child)
            stack.extend(reversed(subdirs))
        # Component-wise order (`a/b.py` before `a.py`'s sibling dirs), stable
        # across platforms and file systems.
        self.files.extend(sorted(found))


def iter_source_files(paths: Sequence[Path], config: Config) -> tuple[list[Path], list[str]]:
    """The files to lint under `paths`, and error messages for the CLI.

    Directories are walked for `*.py` and `*.ipynb` in sorted order, each
    file once, skipping VCS / environment / build / cache directories,
    `config.excluded` and `.gitignore`d paths. A file named explicitly is
    always returned, whatever its suffix or exclusions (like ruff without
    `--force-exclude`). Missing paths and unreadable directories give
    `"<path>: No such file or directory"` / `"<path>: Permission denied"`;
    the walk goes on."""
    walker = _Walker(config)
    for path in paths:
        path = Path(path)
        if not os.path.exists(path):  # also a dangling symlink
            walker.errors.append(f"{path}: No such file or directory")
        elif os.path.isdir(path):
            walker.walk(path)
        else:
            walker.add_file(path, os.path.realpath(path))
    return walker.files, walker.errors

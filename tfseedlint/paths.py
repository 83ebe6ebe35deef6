"""Which files a run lints: glob matching for `exclude` / `per-file-ignores`,
a small `.gitignore` matcher, and the directory walk.

Globs follow ruff / flake8: `*` and `?` as in `fnmatch` (they may cross
`/`), `**/` for any number of directories, and a pattern without `/` also
matches a file's basename or any one of its directory names. `.gitignore`
files follow git's own rules, where `*` stops at `/`.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tfseedlint.config import find_project_root
from tfseedlint.ftypes import Config

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

# -- globs --------------------------------------------------------------------


def _translate(pattern: str, *, cross_slash: bool) -> str:
    """Regex source for a glob. `cross_slash` says whether `*`, `?` and
    `[...]` may match `/` (fnmatch style) or not (gitignore style)."""
    any_char = "." if cross_slash else "[^/]"
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            j = i
            while j < n and pattern[j] == "*":
                j += 1
            whole_segment = (i == 0 or pattern[i - 1] == "/") and (j == n or pattern[j] == "/")
            if j - i >= 2 and whole_segment:
                if j == n:
                    out.append(".*")  # `dir/**`: everything inside
                else:
                    out.append("(?:.*/)?")  # `**/`: zero or more directories
                    j += 1
            else:
                out.append(any_char + "*")
            i = j
        elif c == "?":
            out.append(any_char)
            i += 1
        elif c == "[":
            j = i + 1
            if j < n and pattern[j] in "!^":
                j += 1
            if j < n and pattern[j] == "]":  # a leading `]` is literal
                j += 1
            while j < n and pattern[j] != "]":
                j += 1
            if j >= n:  # no closing bracket: a literal `[`
                out.append(re.escape(c))
                i += 1
                continue
            body = pattern[i + 1 : j]
            negate = body[:1] in ("!", "^")
            if negate:
                body = body[1:]
            body = re.sub(r"([\\\[^])", r"\\\1", body)
            if negate:
                out.append("[^" + body + ("" if cross_slash else "/") + "]")
            elif cross_slash:
                out.append("[" + body + "]")
            else:
                out.append("(?!/)[" + body + "]")
            i = j + 1
        elif c == "\\" and i + 1 < n:
            out.append(re.escape(pattern[i + 1]))
            i += 2
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)


@functools.lru_cache(maxsize=1024)
def _compile_glob(pattern: str) -> re.Pattern[str]:
    return re.compile(_translate(pattern, cross_slash=True), re.DOTALL)


def _posix(path: str) -> str:
    return path.replace(os.sep, "/") if os.sep != "/" else path


def _relative_posix(path: str, root: Path | None) -> str:
    """`path` relative to `root` when it lies inside it, else as given."""
    if root is not None:
        absolute = os.path.abspath(path)
        try:
            rel = os.path.relpath(absolute, os.path.abspath(root))
        except ValueError:  # another drive on Windows
            rel = absolute
        if rel != os.pardir and not rel.startswith(os.pardir + os.sep):
            return _posix(rel)
    rel = _posix(os.path.normpath(path))
    return rel.removeprefix("./")


def _match_rel(rel: str, pattern: str, is_dir: bool, anchored: bool = False) -> bool:
    dir_only = pattern.endswith("/")
    pattern = pattern.rstrip("/")
    # `./x` (like `/x` below) names x at the root only, not at any depth.
    while pattern.startswith("./"):
        pattern = pattern[2:]
        anchored = True
    if not pattern:
        return False
    regex = _compile_glob(pattern)
    parts = rel.split("/")
    # A pattern naming a directory covers everything in it, so test the
    # path's ancestors too (`exclude = ["src/generated"]`).
    candidates = ["/".join(parts[:k]) for k in range(1, len(parts))]
    if is_dir or not dir_only:
        candidates.append(rel)
    if any(regex.fullmatch(candidate) for candidate in candidates):
        return True
    if "/" in pattern or anchored:
        return False
    names = parts if is_dir or not dir_only else parts[:-1]
    return any(regex.fullmatch(name) for name in names)


def _match_prepared(rel: str, absolute: str, pattern: str, rooted: bool, is_dir: bool) -> bool:
    """Match with the relative and absolute forms of a path already computed
    (the walk tests many patterns per path)."""
    if os.path.isabs(pattern):
        if _match_rel(_posix(absolute).lstrip("/"), _posix(pattern).lstrip("/"), is_dir, anchored=True):
            return True
        # Not that absolute path: with a root, read the leading "/" as
        # gitignore's "anchored at the root" instead.
        return rooted and _match_rel(rel, pattern.lstrip("/"), is_dir, anchored=True)
    return _match_rel(rel, pattern, is_dir)


def matches_glob(path: str, pattern: str, root: Path | None) -> bool:
    """Whether `path` matches the `exclude` / `per-file-ignores` glob `pattern`.

    The pattern is matched against `path` relative to `root` (posix
    separators; as given when `root` is None or does not contain it) and
    against each of its ancestor directories; a pattern without `/` also
    against the basename and each directory name. A trailing `/` restricts
    the pattern to directories; an absolute pattern is matched against the
    absolute path."""
    return _match_prepared(_relative_posix(path, root), os.path.abspath(path), pattern, root is not None, False)


# -- .gitignore ---------------------------------------------------------------


@dataclass(frozen=True)
class _IgnoreRule:
    regex: re.Pattern[str]
    negated: bool
    dir_only: bool


@dataclass(frozen=True)
class _IgnoreFile:
    """The rules of one `.gitignore`; `base` is its directory (absolute)."""

    base: str
    rules: tuple[_IgnoreRule, ...]

    def match(self, abs_path: str, is_dir: bool) -> bool | None:
        """True (ignored), False (re-included by `!`) or None (no rule matched).
        As in git, the last matching rule decides."""
        rel = _rel_under(self.base, abs_path)
        if rel is None:
            return None
        verdict: bool | None = None
        for rule in self.rules:
            if rule.dir_only and not is_dir:
                continue
            if rule.regex.fullmatch(rel):
                verdict = not rule.negated
        return verdict


def _rel_under(base: str, abs_path: str) -> str | None:
    prefix = base if base.endswith(os.sep) else base + os.sep
    if abs_path.startswith(prefix):
        return _posix(abs_path[len(prefix) :])
    try:
        rel = os.path.relpath(abs_path, base)
    except ValueError:
        return None
    if rel == os.curdir or rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return None
    return _posix(rel)


def _parse_gitignore(text: str) -> tuple[_IgnoreRule, ...]:
    rules: list[_IgnoreRule] = []
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        # Trailing spaces are dropped unless escaped with a backslash.
        while line.endswith(" ") and not line.endswith("\\ "):
            line = line[:-1]
        negated = line.startswith("!")
        if negated:
            line = line[1:]
        dir_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        # A slash at the start or in the middle anchors the pattern to the
        # .gitignore's directory; otherwise it matches at any depth.
        anchored = "/" in line
        body = _translate(line.lstrip("/"), cross_slash=False)
        regex = re.compile(body if anchored else "(?:.*/)?" + body, re.DOTALL)
        rules.append(_IgnoreRule(regex, negated, dir_only))
    return tuple(rules)


def _load_ignore_file(directory: str, name: str = ".gitignore") -> _IgnoreFile | None:
    try:
        with open(os.path.join(directory, name), encoding="utf-8", errors="surrogateescape") as fh:
            rules = _parse_gitignore(fh.read())
    except OSError:  # unreadable or vanished: git skips it too
        return None
    return _IgnoreFile(directory, rules) if rules else None


def _is_gitignored(abs_path: str, is_dir: bool, ignore_files: Sequence[_IgnoreFile]) -> bool:
    ignored = False
    for ignore_file in ignore_files:  # outermost first: deeper files override
        verdict = ignore_file.match(abs_path, is_dir)
        if verdict is not None:
            ignored = verdict
    return ignored


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
            info = _load_ignore_file(os.path.join(root, ".git", "info"), "exclude")
            if info is not None:
                found.append(_IgnoreFile(root, info.rules))
        for directory in chain:
            loaded = _load_ignore_file(directory)
            if loaded is not None:
                found.append(loaded)
        return found

    def _excluded(self, path: Path, abs_path: str, is_dir: bool, ignores: Sequence[_IgnoreFile]) -> bool:
        if self.config.exclude:
            # Same answer as matches_glob(), minus its abspath/relpath calls.
            rel = _rel_under(self._root, abs_path) if self._root is not None else None
            if rel is None:
                rel = _relative_posix(str(path), self.config.root)
            rooted = self._root is not None
            if any(_match_prepared(rel, abs_path, p, rooted, is_dir) for p in self.config.exclude):
                return True
        return _is_gitignored(abs_path, is_dir, ignores)

    def walk(self, top: Path) -> None:
        abs_top = os.path.abspath(top)
        found: list[Path] = []
        # An explicit stack, not recursion: deep trees cannot overflow it.
        stack: list[tuple[Path, str, str, list[_IgnoreFile], bool]] = [
            (top, abs_top, os.path.realpath(abs_top), self._ancestor_ignores(abs_top), True)
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
    `config.exclude` and `.gitignore`d paths. A file named explicitly is
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

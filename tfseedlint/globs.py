"""Glob matching for `exclude` and `per-file-ignores`.

Globs follow ruff / flake8: `*` and `?` as in `fnmatch` (they may cross
`/`), `**/` for any number of directories, and a pattern without `/` also
matches a file's basename or any one of its directory names. (`.gitignore`
files follow git's own rules instead: see `paths.py`.)

This module imports nothing from the package, so the settings (`ftypes`),
their loading (`config`) and the walk (`paths`) can all use it.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

__all__ = ["match_prepared", "matches_glob", "posix", "relative_posix"]


def _translate(pattern: str) -> str:
    """Regex source for a glob whose `*`, `?` and `[...]` may match `/`."""
    any_char = "."
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
            out.append(("[^" if negate else "[") + body + "]")
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
    return re.compile(_translate(pattern), re.DOTALL)


def posix(path: str) -> str:
    return path.replace(os.sep, "/") if os.sep != "/" else path


def relative_posix(path: str, root: Path | None) -> str:
    """`path` relative to `root` when it lies inside it, else as given."""
    if root is not None:
        absolute = os.path.abspath(path)
        try:
            rel = os.path.relpath(absolute, os.path.abspath(root))
        except ValueError:  # another drive on Windows
            rel = absolute
        if rel != os.pardir and not rel.startswith(os.pardir + os.sep):
            return posix(rel)
    rel = posix(os.path.normpath(path))
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


def match_prepared(rel: str, absolute: str, pattern: str, rooted: bool, is_dir: bool) -> bool:
    """Match with the relative and absolute forms of a path already computed
    (the walk tests many patterns per path)."""
    if os.path.isabs(pattern):
        if _match_rel(posix(absolute).lstrip("/"), posix(pattern).lstrip("/"), is_dir, anchored=True):
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
    return match_prepared(relative_posix(path, root), os.path.abspath(path), pattern, root is not None, False)

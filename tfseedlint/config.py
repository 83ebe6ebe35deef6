"""Find, read and validate `[tool.tfseedlint]` settings, and merge CLI flags.

Everything that can be wrong in a setting is caught here, once, with a
message that names the file (or flag) and the key, so the rest of the
package can trust a `Config`.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import os
import re
import sys
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python < 3.11
    import tomli as tomllib

from tfseedlint.ftypes import Config

__all__ = [
    "ConfigError",
    "find_config",
    "find_project_root",
    "installed_tensorflow_version",
    "load_config",
    "with_overrides",
]

PYPROJECT = "pyproject.toml"
#: Files that mark the root of a project (with `.git`).
PROJECT_FILES = (PYPROJECT, "setup.py", "setup.cfg")

# Distribution names under which TensorFlow is published; the first one
# installed wins (they share one import name, so only one is usable anyway).
TENSORFLOW_DISTRIBUTIONS = (
    "tensorflow",
    "tensorflow-cpu",
    "tensorflow-gpu",
    "tf-nightly",
    "tensorflow-macos",
    "tensorflow-intel",
)

# NumPy's legacy seeding (which `keras.utils.set_random_seed` calls) only
# takes 0 <= seed < 2**32, so a fix inserting any other seed would crash.
_SEED_MAX = 2**32 - 1

# "2.15", "2.15.1", "2.16.0rc0", "2.17.0.dev20240101", "2.15.0+nv24.01"
_VERSION_RE = re.compile(r"\d+\.\d+(?:\.\d+)?(?:[.\-]?[A-Za-z0-9]+)*(?:\+[A-Za-z0-9.]+)?")


class ConfigError(Exception):
    """An unusable setting. `str()` is one line: `<file or flag>: <problem>`."""

    def __init__(self, source: str | os.PathLike[str], problem: str) -> None:
        self.source = os.fspath(source)
        # Keep the promise of one line even for multi-line parser messages.
        self.problem = " ".join(problem.split())
        # The constructor's own arguments, so that pickling (worker processes) works.
        super().__init__(self.source, self.problem)

    def __str__(self) -> str:
        return f"{self.source}: {self.problem}"


def _abspath(path: Path) -> Path:
    # abspath, not resolve(): keep symlinked checkouts' paths as the user
    # sees them, so relative globs and printed paths stay recognisable.
    return Path(os.path.abspath(path))


def _start_dir(path: Path) -> Path:
    path = _abspath(path)
    return path if path.is_dir() else path.parent


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, f"invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(path, f"invalid TOML: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(path, exc.strerror or str(exc)) from None


def _has_section(data: Mapping[str, Any]) -> bool:
    tool = data.get("tool")
    return isinstance(tool, dict) and "tfseedlint" in tool


def find_config(start: Path) -> Path | None:
    """The nearest `pyproject.toml` at or above `start` (a file or a
    directory) that has a `[tool.tfseedlint]` table, or None.

    A pyproject without the table is skipped, so a package nested in a
    monorepo still gets the repository-wide settings. A pyproject that is
    not valid TOML raises `ConfigError` rather than being skipped: we cannot
    tell whether it was meant to configure us."""
    directory = _start_dir(start)
    for candidate_dir in (directory, *directory.parents):
        candidate = candidate_dir / PYPROJECT
        if not candidate.is_file():
            continue
        if _has_section(_read_toml(candidate)):
            return candidate
    return None


def find_project_root(path: Path) -> Path:
    """The nearest directory at or above `path` (a file or a directory) that
    holds `pyproject.toml`, `setup.py`, `setup.cfg` or `.git` (SPEC "The
    linted project"); else `path`'s own directory."""
    directory = _start_dir(path)
    for candidate in (directory, *directory.parents):
        # `.git` may be a file (worktrees, submodules), so test existence.
        if any((candidate / marker).is_file() for marker in PROJECT_FILES) or (candidate / ".git").exists():
            return candidate
    return directory


def installed_tensorflow_version() -> str | None:
    """The installed TensorFlow's version, from package metadata only.

    Importing TensorFlow takes seconds and this runs on every start, so the
    version is read from the distribution's metadata instead."""
    return _installed(TENSORFLOW_DISTRIBUTIONS)


def installed_version(distribution: str) -> str | None:
    """An installed distribution's version, as `importlib.metadata` gives it."""
    return _installed((distribution,))


def _installed(distributions: Sequence[str]) -> str | None:
    """The version of the first of `distributions` that is installed.

    Importing `importlib.metadata` costs a quarter of a run served from the
    cache; for a normal install the `*.dist-info` directories on `sys.path`
    say the same, so it is asked only when they find none (or when it is
    loaded already)."""
    metadata = sys.modules.get("importlib.metadata")
    if metadata is None:
        for name in distributions:
            version = _dist_info_version(name)
            if version is not None:
                return version
        import importlib.metadata as metadata
    for name in distributions:
        try:
            return metadata.version(name)  # type: ignore[no-any-return]
        except metadata.PackageNotFoundError:
            continue
    return None


def _dist_info_version(distribution: str) -> str | None:
    """`Version:` of the first `<name>-<version>.dist-info/METADATA` on
    `sys.path` (names compared as `importlib.metadata` normalizes them)."""
    wanted = re.sub(r"[-_.]+", "_", distribution).lower() + "-"
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if not name.endswith(".dist-info") or re.sub(r"[-_.]+", "_", name.split("-", 1)[0]).lower() + "-" != wanted:
                continue
            try:
                with open(os.path.join(entry or ".", name, "METADATA"), encoding="utf-8") as stream:
                    for line in stream:
                        if line.startswith("Version:"):
                            return line.split(":", 1)[1].strip()
                        if not line.strip():
                            break  # end of the headers
            except OSError:
                continue
    return None


# -- validation ---------------------------------------------------------------


def _type_name(value: object) -> str:
    # TOML vocabulary reads better in messages than Python's.
    names = {bool: "boolean", int: "integer", float: "float", str: "string", list: "array", dict: "table"}
    return names.get(type(value), type(value).__name__)


def _check_code(code: str, known_codes: Collection[str], where: str, source: str) -> str:
    prefix = f"{where}: " if where else ""
    if code == "ALL" and known_codes:
        # ruff's spelling for every rule: the prefix all codes share.
        return os.path.commonprefix(sorted(known_codes)).rstrip("0123456789") or code
    if not code:
        raise ConfigError(source, f"{prefix}empty rule code")
    if not any(known.startswith(code) for known in known_codes):
        hint = difflib.get_close_matches(code, sorted(known_codes), n=1)
        suffix = f" (did you mean {hint[0]!r}?)" if hint else ""
        raise ConfigError(source, f"{prefix}{code!r} matches no rule code or prefix{suffix}")
    return code


def _str_list(value: object, where: str, source: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(source, f"{where}: expected an array of strings, got {_describe(value)}")
    return tuple(value)


def _describe(value: object) -> str:
    if isinstance(value, list):
        bad = next((item for item in value if not isinstance(item, str)), None)
        if bad is not None:
            return f"an array holding {_type_name(bad)} {bad!r}"
    return f"{_type_name(value)} {value!r}"


def _codes(value: object, where: str, source: str, known_codes: Collection[str]) -> tuple[str, ...]:
    return tuple(_check_code(code, known_codes, where, source) for code in _str_list(value, where, source))


def _per_file_ignores(
    value: object, where: str, source: str, known_codes: Collection[str]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise ConfigError(source, f"{where}: expected a table of glob = [codes], got {_type_name(value)} {value!r}")
    return tuple(
        (pattern, _codes(codes, f"{where}.{pattern!r}", source, known_codes)) for pattern, codes in value.items()
    )


def _seed(value: object, where: str, source: str) -> int:
    # bool is an int subclass; `seed = true` is a mistake, not seed 1.
    if not isinstance(value, int) or isinstance(value, bool):
        raise ConfigError(source, f"{where}: expected an integer, got {_type_name(value)} {value!r}")
    if not 0 <= value <= _SEED_MAX:
        raise ConfigError(source, f"{where}: {value} is outside 0..{_SEED_MAX} (what NumPy accepts as a seed)")
    return value


def _seed_functions(value: object, where: str, source: str) -> tuple[str, ...]:
    names = _str_list(value, where, source)
    for name in names:
        if not all(part.isidentifier() for part in name.split(".")):
            raise ConfigError(source, f"{where}: {name!r} is not a dotted Python name")
    return names


def _bool(value: object, where: str, source: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(source, f"{where}: expected true or false, got {_type_name(value)} {value!r}")
    return value


def _tf_version(value: object, where: str, source: str) -> str:
    if not isinstance(value, str):
        # A TOML float would silently turn "2.10" into 2.1.
        raise ConfigError(source, f'{where}: expected a string such as "2.15", got {_type_name(value)} {value!r}')
    if not _VERSION_RE.fullmatch(value):
        raise ConfigError(source, f'{where}: {value!r} is not a version such as "2.15" or "2.15.1"')
    return value


#: What `output-format` accepts (report.FORMATS and its aliases; kept here so
#: that loading settings does not import the reporters).
OUTPUT_FORMATS = ("concise", "full", "json", "json-lines", "junit", "grouped", "github", "gitlab", "pylint",
                  "sarif", "text")


def _output_format(value: object, where: str, source: str) -> str:
    if not isinstance(value, str) or value not in OUTPUT_FORMATS:
        raise ConfigError(source, f"{where}: expected one of {', '.join(OUTPUT_FORMATS[:-1])}, got "
                                  f"{_type_name(value)} {value!r}")
    return value


# key -> (Config field, parser(value, where, source, known_codes))
_Parser = Callable[[object, str, str, Collection[str]], object]
_KEYS: dict[str, tuple[str, _Parser]] = {
    "select": ("select", _codes),
    "ignore": ("ignore", _codes),
    "extend-select": ("extend_select", _codes),
    "per-file-ignores": ("per_file_ignores", _per_file_ignores),
    "exclude": ("exclude", lambda v, w, s, _k: _str_list(v, w, s)),
    "extend-exclude": ("extend_exclude", lambda v, w, s, _k: _str_list(v, w, s)),
    "output-format": ("output_format", lambda v, w, s, _k: _output_format(v, w, s)),
    "seed": ("seed", lambda v, w, s, _k: _seed(v, w, s)),
    "seed-functions": ("seed_functions", lambda v, w, s, _k: _seed_functions(v, w, s)),
    "strict": ("strict", lambda v, w, s, _k: _bool(v, w, s)),
    "target-tensorflow": ("target_tensorflow", lambda v, w, s, _k: _tf_version(v, w, s)),
}


def load_config(path: Path | None, known_codes: Collection[str]) -> Config:
    """The settings in `[tool.tfseedlint]` of the TOML file `path`.

    `path=None` (no config found, or `--isolated`) gives the defaults. A
    file without the table also gives the defaults, rooted at its
    directory. `target-tensorflow` defaults to the installed TensorFlow's
    version (None when it is not installed). Raises `ConfigError` naming
    the file for broken TOML, unknown keys, wrong types and codes or
    prefixes that match none of `known_codes`."""
    installed = installed_tensorflow_version()
    if path is None:
        return Config(target_tensorflow=installed)

    path = _abspath(path)
    source = str(path)
    data = _read_toml(path)
    tool = data.get("tool", {})
    section = tool.get("tfseedlint", {}) if isinstance(tool, dict) else {}
    if not isinstance(section, dict):
        raise ConfigError(source, f"tool.tfseedlint: expected a table, got {_type_name(section)} {section!r}")

    values: dict[str, object] = {}
    for key, value in section.items():
        if key not in _KEYS:
            hint = difflib.get_close_matches(key.replace("_", "-"), list(_KEYS), n=1, cutoff=0.6)
            suffix = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ConfigError(source, f"tool.tfseedlint: unknown key {key!r}{suffix}")
        field_name, parse = _KEYS[key]
        values[field_name] = parse(value, f"tool.tfseedlint.{key}", source, known_codes)

    values.setdefault("target_tensorflow", installed)
    return Config(**values, root=path.parent, source=path)  # type: ignore[arg-type]


def _flag_codes(values: Iterable[str], flag: str, known_codes: Collection[str]) -> tuple[str, ...]:
    # Accept both `--select A,B` (one string) and repeated / pre-split flags.
    codes = [part.strip() for value in values for part in value.split(",")]
    return tuple(_check_code(code, known_codes, "", flag) for code in codes if code)


def _flag_per_file_ignores(values: Iterable[str], flag: str,
                           known_codes: Collection[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """flake8's form: `GLOB:CODE,CODE`, several separated by spaces or given
    as repeated flags."""
    out = []
    for value in values:
        for entry in value.split():
            pattern, sep, codes = entry.rpartition(":")
            if not sep or not pattern:
                raise ConfigError(flag, f"{entry!r} is not of the form GLOB:CODE[,CODE...]")
            parsed = _flag_codes([codes], flag, known_codes)
            if not parsed:
                raise ConfigError(flag, f"{entry!r} names no rule code")
            out.append((pattern, parsed))
    return tuple(out)


def _globs(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def with_overrides(
    config: Config,
    *,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    extend_select: Sequence[str] | None = None,
    exclude: Sequence[str] | None = None,
    extend_exclude: Sequence[str] | None = None,
    per_file_ignores: Sequence[str] | None = None,
    extend_per_file_ignores: Sequence[str] | None = None,
    known_codes: Collection[str],
) -> Config:
    """`config` with the CLI's overrides applied: `--select` replaces,
    `--ignore` and `--extend-select` add; `--exclude` and
    `--per-file-ignores` replace, their `--extend-` forms add. Code lists
    may be comma-separated.

    Like ruff, `--select` also drops the file's `extend-select`: a user who
    asks for exactly TSL101 on the command line wants only that. Raises
    `ConfigError` naming the flag for codes that match no known code, and
    for a selection flag that names no code at all (`--select ""`)."""
    changes: dict[str, Any] = {}

    def codes(values: Sequence[str], flag: str) -> tuple[str, ...]:
        parsed = _flag_codes(values, flag, known_codes)
        if not parsed:
            raise ConfigError(flag, "no rule code given (codes or prefixes such as TSL101 or TSL1)")
        return parsed

    if select is not None:
        changes["select"] = codes(select, "--select")
        changes["extend_select"] = ()
    if extend_select is not None:
        base = changes.get("extend_select", config.extend_select)
        changes["extend_select"] = base + codes(extend_select, "--extend-select")
    if ignore is not None:
        changes["ignore"] = config.ignore + codes(ignore, "--ignore")
    if exclude is not None:
        changes["exclude"] = _globs(exclude)
    if extend_exclude is not None:
        changes["extend_exclude"] = config.extend_exclude + _globs(extend_exclude)
    if per_file_ignores is not None:
        changes["per_file_ignores"] = _flag_per_file_ignores(per_file_ignores, "--per-file-ignores", known_codes)
    if extend_per_file_ignores is not None:
        changes["per_file_ignores"] = changes.get("per_file_ignores", config.per_file_ignores) + \
            _flag_per_file_ignores(extend_per_file_ignores, "--extend-per-file-ignores", known_codes)
    return dataclasses.replace(config, **changes) if changes else config

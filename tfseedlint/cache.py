"""`.tfseedlint_cache/` at a project root: what a run learned per file, for
the next run.

Two stores live there, each one JSON file per key: `results-KEY.json` (the
findings of each file) and `helpers-KEY.json` (what each file holds for the
project's seed-helper index). KEY digests everything the stored data depends
on besides the file itself: tfseedlint's version and its own code (catalog and
rules included), the Python and LibCST versions, and for results the
effective settings. A file's record is reused while the file's stat (mtime,
ctime, size, inode) is unchanged, or, when the stat changed, while its
content hash is. Like git, a record whose file changed less than two seconds
before the run that stored it is checked by content: a second write within
the file system's timestamp granularity cannot slip through.

Nothing here imports LibCST: a run whose files are all unchanged is served
from the stores without it. Unreadable, corrupt or unwritable caches are
ignored; the run then simply does the work.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import tfseedlint
from tfseedlint.ftypes import Config

CACHE_DIR = ".tfseedlint_cache"
#: Bump when the layout of a store changes.
FORMAT = 1
#: A file changed this close to (or after) the run that recorded it is
#: re-checked by content next time (coarse or lagging file system clocks).
RACY_NS = 2_000_000_000
#: Stores not written for this long (other settings, older versions) go.
STALE_S = 7 * 24 * 3600

Stamp = tuple[int, int, int, int]


def stamp_of(stat: os.stat_result) -> Stamp:
    return (stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size, stat.st_ino)


def content_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@functools.lru_cache(maxsize=None)
def code_digest() -> str:
    """tfseedlint's version and code, and the versions of what it runs on."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{tfseedlint.__version__}\0{sys.version}\0{_version('libcst')}\0".encode())
    package = Path(tfseedlint.__file__).parent
    for path in sorted(package.rglob("*.py")):
        if "probe" in path.relative_to(package).parts:
            continue  # the probe never affects findings
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"?")
    return digest.hexdigest()


def _version(distribution: str) -> str:
    from tfseedlint.config import installed_version

    return installed_version(distribution) or "-"


def settings_digest(config: Config) -> str:
    """The settings that change findings, as a digest."""
    fields = {f.name: getattr(config, f.name) for f in dataclasses.fields(config)}
    fields["root"] = str(config.root) if config.root is not None else None
    fields.pop("source", None)
    fields.pop("output_format", None)
    text = json.dumps(fields, sort_keys=True, default=str)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


class RecordStore:
    """Per-file records of one kind under one project root.

    A record is `[stamp, seen_ns, content digest, data]`; `seen_ns` is when
    the run that stored it started."""

    def __init__(self, root: Path, kind: str, config: Config | None = None) -> None:
        self.directory = Path(root) / CACHE_DIR
        self.kind = kind
        key = code_digest() + (settings_digest(config) if config is not None else "")
        self.name = f"{kind}-{hashlib.blake2b(key.encode(), digest_size=8).hexdigest()}.json"
        self.started_ns = time.time_ns()
        self._records: dict[str, list[Any]] | None = None
        self._dirty = False

    @property
    def records(self) -> dict[str, list[Any]]:
        if self._records is None:
            self._records = self._load()
        return self._records

    def _load(self) -> dict[str, list[Any]]:
        try:
            with open(self.directory / self.name, "rb") as stream:
                document = json.load(stream)
        except (OSError, ValueError):
            return {}
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            return {}
        records = document.get("records")
        return records if isinstance(records, dict) else {}

    def _record(self, key: str) -> list[Any] | None:
        # Checked when used: most records of a big store are not.
        record = self.records.get(key)
        return record if record is not None and _well_formed(record) else None

    def get(self, key: str, stamp: Stamp) -> Any | None:
        """The data stored for `key` if its stat is still `stamp` (and was
        not racy when stored)."""
        record = self._record(key)
        if record is None or tuple(record[0]) != stamp:
            return None
        if stamp[0] >= record[1] - RACY_NS:
            return None
        return record[3]

    def digest(self, key: str) -> str | None:
        """The content digest stored for `key` (to check a changed stat)."""
        record = self._record(key)
        return record[2] if record else None

    def data(self, key: str) -> Any | None:
        record = self._record(key)
        return record[3] if record else None

    def put(self, key: str, stamp: Stamp, data: Any, digest: str | None = None) -> None:
        old = self._record(key)
        if digest is None and old is not None and tuple(old[0]) == stamp:
            digest = old[2]
        self.records[key] = [list(stamp), self.started_ns, digest, data]
        self._dirty = True

    def touch(self, key: str, stamp: Stamp) -> None:
        """Same content under a new stat: keep the data, record the stat."""
        old = self._record(key)
        if old is not None:
            self.put(key, stamp, old[3], old[2])

    def save(self) -> None:
        if not self._dirty or self._records is None:
            return
        self._dirty = False
        # Forget files that are gone (keys end with the file's path).
        self._records = {key: record for key, record in self._records.items()
                         if _well_formed(record) and os.path.exists(key.rsplit("\0", 1)[-1])}
        import tempfile

        try:
            _prepare(self.directory)
            document = {"format": FORMAT, "records": self._records}
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=f".{self.name}.", suffix=".tmp")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    json.dump(document, stream, separators=(",", ":"))
                os.replace(temporary, self.directory / self.name)
            except BaseException:
                _unlink(Path(temporary))
                raise
            self._prune()
        except OSError:
            pass  # a read-only tree: run without a cache

    def _prune(self) -> None:
        limit = time.time() - STALE_S
        for path in self.directory.glob(f"{self.kind}-*.json"):
            try:
                if path.name != self.name and path.stat().st_mtime < limit:
                    path.unlink()
            except OSError:
                pass


def _well_formed(record: Any) -> bool:
    return (isinstance(record, list) and len(record) == 4 and isinstance(record[0], list)
            and len(record[0]) == 4 and all(type(v) is int for v in record[0])
            and type(record[1]) is int and (record[2] is None or isinstance(record[2], str)))


def _prepare(directory: Path) -> None:
    """Create the cache directory with its own .gitignore and CACHEDIR.TAG."""
    if directory.is_dir():
        return
    directory.mkdir(exist_ok=True)
    (directory / ".gitignore").write_text("# Created by tfseedlint.\n*\n", encoding="utf-8")
    (directory / "CACHEDIR.TAG").write_text(
        "Signature: 8a477f597d28d172789f06886806bc55\n"
        "# This file is a cache directory tag created by tfseedlint.\n", encoding="utf-8")


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass

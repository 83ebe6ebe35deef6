"""The command line: `tfseedlint [PATH ...]`, `tfseedlint rules`,
`tfseedlint explain CODE`, `tfseedlint probe ...`.

This module and `report.py` are the only places that print. Exit status:
0 no findings, 1 findings, 2 usage / config / internal error.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from tfseedlint import __version__
# The static code table, not the rules: a run served from the results cache
# never imports the rules (nor LibCST through them).
from tfseedlint.codes import ALL_CODES, RULES
from tfseedlint.config import ConfigError, find_config, load_config, with_overrides
from tfseedlint.ftypes import Config
from tfseedlint.paths import iter_source_files
from tfseedlint.report import render, statistics
from tfseedlint.runner import Run, lint_files, lint_stdin

__all__ = ["Run", "build_parser", "lint_files", "lint_stdin", "main", "resolve_config"]

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FORMATS = ("text", "json", "sarif", "github")


def _codes(value: str) -> list[str]:
    return [c.strip().upper() for c in value.split(",") if c.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tfseedlint",
        description="Find, explain and fix what makes TensorFlow / Keras / NumPy code irreproducible.",
        epilog="Other commands: `tfseedlint rules`, `tfseedlint explain CODE`, `tfseedlint probe --help`.",
    )
    parser.add_argument("paths", nargs="*", type=str, metavar="PATH",
                        help="files or directories to lint (default: .); `-` reads standard input")
    parser.add_argument("--select", type=_codes, help="only these codes or prefixes (comma-separated)")
    parser.add_argument("--ignore", type=_codes, default=[], help="skip these codes or prefixes")
    parser.add_argument("--extend-select", type=_codes, default=[], help="add these codes to the selection")
    parser.add_argument("--fix", action="store_true", help="apply safe fixes to the files")
    parser.add_argument("--unsafe-fixes", action="store_true", help="also apply unsafe fixes (TSL203, TSL405)")
    parser.add_argument("--diff", action="store_true", help="print the fixes as a unified diff, write nothing")
    parser.add_argument("--statistics", action="store_true", help="print the number of findings per code")
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument("--jobs", "-j", type=int, default=0, metavar="N",
                        help="files linted in parallel (default: all cores)")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the results cache")
    parser.add_argument("--config", type=Path, metavar="FILE", help="read settings from this pyproject.toml")
    parser.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    parser.add_argument("--stdin-filename", metavar="NAME",
                        help="the name of the file read from stdin (config and per-file-ignores use it)")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    parser.add_argument("--version", action="version", version=f"tfseedlint {__version__}")
    return parser


def resolve_config(args: argparse.Namespace, start: Path) -> Config:
    if args.isolated:
        config = load_config(None, ALL_CODES)
    else:
        source = args.config if args.config is not None else find_config(start)
        if args.config is not None and not args.config.is_file():
            raise ConfigError(args.config, "no such configuration file")
        config = load_config(source, ALL_CODES)
    return with_overrides(config, select=args.select, ignore=args.ignore or None,
                          extend_select=args.extend_select or None, known_codes=ALL_CODES)


def _list_rules() -> int:
    from tfseedlint.rules import ALL_RULES

    for rule in ALL_RULES:
        fix = {"safe": "fix", "unsafe": "unsafe fix"}.get(rule.fix_safety or "", "")
        print(f"{rule.code}  {rule.name:<38} {fix:<11} {rule.summary}")
    return EXIT_CLEAN


def _explain(argv: Sequence[str]) -> int:
    if len(argv) != 1:
        print("usage: tfseedlint explain CODE", file=sys.stderr)
        return EXIT_ERROR
    from tfseedlint.rules import RULES_BY_CODE

    rule = RULES_BY_CODE.get(argv[0].upper())
    if rule is None:
        print(f"tfseedlint: error: unknown rule code {argv[0]!r} (see `tfseedlint rules`)", file=sys.stderr)
        return EXIT_ERROR
    from tfseedlint.docs import rule_page

    print(rule_page(rule), end="")
    return EXIT_CLEAN


def _tolerant_stdout() -> None:
    """Paths need not be valid text (`caf\\xe9.py` under a UTF-8 locale):
    write such a name back as its own bytes, or escaped, never crash on it."""
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("_", "-")
    if reconfigure is not None:
        try:
            reconfigure(errors="surrogateescape" if encoding in ("utf-8", "utf8") else "backslashreplace")
        except (ValueError, OSError):  # a stream that cannot change: leave it
            pass


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _tolerant_stdout()
    if argv and argv[0] == "rules":
        return _list_rules()
    if argv and argv[0] == "explain":
        return _explain(argv[1:])
    if argv and argv[0] == "probe":
        from tfseedlint.probe.cli import main as probe_main

        return probe_main(argv[1:])
    if argv and argv[0] == "lsp":
        from tfseedlint.lsp import main as lsp_main

        return lsp_main(argv[1:])
    args = build_parser().parse_args(argv)
    paths = args.paths or ["."]
    from_stdin = paths == ["-"]
    start = Path(args.stdin_filename) if from_stdin and args.stdin_filename else Path(paths[0])
    try:
        config = resolve_config(args, start)
    except ConfigError as exc:
        print(f"tfseedlint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if from_stdin:
        run = lint_stdin(args.stdin_filename or "-", config, use_cache=not args.no_cache)
    else:
        files, errors = iter_source_files([Path(p) for p in paths], config)
        # One directory: its walk is also its project's, if it is the root.
        walked = Path(paths[0]) if len(paths) == 1 and Path(paths[0]).is_dir() else None
        run = lint_files(files, config, jobs=args.jobs, use_cache=not args.no_cache, walked=walked)
        run.errors[:0] = errors
    if args.fix or args.diff:
        from tfseedlint.fixer import apply_fixes

        fixed = apply_fixes(run, config, write=args.fix and not args.diff, unsafe=args.unsafe_fixes,
                            stdin=from_stdin)
        run, diff_text, fix_errors = fixed
        run.errors.extend(fix_errors)
        if args.diff and diff_text:
            sys.stdout.write(diff_text)
        elif from_stdin and args.fix:
            sys.stdout.write(diff_text)  # the fixed source, like ruff
    findings = run.findings
    if args.diff or (from_stdin and args.fix):
        # The edits (or, for `-`, the fixed source) go to stdout; what remains unfixed to stderr.
        text = render(findings, "text", RULES)
        if text:
            sys.stderr.write(text if text.endswith("\n") else text + "\n")
    else:
        text = render(findings, args.format, RULES)
        if text:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
    if args.statistics and findings:
        sys.stdout.write(statistics(findings, RULES) + "\n")
    for message in run.errors:
        print(f"tfseedlint: error: {message}", file=sys.stderr)
    if run.errors:
        return EXIT_ERROR
    if args.diff:
        return EXIT_FINDINGS if diff_text else EXIT_CLEAN
    if findings and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN

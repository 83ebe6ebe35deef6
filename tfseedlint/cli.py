"""The command line, shaped like ruff's: `tfseedlint [check] [PATH ...]`,
`tfseedlint rules [PREFIX ...]`, `tfseedlint explain CODE` (or `rule CODE`),
`tfseedlint probe ...` and `tfseedlint lsp`.

This module and `report.py` are the only places that print. Exit status:
0 no findings, 1 findings, 2 usage / config / internal error. A usage
error is one line on stderr.

Where output goes: findings in the chosen format on stdout; the summary
lines (`Found 3 problems.`) after them, or on stderr when stdout carries
machine output (a machine format, a `--diff`, the fixed source of `-`).
"""
from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Sequence

from tfseedlint import __version__
# The static code table, not the rules: a run served from the results cache
# never imports the rules (nor LibCST through them).
from tfseedlint.codes import ALL_CODES, RULES
from tfseedlint.config import ConfigError, find_config, load_config, with_overrides
from tfseedlint.ftypes import Config, Finding
from tfseedlint.paths import iter_source_files
from tfseedlint.report import (
    ALIASES, FORMATS, MACHINE_FORMATS, STATISTICS_INSIDE, Options, Sources, Style, applicable, fixed_table, render,
    statistics, summary,
)
from tfseedlint.runner import Run, lint_files, lint_stdin

__all__ = ["Run", "build_parser", "lint_files", "lint_stdin", "main", "resolve_config"]

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
#: The subcommands; anything else is the default command's first path.
COMMANDS = ("check", "rules", "rule", "explain", "probe", "lsp")
ENV_FORMAT = "TFSEEDLINT_OUTPUT_FORMAT"

_COMMANDS_HELP = """\
commands:
  check [PATH ...]     lint files and directories (the default command)
  rules [PREFIX ...]   list the rules, or those whose code starts with PREFIX
  explain CODE|--all   a rule's documentation, or every rule's (also: rule CODE)
  probe [PATH ...]     confirm flagged GPU ops on this machine (needs TensorFlow)
  lsp                  run the language server over stdio

output formats (--output-format): concise (default when piped), full (default
on a terminal: source line and caret), grouped, json, json-lines, junit,
github, gitlab, pylint, sarif. Exit status: 0 no findings, 1 findings,
2 usage, configuration or internal error."""


class UsageError(Exception):
    """A command line that cannot be run: one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {value!r}")
    return number


def _format(value: str) -> str:
    if value not in FORMATS and value not in ALIASES:
        raise argparse.ArgumentTypeError(f"unknown output format {value!r} (choose from {', '.join(FORMATS)})")
    return ALIASES.get(value, value)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="tfseedlint",
        usage="tfseedlint [check] [OPTIONS] [PATH ...]",
        description="Find, explain and fix what makes TensorFlow / Keras / NumPy code irreproducible.",
        epilog=_COMMANDS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", type=str, metavar="PATH",
                        help="files or directories to lint (default: .); `-` reads standard input")

    rules = parser.add_argument_group("rule selection")
    rules.add_argument("--select", action="append", metavar="CODES",
                       help="only these codes or prefixes (comma-separated; replaces the configured selection)")
    rules.add_argument("--extend-select", action="append", metavar="CODES", help="add these codes to the selection")
    rules.add_argument("--ignore", action="append", metavar="CODES", help="skip these codes or prefixes")
    rules.add_argument("--extend-ignore", action="append", metavar="CODES", help="same as --ignore (flake8's name)")
    rules.add_argument("--per-file-ignores", action="append", metavar="GLOB:CODES",
                       help="skip codes in matching files, e.g. 'tests/*:TSL1' (replaces the configured ones)")
    rules.add_argument("--extend-per-file-ignores", action="append", metavar="GLOB:CODES",
                       help="add to the configured per-file-ignores")

    files = parser.add_argument_group("file selection")
    files.add_argument("--exclude", action="append", metavar="GLOBS",
                       help="skip matching files and directories (comma-separated; replaces the configured exclude)")
    files.add_argument("--extend-exclude", action="append", metavar="GLOBS", help="add to the configured exclude")
    files.add_argument("--stdin-filename", metavar="NAME",
                       help="the name of the file read from standard input (settings and per-file-ignores use it)")

    fixes = parser.add_argument_group("fixes")
    fixes.add_argument("--fix", action="store_true", help="apply safe fixes to the files")
    fixes.add_argument("--fix-only", action="store_true",
                       help="apply fixes, and neither report nor fail on what remains (implies --fix)")
    fixes.add_argument("--no-fix", dest="fix", action="store_false", help=argparse.SUPPRESS)
    fixes.add_argument("--unsafe-fixes", action="store_true", help="also apply unsafe fixes (TSL203, TSL405)")
    fixes.add_argument("--no-unsafe-fixes", dest="unsafe_fixes", action="store_false", help=argparse.SUPPRESS)
    fixes.add_argument("--diff", action="store_true",
                       help="print the fixes as a unified diff on stdout and write nothing")
    fixes.add_argument("--show-fixes", action="store_true", help="list what --fix / --diff fixed, per file and rule")
    fixes.add_argument("--add-noqa", action="store_true", help="add `# noqa: CODE` to every reported line")

    output = parser.add_argument_group("output")
    output.add_argument("--output-format", "--format", dest="output_format", type=_format, metavar="FORMAT",
                        help=f"{', '.join(FORMATS)} (default: full on a terminal, else concise; "
                             f"also ${ENV_FORMAT} or `output-format` in the settings)")
    output.add_argument("-o", "--output-file", type=Path, metavar="FILE",
                        help="write the findings to FILE instead of stdout")
    output.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour the output (default: auto, on a terminal unless NO_COLOR is set; "
                             "FORCE_COLOR forces it)")
    output.add_argument("--statistics", action="store_true", help="count the findings per rule")
    output.add_argument("-q", "--quiet", action="store_true", help="print findings, but no summary")
    output.add_argument("-s", "--silent", action="store_true",
                        help="print no findings and no summary (the exit status still says)")
    output.add_argument("--show-settings", action="store_true", help="print the effective settings and exit")
    output.add_argument("--show-files", action="store_true", help="print the files that would be linted and exit")
    output.add_argument("-e", "--exit-zero", action="store_true", help="exit 0 even when there are findings")
    output.add_argument("--exit-non-zero-on-fix", action="store_true",
                        help="exit 1 when --fix changed a file, even if nothing remains")

    misc = parser.add_argument_group("settings and performance")
    misc.add_argument("--config", type=Path, metavar="FILE", help="read settings from this pyproject.toml")
    misc.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    misc.add_argument("--jobs", "-j", type=_positive, default=None, metavar="N",
                      help="files linted in parallel (default: all cores)")
    misc.add_argument("--no-cache", action="store_true", help="neither read nor write the results cache")
    misc.add_argument("--version", action="version", version=f"tfseedlint {__version__}")
    return parser


def resolve_config(args: argparse.Namespace, start: Path) -> Config:
    if args.isolated:
        config = load_config(None, ALL_CODES)
    else:
        if args.config is not None and not args.config.is_file():
            raise ConfigError(args.config, "no such configuration file")
        source = args.config if args.config is not None else find_config(start)
        config = load_config(source, ALL_CODES)
    ignore = (getattr(args, "ignore", None) or []) + (getattr(args, "extend_ignore", None) or [])
    given = getattr(args, "ignore", None) is not None or getattr(args, "extend_ignore", None) is not None
    return with_overrides(
        config, select=args.select, ignore=ignore if given else None, extend_select=args.extend_select,
        exclude=getattr(args, "exclude", None), extend_exclude=getattr(args, "extend_exclude", None),
        per_file_ignores=getattr(args, "per_file_ignores", None),
        extend_per_file_ignores=getattr(args, "extend_per_file_ignores", None), known_codes=ALL_CODES)


# -- rules / explain --------------------------------------------------------------------


def _rules(argv: Sequence[str]) -> int:
    parser = _Parser(prog="tfseedlint rules", description="List the rules (all, or those whose code starts "
                                                          "with one of the PREFIXes).")
    parser.add_argument("prefixes", nargs="*", metavar="PREFIX", help="codes or code prefixes, e.g. TSL1")
    parser.add_argument("--output-format", "--format", dest="output_format", choices=("concise", "json"),
                        default="concise")
    args = parser.parse_args(argv)
    prefixes = [p.upper() for p in args.prefixes]
    for prefix in prefixes:
        if not any(code.startswith(prefix) for code in ALL_CODES):
            raise UsageError(f"{prefix!r} matches no rule code or prefix (see `tfseedlint rules`)")
    chosen = [RULES[code] for code in sorted(RULES) if not prefixes or code.startswith(tuple(prefixes))]
    if args.output_format == "json":
        import json

        print(json.dumps([{"code": r.code, "name": r.name, "summary": r.summary, "fix": r.fix_safety}
                          for r in chosen], indent=2))
        return EXIT_CLEAN
    for rule in chosen:
        fix = {"safe": "fix", "unsafe": "unsafe fix"}.get(rule.fix_safety or "", "")
        print(f"{rule.code}  {rule.name:<38} {fix:<11} {rule.summary}".rstrip())
    return EXIT_CLEAN


def _explain(argv: Sequence[str], prog: str) -> int:
    parser = _Parser(prog=f"tfseedlint {prog}", usage=f"tfseedlint {prog} CODE | --all",
                     description="Print a rule's full documentation.")
    parser.add_argument("code", metavar="CODE", nargs="?", help="a rule code, e.g. TSL404")
    parser.add_argument("--all", action="store_true", help="every rule's documentation")
    args = parser.parse_args(argv)
    if (args.code is None) == (not args.all):
        raise UsageError(f"give one rule CODE or --all (see `tfseedlint {prog} --help`)")
    codes = sorted(RULES) if args.all else [args.code.upper()]
    if codes[0] not in RULES:
        raise UsageError(f"unknown rule code {args.code!r} (see `tfseedlint rules`)")
    from tfseedlint.docs import rule_page
    from tfseedlint.rules import RULES_BY_CODE

    print("\n".join(rule_page(RULES_BY_CODE[code]) for code in codes), end="")
    return EXIT_CLEAN


# -- the check command ---------------------------------------------------------------


def _tolerant_stdout() -> None:
    """Paths need not be valid text (`caf\\xe9.py` under a UTF-8 locale):
    write such a name back as its own bytes, or escaped, never crash on it."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("_", "-")
        if reconfigure is not None:
            try:
                reconfigure(errors="surrogateescape" if encoding in ("utf-8", "utf8") else "backslashreplace")
            except (ValueError, OSError):  # a stream that cannot change: leave it
                pass


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def use_color(choice: str, stream: IO[str]) -> bool:
    """`--color`, then NO_COLOR / FORCE_COLOR (set and not empty), then
    whether `stream` is a terminal."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return _isatty(stream)


def _write(stream: IO[str], text: str) -> None:
    if text:
        stream.write(text if text.endswith("\n") else text + "\n")


def _by_key(findings: Sequence[Finding]) -> Counter[tuple[str, str, str]]:
    return Counter((f.path, f.code, f.message) for f in findings)


def _fixed(before: Sequence[Finding], after: Sequence[Finding]) -> Counter[tuple[str, str, str]]:
    """How many findings of each (path, code, message) the fixes cleared
    (a finding a fix revealed does not count against another's)."""
    counts = _by_key(before)
    counts.subtract(_by_key(after))
    return Counter({key: n for key, n in counts.items() if n > 0})


def _unfixed(before: Sequence[Finding], fixed: Counter[tuple[str, str, str]], unsafe: bool) -> list[Finding]:
    """`before` less the findings a `--diff` would fix, at their positions in
    the files as they are (fixable ones are taken to be the fixed ones)."""
    left = Counter(fixed)
    ordered = sorted(before, key=lambda f: not applicable(f, RULES, unsafe))
    kept = []
    for finding in ordered:
        key = (finding.path, finding.code, finding.message)
        if left[key] > 0:
            left[key] -= 1
        else:
            kept.append(finding)
    return sorted(kept, key=lambda f: f.sort_key)


@dataclass
class _Out:
    """Where each kind of output goes, and how it looks."""

    fmt: str
    quiet: bool
    silent: bool
    statistics: bool
    unsafe: bool
    findings_stream: IO[str] = field(default_factory=lambda: sys.stdout)
    color: bool = False
    #: stdout carries a diff or the fixed source of `-`.
    data_on_stdout: bool = False

    @property
    def machine(self) -> bool:
        """Whether the findings' stream is read by programs."""
        return self.fmt in MACHINE_FORMATS or self.findings_stream is sys.stderr

    @property
    def summary_stream(self) -> IO[str]:
        """stderr when stdout carries machine output, else stdout."""
        machine_stdout = self.data_on_stdout or (self.findings_stream is sys.stdout and self.fmt in MACHINE_FORMATS)
        return sys.stderr if machine_stdout else sys.stdout


def _env_format() -> str | None:
    value = os.environ.get(ENV_FORMAT)
    if not value:
        return None
    try:
        return _format(value)
    except argparse.ArgumentTypeError as exc:
        raise UsageError(f"${ENV_FORMAT}: {exc}") from None


def _show_settings(config: Config, files: Sequence[Path], fmt: str) -> None:
    import json

    def value(v: object) -> str:
        if isinstance(v, tuple) and all(isinstance(item, tuple) for item in v) and v:
            return "{ " + ", ".join(f"{json.dumps(k)} = {value(c)}" for k, c in v) + " }"
        if isinstance(v, tuple):
            return json.dumps(list(v))
        return json.dumps(v)

    print(f"# settings file: {config.source or 'none (defaults)'}")
    print(f"# project root: {config.root or 'none'}")
    print(f"# files to lint: {len(files)}")
    print("[tool.tfseedlint]")
    for name in ("select", "extend_select", "ignore", "per_file_ignores", "exclude", "extend_exclude", "seed",
                 "seed_functions", "strict", "target_tensorflow"):
        key, setting = name.replace("_", "-"), getattr(config, name)
        if setting is None:  # TOML has no null
            print(f"# {key}: not set (TensorFlow is not installed)")
        elif name == "per_file_ignores" and not setting:
            print(f"{key} = {{}}")
        else:
            print(f"{key} = {value(setting)}")
    print(f"output-format = {json.dumps(fmt)}")


def _check(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(argv)
    paths = list(args.paths)
    if "-" in paths and len(paths) > 1:
        raise UsageError("`-` (standard input) cannot be combined with other paths")
    from_stdin = paths == ["-"] or (not paths and args.stdin_filename is not None)
    if args.stdin_filename is not None and not from_stdin:
        raise UsageError("--stdin-filename names standard input: pass `-` instead of paths")
    if args.fix_only:
        args.fix = True
    if args.fix_only and args.diff:
        raise UsageError("--fix-only and --diff cannot be combined")
    if args.add_noqa and (args.fix or args.diff):
        raise UsageError("--add-noqa cannot be combined with --fix or --diff")
    if args.add_noqa and from_stdin:
        raise UsageError("--add-noqa edits files: it cannot read standard input")
    paths = paths or ["."]
    start = Path(args.stdin_filename) if from_stdin and args.stdin_filename else Path(paths[0])
    config = resolve_config(args, start)
    fmt = args.output_format or _env_format() or ALIASES.get(config.output_format or "", config.output_format) \
        or ("full" if _isatty(sys.stdout) else "concise")

    files: list[Path] = []
    errors: list[str] = []
    if not from_stdin:
        files, errors = iter_source_files([Path(p) for p in paths], config)
    if args.show_settings:
        _show_settings(config, files, fmt)
        return EXIT_CLEAN
    if args.show_files:
        for file in files:
            print(file)
        for message in errors:
            print(f"tfseedlint: error: {message}", file=sys.stderr)
        return EXIT_ERROR if errors else EXIT_CLEAN
    if not from_stdin and not files:
        for message in errors:
            print(f"tfseedlint: error: {message}", file=sys.stderr)
        if not args.silent and not errors:
            where = ", ".join(paths)
            print(f"tfseedlint: warning: no Python files (*.py, *.ipynb) found under {where}", file=sys.stderr)
        return EXIT_ERROR if errors else EXIT_CLEAN

    use_cache = not args.no_cache
    if from_stdin:
        run = lint_stdin(args.stdin_filename or "-", config, use_cache=use_cache)
    else:
        # One directory: its walk is also its project's, if it is the root.
        walked = Path(paths[0]) if len(paths) == 1 and Path(paths[0]).is_dir() else None
        run = lint_files(files, config, jobs=args.jobs or 0, use_cache=use_cache, walked=walked)
        run.errors[:0] = errors

    if args.add_noqa:
        return _add_noqa(run, args)

    texts = {run.results[0][0]: run.stdin_data} if from_stdin and run.stdin_data is not None else {}
    out = _Out(fmt, args.quiet, args.silent, args.statistics, args.unsafe_fixes)
    fix_mode = "diff" if args.diff else "fix" if args.fix else None
    findings = run.findings
    fixed: Counter[tuple[str, str, str]] = Counter()
    changed = False
    if fix_mode is not None:
        from tfseedlint.fixer import apply_fixes

        before = findings
        fixed_run, data_text, fix_errors = apply_fixes(run, config, write=fix_mode == "fix",
                                                       unsafe=args.unsafe_fixes, stdin=from_stdin)
        run.errors.extend(fix_errors)
        for message in fixed_run.notes:  # fixes left undone in a file that was fixed
            print(f"tfseedlint: warning: {message}", file=sys.stderr)
        fixed = _fixed(before, fixed_run.findings)
        if fix_mode == "diff" or from_stdin:
            # stdout carries the diff (or the fixed source of `-`) and nothing else.
            sys.stdout.write(data_text)
            out.data_on_stdout = True
            if args.output_file is None:
                out.findings_stream = sys.stderr
                out.fmt = "concise"
        changed = bool(data_text) if fix_mode == "diff" else bool(fixed)
        if fix_mode == "diff":
            # What the diff leaves, where it is in the files as they stand.
            findings = _unfixed(before, fixed, args.unsafe_fixes)
        else:
            findings = fixed_run.findings
            if from_stdin:
                texts = {}  # positions are in the fixed source now
                if fixed_run.results and data_text:
                    texts = {fixed_run.results[0][0]: data_text.encode("utf-8", "surrogateescape")}

    if args.fix_only:
        return _fix_only(run, fixed, changed, args)
    if args.output_file is not None:
        try:
            out.findings_stream = open(args.output_file, "w", encoding="utf-8", errors="surrogateescape")
        except OSError as exc:
            raise UsageError(f"--output-file: {args.output_file}: {exc.strerror or exc}") from None
    out.color = use_color(args.color, out.findings_stream)
    try:
        _report(findings, run, out, texts)
    finally:
        if args.output_file is not None:
            out.findings_stream.close()
    if not (args.quiet or args.silent):
        stream = out.summary_stream
        if args.show_fixes and fix_mode is not None:
            per_file: dict[str, Counter[str]] = {}
            for (path, code, _), count in fixed.items():
                per_file.setdefault(path, Counter())[code] += count
            _write(stream, fixed_table(per_file, RULES, would=fix_mode == "diff"))
        lines = summary(findings, RULES, fixed=sum(fixed.values()), fix_mode=fix_mode,
                        unsafe_fixes=args.unsafe_fixes)
        if findings and out.fmt in ("full", "grouped") and stream is out.findings_stream and not args.statistics:
            stream.write("\n")  # set off from the last block, as ruff does
        _write(stream, "\n".join(lines))
    for message in run.errors:
        print(f"tfseedlint: error: {message}", file=sys.stderr)
    if run.errors:
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_CLEAN
    if fix_mode == "diff":
        return EXIT_FINDINGS if changed else EXIT_CLEAN
    if findings or (args.exit_non_zero_on_fix and changed):
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _fix_only(run: Run, fixed: Counter[tuple[str, str, str]], changed: bool, args: argparse.Namespace) -> int:
    """`--fix-only`: say what was fixed, not what remains."""
    total = sum(fixed.values())
    if total and not (args.quiet or args.silent):
        stream = sys.stderr if args.stdin_filename is not None or args.paths == ["-"] else sys.stdout
        if args.show_fixes:
            per_file: dict[str, Counter[str]] = {}
            for (path, code, _), count in fixed.items():
                per_file.setdefault(path, Counter())[code] += count
            _write(stream, fixed_table(per_file, RULES))
        else:
            _write(stream, f"Fixed {total} problem{'' if total == 1 else 's'}.")
    for message in run.errors:
        print(f"tfseedlint: error: {message}", file=sys.stderr)
    if run.errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if args.exit_non_zero_on_fix and changed and not args.exit_zero else EXIT_CLEAN


def _report(findings: list[Finding], run: Run, out: _Out, texts: dict[str, bytes]) -> None:
    """The findings (and `--statistics`) in the chosen format."""
    stream = out.findings_stream
    inside = out.statistics and out.fmt in STATISTICS_INSIDE and stream is not sys.stderr
    options = Options(style=Style(out.color), unsafe_fixes=out.unsafe, sources=Sources(texts), statistics=inside)
    if not out.silent:
        _write(stream, render(findings, out.fmt, RULES, options=options))
    if out.statistics and not inside and findings and not out.silent:
        table = statistics(findings, RULES)
        if out.machine:
            _write(sys.stderr, table)
        else:
            stream.write("\n")
            _write(stream, table)


def _add_noqa(run: Run, args: argparse.Namespace) -> int:
    from tfseedlint.noqa import add_noqa

    added = add_noqa(run.findings)
    for message in added.skipped:
        print(f"tfseedlint: warning: {message}", file=sys.stderr)
    if not args.silent:
        plural = "" if added.directives == 1 else "s"
        print(f"Added {added.directives} noqa directive{plural}.", file=sys.stderr)
    for message in [*run.errors, *added.errors]:
        print(f"tfseedlint: error: {message}", file=sys.stderr)
    return EXIT_ERROR if run.errors or added.errors else EXIT_CLEAN


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _tolerant_stdout()
    command = argv[0] if argv and argv[0] in COMMANDS else "check"
    rest = argv[1:] if argv and argv[0] in COMMANDS else argv
    try:
        if command == "rules":
            return _rules(rest)
        if command in ("explain", "rule"):
            return _explain(rest, command)
        if command == "probe":
            from tfseedlint.probe.cli import main as probe_main

            return probe_main(rest)
        if command == "lsp":
            from tfseedlint.lsp import main as lsp_main

            return lsp_main(rest)
        return _check(rest)
    except UsageError as exc:
        print(f"tfseedlint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except ConfigError as exc:
        print(f"tfseedlint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR if exc.code else EXIT_CLEAN
    except BrokenPipeError:
        # `tfseedlint . | head`: the reader left. Say nothing more, and keep
        # Python from complaining about stdout when it exits.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return EXIT_FINDINGS

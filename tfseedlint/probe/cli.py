"""`tfseedlint probe [PATH ...]`: lint the paths, then check on the installed
TensorFlow which of the GPU-relevant ops they call (TSL403 / TSL405) are
actually nondeterministic; `--seeds` also checks the seed-coverage facts the
rules rest on. `--ops KEY,...` probes named ops without linting.

Exit status (for CI): 0 nothing nondeterministic found and every seed fact
holds (also when there is nothing to probe: then TensorFlow is not even
started); 1 an op was found nondeterministic (with op determinism off or
on), a seed fact no longer holds, or a check ended in `error`; 2 the probe
could not run (usage, TensorFlow missing, `--device gpu` without a GPU,
linter unavailable).

The text report fits 100 columns; `--format json` has every detail.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from tfseedlint.probe import INSTALL_HINT, tensorflow_available
from tfseedlint.probe.recipes import RECIPES, canonical_key
from tfseedlint.probe.report import render_json
from tfseedlint.probe.seeds import FACTS, groups

_PROG = "tfseedlint probe"


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _runs(text: str) -> int:
    value = int(text)
    if value < 2:
        raise argparse.ArgumentTypeError("needs at least 2 runs to compare")
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value


def default_jobs() -> int:
    """Checks run in parallel: each is mostly a TensorFlow start-up."""
    return max(1, min(4, os.cpu_count() or 1))


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=_PROG,
        description="Run the GPU-relevant ops that the linted code calls, with op determinism off "
        "(repeated runs compared bitwise) and on (does TensorFlow raise?), each check in a fresh "
        "process. Never runs or imports the linted code.",
    )
    p.add_argument(
        "paths", nargs="*", metavar="PATH", help="files or directories to lint (default: . unless --ops/--seeds)"
    )
    p.add_argument(
        "--ops", metavar="KEY,...", help="probe these op keys without linting ('all': every recipe, controls included)"
    )
    p.add_argument("--seeds", action="store_true", help="also check the seed-coverage facts the rules rest on")
    p.add_argument("--runs", type=_runs, default=5, help="runs per check with determinism off (default 5)")
    p.add_argument(
        "--device", choices=("auto", "cpu", "gpu"), default="auto", help="default: GPU if TensorFlow sees one"
    )
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--timeout", type=_seconds, default=180.0, help="seconds per check (default 180)")
    p.add_argument("--jobs", type=_positive_int, default=default_jobs(), help="checks run in parallel")
    p.add_argument(
        "--no-fork", action="store_true",
        help="start TensorFlow afresh for every check instead of forking each check from one process "
        "per mode that imported it (slower)",
    )
    p.add_argument("--list-ops", action="store_true", help="list the op keys that have a recipe and exit")
    return p


def _err(message: str) -> None:
    print(f"{_PROG}: {message}", file=sys.stderr, flush=True)


def _parse_ops(spec: str) -> tuple[list[str], list[str]]:
    """Known and unknown keys of a `--ops` value."""
    names = [canonical_key(n) for n in spec.split(",") if n.strip()]
    if "all" in names:
        return list(RECIPES), []
    return [n for n in names if n in RECIPES], [n for n in names if n not in RECIPES]


def _lint(paths: Sequence[str]) -> dict[str, list[tuple[str, int]]]:
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise LookupError(f"no such file or directory: {', '.join(missing)}")
    try:
        from tfseedlint.engine import gpu_op_sites
    except ImportError as exc:
        raise LookupError(f"cannot lint: the linter engine is unavailable ({exc})") from exc
    try:
        sites = gpu_op_sites([Path(p) for p in paths])
    except Exception as exc:  # report the linter's failure and exit 2, not a traceback
        raise LookupError(f"linting failed: {type(exc).__name__}: {exc}") from exc
    return {k: list(v) for k, v in sites.items() if v}


def _ordered(ops: dict[str, list[tuple[str, int]]]) -> dict[str, list[tuple[str, int]]]:
    known = [k for k in RECIPES if k in ops]
    return {k: ops[k] for k in known + sorted(set(ops) - set(known))}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2)
        return int(exc.code or 0)
    if args.list_ops:
        for r in RECIPES.values():
            print(f"{r.key}  [{r.rule}]  {r.what}{' (backprop)' if r.backprop else ''}")
        return 0

    ops: dict[str, list[tuple[str, int]]] = {}
    if args.ops:
        known, unknown = _parse_ops(args.ops)
        if unknown:
            _err(f"no recipe for {', '.join(unknown)} (see --list-ops)")
            return 2
        ops = {k: [] for k in known}
    linted = bool(args.paths) or not (args.ops or args.seeds)
    if linted:
        paths = args.paths or ["."]
        try:
            for key, sites in _lint(paths).items():
                ops.setdefault(key, []).extend(sites)
        except LookupError as exc:
            _err(str(exc))
            return 2
        if not ops:
            _err(f"no op behind TSL403 / TSL405 is called in {' '.join(paths)}")
    if not ops and not args.seeds:
        _err("nothing to probe")  # and no reason to start TensorFlow
        if args.format == "json":
            sys.stdout.write(render_json({}, [], [], runs=args.runs, timeout=args.timeout, tensorflow_starts=0))
        return 0
    if not tensorflow_available():
        print(INSTALL_HINT, file=sys.stderr)
        return 2
    return _probe(args, _ordered(ops))


def _probe(args: argparse.Namespace, ops: dict[str, list[tuple[str, int]]]) -> int:
    from tfseedlint.probe import runner
    from tfseedlint.probe.report import WIDTH, failed, render_text

    def progress(line: str) -> None:
        line = f"{_PROG}: {line}"
        print(line if len(line) <= WIDTH else line[: WIDTH - 3] + "...", file=sys.stderr, flush=True)

    facts = FACTS if args.seeds else ()
    if args.no_fork:
        runner.USE_ZYGOTE = False
    # Every mode's TensorFlow starts now, side by side.
    runner.start_zygotes([(), *(g.env for g in groups(facts) if g.env)])
    try:
        progress(f"starting TensorFlow to identify the device (--device {args.device})")
        env = runner.probe_environment(args.device, args.timeout)
        progress(f"probing {len(ops)} op(s){' and the seed facts' if args.seeds else ''} on {env['device'].upper()}"
                 f" ({env['device_model']}), {args.jobs} check(s) at a time")
        op_reports, fact_reports = runner.run_probe(
            {k: [tuple(s) for s in v] for k, v in ops.items()},
            facts,
            runs=args.runs,
            device=env["device"],
            timeout=args.timeout,
            jobs=args.jobs,
            progress=progress,
        )
    except runner.ProbeError as exc:
        _err(str(exc))
        return 2
    except KeyboardInterrupt:
        runner.terminate_all()
        _err("interrupted")
        return 130
    finally:
        runner.close_zygotes()
    progress(f"TensorFlow started {runner.tensorflow_starts()} time(s)")
    render = render_json if args.format == "json" else render_text
    sys.stdout.write(render(env, op_reports, fact_reports, runs=args.runs, timeout=args.timeout,
                            tensorflow_starts=runner.tensorflow_starts()))
    sys.stdout.flush()
    return 1 if failed(op_reports, fact_reports) else 0


if __name__ == "__main__":
    sys.exit(main())

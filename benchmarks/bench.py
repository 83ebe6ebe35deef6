#!/usr/bin/env python3
"""Time tfseedlint against flake8, Fixit and ruff on the same files, in one run.

    python benchmarks/bench.py            # the full run (about 20 minutes on 2 cores)
    python benchmarks/bench.py --quick    # one repetition, Fixit on the smallest corpora (about 4 minutes)

Corpora (copied to a scratch directory, so that no tool finds settings of
another project): the Python sources of the installed `keras` and
`tensorflow` packages, the `keras/src/layers` package copied 1x / 2x / 4x
(how time grows with size), and one 1,000-line training script (editor
latency, interpreter start included).

tfseedlint is timed cold (no `.tfseedlint_cache/`: the run writes it), warm
(the same command again, nothing changed) and, for the single file, right
after an edit (its own result is stale; the project's helper records are
not) and with `--no-cache`. The peers: `flake8` with its default checks
(tfseedlint's own flake8 plugin is hidden from it, or flake8 would run
LibCST on every file), `fixit lint` with its default rules, and
`ruff check --no-cache --select NPY002`. Each cell is the median of several
runs; peak RSS is that of the largest process of the run (workers
included). The table is markdown, followed by the performance
targets of the README, met or not. tfseedlint runs from a snapshot of the source
tree taken at start, so that edits made meanwhile neither change what is
measured nor invalidate its cache.

`--verify` also runs tfseedlint on each corpus with the prefilter switched
off and checks that the output is identical, and `--jobs 1` against the
default jobs.

Two more measurements (`--corpora lsp,probe` runs only these):

- `lsp`: the language server (`tfseedlint lsp`) driven over stdio by a real
  JSON-RPC client, as an editor does: open the 1,000-line training script,
  then type into it (incremental `didChange` edits, one at a time, each
  waiting for its diagnostics); the time from sending `didChange` to
  receiving the `publishDiagnostics` of that version, median and 90th
  percentile.
- `probe`: wall time of `tfseedlint probe --seeds --device cpu` and of
  probing the ops a small project calls (four GPU-relevant ops), TensorFlow
  start-up included.

`--tree DIR` measures the tfseedlint package of another checkout (for a
before / after comparison); `--probe-no-fork` also times the probe starting
TensorFlow afresh for every check.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

#: Runs flake8 without tfseedlint's own plugin (installed with tfseedlint).
FLAKE8 = """
import sys
import flake8.plugins.finder as finder
found = finder._find_importlib_plugins
finder._find_importlib_plugins = lambda: (p for p in found() if p.package != "tfseedlint")
from flake8.main.cli import main
sys.exit(main(sys.argv[1:]))
"""
#: Runs tfseedlint with the prefilter switched off (for --verify).
UNFILTERED = """
import sys
import tfseedlint.prefilter as prefilter
prefilter.Screen.needs_lint = lambda self, text, **kw: True
from tfseedlint.cli import main
sys.exit(main(sys.argv[1:]))
"""


@dataclass
class Sample:
    wall: float
    rss_kb: int
    status: int
    cpu: float = 0.0  # user + system seconds, waited-for children included


@dataclass
class Row:
    corpus: str
    tool: str
    files: int
    megabytes: float
    samples: list[Sample] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def cpu(self) -> float:
        """On a busy machine wall time says little; CPU time says what the
        run costs (on 2 idle cores its wall time is at least half of it)."""
        return statistics.median(s.cpu for s in self.samples)

    @property
    def rss_mb(self) -> float:
        return max(s.rss_kb for s in self.samples) / 1024


def run(cmd: list[str], cwd: Path, env: dict[str, str], output: Path | None = None) -> Sample:
    """Wall time and peak RSS (largest process, waited-for children included)."""
    out = open(output, "wb") if output is not None else subprocess.DEVNULL
    try:
        with tempfile.TemporaryFile() as err:
            start = time.perf_counter()
            proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
            proc.returncode = os.waitstatus_to_exitcode(status)
            if proc.returncode not in (0, 1):
                err.seek(0)
                sys.stderr.write(f"warning: {' '.join(cmd)} exited {proc.returncode}:\n"
                                 f"{err.read().decode(errors='replace')[-2000:]}\n")
    finally:
        if output is not None:
            out.close()  # type: ignore[union-attr]
    return Sample(wall, usage.ru_maxrss, proc.returncode, usage.ru_utime + usage.ru_stime)


def copy_sources(package: str, destination: Path) -> Path:
    """The `*.py` files of an installed package, copied under `destination`."""
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"bench: the package {package!r} is not installed")
    source = Path(list(spec.submodule_search_locations)[0])
    target = destination / package
    for path in sorted(source.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        out = target / path.relative_to(source)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, out)  # with its mtime: files as old as the installed ones
    return target


def scaled(base: Path, factor: int, destination: Path) -> Path:
    target = destination / f"scaled_{factor}x"
    for copy in range(factor):
        shutil.copytree(base, target / f"copy{copy}", ignore=shutil.ignore_patterns(".tfseedlint_cache"))
    return target


def size_of(path: Path) -> tuple[int, float]:
    files = [p for p in path.rglob("*.py")] if path.is_dir() else [path]
    return len(files), sum(p.stat().st_size for p in files) / 1e6


def drop_caches(path: Path) -> None:
    roots = [path] if path.is_dir() else [path.parent]
    for root in roots:
        for cache in list(root.rglob(".tfseedlint_cache")):
            shutil.rmtree(cache, ignore_errors=True)
        # A tree without project markers keeps its cache in the directory
        # tfseedlint runs in (the corpus's parent here).
        shutil.rmtree(root.parent / ".tfseedlint_cache", ignore_errors=True)


TRAINING_BLOCK = '''

def build_model_{i}(width: int = 64, depth: int = 2) -> keras.Model:
    """A small classifier; layer {i} of the benchmark script."""
    inputs = keras.Input(shape=(32,))
    x = inputs
    for _ in range(depth):
        x = layers.Dense(width, activation="relu")(x)
        x = layers.Dropout(0.1)(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def make_dataset_{i}(n: int = 1024, batch: int = 32) -> tf.data.Dataset:
    features = rng.random((n, 32), dtype="float32")
    labels = rng.integers(0, 10, size=(n,))
    ds = tf.data.Dataset.from_tensor_slices((features, labels))
    ds = ds.shuffle(n).batch(batch)
    return ds.prefetch(tf.data.AUTOTUNE)


def augment_{i}(image: tf.Tensor) -> tf.Tensor:
    image = tf.image.random_flip_left_right(image)
    noise = tf.random.normal(tf.shape(image), stddev=0.01)
    return image + noise


def train_{i}(epochs: int = 1) -> dict:
    model = build_model_{i}()
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(make_dataset_{i}(), epochs=epochs, verbose=0)
    return {{k: float(v[-1]) for k, v in history.history.items()}}
'''


def training_script(lines: int = 1000) -> str:
    """A long, mostly careful training script: seeded at the top, with a
    few findings left, the last one near the end (so that placing it means
    rendering the whole module)."""
    head = ('"""A long training script: what an editor lints on every save."""\n'
            "import numpy as np\nimport tensorflow as tf\n"
            "import keras\nfrom keras import layers\n\n"
            "keras.utils.set_random_seed(42)\n"
            "rng = np.random.default_rng()\n")
    tail = ('\n\ndef load_records(pattern: str) -> tf.data.Dataset:\n'
            "    files = tf.data.Dataset.list_files(pattern, shuffle=False)\n"
            "    return files.interleave(tf.data.TFRecordDataset, num_parallel_calls=4,\n"
            "                            deterministic=False)\n"
            '\n\nif __name__ == "__main__":\n'
            "    for result in (train_0(), train_1()):\n        print(result)\n")
    parts = [head]
    i = 0
    while sum(p.count("\n") for p in parts) + tail.count("\n") < lines:
        parts.append(TRAINING_BLOCK.format(i=i))
        i += 1
    body = "".join(parts).splitlines()[: lines - tail.count("\n")]
    while body and body[-1].strip():  # end on a whole block
        body.pop()
    text = "\n".join(body) + "\n" + tail
    return text.replace(tail, "\n" * (lines - text.count("\n")) + tail)


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        memory = int(Path("/proc/meminfo").read_text().split()[1]) // (1024 * 1024)
        mem = f", {memory} GiB RAM"
    except (OSError, ValueError, IndexError):
        mem = ""
    system = f"{platform.system()} {platform.release()}"
    return f"{model}, {os.cpu_count()} cores{mem}, {system}, Python {platform.python_version()}"


def versions(env: dict[str, str]) -> str:
    out = []
    for name, cmd in (("tfseedlint", [sys.executable, "-m", "tfseedlint", "--version"]),
                      ("flake8", [sys.executable, "-m", "flake8", "--version"]),
                      ("fixit", ["fixit", "--version"]), ("ruff", ["ruff", "--version"])):
        try:
            text = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            text = "not found"
        out.append(text.splitlines()[0] if text else f"{name} ?")
    return "; ".join(out)


class Bench:
    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args = args
        self.work = work
        self.rows: list[Row] = []
        snapshot = work / "snapshot"
        shutil.copytree((args.tree or REPO) / "tfseedlint", snapshot / "tfseedlint",
                        ignore=shutil.ignore_patterns("__pycache__"))
        self.env = dict(os.environ, PYTHONPATH=str(snapshot))
        for name in ("PYTHONWARNINGS", "PYTHONDONTWRITEBYTECODE"):
            self.env.pop(name, None)
        # Compile the snapshot once, as an installed package is.
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(snapshot)], check=False)
        self.tfseedlint = [sys.executable, "-m", "tfseedlint"]
        self.verified = True
        self.lsp_ms: tuple[float, float] | None = None
        self.lsp_cpu = ""
        self.probe_s: dict[str, float] = {}
        self.fixit = shutil.which("fixit") or "fixit"
        self.ruff = shutil.which("ruff") or "ruff"

    def time(self, corpus: str, tool: str, target: Path, cmd: list[str], reps: int,
             before: object = None) -> Row:
        files, megabytes = size_of(target)
        row = Row(corpus, tool, files, megabytes)
        for _ in range(reps):
            if callable(before):
                before()
            row.samples.append(run(cmd, target.parent, self.env))
        self.rows.append(row)
        print(f"  {corpus:<14} {tool:<26} {row.wall:8.2f} s  {row.rss_mb:6.0f} MB  CPU {row.cpu:6.2f} s",
              flush=True)
        return row

    def corpus(self, name: str, path: Path, reps: int, *, fixit: bool, flake8_reps: int | None = None) -> None:
        arg = path.name
        self.time(name, "tfseedlint cold", path, [*self.tfseedlint, arg], reps, lambda: drop_caches(path))
        self.time(name, "tfseedlint warm", path, [*self.tfseedlint, arg], reps)
        self.time(name, "flake8", path, [sys.executable, "-c", FLAKE8, arg], flake8_reps or min(reps, 3))
        if fixit:
            self.time(name, "fixit lint", path, [self.fixit, "lint", arg], 1)
        self.time(name, "ruff --no-cache NPY002", path,
                  [self.ruff, "check", "--no-cache", "--select", "NPY002", "--exit-zero", arg], max(reps, 3))
        if self.args.verify:
            self.verify(path)

    def verify(self, path: Path) -> None:
        outputs = {}
        for label, cmd in (("default", [*self.tfseedlint, "--no-cache", path.name]),
                           ("--jobs 1", [*self.tfseedlint, "--no-cache", "--jobs", "1", path.name]),
                           ("no prefilter", [sys.executable, "-c", UNFILTERED, "--no-cache", path.name])):
            out = self.work / "verify.txt"
            run(cmd, path.parent, self.env, output=out)
            outputs[label] = out.read_bytes()
        same = all(v == outputs["default"] for v in outputs.values())
        lines = outputs["default"].count(b"\n")
        print(f"  verify {path.name}: {lines} findings; --jobs 1 and no prefilter "
              f"{'identical' if same else 'DIFFER'}", flush=True)
        if not same:
            self.verified = False

    def single_file(self, reps: int) -> None:
        project = self.work / "editor"
        project.mkdir()
        (project / "pyproject.toml").write_text("[project]\nname = 'editor'\n")
        script = project / "train.py"
        script.write_text(training_script())
        counter = [0]

        def edit() -> None:
            counter[0] += 1
            script.write_text(training_script() + f"# edit {counter[0]}\n")

        drop_caches(project)
        run([*self.tfseedlint, script.name], project, self.env)  # the project's helper records
        name = "1,000-line file"
        self.time(name, "tfseedlint after edit", script, [*self.tfseedlint, script.name], reps, edit)
        self.time(name, "tfseedlint --no-cache", script, [*self.tfseedlint, "--no-cache", script.name], reps)
        self.time(name, "tfseedlint warm", script, [*self.tfseedlint, script.name], reps)
        self.time(name, "flake8", script, [sys.executable, "-c", FLAKE8, script.name], reps)
        self.time(name, "fixit lint", script, [self.fixit, "lint", script.name], max(1, reps // 2))
        self.time(name, "ruff --no-cache NPY002", script,
                  [self.ruff, "check", "--no-cache", "--select", "NPY002", "--exit-zero", script.name], reps)


    def lsp(self, edits: int) -> None:
        """didChange -> publishDiagnostics on the 1,000-line script."""
        project = self.work / "lsp"
        project.mkdir()
        (project / "pyproject.toml").write_text("[project]\nname = 'editor'\n")
        script = project / "train.py"
        text = training_script()
        script.write_text(text)
        client = LspClient([*self.tfseedlint, "lsp"], project, self.env)
        try:
            client.request("initialize", {"processId": os.getpid(), "rootUri": project.as_uri(),
                                          "capabilities": {}})
            client.notify("initialized", {})
            uri = script.as_uri()
            client.notify("textDocument/didOpen", {"textDocument": {
                "uri": uri, "languageId": "python", "version": 1, "text": text}})
            client.diagnostics(uri, 1)
            # Tune a number in the middle of the file, one keystroke at a
            # time: a digit typed after the first digit of a line, then
            # taken out again (each version parses).
            lines = text.splitlines()
            numbered = [i for i in range(len(lines) // 2, len(lines)) if any(c.isdigit() for c in lines[i])]
            latencies = []
            cpu_before = process_cpu(client.process.pid)
            for version in range(2, edits + 2):
                line = numbered[(version // 2) % len(numbered)]
                column = next(i for i, c in enumerate(lines[line]) if c.isdigit()) + 1
                end = column + (version % 2)  # even versions insert, odd ones delete
                change = {"range": {"start": {"line": line, "character": column},
                                    "end": {"line": line, "character": end}}, "text": "" if version % 2 else "1"}
                time.sleep(0.05)  # a typist's pause: each edit meets an idle server
                start = time.perf_counter()
                client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                         "contentChanges": [change]})
                client.diagnostics(uri, version)
                latencies.append(time.perf_counter() - start)
            cpu_after = process_cpu(client.process.pid)
            client.request("shutdown", None)
            client.notify("exit", None)
        finally:
            client.close()
        latencies.sort()
        self.lsp_ms = (statistics.median(latencies) * 1000, latencies[int(0.9 * (len(latencies) - 1))] * 1000)
        cpu = (f", server CPU {(cpu_after - cpu_before) / edits * 1000:.0f} ms per edit"
               if cpu_before is not None and cpu_after is not None else "")
        self.lsp_cpu = cpu
        print(f"  lsp didChange -> publishDiagnostics, 1,000-line file: median {self.lsp_ms[0]:.0f} ms, "
              f"p90 {self.lsp_ms[1]:.0f} ms ({edits} edits{cpu})", flush=True)

    def probe(self, reps: int) -> None:
        """`tfseedlint probe` wall times, TensorFlow start-up included."""
        project = self.work / "probe_project"
        project.mkdir()
        (project / "pyproject.toml").write_text("[project]\nname = 'small'\n")
        (project / "model.py").write_text(PROBE_PROJECT)
        runs = [("probe --seeds", ["--seeds"]), ("probe, 4 ops", ["."])]
        if self.args.probe_no_fork:  # the baseline: TensorFlow started for every check
            runs += [(f"{label} --no-fork", [*args, "--no-fork"]) for label, args in runs]
        for label, args in runs:
            row = self.time("probe", label, project / "model.py", [*self.tfseedlint, "probe", "--device", "cpu",
                                                                   *args], reps)
            self.probe_s[label] = row.wall


def process_cpu(pid: int) -> float | None:
    """User + system seconds a running process has used (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


#: A small project for `probe`: four GPU-relevant ops.
PROBE_PROJECT = '''import tensorflow as tf


def pool(features, segment_ids):
    return tf.math.unsorted_segment_sum(features, segment_ids, num_segments=16)


def loss(labels, logits):
    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)


def conv(images, kernel):
    return tf.nn.bias_add(tf.nn.conv2d(images, kernel, strides=1, padding="SAME"), tf.zeros([8]))
'''


class LspClient:
    """A minimal LSP client over stdio: Content-Length framing, JSON-RPC."""

    def __init__(self, cmd: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self.stderr)
        self.messages: list[dict] = []
        self.arrived = threading.Condition()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                if not line.strip():
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            message = json.loads(stream.read(length or 0))
            with self.arrived:
                self.messages.append(message)
                self.arrived.notify_all()

    def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def notify(self, method: str, params: object) -> None:
        self.send({"method": method, "params": params})

    def wait(self, wanted, timeout: float = 60.0) -> dict:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while True:
                for i, message in enumerate(self.messages):
                    if wanted(message):
                        return self.messages.pop(i)
                left = deadline - time.monotonic()
                if left <= 0:
                    self.stderr.seek(0)
                    raise SystemExit(f"bench: the language server did not answer; stderr:\n"
                                     f"{self.stderr.read().decode(errors='replace')[-2000:]}")
                self.arrived.wait(left)

    def request(self, method: str, params: object) -> object:
        self.next_id += 1
        ident = self.next_id
        self.send({"id": ident, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == ident and "method" not in m).get("result")

    def diagnostics(self, uri: str, version: int) -> list:
        return self.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                         and m["params"]["uri"] == uri and m["params"].get("version") == version)["params"]["diagnostics"]

    def close(self) -> None:
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.stderr.close()

def table(rows: list[Row]) -> str:
    peers = {}
    for row in rows:
        if not row.tool.startswith("tfseedlint"):
            peers[(row.corpus, row.tool.split()[0])] = row.wall
    head = ("| corpus | tool | files | MB | wall s (median) | CPU s | files/s | MB/s | peak RSS MB "
            "| vs flake8 | vs fixit | vs ruff |")
    lines = [head, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        ratios = []
        for peer in ("flake8", "fixit", "ruff"):
            base = peers.get((row.corpus, peer))
            ratios.append(f"{row.wall / base:.2f}x" if base and row.tool.startswith("tfseedlint") else "")
        lines.append(f"| {row.corpus} | {row.tool} | {row.files} | {row.megabytes:.1f} | {row.wall:.2f} "
                     f"| {row.cpu:.2f} "
                     f"| {row.files / row.wall:.0f} | {row.megabytes / row.wall:.2f} | {row.rss_mb:.0f} | "
                     + " | ".join(ratios) + " |")
    return "\n".join(lines)


def targets(rows: list[Row], bench: Bench | None = None) -> str:
    def get(corpus: str, tool: str) -> float | None:
        for row in rows:
            if row.corpus == corpus and row.tool == tool:
                return row.wall
        return None

    out = []

    def check(label: str, value: float | None, limit: float | None, unit: str = "") -> None:
        if value is None or limit is None:
            out.append(f"- {label}: not measured")
            return
        verdict = "met" if value <= limit else "NOT met"
        out.append(f"- {label}: {value:.3g}{unit} (limit {limit:.3g}{unit}): {verdict}")

    cold, flake8, fixit = get("keras", "tfseedlint cold"), get("keras", "flake8"), get("keras", "fixit lint")
    check("cold, keras, vs flake8", cold / flake8 if cold and flake8 else None, 0.5, "x")
    if fixit is None:  # --quick: Fixit ran on keras/src/layers only
        cold, fixit, label = get("scaled 1x", "tfseedlint cold"), get("scaled 1x", "fixit lint"), "scaled 1x"
    else:
        label = "keras"
    check(f"cold, {label}, vs Fixit", cold / fixit if cold and fixit else None, 0.1, "x")
    for corpus in ("keras", "tensorflow"):
        warm, ruff = get(corpus, "tfseedlint warm"), get(corpus, "ruff --no-cache NPY002")
        check(f"warm, {corpus}, vs ruff cold", warm / ruff if warm and ruff else None, 1.0, "x")
        check(f"warm, {corpus}", warm, 0.5, " s")
    check("one 1,000-line file, after an edit", get("1,000-line file", "tfseedlint after edit"), 0.4, " s")
    check("one 1,000-line file, --no-cache", get("1,000-line file", "tfseedlint --no-cache"), 0.4, " s")
    peak = max((r.rss_mb for r in rows if r.tool.startswith("tfseedlint")), default=None)
    check("peak RSS, any tfseedlint run", peak, 400, " MB")
    if bench is not None:
        check("lsp didChange -> publishDiagnostics, 1,000-line file, median",
              bench.lsp_ms[0] if bench.lsp_ms else None, 150, " ms")
        if bench.lsp_cpu:
            out.append(f"  ({bench.lsp_cpu.lstrip(', ')})")
        for label, limit in (("probe --seeds", 12), ("probe, 4 ops", 15)):
            check(f"{label}, 2 cores", bench.probe_s.get(label), limit, " s")
            cpu = get("probe", label) and next(r.cpu for r in rows if r.corpus == "probe" and r.tool == label)
            if cpu:
                out.append(f"  (CPU {cpu:.1f} s in all, TensorFlow's start included: at least {cpu / 2:.1f} s on 2 cores)")
    one, four = get("scaled 1x", "tfseedlint cold"), get("scaled 4x", "tfseedlint cold")
    if one and four:
        out.append(f"- growth, cold: 4x the files took {four / one:.2f}x the time "
                   f"({'no faster than linear' if four / one <= 4.4 else 'FASTER than linear'})")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="one repetition, Fixit on keras/src/layers and the single file only")
    parser.add_argument("--reps", type=int, default=5, help="repetitions of the fast measurements (default 5)")
    parser.add_argument("--fixit-everywhere", action="store_true",
                        help="also run Fixit on tensorflow and the 2x / 4x corpora (adds ~10 minutes)")
    parser.add_argument("--verify", action="store_true",
                        help="check that --jobs 1 and no prefilter give the same output")
    parser.add_argument("--corpora", default="keras,tensorflow,scaled,file,lsp,probe",
                        help="which corpora to run (comma-separated; default: all)")
    parser.add_argument("--tree", type=Path, help="measure the tfseedlint package of this checkout")
    parser.add_argument("--probe-no-fork", action="store_true",
                        help="also time the probe with --no-fork (TensorFlow started for every check)")
    parser.add_argument("--edits", type=int, default=40, help="edits timed in the language server (default 40)")
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it")
    args = parser.parse_args()
    reps = 1 if args.quick else args.reps
    work = args.keep or Path(tempfile.mkdtemp(prefix="tfseedlint-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        bench = Bench(args, work)
        print(f"machine: {machine()}\nversions: {versions(bench.env)}\n"
              f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n", flush=True)
        wanted = set(args.corpora.split(","))
        corpora = work / "corpora"
        keras = copy_sources("keras", corpora) if wanted & {"keras", "scaled"} else corpora / "keras"
        if "keras" in wanted:
            print("corpus: keras", flush=True)
            bench.corpus("keras", keras, reps, fixit=not args.quick)
        if "tensorflow" in wanted:
            tensorflow = copy_sources("tensorflow", corpora)
            print("corpus: tensorflow", flush=True)
            bench.corpus("tensorflow", tensorflow, max(1, reps // 2), fixit=args.fixit_everywhere,
                         flake8_reps=1 if args.quick else 2)
        if "scaled" in wanted:
            for factor in (1, 2, 4):
                path = scaled(keras / "src" / "layers", factor, corpora)
                print(f"corpus: scaled {factor}x", flush=True)
                bench.corpus(f"scaled {factor}x", path, reps if factor < 4 else max(1, reps // 2),
                             fixit=factor == 1 or args.fixit_everywhere)
        if "file" in wanted:
            print("corpus: 1,000-line file", flush=True)
            bench.single_file(3 if args.quick else max(reps, 10))
        if "lsp" in wanted:
            print("language server: 1,000-line file", flush=True)
            bench.lsp(10 if args.quick else args.edits)
        if "probe" in wanted:
            print("probe", flush=True)
            bench.probe(1 if args.quick else 2)
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"\nload average at end: {load}\n")
        print(table(bench.rows))
        print("\nTargets:\n" + targets(bench.rows, bench))
        if args.verify:
            print("\nverify: " + ("all outputs identical" if bench.verified else "OUTPUTS DIFFER"))
        return 0 if bench.verified else 1
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

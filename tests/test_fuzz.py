"""Property and fuzz tests: whatever the bytes, linting never raises, and
`--fix` output parses, is idempotent and differs from its input only where
findings were fixed.

Inputs come from four generators: `hypothesmith` (valid Python from the
grammar), `programs()` (valid Python made of the TensorFlow / Keras / NumPy
calls the rules look at, in every layout the fixer must keep: CRLF, lone CR,
BOM, latin-1 cookies, tabs, comments in calls, `;`-joined statements...),
`mutants()` (byte-level mutations of real files: the rules' own examples
and this repository's fixtures), and `notebooks()`. The bounded runs here are
part of the normal suite; `scripts/fuzz` runs the same properties for as long
as it is asked to.
"""
from __future__ import annotations

import ast
import codecs
import difflib
import json
import os
import re
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path

import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from libcst.metadata import MetadataWrapper, PositionProvider

from tfseedlint.engine import LintResult, lint_source
from tfseedlint.ftypes import Config
from tfseedlint.rules import ALL_RULES
from tfseedlint.sources import SourceError, decode_python

try:  # the fixer is developed alongside these tests
    from tfseedlint.fixer import applicable, fix_source
except ImportError:  # pragma: no cover - only while fixer.py is missing
    fix_source = None  # type: ignore[assignment]

CONFIG = Config(target_tensorflow="2.21.0")
try:  # the runner's prefilter, when there is one
    from tfseedlint.prefilter import Screen

    SCREEN: Screen | None = Screen(CONFIG)
except ImportError:  # pragma: no cover
    SCREEN = None
needs_fixer = pytest.mark.skipif(fix_source is None, reason="fixer not available")

#: Bounded for the normal suite; `scripts/fuzz` overrides it.
EXAMPLES = {"hypothesmith": 60, "programs": 120, "mutants": 150, "notebooks": 40}


#: Shrinking a failure of the costlier properties can take many minutes: the
#: normal suite reports the failing input as found; scripts/fuzz shrinks it.
SHRINK = "TFSEEDLINT_FUZZ_CHUNK" in os.environ
PHASES = tuple(Phase) if SHRINK else (Phase.explicit, Phase.reuse, Phase.generate, Phase.target)


def bounded(kind: str) -> settings:
    # scripts/fuzz sets TFSEEDLINT_FUZZ_CHUNK: examples per call of a property.
    examples = int(os.environ.get("TFSEEDLINT_FUZZ_CHUNK", EXAMPLES[kind]))
    # CI runs the same examples every time (a red run is then always
    # reproducible); scripts/fuzz and local runs explore new ones.
    return settings(max_examples=examples, deadline=None, database=None, print_blob=True, phases=PHASES,
                    suppress_health_check=list(HealthCheck), derandomize=os.environ.get("CI") == "true")


# ====================================================================== generators

IMPORTS = [
    "import tensorflow as tf",
    "import tensorflow as T",
    "import numpy as np",
    "import numpy",
    "import random",
    "import os",
    "import keras",
    "from tensorflow import keras",
    "from tensorflow import random as tfr",
    "from numpy.random import rand, default_rng",
    "from keras import layers",
    "import tensorflow.keras as K",
    "from random import random as pyrand, shuffle",
    "from mypkg import tf as not_tf",
]
SEEDS = ["", ", seed=1", ", seed=None", ", seed=SEED", ", seed=None  # noqa\n", ",\n    seed=2,\n"]
#: `{s}` is a seed argument (with its leading comma); `{tf}` the TF alias.
CALLS = [
    "{tf}.random.normal([2]{s})",
    "{tf}.random.uniform([1], 0, 1{s})",
    "{tf}.random.shuffle(x{s})",
    "{tf}.nn.dropout(x, 0.5{s})",
    "{tf}.image.random_flip_left_right(img{s})",
    "{tf}.image.sample_distorted_bounding_box(size, boxes{s})",
    "{tf}.compat.v1.random_normal([3]{s})",
    "{tf}.random.Generator.from_non_deterministic_state()",
    "{tf}.random.get_global_generator()",
    "{tf}.random.Generator.from_seed(1)",
    "{tf}.math.bincount(x)",
    "{tf}.math.unsorted_segment_sum(x, ids, 2)",
    "{tf}.nn.softmax_cross_entropy_with_logits(labels, logits)",
    "{tf}.image.resize(img, (2, 2), method='nearest')",
    "{tf}.data.Dataset.range(10).shuffle(10{s}).map(f, deterministic=False).batch(2)",
    "{tf}.data.Dataset.list_files('*.png'{s})",
    "{tf}.data.Dataset.from_tensor_slices(x).interleave(f, deterministic=False)",
    "{tf}.data.experimental.sample_from_datasets([a, b]{s})",
    "{tf}.keras.layers.Dense(4)",
    "{tf}.keras.layers.Dropout(0.5{s})",
    "{tf}.keras.initializers.GlorotUniform({s0})",
    "{tf}.keras.optimizers.Adam(learning_rate=0.1, seed=1)",
    "{tf}.keras.utils.image_dataset_from_directory('d', validation_split=0.2, subset='training'{s})",
    "{tf}.keras.Sequential([{tf}.keras.layers.Dense(2), {tf}.keras.layers.GaussianNoise(0.1{s})])",
    "np.random.rand(3)",
    "np.random.default_rng({s0})",
    "np.random.RandomState()",
    "numpy.random.permutation(10)",
    "rand(2)",
    "default_rng()",
    "random.random()",
    "random.Random()",
    "pyrand()",
    "shuffle(items)",
    "keras.random.normal((2,){s})",
    "keras.random.SeedGenerator()",
    "keras.layers.Conv2D(3, 3)",
    "layers.Dropout(0.2{s})",
    "layers.RandomFlip({s0})",
    "K.layers.Embedding(10, 2)",
    "tfr.normal([2]{s})",
    "not_tf.random.normal([2])",
    "model.fit(x, y, epochs=1)",
    "model.fit(x, y, shuffle=False)",
]
SEED_CALLS = [
    "{tf}.random.set_seed(1)",
    "{tf}.keras.utils.set_random_seed(1)",
    "keras.utils.set_random_seed(7)",
    "{tf}.compat.v1.set_random_seed(3)",
    "np.random.seed(0)",
    "random.seed(0)",
    "{tf}.config.experimental.enable_op_determinism()",
    "os.environ['TF_DETERMINISTIC_OPS'] = '1'",
    "{tf}.random.set_global_generator({tf}.random.Generator.from_seed(1))",
]
OTHER = [
    "opts = {tf}.data.Options()\nopts.deterministic = False",
    "opts.experimental_deterministic = False",
    "with {tf}.GradientTape() as tape:\n    loss = f(x)",
    "SEED = 42",
    "x = [1, 2, 3]",
    "pass",
]
COMMENTS = ["", "  # noqa", "  # noqa: TSL101", "  # noqa:TSL1,TSL4", "  # a comment", "  # expect: nothing"]


def _indent(text: str, prefix: str) -> str:
    return "".join(prefix + line if line.strip() else line for line in text.splitlines(True))


@st.composite
def statements(draw: st.DrawFn, tf: str) -> str:
    kind = draw(st.sampled_from(["call", "call", "call", "assign", "seed", "other"]))
    if kind == "seed":
        text = draw(st.sampled_from(SEED_CALLS))
    elif kind == "other":
        text = draw(st.sampled_from(OTHER))
    else:
        template = draw(st.sampled_from(CALLS))
        seed = draw(st.sampled_from(SEEDS))
        text = template.replace("{s0}", seed[1:].lstrip(" ")).replace("{s}", seed)
        if kind == "assign":
            text = f"{draw(st.sampled_from(['x', 'layer', 'ds', 'y_1']))} = {text}"
        if draw(st.booleans()) and "\n" not in text and "#" not in text and text.endswith(")"):
            # a comment inside the call, and its closing bracket on a line of its own
            text = text[:-1] + "  # inside\n)"
    text = text.replace("{tf}", tf)
    return text + draw(st.sampled_from(COMMENTS)) if "\n" not in text else text


@st.composite
def blocks(draw: st.DrawFn, tf: str, depth: int = 0) -> str:
    body = draw(st.lists(statements(tf), min_size=1, max_size=4))
    form = draw(st.sampled_from(["plain", "plain", "semicolons", "def", "class", "main", "if", "with", "for",
                                 "try", "suite"] if depth < 2 else ["plain"]))
    inner = "\n".join(body) + "\n"
    single_line = all("\n" not in s and "#" not in s for s in body)
    if form == "semicolons" and single_line:
        return "; ".join(body) + "\n"
    if form == "suite" and single_line:
        return "if True: " + "; ".join(body) + "\n"
    if form in ("plain", "semicolons", "suite"):
        return inner
    nested = draw(blocks(tf, depth + 1)) if draw(st.booleans()) else ""
    inner = _indent(inner + nested, "    ")
    header = {
        "def": "def f_{n}(x=None, *args, **kwargs):\n",
        "class": "class C_{n}:\n    attr = 1\n\n    def method(self):\n",
        "main": 'if __name__ == "__main__":\n',
        "if": "if x:\n",
        "with": "with open('f') as fh:\n",
        "for": "for i in range(3):\n",
        "try": "try:\n",
    }[form].format(n=draw(st.integers(0, 99)))
    if form == "class":
        inner = _indent(inner, "    ")
    tail = "except Exception:\n    pass\n" if form == "try" else ""
    return header + inner + tail


@st.composite
def program_texts(draw: st.DrawFn) -> str:
    imports = draw(st.lists(st.sampled_from(IMPORTS), min_size=0, max_size=6, unique=True))
    tf = "T" if "import tensorflow as T" in imports and "import tensorflow as tf" not in imports else "tf"
    parts = []
    if draw(st.booleans()):
        parts.append('"""A module docstring."""\n')
    if draw(st.booleans()):
        parts.append("from __future__ import annotations\n")
    parts.append("".join(line + "\n" for line in imports))
    parts.extend(draw(st.lists(blocks(tf), min_size=1, max_size=5)))
    text = "\n".join(parts)
    if draw(st.booleans()):
        text = text.replace("    ", "\t")  # tabs throughout (consistently)
    return text


@st.composite
def programs(draw: st.DrawFn) -> bytes:
    """Valid Python as bytes, in a random encoding and line-ending style."""
    text = draw(program_texts())
    newline = draw(st.sampled_from(["\n", "\n", "\r\n", "\r"]))
    if draw(st.booleans()):
        text = text.rstrip("\n")  # no final newline
    if draw(st.integers(0, 5)) == 0:
        text = text.replace("\n\n", "\n\x0c\n", 1)  # a form feed on a line of its own
    text = text.replace("\n", newline)
    style = draw(st.sampled_from(["utf-8", "utf-8", "bom", "latin-1", "cp1252"]))
    if style == "bom":
        return codecs.BOM_UTF8 + text.encode() + "# é€\n".encode()
    if style in ("latin-1", "cp1252"):
        return f"# -*- coding: {style} -*-{newline}# café{newline}{text}".encode(style)
    return text.encode()


def _corpus() -> list[bytes]:
    texts: list[str] = []
    for rule in ALL_RULES:
        texts.extend(rule.VALID)
        for invalid in rule.INVALID:
            texts.append(invalid.code)
            if invalid.fixed:
                texts.append(invalid.fixed)
    fixtures = Path(__file__).parent / "fixtures"
    for path in sorted(fixtures.rglob("*.py")):
        texts.append(path.read_text(encoding="utf-8", errors="surrogateescape"))
    return [t.encode("utf-8", "surrogateescape") for t in texts if t]


CORPUS = _corpus()
TOKENS = [b"(", b")", b"[", b"]", b"{", b"}", b":", b",", b"\n", b"\r", b"\r\n", b"\t", b"\x0c", b"\\\n", b" ",
          b"    ", b'"', b"'", b'"""', b"#", b"\x00", b"\xff", b"\xe9", b"\xef\xbb\xbf", b"# coding: latin-1\n",
          b"lambda: ", b"async ", b"await ", b":=", b"*", b"**", b"@", b"if __name__ == '__main__':\n    ",
          b"seed=None", b", seed=1", b"tf.random.set_seed(1)\n", b"keras.utils.set_random_seed(1)\n",
          b"import tensorflow as tf\n", b"np.random.rand()", b"# noqa", b"# tfseedlint: noqa\n", b"def f():\n",
          b"\xf0\x9f\x90\x8d", b"\\", b"yield ", b"return ", b"global tf\n", b"del tf\n", b"tf = 1\n"]


def mutate(data: bytes, edits: list[tuple[int, float, float, int]], other: bytes) -> bytes:
    """Apply byte-level edits: (operation, where, how far, which token)."""
    out = bytearray(data)
    for op, where, span, which in edits:
        at = int(where * len(out))
        length = 1 + int(span * 40)
        if op == 0:  # insert a token
            out[at:at] = TOKENS[which % len(TOKENS)]
        elif op == 1 and out:  # delete a range
            del out[at:at + length]
        elif op == 2 and out:  # flip bits of a byte
            out[min(at, len(out) - 1)] ^= 1 << (which % 8)
        elif op == 3 and out:  # duplicate a range
            out[at:at] = out[at:at + length]
        elif op == 4:  # splice in a piece of another file
            start = int(span * len(other))
            out[at:at] = other[start:start + 1 + which % 200]
        elif op == 5 and out:  # replace a byte by any byte
            out[min(at, len(out) - 1)] = which % 256
    return bytes(out)


EDITS = st.lists(st.tuples(st.integers(0, 5), st.floats(0, 1), st.floats(0, 1), st.integers(0, 1000)),
                 min_size=1, max_size=6)


@st.composite
def mutants(draw: st.DrawFn) -> bytes:
    base = draw(st.sampled_from(CORPUS) | programs())
    return mutate(base, draw(EDITS), draw(st.sampled_from(CORPUS)))


#: Tokens that mostly keep a file parseable, so that the fixer gets to work.
GENTLE = [b"\r", b"\r\n", b"\t", b"\x0c", b" ", b"  # noqa", b"  # c", b"\n", b"\n\n", b";",
          b"\n# coding: latin-1\n", b"\xef\xbb\xbf", b"tf.random.set_seed(1)\n", b"\\\n"]


@st.composite
def gentle_mutants(draw: st.DrawFn) -> bytes:
    """Programs with a few whitespace / comment / line-ending insertions at
    line boundaries: still Python more often than not, with findings to fix."""
    data = draw(programs())
    for _ in range(draw(st.integers(1, 4))):
        starts = [0] + [i + 1 for i, byte in enumerate(data) if byte in b"\r\n"]
        at = draw(st.sampled_from(starts + [len(data)]))
        data = data[:at] + draw(st.sampled_from(GENTLE)) + data[at:]
    return data


@st.composite
def notebooks(draw: st.DrawFn) -> bytes:
    cells = []
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["code", "code", "code", "markdown", "raw"]))
        text = draw(program_texts()) if kind == "code" else "# Title\nsome *text*"
        if kind == "code" and draw(st.booleans()):
            text = draw(st.sampled_from(["%matplotlib inline\n", "!pip install x\n", "%%time\n", "%%bash\n"])) + text
        source: object = text.splitlines(True) if draw(st.booleans()) else text
        cell: dict = {"cell_type": kind, "metadata": {"tags": ["x"]}, "source": source}
        if kind == "code":
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["1\n"]}]
            cell["execution_count"] = draw(st.none() | st.integers(1, 9))
        cells.append(cell)
    metadata = draw(st.sampled_from([{}, {"kernelspec": {"language": "python", "name": "python3"}},
                                     {"language_info": {"name": "python"}}, {"kernelspec": {"language": "R"}}]))
    document = {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}
    indent = draw(st.sampled_from([1, 2, None]))
    text = json.dumps(document, indent=indent, ensure_ascii=draw(st.booleans())) + "\n"
    data = text.encode()
    if draw(st.integers(0, 3)) == 0:
        data = mutate(data, draw(EDITS), draw(st.sampled_from(CORPUS)))
    return data


# ====================================================================== properties


def compiles(text: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(text, "<fuzz>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
    return True


def check_lint(data: bytes, path: str = "fuzz.py") -> LintResult:
    """Linting never raises and every finding has a sane position."""
    result = lint_source(data, path, CONFIG)
    lines = max(1, len(data.splitlines()) + 1)
    for finding in result.findings:
        assert finding.line >= 1 and finding.col >= 1, finding
        assert finding.code.startswith("TSL") and finding.message, finding
        if not path.endswith(".ipynb"):
            assert finding.line <= lines, (finding, lines)
        else:
            assert finding.cell is None or finding.cell >= 1, finding
    if result.findings:
        assert result.findings == sorted(result.findings, key=lambda f: f.sort_key)
        # The runner's prefilter may skip the engine only where it finds nothing.
        if result.source is not None and SCREEN is not None:
            assert SCREEN.needs_lint(result.source.text, notebook=path.endswith(".ipynb")), (
                "the prefilter would skip a file with findings", result.findings)
    return result


_LINE_END = re.compile(r"(?<=\n)|(?<=\r)(?!\n)")


def physical_lines(text: str) -> list[str]:
    return [line for line in _LINE_END.split(text) if line]


def fixable_lines(result: LintResult, unsafe: bool) -> set[int]:
    """Lines a fix may rewrite: those of the statement (or compound statement
    header) holding each fixable report, and of every import statement
    (LibCST's AddImportsVisitor may extend an existing `from` import)."""
    assert result.module is not None
    wrapper = MetadataWrapper(result.module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    parents: dict[cst.CSTNode, cst.CSTNode] = {}

    class Parents(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            for child in node.children:
                parents[child] = node
            return True

    result.module.visit(Parents())
    allowed: set[int] = set()
    # Positions count lines of LibCST's rendering, which may lack a line of
    # the file (one holding only a backslash): map them onto the file's.
    assert result.source is not None
    rendered, text = physical_lines(result.module.code), physical_lines(result.source.text)
    same: dict[int, int] = {}
    for a, b, size in difflib.SequenceMatcher(None, rendered, text, autojunk=False).get_matching_blocks():
        same.update((a + k + 1, b + k + 1) for k in range(size))

    def to_file(line: int) -> int:
        for above in range(line, 0, -1):
            if above in same:
                return same[above] + line - above
        return line

    def span(node: cst.CSTNode, header_only: bool = False) -> None:
        where = positions[node]
        end = where.end.line
        if header_only and isinstance(node, cst.BaseCompoundStatement):
            end = positions[node.body].start.line  # type: ignore[attr-defined]
        allowed.update(range(to_file(where.start.line), to_file(end) + 1))

    for item in result.placed:
        if item.report.fix is None or not applicable(item.report.code, unsafe):
            continue
        # The reported node, and the nodes the fix replaces elsewhere (the
        # one global seed call: TSL102 may rewrite an existing TF seed call).
        targets = [item.report.node, *(edit.node for edit in item.report.fix.replace)]
        for target in targets:
            node: cst.CSTNode | None = target
            span(node)
            while node is not None and not isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                node = parents.get(node)
            if node is not None:
                span(node, header_only=True)
    for node, where in positions.items():
        if isinstance(node, (cst.Import, cst.ImportFrom)):
            allowed.update(range(to_file(where.start.line), to_file(where.end.line) + 1))
    return allowed


def check_locality(before: bytes, after: bytes, path: str, unsafe: bool) -> None:
    """`after` differs from `before` only on lines a fix of `before` may edit."""
    result = lint_source(before, path, CONFIG)
    old_text, new_text = text_of(before), text_of(after)
    assert old_text is not None and new_text is not None
    allowed = fixable_lines(result, unsafe)
    old_lines, new_lines = physical_lines(old_text), physical_lines(new_text)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            touched = set(range(i1 + 1, i2 + 1))
            assert touched <= allowed, (f"lines {sorted(touched - allowed)} changed without a fix there",
                                        old_text, new_text)


def check_rounds(data: bytes, path: str, unsafe: bool) -> None:
    """Locality one fix round at a time: a round may fix what the previous one
    made visible (the import TSL401 adds makes `tf` resolve), so each round's
    edits are checked against the findings of its own input."""
    from tfseedlint import fixer

    current, rounds = data, fixer.MAX_ROUNDS
    fixer.MAX_ROUNDS = 1
    try:
        for _ in range(rounds + 2):
            step = fix_source(current, path, CONFIG, unsafe=unsafe)
            if step.error is not None or step.after == current:
                return
            check_locality(current, step.after, path, unsafe)
            current = step.after
    finally:
        fixer.MAX_ROUNDS = rounds


def text_of(data: bytes) -> str | None:
    try:
        return decode_python(data).text
    except SourceError:
        return None


def newline_style(text: str) -> set[str]:
    return {end for end in ("\r\n", "\r", "\n") if end in text.replace("\r\n", "") or (end == "\r\n" and end in text)}


def check_fix(data: bytes, path: str = "fuzz.py", unsafe: bool = True) -> bytes:
    """The fix properties; returns the fixed bytes."""
    first = check_lint(data, path)
    outcome = fix_source(data, path, CONFIG, unsafe=unsafe)
    if outcome.error is not None:
        # Refusing is allowed; then nothing changes and the message names the file.
        assert outcome.after == data and outcome.error.startswith(path) and "\n" not in outcome.error
        return data
    after = outcome.after
    if after == data:
        return data
    notebook = path.endswith(".ipynb")
    # the result parses (and compiles wherever the input did) ...
    second = check_lint(after, path)
    assert not any(f.code == "TSL001" for f in second.findings) or any(f.code == "TSL001" for f in first.findings)
    if notebook:
        before_doc, after_doc = json.loads(data.decode("utf-8-sig")), json.loads(after.decode("utf-8-sig"))
        assert len(before_doc["cells"]) == len(after_doc["cells"])
        for old, new in zip(before_doc["cells"], after_doc["cells"]):
            assert {k: v for k, v in old.items() if k != "source"} == {k: v for k, v in new.items() if k != "source"}
        assert {k: v for k, v in before_doc.items() if k != "cells"} == {k: v for k, v in after_doc.items()
                                                                          if k != "cells"}
    else:
        old_text, new_text = text_of(data), text_of(after)
        assert old_text is not None and new_text is not None, "the fixed file no longer decodes"
        if compiles(old_text):
            assert compiles(new_text), new_text
        # ... keeps the encoding, BOM and line endings ...
        assert data.startswith(codecs.BOM_UTF8) == after.startswith(codecs.BOM_UTF8)
        assert decode_python(data).encoding == decode_python(after).encoding
        if len(newline_style(old_text)) == 1:
            assert newline_style(new_text) <= newline_style(old_text), (old_text, new_text)
        # ... and differs from the input only where findings were fixed.
        check_rounds(data, path, unsafe)
    # ... and is idempotent.
    again = fix_source(after, path, CONFIG, unsafe=unsafe)
    assert again.error is None and again.after == after, (after, again.after, again.error)
    return after


# ====================================================================== tests


@bounded("hypothesmith")
@given(source=hypothesmith.from_grammar() | hypothesmith.from_node())
def test_hypothesmith_programs_never_crash(source: str) -> None:
    data = source.encode("utf-8", "surrogatepass")
    result = check_lint(data)
    if compiles(source) and "\x00" not in source:
        # valid Python: never a syntax error, unless it is outside LibCST's grammar
        tsl001 = [f for f in result.findings if f.code == "TSL001"]
        if tsl001:
            with pytest.raises((cst.ParserSyntaxError, ValueError, RecursionError, MemoryError)):
                cst.parse_module(source)


@needs_fixer
@bounded("hypothesmith")
@given(source=hypothesmith.from_grammar())
def test_hypothesmith_programs_fix_safely(source: str) -> None:
    check_fix(source.encode("utf-8", "surrogatepass"))


@bounded("programs")
@given(data=programs())
def test_generated_programs_are_linted(data: bytes) -> None:
    text = text_of(data)
    assert text is not None and compiles(text), "the generator must make valid Python"
    result = check_lint(data)
    assert not [f for f in result.findings if f.code == "TSL001"], result.findings


@needs_fixer
@bounded("programs")
@given(data=programs(), unsafe=st.booleans())
@example(data=b"import tensorflow as tf\rx = tf.random.normal([2])\r", unsafe=False)
@example(data=b"import tensorflow as tf\n\x0cx = 1\nx = tf.random.normal([2])\n\x0cy = 1", unsafe=False)
@example(data=b"import tensorflow as tf\n\\\nx = tf.random.normal([2])\r\r", unsafe=False)
# found by scripts/fuzz: the import the TSL405 fix adds makes `tf.` resolve, revealing a new TSL103
@example(data=b"import numpy as np\nfrom tensorflow import keras\n\nkeras.utils.set_random_seed(1)\n"
              b"rng = np.random.default_rng()\nmodel.fit(x, y)\ng = tf.random.Generator.from_non_deterministic_state()\n",
         unsafe=True)
def test_generated_programs_fix_safely(data: bytes, unsafe: bool) -> None:
    check_fix(data, unsafe=unsafe)


@bounded("mutants")
@given(data=mutants())
@example(data=b"\x00")
@example(data=b"\xef\xbb\xbf\xef\xbb\xbf")
@example(data=b"# coding: latin-1\n\xef\xbb\xbfx = 1\n")
@example(data=b"x = (" * 300)
@example(data=b"\\")
@example(data=b"f'{")
def test_mutated_files_never_crash(data: bytes) -> None:
    check_lint(data)


@needs_fixer
@bounded("mutants")
@given(data=mutants() | gentle_mutants())
def test_mutated_files_fix_safely(data: bytes) -> None:
    check_fix(data)


@bounded("notebooks")
@given(data=notebooks())
def test_notebooks_never_crash(data: bytes) -> None:
    check_lint(data, "fuzz.ipynb")


@needs_fixer
@bounded("notebooks")
@given(data=notebooks())
def test_notebooks_fix_safely(data: bytes) -> None:
    check_fix(data, "fuzz.ipynb")


@settings(max_examples=int(os.environ.get("TFSEEDLINT_FUZZ_CHUNK", "60")), deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.binary(max_size=2000))
def test_random_bytes_never_crash(data: bytes) -> None:
    check_lint(data)
    check_lint(data, "fuzz.ipynb")


#: Every property, by name, for `scripts/fuzz`.
PROPERTIES: dict[str, Callable[..., None]] = {
    "hypothesmith-lint": test_hypothesmith_programs_never_crash,
    "hypothesmith-fix": test_hypothesmith_programs_fix_safely,
    "programs-lint": test_generated_programs_are_linted,
    "programs-fix": test_generated_programs_fix_safely,
    "mutants-lint": test_mutated_files_never_crash,
    "mutants-fix": test_mutated_files_fix_safely,
    "notebooks-lint": test_notebooks_never_crash,
    "notebooks-fix": test_notebooks_fix_safely,
    "bytes-lint": test_random_bytes_never_crash,
}


def corpus() -> Iterable[bytes]:
    return iter(CORPUS)

"""Hostile inputs: whatever is on disk, the linter never crashes on it.

Each case puts one hostile file (or directory entry) next to `good.py`, whose
one finding must still be reported, and checks that the hostile file gives
the SPEC's finding (TSL001 for what cannot be decoded or parsed) or a
one-line `tfseedlint: error: <path>: ...` message, and that the exit status
follows the SPEC (1 findings, 2 a file could not be read).

Most cases drive the real CLI in a subprocess; the ones that need a fault
the test cannot make for real (root reads everything) patch the OS calls
in-process around `tfseedlint.cli.main`.
"""
from __future__ import annotations

import codecs
import errno
import io
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tfseedlint import cli
from tfseedlint.engine import lint_source
from tfseedlint.ftypes import Config

CONFIG = Config(target_tensorflow="2.21.0")
GOOD = b"import numpy as np\nx = np.random.rand()\n"  # TSL102 at 2:5
FINDING = re.compile(
    rb"^(?P<path>.+?):(?:cell (?P<cell>\d+):)?(?P<line>\d+):(?P<col>\d+): (?P<code>TSL\d{3}) ", re.MULTILINE)
ERROR = re.compile(rb"^tfseedlint: error: (?P<message>.+)$", re.MULTILINE)


@dataclass
class Outcome:
    status: int
    stdout: bytes
    stderr: bytes

    def findings(self, name: str | None = None) -> list[tuple[int | None, int, int, str]]:
        """(cell, line, col, code) of each finding, for files whose name ends with `name`."""
        out = []
        for match in FINDING.finditer(self.stdout):
            if name is None or match["path"].endswith(os.fsencode(name)):
                cell = int(match["cell"]) if match["cell"] else None
                out.append((cell, int(match["line"]), int(match["col"]), match["code"].decode()))
        return out

    def codes(self, name: str) -> list[str]:
        return [code for *_, code in self.findings(name)]

    def errors(self) -> list[bytes]:
        return [m["message"] for m in ERROR.finditer(self.stderr)]


def run_cli(cwd: Path, *args: str | bytes, timeout: float = 120, env: dict | None = None) -> Outcome:
    """`python -m tfseedlint ARGS` in `cwd` (settings isolated, no cache)."""
    command = [sys.executable, "-m", "tfseedlint", "--isolated", "--no-cache", *args]
    proc = subprocess.run(check=False, args=command, cwd=cwd, capture_output=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    assert b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")[-3000:]
    return Outcome(proc.returncode, proc.stdout, proc.stderr)


def tree(tmp_path: Path, name: str | bytes, data: bytes) -> Path:
    """`good.py` plus one hostile file `name`."""
    (tmp_path / "good.py").write_bytes(GOOD)
    hostile = os.path.join(os.fsencode(tmp_path), os.fsencode(name))
    with open(hostile, "wb") as fh:
        fh.write(data)
    return Path(os.fsdecode(hostile))


def assert_good_reported(outcome: Outcome) -> None:
    assert outcome.findings("good.py") == [(None, 2, 5, "TSL102")], outcome.stdout


def lint(data: bytes, path: str = "hostile.py") -> list[tuple[int | None, int, int, str]]:
    return [(f.cell, f.line, f.col, f.code) for f in lint_source(data, path, CONFIG).findings]


def one_line_error_naming(outcome: Outcome, name: str) -> bytes:
    errors = outcome.errors()
    assert len(errors) == 1, outcome.stderr
    assert os.fsencode(name) in errors[0]
    return errors[0]


# ---------------------------------------------------------------- sizes


def test_empty_file(tmp_path: Path) -> None:
    tree(tmp_path, "empty.py", b"")
    outcome = run_cli(tmp_path, ".")
    assert outcome.status == 1
    assert outcome.codes("empty.py") == []
    assert_good_reported(outcome)
    assert lint(b"") == [] and lint(b"", "empty.ipynb") == [(None, 1, 1, "TSL001")]


def test_whitespace_and_comment_only_files() -> None:
    for data in (b"\n", b"\n\n\n", b"   ", b"# just a comment", b"\\\n", b"\r", b"\x0c", b"\t\n"):
        findings = lint(data)
        assert all(code == "TSL001" for *_, code in findings), (data, findings)


@pytest.mark.slow
def test_fifty_thousand_line_file(tmp_path: Path) -> None:
    body = []
    for i in range(12_499):
        body.append(f"def f{i}(x):\n    # step {i}\n    return x + {i}\n\n")
    text = "import numpy as np\n" + "".join(body) + "y = np.random.rand()\n"
    assert text.count("\n") == 49_998
    text += "z = np.random.rand()\n"
    path = tree(tmp_path, "big.py", text.encode())
    start = time.monotonic()
    outcome = run_cli(tmp_path, ".", timeout=300)
    elapsed = time.monotonic() - start
    assert outcome.status == 1
    assert outcome.findings("big.py") == [(None, 49_998, 5, "TSL102"), (None, 49_999, 5, "TSL102")]
    assert_good_reported(outcome)
    assert path.read_bytes().count(b"\n") == 49_999
    assert elapsed < 240


def test_hundred_kilobyte_lines(tmp_path: Path) -> None:
    data_line = "DATA = [" + ", ".join(str(i % 997) for i in range(25_000)) + "]\n"
    string_line = 'TEXT = "' + "x" * 100_000 + '"\n'
    assert len(data_line) > 100_000
    text = "import numpy as np\n" + data_line + string_line + "y = [0] * 30000 + [np.random.rand()]" + " " * 100_000 + "\n"
    tree(tmp_path, "long.py", text.encode())
    outcome = run_cli(tmp_path, ".")
    assert outcome.status == 1
    assert outcome.findings("long.py") == [(None, 4, 20, "TSL102")]
    assert_good_reported(outcome)


# ---------------------------------------------------------------- nesting


DEEP_VALID = {
    # Python compiles these (its limit is ~3,000 levels): real findings.
    "unary": "x = " + "-" * 1000 + "np.random.rand()\n",
    "not": "x = " + "not " * 1000 + "np.random.rand()\n",
    "binop": "x = np.random.rand()" + " + 1" * 1000 + "\n",
    "power": "x = np.random.rand()" + " ** 1" * 1000 + "\n",
    "ternary": "x = np.random.rand()" + " if c else 0" * 1000 + "\n",
    "attribute": "x = np.random.rand()" + ".real" * 1000 + "\n",
    "call_chain": "x = np.random.rand" + "()" * 1000 + "\n",
    "subscript": "x = np.random.rand()" + "[0]" * 1000 + "\n",
    "brackets_199": "x = " + "[" * 199 + "np.random.rand()" + "]" * 199 + "\n",
    "calls_150": "x = " + "f(" * 150 + "np.random.rand()" + ")" * 150 + "\n",
}
DEEP_INVALID = {
    # CPython refuses these (too many nested parentheses / recursion): TSL001.
    "parens": "x = " + "(" * 1000 + "np.random.rand()" + ")" * 1000 + "\n",
    "lists": "x = " + "[" * 1000 + "np.random.rand()" + "]" * 1000 + "\n",
    "calls": "x = " + "f(" * 1000 + "np.random.rand()" + ")" * 1000 + "\n",
    "dicts": "x = " + "{1: " * 1000 + "np.random.rand()" + "}" * 1000 + "\n",
    "lambdas": "x = " + "(lambda: " * 1000 + "np.random.rand()" + ")" * 1000 + "\n",
    "attribute_5000": "x = np.random.rand()" + ".real" * 5000 + "\n",
    "binop_10000": "x = 1" + " + np.random.rand()" * 10_000 + "\n",
    "indent_120": "".join(" " * i + "if x:\n" for i in range(120)) + " " * 120 + "np.random.rand()\n",
    "open_100000": "x = " + "(" * 100_000 + "\n",
}


@pytest.mark.parametrize("name", sorted(DEEP_VALID))
def test_deep_nesting_python_accepts_is_linted(name: str) -> None:
    text = "import numpy as np\n" + DEEP_VALID[name]
    start = time.monotonic()
    findings = lint(text.encode())
    assert [code for *_, code in findings] == ["TSL102"], findings
    assert findings[0][1] == 2
    assert time.monotonic() - start < 60


@pytest.mark.parametrize("name", sorted(DEEP_INVALID))
def test_deep_nesting_python_refuses_is_tsl001(name: str) -> None:
    text = "import numpy as np\n" + DEEP_INVALID[name]
    start = time.monotonic()
    findings = lint(text.encode())
    assert [code for *_, code in findings] == ["TSL001"], findings
    assert time.monotonic() - start < 30


def test_deep_nesting_end_to_end(tmp_path: Path) -> None:
    (tmp_path / "deep_ok.py").write_text("import numpy as np\n" + DEEP_VALID["unary"])
    (tmp_path / "deep_bad.py").write_text("import numpy as np\n" + DEEP_INVALID["calls"])
    tree(tmp_path, "deep_json.ipynb", b"[" * 100_000 + b"]" * 100_000)
    outcome = run_cli(tmp_path, ".")
    assert outcome.status == 1
    assert outcome.codes("deep_ok.py") == ["TSL102"]
    assert outcome.codes("deep_bad.py") == ["TSL001"]
    assert outcome.codes("deep_json.ipynb") == ["TSL001"]
    assert_good_reported(outcome)


# ---------------------------------------------------------------- encodings and line ends


def test_pep263_latin1(tmp_path: Path) -> None:
    data = '# -*- coding: latin-1 -*-\nimport numpy as np\ns = "café ÿ"\nx = np.random.rand()\n'.encode("latin-1")
    tree(tmp_path, "latin.py", data)
    outcome = run_cli(tmp_path, ".")
    assert outcome.findings("latin.py") == [(None, 4, 5, "TSL102")]
    assert outcome.status == 1
    assert_good_reported(outcome)


def test_pep263_cp1252(tmp_path: Path) -> None:
    data = '#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\nimport numpy as np\ns = "€ – ‘x’"; x = np.random.rand()\n'.encode("cp1252")
    tree(tmp_path, "cp.py", data)
    outcome = run_cli(tmp_path, ".")
    assert outcome.findings("cp.py") == [(None, 4, 20, "TSL102")]
    assert_good_reported(outcome)


@pytest.mark.parametrize("data,line", [
    (b"# coding: latin-1\nimport numpy as np\nnp.random.rand()\n", None),  # fine: ASCII content
    (b"# coding: no-such-codec\nx = 1\n", 1),
    (b"# coding: utf-8\ns = '\xe9'\n", 2),  # declared UTF-8, latin-1 bytes
    (b"s = '\xe9\xff'\n", 1),  # no cookie: UTF-8 by default
    (b"\xef\xbb\xbf# coding: latin-1\nx = 1\n", 1),  # BOM and a conflicting cookie
    (b"# coding: utf-16\nx = 1\n", 0),  # 0: any line
])
def test_bad_encodings_are_tsl001(data: bytes, line: int | None) -> None:
    findings = lint(data)
    if line is None:
        assert findings == [(None, 3, 1, "TSL102")]
    else:
        assert [(ln if line else 0, code) for _, ln, _, code in findings] == [(line, "TSL001")], findings


def test_utf8_bom(tmp_path: Path) -> None:
    tree(tmp_path, "bom.py", codecs.BOM_UTF8 + "import numpy as np\ns = 'é'; x = np.random.rand()\n".encode())
    outcome = run_cli(tmp_path, ".")
    assert outcome.findings("bom.py") == [(None, 2, 14, "TSL102")]
    assert_good_reported(outcome)


@pytest.mark.parametrize("newline", [b"\r\n", b"\r", b"\n"])
def test_line_endings(tmp_path: Path, newline: bytes) -> None:
    lines = [b"import numpy as np", b"", b"x = np.random.rand()", b"y = (1,", b"     np.random.rand())"]
    tree(tmp_path, "ends.py", newline.join(lines) + newline)
    outcome = run_cli(tmp_path, ".")
    assert outcome.findings("ends.py") == [(None, 3, 5, "TSL102"), (None, 5, 6, "TSL102")]
    assert_good_reported(outcome)


def test_mixed_line_endings_and_no_final_newline() -> None:
    data = b"import numpy as np\r\nx = 1\ry = np.random.rand()\nz = np.random.rand()"
    assert lint(data) == [(None, 3, 5, "TSL102"), (None, 4, 5, "TSL102")]


def test_form_feeds_and_tabs(tmp_path: Path) -> None:
    data = (b"import numpy as np\n\x0c\n\x0cdef f():\n\tif True:\n\t\treturn 1\n"
            b"\x0c\nx = np.random.rand()\t# tab\n\x0cif x:\n\x0c\ty = np.random.rand()\n")
    tree(tmp_path, "ff.py", data)
    outcome = run_cli(tmp_path, ".")
    assert outcome.findings("ff.py") == [(None, 7, 5, "TSL102"), (None, 9, 7, "TSL102")]
    assert_good_reported(outcome)


@pytest.mark.parametrize("data,expected", [
    # LibCST drops a line holding only a backslash when it renders: positions after it must not shift
    (b"\\\nimport numpy as np\nnp.random.rand()\n", [(None, 3, 1, "TSL102")]),
    (b"import numpy as np\r\nx = 1\r\n\\\r\n\\\r\nnp.random.rand()\r\n", [(None, 5, 1, "TSL102")]),
    # valid Python LibCST's tokenizer refuses as such: a form feed, a continuation in indentation
    (b"import numpy as np\nif x:\n\twith y:\n\x0c\t\tz = np.random.rand()\n\tw = np.random.rand()\n",
     [(None, 4, 8, "TSL102"), (None, 5, 6, "TSL102")]),
    (b"import numpy as np\n\n\ndef make():\n   \\\n return np.random.default_rng()\n", [(None, 6, 9, "TSL103")]),
    (b"import numpy as np\nfor p in x:\n   \\\n if p:\n        y = np.random.rand()\nz = np.random.rand()\n",
     [(None, 5, 13, "TSL102"), (None, 6, 5, "TSL102")]),
])
def test_lines_libcst_does_not_render_back(data: bytes, expected: list) -> None:
    compile(data, "x.py", "exec")
    assert lint(data) == expected


def test_inconsistent_tabs_never_crash() -> None:
    data = b"import numpy as np\nif True:\n\tif True:\n        x = np.random.rand()\n"
    findings = lint(data)
    assert findings in ([(None, 4, 9, "TSL102")], [(None, 4, 1, "TSL001")]) or \
        [code for *_, code in findings] == ["TSL001"], findings


# ---------------------------------------------------------------- garbage


def test_nul_bytes(tmp_path: Path) -> None:
    tree(tmp_path, "nul.py", b"import numpy as np\nx = 1\n\x00y = 2\n")
    outcome = run_cli(tmp_path, ".")
    assert outcome.findings("nul.py") == [(None, 3, 1, "TSL001")]
    assert outcome.status == 1
    assert_good_reported(outcome)


def test_binary_garbage_named_py(tmp_path: Path) -> None:
    tree(tmp_path, "garbage.py", bytes(range(256)) * 64)
    (tmp_path / "random.py").write_bytes(os.urandom(4096).replace(b"\x00", b"\x01"))
    (tmp_path / "elf.py").write_bytes(Path(sys.executable).resolve().read_bytes()[:65536])
    outcome = run_cli(tmp_path, ".")
    for name in ("garbage.py", "random.py", "elf.py"):
        assert outcome.codes(name) == ["TSL001"], (name, outcome.stdout)
    assert outcome.status == 1
    assert_good_reported(outcome)


def test_utf16_file_named_py() -> None:
    data = "import numpy as np\nnp.random.rand()\n".encode("utf-16")
    assert [code for *_, code in lint(data)] == ["TSL001"]


def test_surrogates_and_odd_unicode() -> None:
    for text in ("x = '\udcff'\n", "x\u2028= 1\n", "x = 1\x85y = 2\n", "ｘ = 1\n", "x = '\U0010ffff'\n"):
        lint(text.encode("utf-8", "surrogatepass"))


# ---------------------------------------------------------------- notebooks


def notebook(cells: object, metadata: object = None) -> bytes:
    document = {"cells": cells, "metadata": {} if metadata is None else metadata, "nbformat": 4,
                "nbformat_minor": 5}
    return json.dumps(document).encode()


CODE = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
        "source": ["import numpy as np\n", "x = np.random.rand()\n"]}
NOTEBOOKS = {
    "invalid_json": (b'{"cells": [', ["TSL001"]),
    "empty_file": (b"", ["TSL001"]),
    "not_utf8": (b'{"cells": "\xff\xfe"}', ["TSL001"]),
    "json_array": (b"[1, 2, 3]", ["TSL001"]),
    "json_string": (b'"cells"', ["TSL001"]),
    "missing_cells": (b'{"metadata": {}, "nbformat": 4}', ["TSL001"]),
    "cells_is_dict": (b'{"cells": {"0": {}}}', ["TSL001"]),
    "deep_json": (b'{"cells": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", ["TSL001"]),
    "huge_number": (b'{"cells": [], "x": ' + b"9" * 10_000 + b"}", ["TSL001"]),
    "r_kernel": (notebook([CODE], {"kernelspec": {"language": "R", "name": "ir"}}), []),
    "julia_language_info": (notebook([CODE], {"language_info": {"name": "julia"}}), []),
    "cells_are_strings": (notebook(["import numpy as np", "x = np.random.rand()"]), []),
    "cells_are_lists": (notebook([["import numpy as np"], [1, 2]]), []),
    "source_is_string": (notebook([{**CODE, "source": "import numpy as np\nx = np.random.rand()"}]),
                         [(1, 2, 5, "TSL102")]),
    "source_is_list": (notebook([CODE]), [(1, 2, 5, "TSL102")]),
    "source_has_non_strings": (notebook([{**CODE, "source": ["import numpy as np\n", 5, None, {"a": 1},
                                                             "x = np.random.rand()\n"]}]),
                               [(1, 2, 5, "TSL102")]),
    "source_is_number": (notebook([{**CODE, "source": 42}]), []),
    "source_missing": (notebook([{"cell_type": "code"}]), []),
    "cell_type_missing": (notebook([{"source": "x = np.random.rand()"}]), []),
    "metadata_odd_types": (notebook([CODE], {"kernelspec": ["python"], "language_info": 3}),
                           [(1, 2, 5, "TSL102")]),
    "kernel_language_not_string": (notebook([CODE], {"kernelspec": {"language": {"x": 1}}}), []),
    "syntax_error_cell": (notebook([{**CODE, "source": "x = ("}, CODE]), [(1, 1, 5, "TSL001"), (2, 2, 5, "TSL102")]),
    "magics_and_shell": (notebook([{**CODE, "source": "%matplotlib inline\n!pip install x\n" +
                                    "import numpy as np\nx = np.random.rand()"}]), [(1, 4, 5, "TSL102")]),
    "bash_cell": (notebook([{**CODE, "source": "%%bash\nrm -rf / (((\n"}, CODE]), [(2, 2, 5, "TSL102")]),
    "crlf_in_cells": (notebook([{**CODE, "source": "import numpy as np\r\nx = np.random.rand()\r\n"}]),
                      [(1, 2, 5, "TSL102")]),
    "lone_cr_in_cells": (notebook([{**CODE, "source": "import numpy as np\rx = np.random.rand()\r"}]), None),
    "nul_in_cell": (notebook([{**CODE, "source": "import numpy as np\nx = 1\x00\n"}]), None),
    "no_cells": (notebook([]), []),
    "bom": (codecs.BOM_UTF8 + notebook([CODE]), [(1, 2, 5, "TSL102")]),
    "nbformat_3": (json.dumps({"worksheets": [{"cells": [{"cell_type": "code", "input": "x = 1"}]}],
                               "nbformat": 3}).encode(), ["TSL001"]),
}


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_hostile_notebooks(name: str) -> None:
    data, expected = NOTEBOOKS[name]
    findings = lint(data, f"{name}.ipynb")
    if expected is None:  # anything but a crash
        assert all(cell is None or cell >= 1 for cell, *_ in findings)
    elif expected and isinstance(expected[0], str):
        assert [code for *_, code in findings] == expected, findings
    else:
        got = [(cell, line, col, code) for cell, line, col, code in findings]
        if name == "syntax_error_cell":  # the column of a syntax error is the parser's business
            got = [(cell, line, col if code != "TSL001" else 5, code) for cell, line, col, code in got]
        assert got == expected, findings


def test_hostile_notebooks_end_to_end(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_bytes(GOOD)
    for name, (data, _) in NOTEBOOKS.items():
        (tmp_path / f"{name}.ipynb").write_bytes(data)
    outcome = run_cli(tmp_path, ".")
    assert outcome.status == 1
    assert outcome.errors() == []
    assert_good_reported(outcome)
    assert outcome.codes("invalid_json.ipynb") == ["TSL001"]
    assert outcome.codes("r_kernel.ipynb") == []
    assert outcome.findings("source_is_list.ipynb") == [(1, 2, 5, "TSL102")]
    # every notebook was looked at: the JSON report has no crash and names them
    as_json = run_cli(tmp_path, ".", "--format", "json")
    assert as_json.status == 1
    json.loads(as_json.stdout)


# ---------------------------------------------------------------- file names and file kinds


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS file systems refuse non-UTF-8 names")
def test_non_utf8_file_name(tmp_path: Path) -> None:
    name = b"caf\xe9_\xff.py"
    tree(tmp_path, name, GOOD)
    outcome = run_cli(tmp_path, ".")
    assert outcome.status == 1
    assert_good_reported(outcome)
    # the name comes back as the bytes it is on disk
    assert outcome.findings(os.fsdecode(name)) == [(None, 2, 5, "TSL102")], outcome.stdout
    assert b"./" + name + b":2:5: TSL102" in outcome.stdout or name + b":2:5: TSL102" in outcome.stdout
    for encoding in ("ascii", "latin-1", "utf-8"):
        forced = run_cli(tmp_path, ".", env={"PYTHONIOENCODING": encoding})
        assert forced.status == 1 and len(forced.findings()) == 2, (encoding, forced.stderr)
    for fmt in ("json", "sarif", "github"):
        other = run_cli(tmp_path, ".", "--format", fmt)
        assert other.status == 1, (fmt, other.stderr)
        if fmt != "github":
            json.loads(other.stdout)
    explicit = run_cli(tmp_path, os.path.join(os.fsencode(tmp_path), name))
    assert explicit.status == 1 and len(explicit.findings()) == 1


def test_unicode_and_odd_file_names(tmp_path: Path) -> None:
    names = ["naïve ünïcödé.py", "space name.py", "-dash.py", "colon:in:name.py", "new\nline.py", "%percent%.py"]
    for name in names:
        (tmp_path / name).write_bytes(GOOD)
    outcome = run_cli(tmp_path, ".")
    assert outcome.status == 1
    assert len(FINDING.findall(outcome.stdout)) >= len(names)
    for fmt in ("json", "sarif"):
        document = json.loads(run_cli(tmp_path, ".", "--format", fmt).stdout)
        assert document


def test_symlink_loops(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_bytes(GOOD)
    sub = tmp_path / "pkg" / "sub"
    sub.mkdir(parents=True)
    (sub / "inner.py").write_bytes(GOOD)
    os.symlink("..", sub / "up")  # directory loop
    os.symlink(tmp_path, sub / "root")  # absolute loop to the top
    os.symlink("self.py", tmp_path / "self.py")  # a link to itself
    os.symlink("pong.py", tmp_path / "ping.py")
    os.symlink("ping.py", tmp_path / "pong.py")
    os.symlink("missing.py", tmp_path / "dangling.py")
    outcome = run_cli(tmp_path, ".", timeout=60)
    assert outcome.status in (1, 2)
    assert outcome.findings("good.py") == [(None, 2, 5, "TSL102")]
    assert outcome.findings("inner.py") == [(None, 2, 5, "TSL102")]  # linted once, not once per loop
    assert not [e for e in outcome.errors() if b"\n" in e]
    named = run_cli(tmp_path, "self.py", "ping.py", "good.py")
    assert named.status == 2
    errors = named.errors()
    assert len(errors) == 2 and errors[0].startswith(b"self.py") and errors[1].startswith(b"ping.py"), named.stderr
    assert_good_reported(named)


def test_fifo_and_other_non_files(tmp_path: Path) -> None:
    tree(tmp_path, "ok.py", GOOD)
    os.mkfifo(tmp_path / "fifo.py")
    (tmp_path / "dir.py").mkdir()
    (tmp_path / "dir.py" / "inside.py").write_bytes(GOOD)
    outcome = run_cli(tmp_path, ".", timeout=60)  # walking must not open the FIFO
    assert outcome.status == 1
    assert outcome.findings("inside.py") == [(None, 2, 5, "TSL102")]
    named = run_cli(tmp_path, "fifo.py", "good.py", timeout=60)  # naming it must not hang either
    assert named.status == 2
    assert one_line_error_naming(named, "fifo.py")
    assert_good_reported(named)
    if os.path.exists("/dev/zero"):
        device = run_cli(tmp_path, "/dev/zero", "good.py", timeout=60)
        assert device.status == 2 and one_line_error_naming(device, "/dev/zero")


def test_missing_path_is_one_line(tmp_path: Path) -> None:
    tree(tmp_path, "x.py", b"")
    outcome = run_cli(tmp_path, "nope.py", "good.py")
    assert outcome.status == 2
    assert one_line_error_naming(outcome, "nope.py")
    assert_good_reported(outcome)


# ---------------------------------------------------------------- unreadable (simulated, and real when not root)


class Denied:
    """Patches the ways of reading a file or listing a directory so that the
    given paths fail with EACCES, as they would for a non-root user."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *paths: Path) -> None:
        self.paths = {os.path.realpath(p) for p in paths}
        real_os_open, real_open, real_scandir, real_listdir = os.open, io.open, os.scandir, os.listdir

        def denied(path: object) -> bool:
            try:
                return os.path.realpath(os.fspath(path)) in self.paths  # type: ignore[arg-type]
            except TypeError:
                return False

        def fail(path: object) -> None:
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))  # type: ignore[arg-type]

        def os_open(path, *args, **kwargs):  # type: ignore[no-untyped-def]
            if denied(path):
                fail(path)
            return real_os_open(path, *args, **kwargs)

        def io_open(file, *args, **kwargs):  # type: ignore[no-untyped-def]
            if not isinstance(file, int) and denied(file):
                fail(file)
            return real_open(file, *args, **kwargs)

        def scandir(path=".", *args, **kwargs):  # type: ignore[no-untyped-def]
            if denied(path):
                fail(path)
            return real_scandir(path, *args, **kwargs)

        def listdir(path=".", *args, **kwargs):  # type: ignore[no-untyped-def]
            if denied(path):
                fail(path)
            return real_listdir(path, *args, **kwargs)

        monkeypatch.setattr(os, "open", os_open)
        monkeypatch.setattr(io, "open", io_open)
        monkeypatch.setattr("builtins.open", io_open)
        monkeypatch.setattr(os, "scandir", scandir)
        monkeypatch.setattr(os, "listdir", listdir)


def run_main(capsysbinary: pytest.CaptureFixture[bytes], *args: str) -> Outcome:
    status = cli.main(["--isolated", "--no-cache", *args])
    captured = capsysbinary.readouterr()
    return Outcome(status, captured.out, captured.err)


def test_unreadable_file_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    secret = tree(tmp_path, "secret.py", GOOD)
    (tmp_path / "other.py").write_bytes(GOOD)
    monkeypatch.chdir(tmp_path)
    Denied(monkeypatch, secret)
    outcome = run_main(capsysbinary, ".")
    assert outcome.status == 2
    assert one_line_error_naming(outcome, "secret.py").endswith(b"Permission denied")
    assert_good_reported(outcome)
    assert outcome.findings("other.py") == [(None, 2, 5, "TSL102")]


def test_unreadable_directory_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    (tmp_path / "good.py").write_bytes(GOOD)
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "hidden.py").write_bytes(GOOD)
    monkeypatch.chdir(tmp_path)
    Denied(monkeypatch, locked)
    outcome = run_main(capsysbinary, ".")
    assert outcome.status == 2
    assert one_line_error_naming(outcome, "locked").endswith(b"Permission denied")
    assert_good_reported(outcome)
    assert outcome.findings("hidden.py") == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root reads files whatever their mode; the simulated tests above cover this")
def test_unreadable_file_and_directory_for_real(tmp_path: Path) -> None:
    secret = tree(tmp_path, "secret.py", GOOD)
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "hidden.py").write_bytes(GOOD)
    secret.chmod(0)
    locked.chmod(0)
    try:
        outcome = run_cli(tmp_path, ".")
    finally:
        secret.chmod(0o644)
        locked.chmod(0o755)
    assert outcome.status == 2
    errors = outcome.errors()
    assert len(errors) == 2 and all(b"Permission denied" in e for e in errors)
    assert_good_reported(outcome)


# ---------------------------------------------------------------- files changing under the run


def test_file_deleted_after_the_walk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    doomed = tree(tmp_path, "doomed.py", GOOD)
    monkeypatch.chdir(tmp_path)
    real_walk = cli.iter_source_files

    def walk_then_delete(*args, **kwargs):  # type: ignore[no-untyped-def]
        found = real_walk(*args, **kwargs)
        doomed.unlink()
        return found

    monkeypatch.setattr(cli, "iter_source_files", walk_then_delete)
    outcome = run_main(capsysbinary, ".")
    assert outcome.status == 2
    assert one_line_error_naming(outcome, "doomed.py").endswith(b"No such file or directory")
    assert_good_reported(outcome)


def test_directory_deleted_after_the_walk_started(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    (tmp_path / "good.py").write_bytes(GOOD)
    gone = tmp_path / "gone"
    gone.mkdir()
    (gone / "a.py").write_bytes(GOOD)
    monkeypatch.chdir(tmp_path)
    real_scandir = os.scandir

    def scandir(path=".", *args, **kwargs):  # type: ignore[no-untyped-def]
        if os.path.realpath(os.fspath(path)) == os.path.realpath(gone):
            (gone / "a.py").unlink()
            gone.rmdir()
        return real_scandir(path, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", scandir)
    outcome = run_main(capsysbinary, ".")
    assert outcome.status == 2
    assert one_line_error_naming(outcome, "gone")
    assert_good_reported(outcome)


def test_file_rewritten_while_linting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    """A file rewritten (to garbage, or truncated) between two files' lints
    is linted as whatever was read; nothing crashes."""
    (tmp_path / "a.py").write_bytes(GOOD)
    victim = tmp_path / "b.py"
    victim.write_bytes(GOOD)
    (tmp_path / "c.py").write_bytes(GOOD)
    monkeypatch.chdir(tmp_path)
    from tfseedlint import engine

    real = engine.lint_source
    calls = []

    def lint_and_rewrite(data: bytes, path: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(path)
        if path.endswith("a.py"):
            victim.write_bytes(b"\x00\xff garbage")
        return real(data, path, *args, **kwargs)

    monkeypatch.setattr(engine, "lint_source", lint_and_rewrite)  # the runner calls it
    outcome = run_main(capsysbinary, ".")
    assert outcome.status == 1
    assert outcome.codes("b.py") in (["TSL001"], ["TSL102"])
    assert outcome.codes("a.py") == ["TSL102"] and outcome.codes("c.py") == ["TSL102"]


def test_tree_churning_during_real_run(tmp_path: Path) -> None:
    """A background writer creates, rewrites and deletes files while the real
    CLI walks and lints the tree: every message is one line naming a file,
    the status is 1 or 2, and there is no traceback."""
    import threading

    for i in range(300):
        (tmp_path / f"f{i:03}.py").write_bytes(GOOD)
    stop = threading.Event()

    def churn() -> None:
        i = 0
        while not stop.is_set():
            target = tmp_path / f"f{i % 300:03}.py"
            try:
                if i % 3 == 0:
                    target.unlink()
                elif i % 3 == 1:
                    target.write_bytes(b"\x00" if i % 2 else GOOD * 3)
                else:
                    target.write_bytes(GOOD)
            except OSError:
                pass
            i += 1

    thread = threading.Thread(target=churn)
    thread.start()
    try:
        outcome = run_cli(tmp_path, ".", timeout=120)
    finally:
        stop.set()
        thread.join()
    assert outcome.status in (1, 2)
    for message in outcome.errors():
        assert re.match(rb"\./f\d{3}\.py: ", message) or re.match(rb"f\d{3}\.py: ", message), message


# ---------------------------------------------------------------- all at once


def test_everything_hostile_in_one_tree(tmp_path: Path) -> None:
    """All of the above side by side, with the cache on (twice: cold and
    warm): the same output each time, every good file reported."""
    (tmp_path / "good.py").write_bytes(GOOD)
    (tmp_path / "empty.py").write_bytes(b"")
    (tmp_path / "nul.py").write_bytes(b"x = 1\x00")
    (tmp_path / "garbage.py").write_bytes(bytes(range(256)))
    (tmp_path / "latin.py").write_bytes(b"# coding: latin-1\ns = '\xe9'\n")
    (tmp_path / "deep.py").write_text("x = " + "(" * 1000 + ")" * 1000 + "\n")
    (tmp_path / "bad.ipynb").write_bytes(b"{")
    (tmp_path / "r.ipynb").write_bytes(notebook([CODE], {"kernelspec": {"language": "R"}}))
    if sys.platform != "darwin":
        with open(os.path.join(os.fsencode(tmp_path), b"\xff.py"), "wb") as fh:
            fh.write(GOOD)
    os.symlink(".", tmp_path / "loop")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "good2.py").write_bytes(GOOD)
    command = [sys.executable, "-m", "tfseedlint", "--isolated", "."]
    outputs = []
    for _ in range(2):
        proc = subprocess.run(check=False, args=command, cwd=tmp_path, capture_output=True, timeout=120)
        assert b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")
        outputs.append((proc.returncode, proc.stdout, proc.stderr))
    assert outputs[0] == outputs[1]
    outcome = Outcome(*outputs[0])
    assert outcome.status == 1
    assert_good_reported(outcome)
    assert outcome.codes("good2.py") == ["TSL102"]
    for name in ("nul.py", "garbage.py", "deep.py", "bad.ipynb"):
        assert outcome.codes(name) == ["TSL001"], name

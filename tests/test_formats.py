"""Every `--output-format`, end to end through `main()`, checked against its
schema or the syntax its consumer reads; notebook positions in the formats
that place findings on lines of the file; `--statistics` with every format;
`--diff` output that machines can trust."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tfseedlint.cli import main
from tfseedlint.report import FORMATS, MACHINE_FORMATS

DATA = Path(__file__).parent / "data"

TRAIN = """\
import numpy as np
import tensorflow as tf

x = np.random.rand(3)
ds = tf.data.Dataset.range(9).shuffle(9)
"""

CELLS = [
    {"cell_type": "markdown", "metadata": {}, "source": ["# A title\n", "text"]},
    {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
     "source": ["%matplotlib inline\n", "import numpy as np\n"]},
    {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
     "source": ["# caf\u00e9 \"quoted\" \U0001F600\n", "x = 1; y = np.random.rand(2)\n"]},
    {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
     "source": "z = 0\nw = np.random.randn(2)\n"},
]
#: (cell, text at the reported column) of each notebook finding.
NB_FINDINGS = [(3, "np.random.rand(2)"), (4, "np.random.randn(2)")]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--isolated", "--no-cache", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CI_PROJECT_DIR", raising=False)
    (tmp_path / "train.py").write_text(TRAIN)
    # ensure_ascii: escapes in the JSON text must not shift the columns.
    (tmp_path / "nb.ipynb").write_text(json.dumps({"cells": CELLS, "metadata": {}, "nbformat": 4,
                                                   "nbformat_minor": 5}, indent=1, ensure_ascii=True))
    return tmp_path


def validator(name: str) -> Any:
    schema = json.loads((DATA / name).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


# GitHub workflow commands: `::warning file=F,line=L,col=C,title=T::MESSAGE`,
# properties escaped (% \r \n : ,), the message escaped (% \r \n).
GITHUB = re.compile(r"^::(warning|error|notice) (?P<props>[^:]*)::(?P<message>.*)$")
GITHUB_PROPERTIES = {"file", "line", "endLine", "col", "endColumn", "title"}


def github_commands(text: str) -> list[dict[str, str]]:
    commands = []
    for line in text.splitlines():
        match = GITHUB.match(line)
        assert match, f"not a workflow command: {line!r}"
        props = dict(part.split("=", 1) for part in match.group("props").split(","))
        assert set(props) <= GITHUB_PROPERTIES
        assert not re.search(r"%(?!25|0D|0A|3A|2C)", match.group("props") + match.group("message"))
        commands.append({**props, "message": match.group("message")})
    return commands


def check_document(fmt: str, out: str) -> int:
    """Parse `out` as `fmt` says; the number of findings it holds."""
    if fmt == "json":
        return len(json.loads(out))
    if fmt == "json-lines":
        return len([json.loads(line) for line in out.splitlines()])
    if fmt == "sarif":
        log = json.loads(out)
        validator("sarif-schema-2.1.0.json").validate(log)
        return len(log["runs"][0]["results"])
    if fmt == "gitlab":
        issues = json.loads(out)
        validator("gitlab-codequality.schema.json").validate(issues)
        fingerprints = [issue["fingerprint"] for issue in issues]
        assert len(set(fingerprints)) == len(fingerprints)  # GitLab shows one issue per fingerprint
        return len(issues)
    if fmt == "junit":
        root = ET.fromstring(out.encode())
        assert root.tag == "testsuites"
        cases = root.findall("testsuite/testcase")
        failures = [case for case in cases if case.find("failure") is not None]
        assert int(root.get("failures", "-1")) == len(failures)
        assert all(int(s.get("tests", "0")) == len(s.findall("testcase")) for s in root.findall("testsuite"))
        return len(failures)
    if fmt == "github":
        return len(github_commands(out))
    if fmt == "pylint":
        lines = out.splitlines()
        assert all(re.fullmatch(r"[^:]+:\d+: \[TSL\d{3}\] .+", line) for line in lines)
        return len(lines)
    if fmt == "concise":
        lines = [line for line in out.splitlines() if re.match(r"^\S+?:(cell \d+:)?\d+:\d+: TSL\d{3} ", line)]
        return len(lines)
    if fmt == "full":
        return len(re.findall(r"^\s*\|\s*\^ TSL\d{3}$", out, re.MULTILINE))
    if fmt == "grouped":
        return len(re.findall(r"^  (cell \d+:)?\d+:\d+ +TSL\d{3} ", out, re.MULTILINE))
    raise AssertionError(fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_parses_and_machine_output_is_alone_on_stdout(
        project: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    code, out, err = run(capsys, "--output-format", fmt, ".")
    assert code == 1
    expected = len(json.loads(run(capsys, "--output-format", "json", ".")[1]))
    assert expected == 5
    assert check_document(fmt, out) == expected
    if fmt in MACHINE_FORMATS:
        assert "Found 5 problems." in err and "Found" not in out
    else:
        assert out.rstrip().endswith("[*] 5 fixable with --fix.") and "Found 5 problems." in out


def test_format_is_an_alias_and_text_still_works(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--format", "text", "-q", ".")[1] == run(capsys, "--output-format", "concise", "-q", ".")[1]


@pytest.mark.parametrize("fmt", ["github", "sarif", "gitlab", "junit", "pylint"])
def test_notebook_findings_point_at_the_ipynb_line(project: Path, capsys: pytest.CaptureFixture[str],
                                                   fmt: str) -> None:
    out = run(capsys, "--output-format", fmt, "nb.ipynb")[1]
    raw = (project / "nb.ipynb").read_text().splitlines()
    if fmt == "github":
        places = [(int(c["line"]), int(c["col"]), c["message"]) for c in github_commands(out)]
    elif fmt == "sarif":
        results = json.loads(out)["runs"][0]["results"]
        places = [(r["locations"][0]["physicalLocation"]["region"]["startLine"],
                   r["locations"][0]["physicalLocation"]["region"]["startColumn"], r["message"]["text"])
                  for r in results]
        assert [r["properties"]["cell"] for r in results] == [3, 4]
    elif fmt == "gitlab":
        places = [(i["location"]["lines"]["begin"], None, i["description"]) for i in json.loads(out)]
    elif fmt == "junit":
        cases = ET.fromstring(out.encode()).findall("testsuite/testcase")
        places = [(int(c.get("line", "0")), None, c.find("failure").get("message", "")) for c in cases]
    else:
        places = [(int(line.split(":")[1]), None, line.split("] ", 1)[1]) for line in out.splitlines()]
    assert len(places) == len(NB_FINDINGS)
    for (line, col, message), (cell, text) in zip(places, NB_FINDINGS):
        assert f"cell {cell}: " in message
        assert text.replace("(2)", "") in raw[line - 1]
        if col is not None:
            assert raw[line - 1][col - 1:].startswith(text.replace("(2)", "")), (raw[line - 1], col)


def test_human_formats_keep_cell_relative_positions(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "--output-format", "concise", "nb.ipynb")[1]
    assert out.splitlines()[:2] == [
        "nb.ipynb:cell 3:2:12: TSL102 " + out.splitlines()[0].split("TSL102 ", 1)[1],
        "nb.ipynb:cell 4:2:5: TSL102 " + out.splitlines()[1].split("TSL102 ", 1)[1],
    ]
    full = run(capsys, "--output-format", "full", "nb.ipynb")[1]
    assert "2 | x = 1; y = np.random.rand(2)\n  |            ^ TSL102" in full


def test_full_shows_the_source_line_and_a_caret(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "--output-format", "full", "train.py")[1]
    assert "4 | x = np.random.rand(3)\n  |     ^ TSL102\n" in out
    assert "train.py:5:6: TSL201 [*] `Dataset.shuffle`" in out  # [*]: --fix fixes it
    (project / "tabs.py").write_text("import numpy as np\nif 1:\n\tx = np.random.rand(3)\n")
    out = run(capsys, "--output-format", "full", "tabs.py")[1]
    assert "3 |     x = np.random.rand(3)\n  |         ^ TSL102" in out


# -- colour ---------------------------------------------------------------------------------


def test_colour_only_when_asked_or_on_a_terminal(project: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert "\x1b[" not in run(capsys, "train.py")[1]  # captured: not a terminal
    assert "\x1b[1;31mTSL102\x1b[0m" in run(capsys, "--color", "always", "train.py")[1]
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in run(capsys, "train.py")[1]
    assert "\x1b[" not in run(capsys, "--color", "never", "train.py")[1]
    assert "\x1b[" not in run(capsys, "--output-format", "json", "train.py")[1]
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in run(capsys, "train.py")[1]


def test_colour_and_full_on_a_terminal(project: Path) -> None:
    """A real terminal (a pseudo-terminal): `full` and colour by default."""
    pty = pytest.importorskip("pty")
    import os
    import subprocess
    import sys

    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    done = subprocess.run([sys.executable, "-m", "tfseedlint", "--isolated", "--no-cache", "train.py"],
                          stdout=follower, stderr=subprocess.PIPE, cwd=project, env=env, timeout=300)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    out = b"".join(chunks).decode()
    assert done.returncode == 1
    assert "\x1b[1;31mTSL102\x1b[0m" in out and "^ TSL102" in out


# -- statistics --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_statistics_compose_with_every_format(project: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    code, out, err = run(capsys, "--statistics", "--output-format", fmt, ".")
    plain = run(capsys, "--output-format", fmt, ".")[1]
    assert code == 1
    table = "3     TSL102 unseeded-numpy-global-random"
    if fmt == "json":
        document = json.loads(out)
        assert len(document["findings"]) == 5
        assert document["statistics"][0] == {"code": "TSL102", "name": "unseeded-numpy-global-random",
                                             "count": 3, "fixable": 3}
    elif fmt == "sarif":
        log = json.loads(out)
        validator("sarif-schema-2.1.0.json").validate(log)
        assert log["runs"][0]["properties"]["statistics"][0]["count"] == 3
    elif fmt in MACHINE_FORMATS:
        assert out == plain and check_document(fmt, out) == 5  # the table goes to stderr
        assert table in err
    else:
        assert table in out and out.index(table) > out.rindex("Dataset.shuffle` draws")


# -- --diff -------------------------------------------------------------------------------------

DIFFED = """\
import tensorflow as tf

ds = tf.data.Dataset.range(9).shuffle(9)
h = tf.math.bincount(tf.constant([1, 2]))
model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
model.fit(ds)
"""


@pytest.mark.parametrize("fmt", ["json", "sarif", "concise", "github"])
def test_diff_writes_only_the_diff_and_positions_on_disk(project: Path, capsys: pytest.CaptureFixture[str],
                                                         fmt: str) -> None:
    (project / "d.py").write_text(DIFFED)
    code, out, err = run(capsys, "--diff", "--output-format", fmt, "d.py")
    assert code == 1
    assert out.startswith("--- d.py\n+++ d.py\n@@ ") and "+tf.keras.utils.set_random_seed(42)\n" in out
    assert all(line[:1] in " +-@\\" for line in out.splitlines())  # a diff and nothing else
    # What the diff leaves (TSL403) is reported where it is in the file on
    # disk (line 4), not in the fixed text (line 6); TSL405, which only the
    # fixed text would have, is not reported.
    assert "d.py:4:5: TSL403" in err and "TSL405" not in err and ":6:" not in err
    assert "Would fix 2 problems (1 remaining)." in err
    assert (project / "d.py").read_text() == DIFFED


def test_fix_then_summary(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "d.py").write_text(DIFFED)
    code, out, err = run(capsys, "--fix", "--show-fixes", "d.py")
    assert code == 1
    assert out.splitlines()[-6:] == [
        "Fixed 2 problems:",
        "- d.py:",
        "    1 × TSL201 (unseeded-dataset-shuffle)",
        "    1 × TSL401 (missing-global-seed)",
        "Found 4 problems (2 fixed, 2 remaining).",
        "No fixes available (1 with --fix --unsafe-fixes).",
    ]
    assert "d.py:6:5: TSL403" in out  # the file as it is now

"""Tests for tfseedlint.report: every output format and --statistics."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tfseedlint
from tfseedlint.ftypes import Finding
from tfseedlint.report import FORMATS, RuleInfo, Sources, render, statistics

SCHEMA_PATH = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str


RULES: dict[str, RuleInfo] = {
    r.code: r
    for r in (
        Rule("TSL401", "missing-global-seed", "Entry point draws randomness without a global seed."),
        Rule("TSL101", "unseeded-tf-random-op", "Stateful TF random op called without a seed."),
        Rule("TSL201", "unseeded-dataset-shuffle", "Dataset.shuffle without a seed."),
        Rule("TSL001", "syntax-error", "File cannot be parsed."),
    )
}

# Deliberately out of order: every format must sort by Finding.sort_key.
FINDINGS = [
    Finding("train.py", 12, 5, "TSL201", "Dataset.shuffle() without seed", fixable=True),
    Finding("nb.ipynb", 2, 1, "TSL101", "tf.random.normal() without seed", cell=3),
    Finding("train.py", 3, 1, "TSL401", "no global seed", fixable=True),
    Finding("train.py", 12, 5, "TSL101", "tf.random.uniform() without seed"),
    Finding("nb.ipynb", 7, 9, "TSL101", "tf.random.shuffle() without seed", cell=1),
]


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # SARIF URIs are relative to the working directory.
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_formats_listed() -> None:
    assert FORMATS == ("concise", "full", "json", "json-lines", "junit", "grouped", "github", "gitlab", "pylint",
                       "sarif")
    assert render(FINDINGS, "text", RULES) == render(FINDINGS, "concise", RULES)


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown output format 'xml'"):
        render(FINDINGS, "xml", RULES)


# -- text ---------------------------------------------------------------------


def test_text_flake8_lines_sorted() -> None:
    assert render(FINDINGS, "text", RULES).splitlines() == [
        "nb.ipynb:cell 1:7:9: TSL101 tf.random.shuffle() without seed",
        "nb.ipynb:cell 3:2:1: TSL101 tf.random.normal() without seed",
        "train.py:3:1: TSL401 no global seed",
        "train.py:12:5: TSL101 tf.random.uniform() without seed",
        "train.py:12:5: TSL201 Dataset.shuffle() without seed",
    ]


def test_text_empty_and_no_trailing_newline() -> None:
    assert render([], "text", RULES) == ""
    assert not render(FINDINGS, "text", RULES).endswith("\n")


# -- json ---------------------------------------------------------------------


def test_json_records() -> None:
    records = json.loads(render(FINDINGS, "json", RULES))
    assert [(r["path"], r["cell"], r["line"], r["column"], r["code"]) for r in records] == [
        ("nb.ipynb", 1, 7, 9, "TSL101"),
        ("nb.ipynb", 3, 2, 1, "TSL101"),
        ("train.py", None, 3, 1, "TSL401"),
        ("train.py", None, 12, 5, "TSL101"),
        ("train.py", None, 12, 5, "TSL201"),
    ]
    assert records[2] == {
        "path": "train.py",
        "cell": None,
        "line": 3,
        "column": 1,
        "code": "TSL401",
        "name": "missing-global-seed",
        "message": "no global seed",
        "fixable": True,
    }
    assert [r["fixable"] for r in records] == [False, False, True, False, True]


def test_json_indent_and_empty() -> None:
    assert render(FINDINGS, "json", RULES).startswith('[\n  {\n    "path": ')
    assert render([], "json", RULES) == "[]"


def test_json_name_falls_back_to_finding() -> None:
    finding = Finding("a.py", 1, 1, "TSL999", "m", name="from-plugin")
    assert json.loads(render([finding], "json", RULES))[0]["name"] == "from-plugin"


# -- sarif --------------------------------------------------------------------


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def test_vendored_schema_is_the_oasis_one() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["id"] == "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]
    assert {"run", "result", "reportingDescriptor", "region"} <= set(schema["definitions"])


def test_sarif_is_valid(validator: Any) -> None:
    validator.validate(json.loads(render(FINDINGS, "sarif", RULES)))
    validator.validate(json.loads(render([], "sarif", RULES)))


def test_schema_validation_catches_mistakes(validator: Any) -> None:
    """The check above is only worth something if broken logs fail it."""
    log = json.loads(render(FINDINGS, "sarif", RULES))
    broken_level = json.loads(json.dumps(log))
    broken_level["runs"][0]["results"][0]["level"] = "severe"
    broken_line = json.loads(json.dumps(log))
    broken_line["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    broken_version = dict(log, version="2.0.0")
    for broken in (broken_level, broken_line, broken_version):
        with pytest.raises(jsonschema.ValidationError):
            validator.validate(broken)


def test_sarif_tool_and_rules() -> None:
    log = json.loads(render(FINDINGS, "sarif", RULES))
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-schema-2.1.0.json")
    assert len(log["runs"]) == 1
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "tfseedlint"
    assert driver["version"] == tfseedlint.__version__
    assert driver["informationUri"].startswith("https://")
    assert [r["id"] for r in driver["rules"]] == ["TSL001", "TSL101", "TSL201", "TSL401"]
    assert driver["rules"][1] == {
        "id": "TSL101",
        "name": "unseeded-tf-random-op",
        "shortDescription": {"text": "Stateful TF random op called without a seed."},
        "defaultConfiguration": {"level": "warning"},
    }
    assert all("helpUri" not in r for r in driver["rules"])


def test_sarif_results() -> None:
    run = json.loads(render(FINDINGS, "sarif", RULES))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert [r["ruleId"] for r in results] == ["TSL101", "TSL101", "TSL401", "TSL101", "TSL201"]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == "warning"
    plain = results[2]
    assert plain["message"] == {"text": "no global seed"}
    assert plain["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "train.py", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 3, "startColumn": 1},
            }
        }
    ]
    assert "properties" not in plain


def test_sarif_notebook_not_on_disk_keeps_the_cell_line_and_says_cell() -> None:
    result = json.loads(render(FINDINGS, "sarif", RULES))["runs"][0]["results"][1]
    assert result["message"]["text"] == "cell 3: tf.random.normal() without seed"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "nb.ipynb", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 2, "startColumn": 1}
    assert result["properties"] == {"cell": 3, "cellLine": 2, "cellColumn": 1}


def test_sarif_uris(in_tmp: Path, tmp_path_factory: pytest.TempPathFactory, validator: Any) -> None:
    outside = tmp_path_factory.mktemp("elsewhere") / "x.py"
    findings = [
        Finding("./src/my pkg/a.py", 1, 1, "TSL101", "m"),
        Finding(str(in_tmp / "src" / "b.py"), 1, 1, "TSL101", "m"),
        Finding(str(outside), 1, 1, "TSL101", "m"),
    ]
    log = json.loads(render(findings, "sarif", RULES))
    validator.validate(log)
    locations = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in log["runs"][0]["results"]]
    assert {"uri": "src/my%20pkg/a.py", "uriBaseId": "%SRCROOT%"} in locations
    assert {"uri": "src/b.py", "uriBaseId": "%SRCROOT%"} in locations
    assert {"uri": outside.as_uri()} in locations


def test_sarif_unknown_code_gets_a_descriptor(validator: Any) -> None:
    log = json.loads(render([Finding("a.py", 1, 1, "TSL999", "m", name="plugin-rule")], "sarif", RULES))
    validator.validate(log)
    run = log["runs"][0]
    descriptor = run["tool"]["driver"]["rules"][run["results"][0]["ruleIndex"]]
    assert descriptor["id"] == "TSL999" and descriptor["name"] == "plugin-rule"


# -- github -------------------------------------------------------------------


def test_github_lines() -> None:
    assert render(FINDINGS, "github", RULES).splitlines() == [
        "::warning file=nb.ipynb,line=7,col=9,title=TSL101 unseeded-tf-random-op"
        "::cell 1: tf.random.shuffle() without seed",
        "::warning file=nb.ipynb,line=2,col=1,title=TSL101 unseeded-tf-random-op"
        "::cell 3: tf.random.normal() without seed",
        "::warning file=train.py,line=3,col=1,title=TSL401 missing-global-seed::no global seed",
        "::warning file=train.py,line=12,col=5,title=TSL101 unseeded-tf-random-op::tf.random.uniform() without seed",
        "::warning file=train.py,line=12,col=5,title=TSL201 unseeded-dataset-shuffle::Dataset.shuffle() without seed",
    ]


def test_github_escaping() -> None:
    finding = Finding("dir,a/x:y%.py", 4, 2, "TSL999", "50% done,\r\nnext: line", name="odd:name,here")
    assert render([finding], "github", RULES) == (
        "::warning file=dir%2Ca/x%3Ay%25.py,line=4,col=2,title=TSL999 odd%3Aname%2Chere::50%25 done,%0D%0Anext: line"
    )


def test_github_empty() -> None:
    assert render([], "github", RULES) == ""


# -- statistics ---------------------------------------------------------------


def test_statistics() -> None:
    assert statistics(FINDINGS, RULES).splitlines() == [
        "3     TSL101 unseeded-tf-random-op",
        "1     TSL201 unseeded-dataset-shuffle",
        "1     TSL401 missing-global-seed",
    ]


def test_statistics_padding_and_empty() -> None:
    many = [Finding("a.py", i, 1, "TSL201", "m") for i in range(1, 11)]
    assert statistics(many, RULES) == "10    TSL201 unseeded-dataset-shuffle"
    assert statistics([], RULES) == ""


# -- notebook positions in the .ipynb text ---------------------------------------------

_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=12)


@settings(max_examples=60, deadline=None)
@given(cells=st.lists(st.lists(_TEXT, min_size=1, max_size=4), min_size=1, max_size=3),
       as_list=st.booleans(), ascii_only=st.booleans(), indent=st.sampled_from([None, 1, 2]),
       crlf=st.booleans())
def test_notebook_file_positions_land_on_the_character(tmp_path_factory: pytest.TempPathFactory,
                                                       cells: list[list[str]], as_list: bool, ascii_only: bool,
                                                       indent: int | None, crlf: bool) -> None:
    """Every character of every cell line maps to where its JSON encoding
    starts in the file, whatever the layout, escapes and line endings."""
    path = tmp_path_factory.mktemp("nb") / "nb.ipynb"
    sources = []
    for lines in cells:
        text = "\n".join(lines) + "\n"
        sources.append(text.splitlines(keepends=True) if as_list else text)
    document = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": "# t"}] + [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": source}
        for source in sources], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    raw = json.dumps(document, indent=indent, ensure_ascii=ascii_only)
    path.write_bytes(raw.replace("\n", "\r\n" if crlf else "\n").encode("utf-8"))
    file_lines = path.read_bytes().decode("utf-8").replace("\r\n", "\n").split("\n")
    reader = Sources()
    for number, lines in enumerate(cells, start=2):
        for line_no, line in enumerate(lines, start=1):
            for col, char in enumerate(line, start=1):
                at_line, at_col = reader.file_position(Finding(str(path), line_no, col, "TSL101", "m", cell=number))
                encoded = json.dumps(char, ensure_ascii=ascii_only)[1:-1]
                assert file_lines[at_line - 1][at_col - 1:].startswith(encoded), (line, col)

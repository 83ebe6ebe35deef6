"""Tests for tfseedlint.config: finding, reading, validating and overriding settings."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest

from tfseedlint import config as config_mod
from tfseedlint.config import (
    ConfigError,
    find_config,
    find_project_root,
    installed_tensorflow_version,
    load_config,
    with_overrides,
)
from tfseedlint.ftypes import Config

KNOWN = ("TSL001", "TSL101", "TSL102", "TSL201", "TSL303", "TSL401", "TSL403")


@pytest.fixture(autouse=True)
def fake_tensorflow(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend TensorFlow 2.16.1 is installed as `tensorflow-cpu`, so tests
    do not depend on the environment."""

    def version(name: str) -> str:
        if name == "tensorflow-cpu":
            return "2.16.1"
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(config_mod.importlib.metadata, "version", version)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, body: str) -> Config:
    return load_config(write(tmp_path / "pyproject.toml", "[tool.tfseedlint]\n" + body), KNOWN)


def config_error(tmp_path: Path, body: str) -> str:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, body)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{tmp_path / 'pyproject.toml'}: "), message
    return message


# -- find_config --------------------------------------------------------------


def test_find_config_nearest_with_table_from_dir_and_file(tmp_path: Path) -> None:
    outer = write(tmp_path / "pyproject.toml", "[tool.tfseedlint]\nseed = 1\n")
    inner = write(tmp_path / "pkg" / "pyproject.toml", "[tool.tfseedlint]\nseed = 2\n")
    source = write(tmp_path / "pkg" / "src" / "mod.py", "")
    assert find_config(tmp_path / "pkg" / "src") == inner
    assert find_config(source) == inner
    assert find_config(tmp_path / "pkg") == inner
    assert find_config(tmp_path) == outer


def test_find_config_skips_pyproject_without_table(tmp_path: Path) -> None:
    outer = write(tmp_path / "pyproject.toml", "[tool.tfseedlint]\n")
    write(tmp_path / "pkg" / "pyproject.toml", "[project]\nname = 'pkg'\n[tool.ruff]\nline-length = 1\n")
    assert find_config(tmp_path / "pkg" / "mod.py") == outer


def test_find_config_none_when_nothing_configures_us(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    assert find_config(tmp_path / "a.py") is None


def test_find_config_relative_start_gives_absolute_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    found = write(tmp_path / "pyproject.toml", "[tool.tfseedlint]\n")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    assert find_config(Path(".")) == found


def test_find_config_broken_toml_names_file(tmp_path: Path) -> None:
    broken = write(tmp_path / "pyproject.toml", "[tool.tfseedlint\n")
    with pytest.raises(ConfigError) as info:
        find_config(tmp_path)
    assert str(info.value).startswith(f"{broken}: invalid TOML: ")


# -- load_config: defaults and values ----------------------------------------


def test_defaults_without_file_take_installed_tensorflow() -> None:
    cfg = load_config(None, KNOWN)
    assert cfg == Config(target_tensorflow="2.16.1")
    assert cfg.select == ("TSL",)
    assert cfg.seed == 42
    assert cfg.root is None and cfg.source is None


def test_all_keys(tmp_path: Path) -> None:
    cfg = load(
        tmp_path,
        """
select = ["TSL1", "TSL401"]
ignore = ["TSL102"]
extend-select = ["TSL403"]
exclude = ["legacy/", "**/gen_*.py"]
seed = 1234
seed-functions = ["mypkg.utils.seed_everything", "fix_seeds"]
strict = true
target-tensorflow = "2.15"

[tool.tfseedlint.per-file-ignores]
"tests/*" = ["TSL1", "TSL401"]
"__init__.py" = ["TSL001"]
""",
    )
    assert cfg.select == ("TSL1", "TSL401")
    assert cfg.ignore == ("TSL102",)
    assert cfg.extend_select == ("TSL403",)
    assert cfg.exclude == ("legacy/", "**/gen_*.py")
    assert cfg.per_file_ignores == (("tests/*", ("TSL1", "TSL401")), ("__init__.py", ("TSL001",)))
    assert cfg.seed == 1234
    assert cfg.seed_functions == ("mypkg.utils.seed_everything", "fix_seeds")
    assert cfg.strict is True
    assert cfg.target_tensorflow == "2.15"
    assert cfg.root == tmp_path
    assert cfg.source == tmp_path / "pyproject.toml"


def test_unset_keys_keep_defaults_and_installed_tf(tmp_path: Path) -> None:
    cfg = load(tmp_path, "seed = 7\n")
    assert cfg == Config(seed=7, target_tensorflow="2.16.1")
    assert cfg.root == tmp_path


def test_file_without_table_gives_rooted_defaults(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    cfg = load_config(path, KNOWN)
    assert cfg == Config(target_tensorflow="2.16.1")
    assert cfg.root == tmp_path and cfg.source == path


def test_relative_path_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "pyproject.toml", "[tool.tfseedlint]\n")
    monkeypatch.chdir(tmp_path)
    cfg = load_config(Path("pyproject.toml"), KNOWN)
    assert cfg.root == tmp_path and cfg.source == tmp_path / "pyproject.toml"


def test_prefixes_that_match_a_known_code_are_valid(tmp_path: Path) -> None:
    cfg = load(tmp_path, 'select = ["TSL", "TSL1", "TSL10", "TSL101"]\n')
    assert cfg.select == ("TSL", "TSL1", "TSL10", "TSL101")


def test_target_tensorflow_accepts_release_candidates(tmp_path: Path) -> None:
    assert load(tmp_path, 'target-tensorflow = "2.16.0rc0"\n').target_tensorflow == "2.16.0rc0"


# -- load_config: errors -----------------------------------------------------


def test_unknown_key_is_named_with_suggestion(tmp_path: Path) -> None:
    message = config_error(tmp_path, 'extend_select = ["TSL1"]\n')
    assert message.endswith("tool.tfseedlint: unknown key 'extend_select' (did you mean 'extend-select'?)")


def test_unknown_key_without_close_match(tmp_path: Path) -> None:
    message = config_error(tmp_path, "colour = true\n")
    assert message.endswith("tool.tfseedlint: unknown key 'colour'")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('select = "TSL1"\n', "tool.tfseedlint.select: expected an array of strings, got string 'TSL1'"),
        ("ignore = [101]\n", "tool.tfseedlint.ignore: expected an array of strings, got an array holding integer 101"),
        ("exclude = 3\n", "tool.tfseedlint.exclude: expected an array of strings, got integer 3"),
        ('seed = "42"\n', "tool.tfseedlint.seed: expected an integer, got string '42'"),
        ("seed = true\n", "tool.tfseedlint.seed: expected an integer, got boolean True"),
        ("seed = 1.5\n", "tool.tfseedlint.seed: expected an integer, got float 1.5"),
        ("seed = -1\n", "tool.tfseedlint.seed: -1 is outside 0..4294967295"),
        ("seed = 4294967296\n", "tool.tfseedlint.seed: 4294967296 is outside 0..4294967295"),
        ('strict = "yes"\n', "tool.tfseedlint.strict: expected true or false, got string 'yes'"),
        (
            "target-tensorflow = 2.10\n",
            'tool.tfseedlint.target-tensorflow: expected a string such as "2.15", got float 2.1',
        ),
        ('target-tensorflow = "latest"\n', "tool.tfseedlint.target-tensorflow: 'latest' is not a version"),
        (
            'seed-functions = ["my-pkg.seed"]\n',
            "tool.tfseedlint.seed-functions: 'my-pkg.seed' is not a dotted Python name",
        ),
        ('per-file-ignores = ["x"]\n', "tool.tfseedlint.per-file-ignores: expected a table of glob = [codes]"),
        (
            '[tool.tfseedlint.per-file-ignores]\n"tests/*" = "TSL1"\n',
            "tool.tfseedlint.per-file-ignores.'tests/*': expected an array of strings, got string 'TSL1'",
        ),
    ],
)
def test_wrong_types(tmp_path: Path, body: str, expected: str) -> None:
    assert expected in config_error(tmp_path, body)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('select = ["TSL9"]\n', "tool.tfseedlint.select: 'TSL9' matches no rule code or prefix"),
        ('ignore = ["tsl101"]\n', "tool.tfseedlint.ignore: 'tsl101' matches no rule code or prefix"),
        ('extend-select = ["TSL1011"]\n', "tool.tfseedlint.extend-select: 'TSL1011' matches no rule code or prefix"),
        ('select = [""]\n', "tool.tfseedlint.select: empty rule code"),
        (
            '[tool.tfseedlint.per-file-ignores]\n"a.py" = ["E501"]\n',
            "tool.tfseedlint.per-file-ignores.'a.py': 'E501' matches no rule code or prefix",
        ),
    ],
)
def test_unknown_codes(tmp_path: Path, body: str, expected: str) -> None:
    assert expected in config_error(tmp_path, body)


def test_unknown_code_suggests_close_one(tmp_path: Path) -> None:
    assert config_error(tmp_path, 'select = ["TSL3033"]\n').endswith("(did you mean 'TSL303'?)")


def test_section_must_be_a_table(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", "[tool]\ntfseedlint = 1\n")
    with pytest.raises(ConfigError, match=r"tool\.tfseedlint: expected a table, got integer 1"):
        load_config(path, KNOWN)


def test_broken_toml_names_file_and_parser_message(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", "[tool.tfseedlint]\nselect = [\n")
    with pytest.raises(ConfigError) as info:
        load_config(path, KNOWN)
    message = str(info.value)
    assert message.startswith(f"{path}: invalid TOML: ")
    assert "(at end of document)" in message  # tomllib's own words
    assert info.value.source == str(path)


def test_duplicate_key_is_a_toml_error(tmp_path: Path) -> None:
    assert "invalid TOML: Cannot overwrite a value" in config_error(tmp_path, "seed = 1\nseed = 2\n")


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_bytes(b"[tool.tfseedlint]\n# caf\xe9\n")
    with pytest.raises(ConfigError, match=r"invalid TOML: not UTF-8"):
        load_config(path, KNOWN)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as info:
        load_config(path, KNOWN)
    assert str(info.value) == f"{path}: No such file or directory"


def test_config_error_is_one_line() -> None:
    error = ConfigError(Path("a/pyproject.toml"), "bad\nthing  here")
    assert str(error) == "a/pyproject.toml: bad thing here"
    assert error.source == "a/pyproject.toml"
    assert error.problem == "bad thing here"


# -- with_overrides -----------------------------------------------------------


@pytest.fixture
def base(tmp_path: Path) -> Config:
    return load(tmp_path, 'select = ["TSL1"]\nignore = ["TSL102"]\nextend-select = ["TSL4"]\n')


def test_select_replaces_select_and_extend_select(base: Config) -> None:
    cfg = with_overrides(base, select=["TSL201"], known_codes=KNOWN)
    assert cfg.select == ("TSL201",)
    assert cfg.extend_select == ()
    assert cfg.ignore == ("TSL102",)
    assert cfg.enabled("TSL201") and not cfg.enabled("TSL101") and not cfg.enabled("TSL401")


def test_ignore_and_extend_select_add(base: Config) -> None:
    cfg = with_overrides(base, ignore=["TSL101"], extend_select=["TSL2"], known_codes=KNOWN)
    assert cfg.select == ("TSL1",)
    assert cfg.ignore == ("TSL102", "TSL101")
    assert cfg.extend_select == ("TSL4", "TSL2")
    assert cfg.enabled("TSL201") and not cfg.enabled("TSL101")


def test_select_with_extend_select_on_cli(base: Config) -> None:
    cfg = with_overrides(base, select=["TSL1"], extend_select=["TSL403"], known_codes=KNOWN)
    assert (cfg.select, cfg.extend_select) == (("TSL1",), ("TSL403",))


def test_comma_separated_values(base: Config) -> None:
    cfg = with_overrides(base, select=["TSL101, TSL2", "TSL401"], known_codes=KNOWN)
    assert cfg.select == ("TSL101", "TSL2", "TSL401")


def test_no_flags_keeps_config_and_root(base: Config, tmp_path: Path) -> None:
    assert with_overrides(base, known_codes=KNOWN) is base
    changed = with_overrides(base, ignore=["TSL4"], known_codes=KNOWN)
    assert changed.root == tmp_path and changed.source == tmp_path / "pyproject.toml"
    assert changed.seed == base.seed


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"select": ["TSL9"]}, "--select: 'TSL9' matches no rule code or prefix"),
        ({"ignore": ["TSL101,X1"]}, "--ignore: 'X1' matches no rule code or prefix"),
        ({"extend_select": ["tsl1"]}, "--extend-select: 'tsl1' matches no rule code or prefix"),
    ],
)
def test_flag_errors_name_the_flag(base: Config, kwargs: dict[str, list[str]], expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        with_overrides(base, known_codes=KNOWN, **kwargs)
    assert str(info.value).startswith(expected)


# -- installed_tensorflow_version ---------------------------------------------


def _fake_versions(monkeypatch: pytest.MonkeyPatch, installed: dict[str, str]) -> list[str]:
    asked: list[str] = []

    def version(name: str) -> str:
        asked.append(name)
        if name in installed:
            return installed[name]
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(config_mod.importlib.metadata, "version", version)
    return asked


@pytest.mark.parametrize(
    ("installed", "expected"),
    [
        ({"tensorflow": "2.21.0", "tensorflow-intel": "2.21.0"}, "2.21.0"),
        ({"tf-nightly": "2.22.0.dev20260101"}, "2.22.0.dev20260101"),
        ({"tensorflow-macos": "2.15.0"}, "2.15.0"),
        ({"tensorflow-intel": "2.14.1"}, "2.14.1"),
        ({}, None),
    ],
)
def test_installed_tensorflow_version(
    monkeypatch: pytest.MonkeyPatch, installed: dict[str, str], expected: str | None
) -> None:
    asked = _fake_versions(monkeypatch, installed)
    assert installed_tensorflow_version() == expected
    if expected is None:
        assert asked == [
            "tensorflow",
            "tensorflow-cpu",
            "tensorflow-gpu",
            "tf-nightly",
            "tensorflow-macos",
            "tensorflow-intel",
        ]


def test_installed_tensorflow_version_does_not_import_tensorflow() -> None:
    code = (
        "import sys; from tfseedlint.config import installed_tensorflow_version as v; "
        "print(repr(v())); print('tensorflow' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path(__file__).parents[1]
    ).stdout.split("\n")
    assert out[1] == "False"
    real = None
    for name in config_mod.TENSORFLOW_DISTRIBUTIONS:
        try:
            real = importlib.metadata.distribution(name).version
            break
        except importlib.metadata.PackageNotFoundError:
            continue
    assert out[0] == repr(real)


# -- find_project_root --------------------------------------------------------


def test_project_root_pyproject(tmp_path: Path) -> None:
    write(tmp_path / "proj" / "pyproject.toml", "")
    source = write(tmp_path / "proj" / "src" / "pkg" / "m.py", "")
    assert find_project_root(source) == tmp_path / "proj"
    assert find_project_root(tmp_path / "proj" / "src") == tmp_path / "proj"
    assert find_project_root(tmp_path / "proj") == tmp_path / "proj"


@pytest.mark.parametrize("git_is_file", [False, True])
def test_project_root_git(tmp_path: Path, git_is_file: bool) -> None:
    repo = tmp_path / "repo"
    if git_is_file:  # a worktree or submodule
        write(repo / ".git", "gitdir: /elsewhere\n")
    else:
        (repo / ".git").mkdir(parents=True)
    source = write(repo / "a" / "b.py", "")
    assert find_project_root(source) == repo


def test_project_root_nearest_wins(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "sub" / "pyproject.toml", "")
    assert find_project_root(write(tmp_path / "sub" / "x.py", "")) == tmp_path / "sub"


def test_project_root_fallback_is_own_directory(tmp_path: Path) -> None:
    source = write(tmp_path / "loose" / "script.py", "")
    assert find_project_root(source) == tmp_path / "loose"
    assert find_project_root(tmp_path / "loose") == tmp_path / "loose"


def test_config_error_survives_pickling() -> None:
    """Worker processes (flake8 --jobs, the runner) send it back pickled."""
    import pickle

    error = pickle.loads(pickle.dumps(ConfigError("pyproject.toml", "unknown key 'selct'")))
    assert str(error) == "pyproject.toml: unknown key 'selct'"

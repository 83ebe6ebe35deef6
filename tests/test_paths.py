"""Tests for tfseedlint.paths: glob matching, .gitignore handling and the walk."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pytest

from tfseedlint import paths as paths_mod
from tfseedlint.ftypes import Config
from tfseedlint.paths import iter_source_files, matches_glob

ROOT = Path("/proj")


# -- matches_glob -------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "pattern", "expected"),
    [
        # relative to root, fnmatch style (`*` may cross "/")
        ("/proj/tests/test_a.py", "tests/*.py", True),
        ("/proj/tests/unit/test_a.py", "tests/*.py", True),
        ("/proj/src/tests/test_a.py", "tests/*.py", False),
        ("/proj/a.py", "a.py", True),
        ("/proj/a.py", "b.py", False),
        ("/proj/a.py", "?.py", True),
        ("/proj/ab.py", "?.py", False),
        ("/proj/a1.py", "a[0-9].py", True),
        ("/proj/ax.py", "a[!0-9].py", True),
        ("/proj/a1.py", "a[!0-9].py", False),
        # `**` is any number of directories, zero included
        ("/proj/conftest.py", "**/conftest.py", True),
        ("/proj/a/b/conftest.py", "**/conftest.py", True),
        ("/proj/tests/test_x.py", "tests/**/test_*.py", True),
        ("/proj/tests/a/b/test_x.py", "tests/**/test_*.py", True),
        ("/proj/other/test_x.py", "tests/**/test_*.py", False),
        ("/proj/gen/a/b.py", "gen/**", True),
        # no "/": basename or any directory name
        ("/proj/pkg/__init__.py", "__init__.py", True),
        ("/proj/a/migrations/0001.py", "migrations", True),
        ("/proj/a/migrations_x/0001.py", "migrations", False),
        ("/proj/a/b/c.py", "b*", True),
        # a pattern naming a directory covers what is inside it
        ("/proj/src/generated/x.py", "src/generated", True),
        ("/proj/src/generated2/x.py", "src/generated", False),
        ("/proj/src/generated/x.py", "src/generated/", True),
        ("/proj/src/generated.py", "src/generated.py/", False),
        # `./x` and `/x` are anchored at the root; an absolute path is absolute
        ("/proj/build/x.py", "./build", True),
        ("/proj/a/build/x.py", "./build", False),
        ("/proj/build/x.py", "/build", True),
        ("/proj/a/build/x.py", "/build", False),
        ("/proj/a/b.py", "/proj/a", True),
        ("/proj/a/b.py", "/proj/*.py", True),
        ("/proj/a/b.py", "/other/a", False),
        # case-sensitive everywhere, for the same answer on every platform
        ("/proj/A.py", "a.py", False),
    ],
)
def test_matches_glob(path: str, pattern: str, expected: bool) -> None:
    assert matches_glob(path, pattern, ROOT) is expected


def test_matches_glob_relative_path_against_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    # "x.py" as the CLI sees it in tmp/sub is "sub/x.py" relative to the root
    assert matches_glob("x.py", "sub/*.py", tmp_path)
    assert not matches_glob("x.py", "other/*.py", tmp_path)


def test_matches_glob_without_root_uses_path_as_given() -> None:
    assert matches_glob("./tests/test_a.py", "tests/*.py", None)
    assert matches_glob("tests/test_a.py", "test_*.py", None)
    assert not matches_glob("src/a.py", "tests/*.py", None)


def test_matches_glob_outside_root_uses_path_as_given() -> None:
    assert matches_glob("/elsewhere/tests/a.py", "tests", ROOT)
    assert not matches_glob("/elsewhere/tests/a.py", "tests/a.py", ROOT)


def test_config_per_file_ignores_uses_matches_glob(tmp_path: Path) -> None:
    cfg = Config(per_file_ignores=(("tests/*", ("TSL1",)), ("__init__.py", ("TSL401",))), root=tmp_path)
    assert cfg.ignored_for(str(tmp_path / "tests" / "t.py")) == ("TSL1",)
    assert cfg.ignored_for(str(tmp_path / "pkg" / "__init__.py")) == ("TSL401",)
    assert not cfg.enabled("TSL101", str(tmp_path / "tests" / "t.py"))
    assert cfg.enabled("TSL101", str(tmp_path / "src" / "t.py"))


# -- the walk -----------------------------------------------------------------


def make(root: Path, *names: str) -> None:
    """Create files (a trailing "/" makes a directory)."""
    for name in names:
        path = root / name
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("x = 1\n")


def walk(paths: Iterable[str | Path], config: Config | None = None) -> tuple[list[str], list[str]]:
    files, errors = iter_source_files([Path(p) for p in paths], config or Config())
    return [p.as_posix() for p in files], errors


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_walk_finds_py_and_ipynb_sorted(project: Path) -> None:
    make(project, "b.py", "a.py", "nb.ipynb", "readme.md", "setup.cfg", "pkg/z.py", "pkg/sub/y.py", "pkg/a.pyi")
    files, errors = walk(["."])
    assert files == ["a.py", "b.py", "nb.ipynb", "pkg/sub/y.py", "pkg/z.py"]
    assert errors == []


def test_walk_keeps_the_spelling_of_the_argument(project: Path) -> None:
    make(project, "pkg/m.py")
    assert walk(["pkg"])[0] == ["pkg/m.py"]
    assert walk([project / "pkg"])[0] == [(project / "pkg" / "m.py").as_posix()]


def test_walk_skips_tool_and_environment_dirs(project: Path) -> None:
    skipped = sorted(paths_mod.SKIP_DIRS)
    make(project, "keep.py", *(f"{name}/x.py" for name in skipped), "src/build/y.py", "src/node_modules/z.py")
    # a virtualenv is recognised by pyvenv.cfg, whatever its name
    make(project, "myenv/pyvenv.cfg", "myenv/lib/site.py")
    assert walk(["."])[0] == ["keep.py"]


def test_explicit_dir_is_walked_even_if_it_would_be_skipped(project: Path) -> None:
    make(project, "build/gen.py", "build/__pycache__/c.py", "env/pyvenv.cfg", "env/tool.py")
    assert walk(["build"])[0] == ["build/gen.py"]
    assert walk(["env"])[0] == ["env/tool.py"]


def test_explicit_files_always_returned(project: Path) -> None:
    make(project, "build/gen.py", "script", "ignored.py", "excluded.py", ".gitignore")
    (project / ".gitignore").write_text("ignored.py\n")
    cfg = Config(exclude=("excluded.py",), root=project)
    files, errors = walk(["script", "build/gen.py", "ignored.py", "excluded.py"], cfg)
    assert files == ["script", "build/gen.py", "ignored.py", "excluded.py"]
    assert errors == []
    # ...but the walk drops the excluded and the ignored ones
    assert walk(["."], cfg)[0] == []


def test_no_duplicates(project: Path) -> None:
    make(project, "pkg/a.py", "pkg/b.py")
    files, _ = walk(["pkg/a.py", "pkg", "./pkg", "pkg/a.py", project / "pkg"])
    assert files == ["pkg/a.py", "pkg/b.py"]


def test_missing_path(project: Path) -> None:
    make(project, "a.py")
    files, errors = walk(["nope.py", "a.py", "gone/"])
    assert files == ["a.py"]
    assert errors == ["nope.py: No such file or directory", "gone: No such file or directory"]


def test_dangling_symlink_argument(project: Path) -> None:
    (project / "dangling.py").symlink_to(project / "missing.py")
    assert walk(["dangling.py"]) == ([], ["dangling.py: No such file or directory"])


def test_dangling_symlink_in_walk_is_skipped(project: Path) -> None:
    make(project, "a.py")
    (project / "dangling.py").symlink_to(project / "missing.py")
    assert walk(["."]) == (["a.py"], [])


def test_unreadable_directory_reported_and_walk_continues(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make(project, "a/x.py", "locked/secret.py", "z/y.py")
    real_scandir = os.scandir

    def scandir(path: os.PathLike[str] | str) -> object:
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(paths_mod.os, "scandir", scandir)
    assert walk(["."]) == (["a/x.py", "z/y.py"], ["locked: Permission denied"])


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions and a non-root user")
def test_unreadable_directory_for_real(project: Path) -> None:
    make(project, "a/x.py", "locked/secret.py")
    (project / "locked").chmod(0)
    try:
        assert walk(["."]) == (["a/x.py"], ["locked: Permission denied"])
    finally:
        (project / "locked").chmod(0o755)


def test_symlink_loop_terminates(project: Path) -> None:
    make(project, "pkg/a.py", "pkg/sub/b.py")
    (project / "pkg" / "sub" / "up").symlink_to(project / "pkg", target_is_directory=True)
    (project / "pkg" / "self").symlink_to(".", target_is_directory=True)
    assert walk(["."]) == (["pkg/a.py", "pkg/sub/b.py"], [])


def test_symlinks_leading_outside_the_walked_tree_are_not_followed(
        project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("outside")
    make(outside, "ext.py", "secret")
    make(project, "a.py", "pkg/inner.py")
    (project / "link_dir").symlink_to(outside, target_is_directory=True)
    (project / "leak.py").symlink_to(outside / "secret")
    (project / "inner_link").symlink_to(project / "pkg", target_is_directory=True)
    (project / "alias.py").symlink_to(project / "pkg" / "inner.py")
    # Links inside the tree are followed; each file is linted once.
    assert walk(["."])[0] == ["a.py", "alias.py"]
    # Named on the command line, a link is still linted (and walked).
    assert walk(["leak.py", "link_dir"])[0] == ["leak.py", "link_dir/ext.py"]


def test_symlinked_file_to_same_file_is_linted_once(project: Path) -> None:
    make(project, "a.py")
    (project / "b.py").symlink_to(project / "a.py")
    assert walk(["."])[0] == ["a.py"]


# -- exclude ------------------------------------------------------------------


def test_exclude_globs(project: Path) -> None:
    make(
        project,
        "src/app.py",
        "src/legacy/old.py",
        "src/legacy/deep/older.py",
        "src/gen_api.py",
        "tests/conftest.py",
        "tests/unit/conftest.py",
        "tests/unit/test_a.py",
        "migrations/m1.py",
        "pkg/migrations/m2.py",
    )
    cfg = Config(exclude=("src/legacy", "**/gen_*.py", "**/conftest.py", "migrations"), root=project)
    assert walk(["."], cfg)[0] == ["src/app.py", "tests/unit/test_a.py"]


def test_exclude_relative_to_config_root_not_cwd(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make(project, "src/legacy/old.py", "src/new.py")
    cfg = Config(exclude=("src/legacy/",), root=project)
    monkeypatch.chdir(project / "src")
    assert walk(["."], cfg)[0] == ["new.py"]


# -- .gitignore ---------------------------------------------------------------


def gitignored(project: Path, gitignore: str, files: list[str], *, top: str = ".") -> list[str]:
    (project / ".git").mkdir(exist_ok=True)
    (project / ".gitignore").write_text(gitignore)
    make(project, *files)
    return walk([top])[0]


def test_gitignore_comments_blank_lines_and_plain_names(project: Path) -> None:
    got = gitignored(
        project,
        "# comment.py\n\n   \nsecret.py\n",
        ["comment.py", "# comment.py", "secret.py", "sub/secret.py", "ok.py"],
    )
    assert got == ["# comment.py", "comment.py", "ok.py"]


def test_gitignore_escapes_and_trailing_spaces(project: Path) -> None:
    got = gitignored(project, "\\#hash.py\n\\!bang.py\nspaced.py   \n", ["#hash.py", "!bang.py", "spaced.py", "ok.py"])
    assert got == ["ok.py"]


def test_gitignore_negation(project: Path) -> None:
    got = gitignored(project, "gen_*.py\n!gen_keep.py\n", ["gen_a.py", "gen_keep.py", "sub/gen_b.py", "main.py"])
    assert got == ["gen_keep.py", "main.py"]


def test_gitignore_last_match_wins(project: Path) -> None:
    got = gitignored(project, "!a.py\n*.py\n", ["a.py", "b.ipynb"])
    assert got == ["b.ipynb"]


def test_gitignore_leading_slash_anchors(project: Path) -> None:
    got = gitignored(project, "/top.py\n", ["top.py", "sub/top.py"])
    assert got == ["sub/top.py"]


def test_gitignore_middle_slash_anchors_and_star_stops_at_slash(project: Path) -> None:
    got = gitignored(project, "src/*.py\n", ["src/a.py", "src/deep/b.py", "lib/src/c.py"])
    assert got == ["lib/src/c.py", "src/deep/b.py"]


def test_gitignore_trailing_slash_matches_directories_only(project: Path) -> None:
    # a directory named like a source file, to see the file rule not apply
    got = gitignored(project, "out/\nthing.py/\n", ["out/a.py", "x/out/b.py", "thing.py", "d/thing.py/c.py"])
    assert got == ["thing.py"]


def test_gitignore_double_star(project: Path) -> None:
    got = gitignored(
        project,
        "**/tmp_*.py\ndocs/**/*.ipynb\na/**/b.py\nlogs/**\n",
        [
            "tmp_1.py",
            "x/y/tmp_2.py",
            "docs/n.ipynb",
            "docs/x/y/n.ipynb",
            "docs/k.py",
            "a/b.py",
            "a/x/y/b.py",
            "logs/z/q.py",
            "keep.py",
        ],
    )
    assert got == ["docs/k.py", "keep.py"]


def test_gitignore_question_mark_and_class(project: Path) -> None:
    got = gitignored(project, "t?.py\nv[0-9].py\n", ["t1.py", "t12.py", "v3.py", "vx.py"])
    assert got == ["t12.py", "vx.py"]


def test_nested_gitignore_applies_below_its_directory(project: Path) -> None:
    make(project, "sub/.gitignore", "local.py", "sub/local.py", "sub/deeper/local.py", "sub/keep.skip.py", "x.skip.py")
    (project / "sub" / ".gitignore").write_text("local.py\n!keep.skip.py\n/anchored.py\n")
    make(project, "sub/anchored.py", "sub/deeper/anchored.py")
    got = gitignored(project, "*.skip.py\n", [])
    assert got == ["local.py", "sub/deeper/anchored.py", "sub/keep.skip.py"]


def test_ignored_dir_cannot_be_reincluded_into(project: Path) -> None:
    got = gitignored(project, "vendor/\n!vendor/keep.py\n", ["vendor/keep.py", "app.py"])
    assert got == ["app.py"]


def test_gitignore_above_the_walked_dir_applies(project: Path) -> None:
    got = gitignored(
        project, "pkg/generated/\n*.tmp.py\n", ["pkg/generated/g.py", "pkg/a.tmp.py", "pkg/m.py"], top="pkg"
    )
    assert got == ["pkg/m.py"]


def test_git_info_exclude(project: Path) -> None:
    (project / ".git" / "info").mkdir(parents=True)
    (project / ".git" / "info" / "exclude").write_text("private.py\n")
    assert gitignored(project, "", ["private.py", "public.py"]) == ["public.py"]


def test_gitignore_without_git_repo_uses_config_root(project: Path) -> None:
    (project / ".gitignore").write_text("skip_me.py\n")
    make(project, "pkg/skip_me.py", "pkg/m.py")
    assert walk(["pkg"], Config(root=project))[0] == ["pkg/m.py"]


def test_gitignore_outside_the_repo_does_not_apply(project: Path) -> None:
    (project / ".gitignore").write_text("*.py\n")
    repo = project / "repo"
    (repo / ".git").mkdir(parents=True)
    make(repo, "m.py")
    assert walk(["repo"])[0] == ["repo/m.py"]


def test_exclude_absolute_and_anchored_patterns(project: Path) -> None:
    make(project, "abs/a.py", "top/b.py", "sub/top/c.py", "sub/abs/d.py", "keep.py")
    cfg = Config(exclude=(str(project / "abs"), "/top"), root=project)
    assert walk(["."], cfg)[0] == ["keep.py", "sub/abs/d.py", "sub/top/c.py"]

"""`tfseedlint lsp` driven by a real LSP client session over stdio: the
server runs as `python -m tfseedlint lsp` and the test speaks JSON-RPC with
Content-Length framing to it, as an editor does."""
from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

pytest.importorskip("pygls.lsp.server", reason="the `lsp` extra (pygls 2) is not installed")

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 30.0

BAD = "import numpy as np\n\nrng = np.random.default_rng()\n"
GOOD = "import numpy as np\n\nrng = np.random.default_rng(42)\n"


class Client:
    """A minimal LSP client: frames messages, answers nothing, keeps every
    notification so a test can wait for the one it expects."""

    def __init__(self, cwd: Path) -> None:
        env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        # A file, not a pipe, for stderr: nobody drains it while the test runs.
        self.stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tfseedlint", "lsp"], cwd=cwd, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr)
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.notifications: list[dict[str, Any]] = []
        self._next_id = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            headers: dict[str, str] = {}
            while True:
                line = stream.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode("ascii").partition(":")
                headers[name.strip().lower()] = value.strip()
            body = stream.read(int(headers["content-length"]))
            self.messages.put(json.loads(body))

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        self.send({"method": method, "params": params or {}})

    def request(self, method: str, params: dict[str, Any] | None = None) -> Any:
        self._next_id += 1
        ident = self._next_id
        self.send({"id": ident, "method": method, "params": params or {}})
        reply = self._wait(lambda m: m.get("id") == ident and "method" not in m)
        assert "error" not in reply, reply
        return reply.get("result")

    def _wait(self, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no expected message in {TIMEOUT}s; stderr: {self._stderr()}")
            try:
                message = self.messages.get(timeout=remaining)
            except queue.Empty:
                continue
            if "method" in message and "id" not in message:
                self.notifications.append(message)
            if wanted(message):
                return message

    def diagnostics(self, uri: str, version: int | None = None) -> list[dict[str, Any]]:
        """The next diagnostics published for `uri` (for `version`, if given)."""
        def wanted(m: dict[str, Any]) -> bool:
            if m.get("method") != "textDocument/publishDiagnostics" or m["params"]["uri"] != uri:
                return False
            return version is None or m["params"].get("version") == version
        return self._wait(wanted)["params"]["diagnostics"]

    def _stderr(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")[-4000:] or "(empty)"

    def initialize(self, root: Path) -> dict[str, Any]:
        result = self.request("initialize", {
            "processId": os.getpid(),
            "rootUri": root.as_uri(),
            "capabilities": {
                "textDocument": {
                    "publishDiagnostics": {"versionSupport": True, "codeDescriptionSupport": True},
                    "codeAction": {"codeActionLiteralSupport": {
                        "codeActionKind": {"valueSet": ["quickfix", "source.fixAll"]}}}},
                "notebookDocument": {"synchronization": {}}},
        })
        self.notify("initialized")
        return result["capabilities"]

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        for stream in (self.process.stdin, self.process.stdout, self.stderr):
            if stream is not None:
                stream.close()


def make_project(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    return path


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    """One server for the tests that do not end its session (it takes
    seconds to start); each of them works in a project of its own."""
    root = tmp_path_factory.mktemp("lsp")
    client = Client(root)
    client.initialize(root)
    yield client
    client.close()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


def open_document(client: Client, path: Path, text: str, version: int = 1) -> str:
    uri = path.as_uri()
    client.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "python", "version": version, "text": text}})
    return uri


def apply(text: str, edits: list[dict[str, Any]]) -> str:
    """Apply LSP TextEdits (line/character ranges; ASCII text here)."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def offset(position: dict[str, int]) -> int:
        return offsets[min(position["line"], len(lines))] + position["character"]

    for edit in sorted(edits, key=lambda e: offset(e["range"]["start"]), reverse=True):
        start, end = offset(edit["range"]["start"]), offset(edit["range"]["end"])
        text = text[:start] + edit["newText"] + text[end:]
    return text


def cli_findings(path: Path) -> list[tuple[int, int, str]]:
    """(line, col, code) as `tfseedlint` prints them for `path`."""
    out = subprocess.run([sys.executable, "-m", "tfseedlint", "--format", "json", str(path)],
                         capture_output=True, text=True, cwd=path.parent, check=False).stdout
    return [(f["line"], f["column"], f["code"]) for f in json.loads(out)]


def test_session_diagnostics_change_code_action_shutdown(project: Path) -> None:
    client = Client(project)
    try:
        capabilities = client.initialize(project)
        assert capabilities["codeActionProvider"]["codeActionKinds"] == ["quickfix", "source.fixAll.tfseedlint"]
        session(client, project)
    finally:
        client.close()


def session(client: Client, project: Path) -> None:
    path = project / "train.py"
    path.write_text(BAD)
    uri = open_document(client, path, BAD)
    diagnostics = client.diagnostics(uri, version=1)
    # Same findings as the CLI, 0-based.
    assert [(d["range"]["start"]["line"] + 1, d["range"]["start"]["character"] + 1, d["code"])
            for d in diagnostics] == cli_findings(path)
    (diagnostic,) = diagnostics
    assert diagnostic["code"] == "TSL103" and diagnostic["source"] == "tfseedlint"
    assert diagnostic["range"]["start"] == {"line": 2, "character": 6}
    # The range covers the called name, so editors underline it.
    assert diagnostic["range"]["end"] == {"line": 2, "character": 6 + len("np.random.default_rng")}

    actions = client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": diagnostic["range"],
        "context": {"diagnostics": [diagnostic]}})
    quick = [a for a in actions if a["kind"] == "quickfix"]
    assert len(quick) == 1 and "TSL103" in quick[0]["title"] and quick[0]["isPreferred"]
    assert quick[0]["diagnostics"][0]["code"] == "TSL103"
    fixed = apply(BAD, quick[0]["edit"]["changes"][uri])
    assert "default_rng(" in fixed and "default_rng()" not in fixed
    fix_all = [a for a in actions if a["kind"] == "source.fixAll.tfseedlint"]
    assert len(fix_all) == 1 and apply(BAD, fix_all[0]["edit"]["changes"][uri]) == fixed

    # The editor applies the fix: the diagnostics of that version are empty.
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                             "contentChanges": [{"text": fixed}]})
    assert client.diagnostics(uri, version=2) == []
    assert client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": diagnostic["range"], "context": {"diagnostics": []}}) == []

    # An incremental change that brings the problem back.
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 3}, "contentChanges": [
        {"range": {"start": {"line": 2, "character": 28}, "end": {"line": 2, "character": 28 + len("42")}},
         "text": ""}]})
    assert [d["code"] for d in client.diagnostics(uri, version=3)] == ["TSL103"]

    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    assert client.diagnostics(uri) == []

    assert client.request("shutdown") is None
    client.notify("exit")
    assert client.process.wait(timeout=10) == 0


def test_only_filter_and_unsafe_fix(client: Client, project: Path) -> None:
    code = ("import tensorflow as tf\n\n"
            "ds = tf.data.Dataset.range(3).map(lambda x: x, deterministic=False)\n")
    uri = open_document(client, project / "pipe.py", code)
    (diagnostic,) = client.diagnostics(uri)
    assert diagnostic["code"] == "TSL203"
    params = {"textDocument": {"uri": uri}, "range": diagnostic["range"],
              "context": {"diagnostics": [diagnostic], "only": ["quickfix"]}}
    (action,) = client.request("textDocument/codeAction", params)
    # An unsafe fix is offered on request, labelled, never preferred, and
    # left out of "fix all".
    assert action["kind"] == "quickfix" and "unsafe" in action["title"] and not action["isPreferred"]
    assert "deterministic=True" in apply(code, action["edit"]["changes"][uri])
    params["context"]["only"] = ["source.fixAll"]
    assert client.request("textDocument/codeAction", params) == []


def test_columns_in_utf16_units(client: Client, project: Path) -> None:
    # "😀" is one code point (tfseedlint's column unit) but two UTF-16 units
    # (LSP's default position encoding).
    code = 'import numpy as np\n\nx = "😀"; rng = np.random.default_rng()\n'
    uri = open_document(client, project / "emoji.py", code)
    (diagnostic,) = client.diagnostics(uri)
    assert diagnostic["range"]["start"] == {"line": 2, "character": len('x = "😀"; rng = ') + 1}


def test_settings_from_the_document_directory(client: Client, project: Path) -> None:
    sub = project / "sub"
    sub.mkdir()
    (sub / "pyproject.toml").write_text('[tool.tfseedlint]\nper-file-ignores = { "quiet.py" = ["TSL103"] }\n')
    quiet = open_document(client, sub / "quiet.py", BAD)
    loud = open_document(client, sub / "loud.py", BAD)
    assert client.diagnostics(quiet) == []
    assert [d["code"] for d in client.diagnostics(loud)] == ["TSL103"]

    # A broken setting is shown on the document, and cleared once repaired
    # and saved.
    (sub / "pyproject.toml").write_text('[tool.tfseedlint]\nselect = ["TSL999"]\n')
    client.notify("textDocument/didSave", {"textDocument": {"uri": loud}})
    (error,) = client.diagnostics(loud)
    assert "TSL999" in error["message"] and error["severity"] == 1
    (sub / "pyproject.toml").write_text("[tool.tfseedlint]\n")
    client.notify("textDocument/didSave", {"textDocument": {"uri": loud}})
    assert [d["code"] for d in client.diagnostics(loud)] == ["TSL103"]


def test_seed_helper_in_another_file_counts(client: Client, project: Path) -> None:
    (project / "seeding.py").write_text(
        "import keras\n\n\ndef seed_everything(seed):\n    keras.utils.set_random_seed(seed)\n")
    code = ("import tensorflow as tf\nfrom seeding import seed_everything\n\n"
            "seed_everything(1)\nx = tf.random.uniform([3])\n")
    uri = open_document(client, project / "main.py", code)
    assert client.diagnostics(uri) == []


def test_notebook_json_and_other_files_are_not_linted(client: Client, project: Path) -> None:
    # A notebook opened as a text document is JSON to the editor: it is
    # linted when opened as a notebook document (see the notebook test).
    notebook = open_document(client, project / "nb.ipynb", json.dumps({"cells": []}))
    text = open_document(client, project / "notes.txt", BAD)
    python = open_document(client, project / "x.py", BAD)
    # Documents are handled in order: once x.py's diagnostics arrive, none
    # came for the others.
    assert client.diagnostics(python)
    published = {n["params"]["uri"] for n in client.notifications
                 if n["method"] == "textDocument/publishDiagnostics"}
    assert notebook not in published and text not in published


def test_missing_pygls_is_a_clear_error(tmp_path: Path) -> None:
    # Simulate an install without the `lsp` extra.
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "pygls").mkdir()
    (blocker / "pygls" / "__init__.py").write_text("raise ImportError('no pygls here')\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(blocker), str(ROOT)]))
    done = subprocess.run([sys.executable, "-m", "tfseedlint", "lsp"], env=env, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=60, check=False)
    assert done.returncode == 2 and "tfseedlint[lsp]" in done.stderr


def test_noqa_hides_a_finding(client: Client, project: Path) -> None:
    code = BAD.replace("default_rng()", "default_rng()  # noqa: TSL103") + "other = np.random.default_rng()\n"
    uri = open_document(client, project / "quiet.py", code)
    assert [(d["range"]["start"]["line"], d["code"]) for d in client.diagnostics(uri)] == [(3, "TSL103")]


def test_project_functions_across_files(client: Client, project: Path) -> None:
    """A model and a dataset made by functions of other modules: the same
    findings as the CLI, at the calls."""
    from tests.test_project import FLAT, build, wanted

    build(project, FLAT)
    path = project / "experiments" / "train.py"
    diagnostics = client.diagnostics(open_document(client, path, path.read_text()))
    got = [(d["range"]["start"]["line"] + 1, d["range"]["start"]["character"] + 1, d["code"]) for d in diagnostics]
    assert {(line, code) for line, _, code in got} == {
        (line, code) for _, line, code in wanted(FLAT, "experiments/train.py")}
    assert got == cli_findings(path)


def test_severity_and_rule_page_link(client: Client, project: Path) -> None:
    code = ("import keras\nimport numpy as np\n\n"
            "opt = keras.optimizers.Adam(seed=1)\nrng = np.random.default_rng()\n")
    uri = open_document(client, project / "sev.py", code)
    by_code = {d["code"]: d for d in client.diagnostics(uri)}
    assert set(by_code) == {"TSL303", "TSL103"}
    # TSL303 raises when the code runs: an error; the rest are warnings.
    assert by_code["TSL303"]["severity"] == 1 and by_code["TSL103"]["severity"] == 2
    broken = open_document(client, project / "broken.py", "def f(:\n    pass\n")
    (syntax,) = client.diagnostics(broken)
    assert syntax["code"] == "TSL001" and syntax["severity"] == 1
    repository = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]
    for diagnostic in (*by_code.values(), syntax):
        href = diagnostic["codeDescription"]["href"]
        assert href == f"{repository}/blob/main/rules/{diagnostic['code']}.md"
        assert (ROOT / "rules" / f"{diagnostic['code']}.md").is_file()  # the page exists


NOTEBOOK_CELLS = [
    ("markdown", "# Training\n"),
    ("python", "import numpy as np\nimport keras\n"),
    ("python", "x = 1\nrng = np.random.default_rng()"),
    ("python", "opt = keras.optimizers.Adam(seed=1)\n"),
]


def _cell_uri(notebook: Path, index: int) -> str:
    return f"vscode-notebook-cell:{notebook.as_posix()}#W{index}sZmlsZQ%3D%3D"


def open_notebook(client: Client, path: Path, cells: list[tuple[str, str]]) -> list[str]:
    uris = [_cell_uri(path, i) for i in range(len(cells))]
    client.notify("notebookDocument/didOpen", {
        "notebookDocument": {"uri": path.as_uri(), "notebookType": "jupyter-notebook", "version": 1,
                             "cells": [{"kind": 1 if language == "markdown" else 2, "document": uri}
                                       for uri, (language, _) in zip(uris, cells)]},
        "cellTextDocuments": [{"uri": uri, "languageId": language, "version": 1, "text": text}
                              for uri, (language, text) in zip(uris, cells)]})
    return uris


def _nbformat(cells: list[tuple[str, str]]) -> str:
    return json.dumps({"cells": [{"cell_type": "markdown" if language == "markdown" else "code",
                                  "metadata": {}, "source": text,
                                  **({} if language == "markdown" else {"outputs": [], "execution_count": None})}
                                 for language, text in cells],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def test_notebook_documents_with_cell_positions(project: Path) -> None:
    client = Client(project)
    try:
        capabilities = client.initialize(project)
        assert capabilities["notebookDocumentSync"]["notebookSelector"][0]["cells"] == [{"language": "python"}]
        path = project / "train.ipynb"
        path.write_text(_nbformat(NOTEBOOK_CELLS))
        uris = open_notebook(client, path, NOTEBOOK_CELLS)
        published: dict[str, list[dict[str, Any]]] = {}
        for _ in uris:  # one publication per cell, empty ones included
            message = client._wait(lambda m: m.get("method") == "textDocument/publishDiagnostics")
            published[message["params"]["uri"]] = message["params"]["diagnostics"]
        assert set(published) == set(uris)
        got = sorted((uris.index(uri) + 1, d["range"]["start"]["line"] + 1, d["range"]["start"]["character"] + 1,
                      d["code"]) for uri, diagnostics in published.items() for d in diagnostics)
        # Cell numbers count the markdown cell; lines and columns are the
        # cell's, as `tfseedlint train.ipynb` prints them.
        cli = subprocess.run([sys.executable, "-m", "tfseedlint", "--format", "json", str(path)],
                             capture_output=True, text=True, cwd=project, check=False).stdout
        assert got == sorted((f["cell"], f["line"], f["column"], f["code"]) for f in json.loads(cli))
        assert got == [(3, 2, 7, "TSL103"), (4, 1, 29, "TSL303")]  # TSL303: at the keyword
        assert published[uris[3]][0]["severity"] == 1 and published[uris[2]][0]["severity"] == 2

        # Editing a cell: the seed goes in, a syntax error comes into another.
        client.notify("notebookDocument/didChange", {
            "notebookDocument": {"uri": path.as_uri(), "version": 2},
            "change": {"cells": {"textContent": [
                {"document": {"uri": uris[2], "version": 2}, "changes": [
                    {"range": {"start": {"line": 1, "character": 28}, "end": {"line": 1, "character": 28}},
                     "text": "42"}]},
                {"document": {"uri": uris[3], "version": 2}, "changes": [{"text": "def f(:\n"}]}]}}})
        after = {}
        for _ in uris:
            message = client._wait(lambda m: m.get("method") == "textDocument/publishDiagnostics")
            after[message["params"]["uri"]] = message["params"]["diagnostics"]
        assert after[uris[2]] == []
        (syntax,) = after[uris[3]]
        assert syntax["code"] == "TSL001" and syntax["severity"] == 1 and syntax["range"]["start"]["line"] == 0

        # Closing the notebook clears what its cells showed.
        client.notify("notebookDocument/didClose", {"notebookDocument": {"uri": path.as_uri()},
                                                    "cellTextDocuments": [{"uri": u} for u in uris]})
        cleared = {}
        while len(cleared) < len(uris):
            message = client._wait(lambda m: m.get("method") == "textDocument/publishDiagnostics")
            cleared[message["params"]["uri"]] = message["params"]["diagnostics"]
        assert all(d == [] for d in cleared.values())
    finally:
        client.close()


def test_typing_into_a_long_document_matches_the_cli(client: Client, project: Path) -> None:
    """Edits reuse the last parse (`tfseedlint.reparse`): after each, the
    diagnostics are the CLI's on the same text."""
    blocks = [f"\n\ndef step_{i}(x):\n    y = tf.random.uniform([3])\n    return x + y\n" for i in range(12)]
    text = "import numpy as np\nimport tensorflow as tf\n\nrng = np.random.default_rng(0)\n" + "".join(blocks)
    path = project / "long.py"
    uri = open_document(client, path, text)
    client.diagnostics(uri, version=1)
    line = text.splitlines().index("def step_6(x):") + 1  # `    y = tf.random.uniform([3])`
    edits = [  # (start line, start column, end line, end column, new text), 0-based
        (line, 26, line, 26, ", seed=1"),  # the draw gets a seed
        (line + 1, 0, line + 1, 0, "    w = np.random.rand(\n"),  # an unclosed bracket: TSL001
        (line + 1, 23, line + 1, 23, ")"),  # closed again: TSL102 for the draw
        (line + 3, 0, line + 3, 0, "\nnp.random.seed(0)\n"),  # top-level code between the defs
        (line + 3, 0, line + 5, 0, ""),  # undone: a two-line delete
        (line, 4, line, 5, "z"),  # a one-character change
    ]
    for version, (row, col, end_row, end_col, new) in enumerate(edits, start=2):
        change = {"range": {"start": {"line": row, "character": col},
                            "end": {"line": end_row, "character": end_col}}, "text": new}
        text = apply(text, [{"range": change["range"], "newText": new}])
        client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                 "contentChanges": [change]})
        diagnostics = client.diagnostics(uri, version=version)
        path.write_text(text)
        assert [(d["range"]["start"]["line"] + 1, d["range"]["start"]["character"] + 1, d["code"])
                for d in diagnostics] == cli_findings(path), (version, text)
    assert "np.random.seed" not in text and "w = np.random.rand()" in text

"""Notebooks as Jupyter runs them: IPython syntax, indented cells, broken cells."""
from __future__ import annotations

import json

from tests.helpers import lint


def notebook(*sources: str, language: str = "python") -> str:
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
              "source": s} for s in sources]
    return json.dumps({"cells": cells, "metadata": {"kernelspec": {"language": language, "name": "k"}},
                       "nbformat": 4, "nbformat_minor": 5})


def located(text: str) -> list[tuple[int | None, int, int, str]]:
    return [(f.cell, f.line, f.col, f.code) for f in lint(text, "nb.ipynb")]


def test_shell_continuation_lines_are_not_python() -> None:
    text = notebook("import numpy as np\n!pip install \\\n   --quiet \\\n   thing\nx = np.random.rand(2)\n")
    assert located(text) == [(1, 5, 5, "TSL102")]


def test_automagic_lines_are_not_python() -> None:
    text = notebook("ls ./data/train/\ncd /tmp\nimport numpy as np\nls = np.random.rand(2)\n")
    assert located(text) == [(1, 4, 6, "TSL102")]


def test_percent_inside_an_expression_is_an_operator() -> None:
    text = notebook("import numpy as np\nprint('%d'\n      %(np.random.randint(3)))\n")
    assert located(text) == [(1, 3, 9, "TSL102")]


def test_indented_cell_is_dedented_like_ipython_and_columns_stay_put() -> None:
    text = notebook("import numpy as np\n", "  x = np.random.rand(2)\n  y = 1\n")
    assert located(text) == [(2, 1, 7, "TSL102")]


def test_one_broken_cell_does_not_hide_the_others() -> None:
    text = notebook("import numpy as np\n", "print 'py2'\n", "x = np.random.rand(2)\n")
    assert located(text) == [(2, 1, 1, "TSL001"), (3, 1, 5, "TSL102")]


def test_cell_magics_other_than_python_are_skipped() -> None:
    text = notebook("%%bash\necho $((1 + 2))\n", "%%time\nimport random\nrandom.random()\n")
    assert located(text) == [(2, 3, 1, "TSL104")]


def test_cells_given_as_lists_and_markdown_counted() -> None:
    doc = json.loads(notebook("import random\n"))
    doc["cells"].insert(0, {"cell_type": "markdown", "metadata": {}, "source": ["# a\n", "b"]})
    doc["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [],
                         "source": ["x = 1\n", "random.random()\n"]})
    assert located(json.dumps(doc)) == [(3, 2, 1, "TSL104")]


def test_invalid_notebooks_are_tsl001() -> None:
    assert [f.code for f in lint("{not json", "nb.ipynb")] == ["TSL001"]
    assert [f.code for f in lint(json.dumps({"metadata": {}}), "nb.ipynb")] == ["TSL001"]
    assert lint(notebook("x <- runif(1)", language="R"), "nb.ipynb") == []

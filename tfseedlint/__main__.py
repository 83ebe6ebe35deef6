"""`python -m tfseedlint` runs the command-line interface."""
from __future__ import annotations

import os
import sys

# `python -m` puts the working directory first on sys.path: a `random.py` or
# `tokenize.py` of the project being linted would shadow the standard
# library's and run. The linter never imports the code it lints.
if sys.path and os.path.realpath(sys.path[0] or os.curdir) == os.path.realpath(os.getcwd()):
    del sys.path[0]

from tfseedlint.cli import main

sys.exit(main())

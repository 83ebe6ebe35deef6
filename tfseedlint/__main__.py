"""`python -m tfseedlint` runs the command-line interface."""
from __future__ import annotations

import sys

from tfseedlint.cli import main

sys.exit(main())

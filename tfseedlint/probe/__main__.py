"""`python -m tfseedlint.probe` runs `tfseedlint probe` (also when the main
command line does not route to it)."""
from __future__ import annotations

import sys

from tfseedlint.probe.cli import main

sys.exit(main())

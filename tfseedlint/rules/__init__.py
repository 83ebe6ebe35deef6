"""The rules, one module each. A module defines one `Rule` subclass; adding a
rule is adding a module here (it is discovered by name, `tslNNN_*.py`)."""
from __future__ import annotations

import importlib
import pkgutil

from tfseedlint.rule import Rule


def _discover() -> tuple[Rule, ...]:
    found: list[Rule] = []
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("tsl"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Rule) and value is not Rule \
                    and value.__module__ == module.__name__:
                found.append(value())
    return tuple(sorted(found, key=lambda rule: rule.code))


ALL_RULES: tuple[Rule, ...] = _discover()
RULES_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in ALL_RULES}
#: TSL001 is reported by the engine itself (the file could not be parsed).
ALL_CODES: frozenset[str] = frozenset(RULES_BY_CODE) | {"TSL001"}

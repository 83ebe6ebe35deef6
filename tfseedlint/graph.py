"""Closing seed domains over call graphs (a file's own functions, and the
project's seed helpers across files). No LibCST here: a warm run rebuilds
the project's helper table from cached records without importing it."""
from __future__ import annotations

from typing import Hashable, Iterable, Mapping, TypeVar

from tfseedlint.catalog import Domain

_K = TypeVar("_K", bound=Hashable)


def propagate(direct: Mapping[_K, Domain], edges: Mapping[_K, Iterable[_K]]) -> dict[_K, Domain]:
    """Close `direct` (node -> Domain) over call `edges` (node -> callees)."""
    result = dict(direct)
    changed = True
    while changed:
        changed = False
        for caller, callees in edges.items():
            domain = result.get(caller, Domain.NONE)
            for callee in callees:
                domain |= result.get(callee, Domain.NONE)
            if domain != result.get(caller, Domain.NONE):
                result[caller] = domain
                changed = True
    return {k: v for k, v in result.items() if v}

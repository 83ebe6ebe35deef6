"""Closing domains over call graphs: a file's own seed helpers, and the
project's functions across files (what they seed, what they draw). No LibCST
here: a warm run joins cached per-file summaries without importing it."""
from __future__ import annotations

from typing import Hashable, Iterable, Mapping, TypeVar

from tfseedlint.catalog import Domain

_K = TypeVar("_K", bound=Hashable)


def propagate(direct: Mapping[_K, Domain], edges: Mapping[_K, Iterable[_K]],
              known: Mapping[_K, Domain] | None = None,
              mask: Mapping[_K, Domain] | None = None) -> dict[_K, Domain]:
    """Close `direct` (node -> Domain) over call `edges` (node -> callees).

    `known`: nodes closed already (their values are final); `mask`: per
    node, domains it does not pass on (what it seeds itself covers what it
    draws)."""
    result = dict(direct)
    if mask:
        for node, hidden in mask.items():
            if node in result:
                result[node] &= ~hidden
    changed = True
    while changed:
        changed = False
        for caller, callees in edges.items():
            domain = result.get(caller, Domain.NONE)
            for callee in callees:
                if callee in result or known is None:
                    domain |= result.get(callee, Domain.NONE)
                else:
                    domain |= known.get(callee, Domain.NONE)
            if mask and caller in mask:
                domain &= ~mask[caller]
            if domain != result.get(caller, Domain.NONE):
                result[caller] = domain
                changed = True
    return {k: v for k, v in result.items() if v}

"""Derived IVS indices: Y003 (autonomy) and Y002 (post-materialism), from their components."""

from __future__ import annotations

import numpy as np

MATERIALIST_AIMS = frozenset({1, 3})  # 1 maintaining order, 3 fighting rising prices
POSTMATERIALIST_AIMS = frozenset({2, 4})  # 2 more say, 4 freedom of speech


def postmaterialist_index(first: int, second: int) -> int:
    """Y002 from the first and second aims (1..4): 1 materialist, 2 mixed, 3 post-materialist."""
    for name, aim in (("first", first), ("second", second)):
        if aim not in (1, 2, 3, 4):
            raise ValueError(f"Y002 {name} aim must be 1..4, got {aim!r}")
    if first == second:
        raise ValueError(f"Y002 needs two different aims, got {first} twice")
    pair = {first, second}
    if pair <= MATERIALIST_AIMS:
        return 1
    if pair <= POSTMATERIALIST_AIMS:
        return 3
    return 2


def autonomy_index(independence, determination, faith, obedience):
    """Y003 = (independence + determination) − (religious faith + obedience); each 1/0 (chosen).

    Works on scalars or arrays; NaN in any component gives NaN (a missing index, not zero).
    """
    parts = [np.asarray(v, dtype=float) for v in (independence, determination, faith, obedience)]
    for name, part in zip(
        ("independence", "determination", "faith", "obedience"), parts, strict=True
    ):
        bad = ~np.isnan(part) & ~np.isin(part, (0.0, 1.0))
        if np.any(bad):
            raise ValueError(
                f"Y003 component {name!r} must be 0/1 (chosen or not); got {part[bad][:3]}"
            )
    value = parts[0] + parts[1] - parts[2] - parts[3]
    return value.item() if value.ndim == 0 else value

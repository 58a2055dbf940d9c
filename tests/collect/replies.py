"""Write replies for a plan's cells into a real store, parsed by each cell's own parser."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from llmvalues.collect import Plan, Store
from llmvalues.collect.plan import Cell
from llmvalues.collect.store import Attempt


def store_replies(
    plan: Plan,
    reply: Callable[[Cell], str],
    path: Path,
    distribution: Callable[[Cell], str | None] = lambda cell: None,
    export: Path | None = None,
) -> pd.DataFrame:
    """Record ``reply(cell)`` as each cell's one final attempt (with the log-prob
    ``distribution(cell)`` JSON, if any); return the Responses table, or with ``export``
    the store's export to that file read back as it is written."""
    with Store(path) as store:
        for cell in plan:
            raw = reply(cell)
            parsed = cell.parse(raw)
            dist = distribution(cell)
            store.record(
                Attempt(
                    cell_key=cell.key,
                    attempt=1,
                    final=True,
                    run_id="replies",
                    identity=cell.identity,
                    variant=cell.variant,
                    replicate=cell.replicate,
                    item=cell.item,
                    session=cell.session,
                    mode="chat",
                    prompt=cell.request.payload(),
                    raw=raw,
                    code=parsed.code,
                    status=parsed.status,
                    reason=parsed.reason,
                    model=plan.model,
                    backend="replies",
                    sampling=cell.request.sampling,
                    distribution=dist,
                    outside_mass=json.loads(dist)["outside"] if dist else None,
                    attrs=cell.attrs,
                )
            )
        if export is not None:
            return pd.read_csv(store.export(export, plan.keys))
        return store.to_responses(plan.keys)

"""Write replies for a plan's cells into a real store, parsed by each cell's own parser."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from llmvalues.collect import Plan, Store
from llmvalues.collect.plan import Cell
from llmvalues.collect.store import Attempt


def store_replies(plan: Plan, reply: Callable[[Cell], str], path: Path) -> pd.DataFrame:
    """Record ``reply(cell)`` as each cell's one final attempt; return the Responses table."""
    with Store(path) as store:
        for cell in plan:
            raw = reply(cell)
            parsed = cell.parse(raw)
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
                    attrs=cell.attrs,
                )
            )
        return store.to_responses(plan.keys)

"""Simulated Responses tables: identities with their own answer tendencies, refusals optional."""

from __future__ import annotations

import numpy as np
import pandas as pd

from llmvalues.iw.items import ITEMS, VALID_CODES


def simulated_responses(
    identities=("m1", "m2", "m3"),
    variants: int = 10,
    replicates: int = 1,
    seed: int = 0,
    refusal_rate: float = 0.0,
) -> pd.DataFrame:
    """Tidy answers: each identity draws every item's code from its own Dirichlet shares."""
    rng = np.random.default_rng(seed)
    rows = []
    for identity in identities:
        shares = {i: rng.dirichlet(np.full(len(VALID_CODES[i]), 0.7)) for i in ITEMS}
        for v in range(variants):
            for r in range(replicates):
                for item in ITEMS:
                    refused = rng.random() < refusal_rate
                    code = (
                        np.nan if refused else float(rng.choice(VALID_CODES[item], p=shares[item]))
                    )
                    rows.append(
                        {
                            "identity": identity,
                            "variant": f"v{v}",
                            "replicate": r,
                            "item": item,
                            "code": code,
                            "status": "refusal" if refused else "ok",
                        }
                    )
    return pd.DataFrame(rows)

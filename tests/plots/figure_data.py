"""Data the figure tests draw: real SmolLM2 answers, and crowded answer tables with long names."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from llmvalues.iw.items import ITEMS, VALID_CODES

DATA = Path(__file__).parent / "data"
SMOLLM2_IVS = DATA / "smollm2_ivs10.csv"
SMOLLM2_QA = DATA / "smollm2_univar_qa.csv"

LONG_MODEL = "meta-llama/Llama-3.3-70B-Instruct"
CROWD = (
    "",
    "Japan",
    "United States",
    "Nigeria",
    "Sweden",
    "China",
    "Brazil",
    "India",
    "Germany",
    "Russia",
    "Egypt",
    "Mexico",
)


def crowded_responses(
    countries=CROWD, variants: int = 6, spread: float = 0.01, seed: int = 0
) -> pd.DataFrame:
    """One model prompted as many countries that barely moves: a cluster of long names.

    Every identity answers from the same item shares nudged by ``spread`` (Dirichlet
    concentration), so their map positions sit close together, like a small model's.
    """
    rng = np.random.default_rng(seed)
    base = {i: rng.dirichlet(np.full(len(VALID_CODES[i]), 2.0)) for i in ITEMS}
    rows = []
    for country in countries:
        identity = f"{LONG_MODEL} | {country}" if country else LONG_MODEL
        shares = {i: rng.dirichlet(base[i] / spread) for i in ITEMS}
        for v in range(variants):
            for item in ITEMS:
                rows.append(
                    {
                        "identity": identity,
                        "variant": f"v{v}",
                        "replicate": 0,
                        "item": item,
                        "code": float(rng.choice(VALID_CODES[item], p=shares[item])),
                        "status": "ok",
                        "model": LONG_MODEL,
                        "country": country,
                    }
                )
    return pd.DataFrame(rows)


def smollm2_responses() -> pd.DataFrame:
    """The bundled SmolLM2's answers collected by ``docs/make_figures.py --collect``."""
    return pd.read_csv(SMOLLM2_IVS, keep_default_na=False, na_values=[""])

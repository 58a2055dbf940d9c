"""A small simulated study for the report tests: three identities, fitted both ways."""

from __future__ import annotations

import numpy as np
import pandas as pd

from llmvalues.iw.bayes.simulate import draw_truth, simulate_responses
from llmvalues.responses import validate_responses

COUNTRY = {"id00": "", "id01": "Sweden", "id02": "Japan"}
LONG_REPLY = "I would rather explain at length. " * 100  # > Stata's 2,045-byte str limit
FAST = {"draws": 100, "tune": 100, "chains": 1, "random_seed": 3, "warn": False}


def simulated_responses() -> pd.DataFrame:
    """Three identities (a baseline and two cultural prompts) × 3 variants × 2 replicates."""
    rng = np.random.default_rng(7)
    truth = draw_truth(3, 3, rng, variant_scale=0.4, interaction_scale=0.1)
    df = simulate_responses(truth, 2, rng, refusal_rate=0.05)
    df["raw"] = np.where(
        df["status"] == "ok", df["code"].map(lambda c: f"{c:g}"), "I'd rather not say"
    )
    first_refusal = df.index[df["status"] != "ok"][0]
    df.loc[first_refusal, "raw"] = LONG_REPLY
    df["reason"] = np.where(df["status"] == "ok", "", "refusal phrase")
    df["model"] = "m"
    df["country"] = df["identity"].map(COUNTRY)
    df["descriptor"] = df["variant"]
    return validate_responses(df)

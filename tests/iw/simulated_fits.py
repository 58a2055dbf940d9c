"""Simulated Responses with known truth and the sampler settings the map-fit tests share."""

from __future__ import annotations

import numpy as np

from llmvalues.iw.bayes.simulate import draw_truth, simulate_responses

# short runs: enough for the positions (R-hat < 1.05), not for every nuisance parameter
FAST = {"draws": 300, "tune": 300, "chains": 2, "random_seed": 11, "warn": False}

# identity → (model, collected_at, country it was prompted as; "" = unprompted)
ATTRS = {
    "id00": ("m", "2024-05", ""),
    "id01": ("m", "2024-11", "Sweden"),
    "id02": ("m", "2025-02", "Japan"),
}


def three_identities(seed: int = 5):
    """Truth and Responses: 3 identities × 4 variants × 3 replicates, 5% refusals, attributes."""
    rng = np.random.default_rng(seed)
    truth = draw_truth(3, 4, rng, variant_scale=0.5, interaction_scale=0.2)
    df = simulate_responses(truth, 3, rng, refusal_rate=0.05)
    df["model"] = df["identity"].map(lambda i: ATTRS[i][0])
    df["collected_at"] = df["identity"].map(lambda i: ATTRS[i][1])
    df["country"] = df["identity"].map(lambda i: ATTRS[i][2])
    return truth, df

"""A small simulated study for the report tests: three identities, fitted both ways."""

from __future__ import annotations

import numpy as np
import pytest

from llmvalues.fit import fit_map
from llmvalues.iw.bayes.simulate import draw_truth, simulate_responses
from llmvalues.report import ReportContent
from llmvalues.responses import validate_responses

COUNTRY = {"id00": "", "id01": "Sweden", "id02": "Japan"}
LONG_REPLY = "I would rather explain at length. " * 100  # > Stata's 2,045-byte str limit
FAST = {"draws": 100, "tune": 100, "chains": 1, "random_seed": 3, "warn": False}


@pytest.fixture(scope="session")
def simulated_responses():
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


@pytest.fixture(scope="session")
def simulated_fits(simulated_responses):
    hierarchical = fit_map(simulated_responses, **FAST)
    classic = fit_map(simulated_responses, method="classic", random_seed=0)
    return {"hierarchical": hierarchical, "classic": classic}


@pytest.fixture(scope="session")
def simulated_content(simulated_responses, simulated_fits):
    return ReportContent(
        "A simulated study",
        simulated_fits,
        simulated_responses,
        description="Three simulated identities, three prompt variants, two replicates.",
        settings={"study": "simulated", "sampling": {"temperature": 0.7}},
        provenance={"llmvalues": "test", "model": "m", "collected": "2026-01-01"},
        citations=["Tao, Viberg, Baker & Kizilcec (2024). PNAS Nexus 3(9), pgae346."],
        notes=["Simulated answers, not a model's."],
        metrics=("mean_distance", "cultural_prompting", "prompt_sensitivity"),
    )

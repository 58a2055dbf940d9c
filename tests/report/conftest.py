"""Fixtures of the report tests: the simulated study of :mod:`tests.report.simulated`."""

from __future__ import annotations

import pytest

from llmvalues.fit import fit_map
from llmvalues.report import ReportContent
from tests.report import simulated


@pytest.fixture(scope="session")
def simulated_responses():
    return simulated.simulated_responses()


@pytest.fixture(scope="session")
def simulated_fits(simulated_responses):
    hierarchical = fit_map(simulated_responses, **simulated.FAST)
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

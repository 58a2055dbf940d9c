"""Fits and results every figure test draws: real SmolLM2 answers and crowded answer tables."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from llmvalues.fit import fit_map
from tests.plots.figure_data import crowded_responses, smollm2_responses

# short runs: enough for the figures, not for inference
QUICK = {"draws": 150, "tune": 200, "chains": 2, "random_seed": 3, "warn": False}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="session")
def smollm2():
    """The bundled SmolLM2's answers (tests/plots/data, made by docs/make_figures.py)."""
    return smollm2_responses()


@pytest.fixture(scope="session")
def smollm2_fit(smollm2):
    """Hierarchical fit of 15 SmolLM2 identities (11 cultural prompts, 4 temperatures)."""
    return fit_map(smollm2, "hall2025", method="hierarchical", **QUICK)


@pytest.fixture(scope="session")
def crowded():
    return crowded_responses()


@pytest.fixture(scope="session")
def crowded_fit(crowded):
    """Classic fit of 12 identities with long names in one tight cluster."""
    return fit_map(crowded, "hall2025", method="classic", n_bootstrap=200)


@pytest.fixture(scope="session")
def band(smollm2_fit):
    """The preset band of four SmolLM2 identities, with their credible radius."""
    from llmvalues.iw.bayes.posterior import flat
    from llmvalues.iw.sensitivity import preset_band

    draws = flat(smollm2_fit.idata, "expected_answer")[:, :4]
    names = smollm2_fit.identities[:4]
    expected = pd.DataFrame(draws.mean(0), index=names, columns=list(smollm2_fit.data.items))
    return preset_band(expected, draws=draws, level=0.9)


@pytest.fixture(scope="session")
def cfa_result():
    from llmvalues.iw import cfa_map
    from llmvalues.responses import from_wide
    from tests.iw.test_cfa_map import simulate_humans, simulate_sets

    wide = simulate_sets(n_id=6, n_var=8, n_rep=5)
    sets = from_wide(wide, identity="identity", variant="variant", replicate="replicate")
    return cfa_map(sets, humans=simulate_humans(n=800))


@pytest.fixture(scope="session")
def valuelex_parts():
    """(loading table, factor names, term clusters, assignment, model scores) of a simulated
    ValueLex study; term embeddings from the planted loadings (no encoder needed)."""
    from llmvalues.valuelex.cluster import cluster_terms
    from llmvalues.valuelex.ratings import rating_matrix
    from llmvalues.valuelex.simulate import simulate_study
    from llmvalues.valuelex.structure import fit_structure
    from llmvalues.valuelex.study import model_scores
    from llmvalues.valuelex.taxonomy import name_factors

    study = simulate_study(n_respondents=240, n_models=3, model_effect=0.8, seed=7)
    matrix = rating_matrix(study.ratings)
    structure = fit_structure(matrix.data, seed=0)
    rng = np.random.default_rng(0)
    planted = study.loadings.loc[matrix.terms].to_numpy()
    vectors = planted + rng.normal(0, 0.15, planted.shape)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    clusters = cluster_terms(list(matrix.terms), vectors, structure.n_factors)
    scores = model_scores(matrix.data, structure.table, matrix.models, n_boot=200)
    names = name_factors(structure.table)
    return structure.table, names, clusters, structure.assignment, scores

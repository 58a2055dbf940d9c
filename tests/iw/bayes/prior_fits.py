"""Hierarchical map fits made of prior draws: a real model and result without sampling.

Prior draws stand in for a posterior wherever a test checks arithmetic on the draws (the
refusal bounds, the pointwise log-likelihood, item influence): every computation reads
arrays of the model's parameters and does not care how they were drawn.
"""

from __future__ import annotations

import warnings

import arviz as az
import pandas as pd
import pymc as pm

from llmvalues.iw.bayes.data import aggregate_responses
from llmvalues.iw.bayes.estimator import attach_positions
from llmvalues.iw.bayes.model import Priors, build_model
from llmvalues.iw.bayes.results import HierarchicalMapFit
from llmvalues.iw.presets import load_preset
from llmvalues.responses import validate_responses


def prior_fit(
    responses: pd.DataFrame,
    draws: int = 100,
    seed: int = 3,
    link: str = "logit",
    estimand: str = "asked",
    interaction: bool | str = "auto",
) -> HierarchicalMapFit:
    """A HierarchicalMapFit whose "posterior" is ``draws`` prior draws (one chain)."""
    responses = validate_responses(responses)
    data = aggregate_responses(responses)
    priors = Priors.default(link)
    model = build_model(data, priors, link, interaction, "noncentred")
    with model, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*Potential.*")
        prior = pm.sample_prior_predictive(draws=draws, random_seed=seed)
    idata = az.InferenceData(posterior=prior.prior)
    preset = load_preset("hall2025")
    attach_positions(idata, data, model.structure, link, preset, estimand, seed, responses)
    settings = {
        "estimand": estimand,
        "answers": "sampled",
        "interaction": interaction,
        "parametrization": "noncentred",
        "draws": draws,
        "tune": 0,
        "chains": 1,
        "cores": 1,
        "target_accept": 0.9,
        "random_seed": seed,
    }
    return HierarchicalMapFit(preset, data, idata, priors, link, model.structure, settings)

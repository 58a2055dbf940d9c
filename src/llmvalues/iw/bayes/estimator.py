"""Bayesian hierarchical ordinal model of IVS answers → map positions with credible intervals.

``fit_hierarchical(responses, preset)`` is what ``fit_map(..., method="hierarchical")``
calls; :class:`HierarchicalMap` is the same thing as a scikit-learn-like estimator.
The model is described in :mod:`llmvalues.iw.bayes.model` and docs/hierarchical.md.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pymc as pm

from llmvalues.iw.bayes import inference_data as infdata
from llmvalues.iw.bayes.data import aggregate_responses
from llmvalues.iw.bayes.model import (
    Priors,
    build_model,
    cutpoints_numpy,
    expected_answers,
)
from llmvalues.iw.bayes.results import HierarchicalMapFit
from llmvalues.iw.presets import Preset, load_preset

POSITIONS = ("conditional", "marginal")


def _check_sampler_args(draws: int, tune: int, chains: int) -> None:
    for name, value, low in (("draws", draws, 50), ("tune", tune, 50), ("chains", chains, 1)):
        if not isinstance(value, int | np.integer) or value < low:
            raise ValueError(f"{name} must be an integer ≥ {low}, got {value!r}")


def default_cores(chains: int) -> int:
    """Processes for the chains: every CPU this process may use, at most one per chain.

    PyMC's own default assumes half the CPUs are hyper-threads and so samples a 2-CPU
    machine's chains one after another; this counts the CPUs actually available.
    """
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    return max(1, min(chains, available))


def posterior_positions(
    idata, codes, link: str, preset: Preset, position: str = "conditional"
) -> tuple[np.ndarray, np.ndarray]:
    """Posterior expected answers (chain, draw, I, J) and map positions (chain, draw, I, 2)."""
    if position not in POSITIONS:
        raise ValueError(f"position must be one of {POSITIONS}, got {position!r}")
    location = infdata.posterior_array(idata, "location")
    gaps = infdata.posterior_array(idata, "cut_gap")
    cuts = [c[:, :, None, :] for c in cutpoints_numpy(gaps, np.array([len(c) for c in codes]))]
    spread = None
    if position == "marginal":
        var = np.zeros(location.shape[:2] + location.shape[-1:])
        for name in ("variant_scale", "interaction_scale"):
            if infdata.has_variable(idata, name):
                var = var + infdata.posterior_array(idata, name) ** 2
        spread = np.broadcast_to(np.sqrt(var)[:, :, None, :], location.shape)
    expected = expected_answers(location, cuts, codes, link, spread=spread)
    return expected, preset.project_array(expected)


def fit_hierarchical(
    responses: pd.DataFrame,
    preset: Preset | str = "hall2025",
    *,
    link: str = "logit",
    priors: Priors | dict[str, float] | None = None,
    answers: str = "sampled",
    interaction: bool | str = "auto",
    parametrization: str = "auto",
    position: str = "conditional",
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    cores: int | None = None,
    target_accept: float = 0.9,
    random_seed: int | None = None,
    progressbar: bool = False,
    warn: bool = True,
) -> HierarchicalMapFit:
    """Fit the hierarchical ordinal model and return map positions with credible intervals.

    ``link``: "logit" (cumulative logit) or "probit". ``priors``: a :class:`Priors` or a dict
    of fields to change from the defaults. ``answers``: "sampled" (parsed answers), "probs"
    (log-prob distributions as expected counts where stored, else the sampled answer) or
    "both". ``interaction``: identity × variant effects ("auto": when ≥ 2 identities and
    ≥ 2 variants). ``position``: "conditional" (expected answers at the average prompt
    variant) or "marginal" (averaged over the variant distribution). ``parametrization``:
    "auto" (centred effects where groups hold ≥ 40 answers), "centred" or "noncentred".
    ``cores``: processes for the chains (default :func:`default_cores`: one per chain, up to
    the CPUs available).
    """
    if position not in POSITIONS:
        raise ValueError(f"position must be one of {POSITIONS}, got {position!r}")
    _check_sampler_args(draws, tune, chains)
    preset = load_preset(preset)
    if isinstance(priors, dict):
        priors = Priors.default(link).update(**priors)
    priors = priors or Priors.default(link)
    data = aggregate_responses(responses, answers=answers)
    model = build_model(
        data, priors=priors, link=link, interaction=interaction, parametrization=parametrization
    )
    with model, warnings.catch_warnings():
        # harmless here (the model's only matrix product is 60 × 34; see docs/hierarchical.md)
        warnings.filterwarnings("ignore", message="PyTensor could not link to a BLAS")
        idata = pm.sample(
            draws=draws,
            tune=tune,
            chains=chains,
            cores=cores or default_cores(chains),
            target_accept=target_accept,
            random_seed=random_seed,
            progressbar=progressbar,
            compute_convergence_checks=False,
        )
    expected, xy = posterior_positions(idata, data.codes, link, preset, position)
    coords = {"identity": data.identities, "item": data.items, "axis": ["x", "y"]}
    infdata.add_posterior(idata, "expected_answer", expected, ("identity", "item"), coords)
    infdata.add_posterior(idata, "position", xy, ("identity", "axis"), coords)
    fit = HierarchicalMapFit(
        preset=preset,
        data=data,
        idata=idata,
        priors=priors,
        link=link,
        structure=model.structure,  # type: ignore[attr-defined]
        settings={
            "answers": answers,
            "parametrization": parametrization,
            "position": position,
            "draws": draws,
            "tune": tune,
            "chains": chains,
            "target_accept": target_accept,
            "random_seed": random_seed,
        },
    )
    if warn:
        for message in fit.diagnostics.problems():
            warnings.warn(message, RuntimeWarning, stacklevel=2)
    return fit


class HierarchicalMap:
    """scikit-learn-like estimator: ``HierarchicalMap(**options).fit(responses).result_``."""

    def __init__(self, preset: Preset | str = "hall2025", **options: Any) -> None:
        self.preset = preset
        self.options = options

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"preset": self.preset, **self.options}

    def set_params(self, **params: Any) -> HierarchicalMap:
        if "preset" in params:
            self.preset = params.pop("preset")
        self.options.update(params)
        return self

    def fit(self, responses: pd.DataFrame) -> HierarchicalMap:
        """Fit to a Responses table; the result lands in ``result_`` (and ``centroids_``)."""
        self.result_ = fit_hierarchical(responses, self.preset, **self.options)
        self.centroids_ = self.result_.centroids
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"HierarchicalMap({args})"


__all__ = ["HierarchicalMap", "HierarchicalMapFit", "Priors", "fit_hierarchical"]

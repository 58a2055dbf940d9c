"""Bayesian hierarchical ordinal model of IVS answers → map positions with credible intervals.

:class:`HierarchicalMap` is the estimator (scikit-learn's contract: keyword arguments,
nothing computed in ``__init__``, ``fit`` returns self, fitted attributes end in ``_``);
:func:`fit_hierarchical` is the same as one function call, and
``fit_map(..., method="hierarchical")`` uses the same estimator. The model is described in
:mod:`llmvalues.iw.bayes.model` and docs/hierarchical.md.
"""

from __future__ import annotations

import inspect
import os
import warnings
from typing import Any

import numpy as np
import pandas as pd

from llmvalues.iw.bayes import inference_data as infdata
from llmvalues.iw.bayes.data import (
    CellCounts,
    aggregate_responses,
    check_answers,
    check_replicates,
)
from llmvalues.iw.bayes.model import (
    PARAMETRIZATIONS,
    Priors,
    build_model,
    check_link,
)
from llmvalues.iw.bayes.pairs import record_answered
from llmvalues.iw.bayes.positions import posterior_positions
from llmvalues.iw.bayes.results import HierarchicalMapFit
from llmvalues.iw.bayes.sampling import check_sampler, sample
from llmvalues.iw.estimands import DEFAULT_ESTIMAND, check_estimand
from llmvalues.iw.presets import DEFAULT_PRESET, Preset, load_preset
from llmvalues.responses import validate_responses

SAMPLER_SETTINGS = (
    "sampler",
    "float32",
    "draws",
    "tune",
    "chains",
    "cores",
    "target_accept",
    "random_seed",
)


def default_cores(chains: int) -> int:
    """Processes for the chains: every CPU this process may use, at most one per chain.

    PyMC's own default assumes half the CPUs are hyper-threads and so samples a 2-CPU
    machine's chains one after another; this counts the CPUs actually available.

    Parameters
    ----------
    chains
        Number of chains.

    Returns
    -------
    int
    """
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    return max(1, min(chains, available))


def attach_positions(
    idata,
    data: CellCounts,
    structure: dict[str, bool],
    link: str,
    preset: Preset,
    estimand: str,
    seed: int | None,
    responses: pd.DataFrame | None,
) -> None:
    """Add the map positions and the answered counts to a sampled InferenceData.

    The posterior gains ``expected_answer`` and ``position`` (for ``estimand``) and
    ``variant_position``; ``constant_data`` the response sets and answered replies per
    identity × variant (:func:`llmvalues.iw.bayes.pairs.record_answered`).

    Parameters
    ----------
    idata
        The posterior (changed in place).
    data, structure, link
        The counts, random-effect structure and link of the model.
    preset
        The projection.
    estimand
        ``"asked"``, ``"new"`` or ``"typical"``.
    seed
        Seed of the draws of unobserved identity × variant effects.
    responses
        The validated Responses table (None: no answered counts).
    """
    positions = posterior_positions(idata, data, structure, link, preset, estimand, seed)
    coords = {
        "identity": data.identities,
        "item": data.items,
        "axis": ["x", "y"],
        "pair": range(positions.variant_position.shape[2]),
    }
    infdata.add_posterior(
        idata, "expected_answer", positions.expected, ("identity", "item"), coords
    )
    infdata.add_posterior(idata, "position", positions.position, ("identity", "axis"), coords)
    infdata.add_posterior(
        idata, "variant_position", positions.variant_position, ("pair", "axis"), coords
    )
    if responses is not None:
        record_answered(idata, data, responses)


class HierarchicalMap:
    """The hierarchical map model as an estimator: ``HierarchicalMap(...).fit(responses)``.

    Parameters
    ----------
    preset
        A built-in preset name or a :class:`~llmvalues.iw.presets.Preset`.
    link
        ``"logit"`` (cumulative logit) or ``"probit"``.
    priors
        A :class:`~llmvalues.iw.bayes.model.Priors`, a dict of fields to change from the
        link's defaults, or ``None`` for the defaults.
    answers
        ``"sampled"`` (parsed answers) or ``"probs"`` (an answered reply's log-prob
        distribution as expected counts where it has one, weighted by its probability on
        the listed options, else its sampled answer; the items fed by both are stated).
    replicates
        ``"auto"`` (default: cells asked at a recorded temperature of 0 are deterministic,
        their replicates one observation; with no temperature recorded, likewise when
        every repeated cell answered alike, with a warning; above temperature 0,
        replicates repeating a recorded sampling ``seed`` on one backend are one draw),
        ``"independent"`` (every replicate an independent draw) or ``"collapse"`` (every
        cell deterministic).
    interaction
        Identity × variant effects: ``"auto"`` (when ≥ 2 identities and ≥ 2 variants),
        ``True`` or ``False``.
    parametrization
        ``"auto"`` (centred effects where groups hold ≥ 40 answers), ``"centred"`` or
        ``"noncentred"``.
    estimand
        What a position estimates (:mod:`llmvalues.iw.estimands`): ``"asked"`` (default;
        the mean over the prompt variants each identity was asked of its expected answer
        to each under the sampling settings used — at temperature 0 the answer given, so
        exact where every prompt was answered), ``"new"`` (under a new prompt variant drawn
        from the estimated distribution: the uncertainty about prompts not asked) or
        ``"typical"`` (at a typical prompt, latent variant effects 0).
    sampler
        The NUTS implementation (:mod:`llmvalues.iw.bayes.sampling`): ``"pymc"``,
        ``"nutpie"`` (numba) or ``"numpyro"`` (JAX; GPU-ready); the last two need
        ``llmvalues[fast]``. Same model, same posterior.
    float32
        With ``sampler="numpyro"``: compute in 32-bit floats (the usual choice on a GPU).
    draws, tune, chains
        NUTS draws kept and tuning steps per chain, and the number of chains.
    cores
        Processes for the chains (``None``: :func:`default_cores`).
    target_accept
        NUTS target acceptance rate.
    random_seed
        Seed of the sampler (and of the draws of unobserved identity × variant effects).
    progressbar
        Show PyMC's progress bar.
    warn
        Warn with the diagnostics' advice when a convergence check fails.

    Attributes
    ----------
    result_ : HierarchicalMapFit
        The fit (after :meth:`fit`).
    centroids_ : pandas.DataFrame
        ``result_.centroids``.
    idata_ : arviz.InferenceData
        ``result_.idata``.
    diagnostics_ : Diagnostics
        ``result_.diagnostics``.
    """

    def __init__(
        self,
        preset: Preset | str = DEFAULT_PRESET,
        *,
        link: str = "logit",
        priors: Priors | dict[str, float] | None = None,
        answers: str = "sampled",
        replicates: str = "auto",
        interaction: bool | str = "auto",
        parametrization: str = "auto",
        estimand: str = DEFAULT_ESTIMAND,
        sampler: str = "pymc",
        float32: bool = False,
        draws: int = 1000,
        tune: int = 1000,
        chains: int = 4,
        cores: int | None = None,
        target_accept: float = 0.9,
        random_seed: int | None = None,
        progressbar: bool = False,
        warn: bool = True,
    ) -> None:
        self.preset = preset
        self.link = link
        self.priors = priors
        self.answers = answers
        self.replicates = replicates
        self.interaction = interaction
        self.parametrization = parametrization
        self.estimand = estimand
        self.sampler = sampler
        self.float32 = float32
        self.draws = draws
        self.tune = tune
        self.chains = chains
        self.cores = cores
        self.target_accept = target_accept
        self.random_seed = random_seed
        self.progressbar = progressbar
        self.warn = warn

    # ----- scikit-learn's parameter protocol -------------------------------------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's arguments as set now.

        Parameters
        ----------
        deep
            Accepted for scikit-learn compatibility (no nested estimators here).

        Returns
        -------
        dict
        """
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> HierarchicalMap:
        """Change constructor arguments; unknown names are an error.

        Parameters
        ----------
        **params
            New values.

        Returns
        -------
        HierarchicalMap
            ``self``.
        """
        unknown = sorted(set(params) - set(self._param_names()))
        if unknown:
            raise ValueError(
                f"invalid parameter(s) {unknown} for HierarchicalMap; valid: {self._param_names()}"
            )
        for name, value in params.items():
            setattr(self, name, value)
        return self

    # ----- fitting ---------------------------------------------------------------------------
    def _checked(self) -> tuple[Preset, Priors]:
        """Check every setting (before any work) and resolve the preset and the priors."""
        check_link(self.link)
        check_answers(self.answers)
        check_replicates(self.replicates)
        check_estimand(self.estimand)
        check_sampler(self.sampler, self.float32)
        if self.parametrization not in PARAMETRIZATIONS:
            raise ValueError(
                f"parametrization must be one of {PARAMETRIZATIONS}, got {self.parametrization!r}"
            )
        for name, low in (("draws", 50), ("tune", 50), ("chains", 1)):
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or value < low:
                raise ValueError(f"{name} must be an integer ≥ {low}, got {value!r}")
        if not 0 < self.target_accept < 1:
            raise ValueError(f"target_accept must be in (0, 1), got {self.target_accept!r}")
        if isinstance(self.priors, dict):
            priors = Priors.default(self.link).update(**self.priors)
        else:
            priors = self.priors or Priors.default(self.link)
        return load_preset(self.preset), priors

    def fit(self, responses: pd.DataFrame) -> HierarchicalMap:
        """Validate a tidy Responses table, fit the model, and keep the result in ``result_``.

        Parameters
        ----------
        responses
            The tidy Responses table (:func:`llmvalues.fit_map` also takes wide tables).

        Returns
        -------
        HierarchicalMap
            ``self``.

        Raises
        ------
        llmvalues.ResponsesError
            Bad input, naming the column, row and item.
        """
        self._checked()
        return self._fit_validated(validate_responses(responses))

    def _fit_validated(self, responses: pd.DataFrame) -> HierarchicalMap:
        """:meth:`fit` on an already validated table (``fit_map`` validates once)."""
        self._checked()
        data = aggregate_responses(responses, answers=self.answers, replicates=self.replicates)
        return self._fit_counts(data, responses)

    def _fit_counts(
        self, data: CellCounts, responses: pd.DataFrame | None = None
    ) -> HierarchicalMap:
        """Fit the model to counts; ``responses`` (the validated table they came from) add
        the answered counts per identity × variant, without which a fit has no refusal
        bounds (refits of the same counts, e.g. for prior sensitivity, need none)."""
        preset, priors = self._checked()
        model = build_model(
            data,
            priors=priors,
            link=self.link,
            interaction=self.interaction,
            parametrization=self.parametrization,
        )
        idata = sample(
            model,
            self.sampler,
            draws=self.draws,
            tune=self.tune,
            chains=self.chains,
            cores=self.cores or default_cores(self.chains),
            target_accept=self.target_accept,
            random_seed=self.random_seed,
            progressbar=self.progressbar,
            float32=self.float32,
        )
        structure = model.structure  # type: ignore[attr-defined]
        attach_positions(
            idata, data, structure, self.link, preset, self.estimand, self.random_seed, responses
        )
        settings = {
            name: getattr(self, name)
            for name in ("estimand", "answers", "replicates", "interaction", "parametrization")
        }
        settings |= {name: getattr(self, name) for name in SAMPLER_SETTINGS}
        settings["cores"] = self.cores or default_cores(self.chains)
        self.result_ = HierarchicalMapFit(
            preset=preset,
            data=data,
            idata=idata,
            priors=priors,
            link=self.link,
            structure=structure,
            settings=settings,
        )
        self.centroids_ = self.result_.centroids
        self.idata_ = idata
        self.diagnostics_ = self.result_.diagnostics
        if self.warn:
            for message in self.diagnostics_.problems():
                warnings.warn(message, RuntimeWarning, stacklevel=3)
        n_ok = int(data.status["n_ok"].sum())
        n_effective = float(data.status["n_effective"].sum())
        for message in [
            *(
                [
                    f"deterministic decoding ({data.determinism}): each cell's replicates count "
                    f"once, {n_ok} answered replies as {n_effective:g} effective answers"
                ]
                if data.determinism and n_effective < n_ok
                else []
            ),
            *([data.seeded] if data.seeded else []),
            *self.result_.pull_caveats(),
            *self.result_.calibration_caveats(),
        ]:
            warnings.warn(message, UserWarning, stacklevel=3)
        return self

    def __repr__(self) -> str:
        defaults = {
            p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()
        }
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items() if v != defaults[k])
        return f"HierarchicalMap({args})"


def fit_hierarchical(
    responses: pd.DataFrame, preset: Preset | str = DEFAULT_PRESET, **options: Any
) -> HierarchicalMapFit:
    """Fit the hierarchical map model: ``HierarchicalMap(preset, **options).fit(responses)``.

    Parameters
    ----------
    responses
        A tidy Responses table (validated here).
    preset
        A built-in preset name or a :class:`~llmvalues.iw.presets.Preset`.
    **options
        The keyword arguments of :class:`HierarchicalMap` (link, priors, answers,
        replicates, interaction, parametrization, estimand, sampler, float32, draws, tune,
        chains, cores, target_accept, random_seed, progressbar, warn).

    Returns
    -------
    HierarchicalMapFit
    """
    return HierarchicalMap(preset, **options).fit(responses).result_


__all__ = ["HierarchicalMap", "HierarchicalMapFit", "Priors", "fit_hierarchical"]

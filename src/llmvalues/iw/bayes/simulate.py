"""Simulate Responses from the hierarchical map model with known truth (recovery, calibration).

The truth is drawn from the fitting priors by default; every departure a calibration
study needs is a keyword: heavier-tailed prompt effects (Student-t with 3 df),
identity-specific cut-points (response styles the model does not have), deterministic
answers (the answer to a prompt is the mode of its answer distribution, as greedy
decoding at temperature 0 gives) and refusals that depend on the answer (missing not at
random). Each estimand's true value is computed for the design as it was simulated —
by the same functions as the fit's positions where the model's form holds, by Monte
Carlo over new prompts where it does not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from llmvalues.instruments import load_instrument
from llmvalues.iw.bayes.model import (
    Priors,
    category_probs,
    cutpoints_numpy,
    draw_cut_gaps,
    expected_answers,
    item_units_numpy,
    reference_unit,
)
from llmvalues.iw.bayes.positions import by_variant, expected_new, mean_over_pairs
from llmvalues.iw.estimands import DEFAULT_ESTIMAND, check_estimand
from llmvalues.iw.items import ITEMS
from llmvalues.iw.presets import DEFAULT_PRESET, Preset, load_preset

PROMPT_EFFECTS = ("normal", "t3")
ANSWERS = ("sampled", "mode")
CONTENT_ITEMS = ("f063", "f118")  # refusals more likely towards the top of these scales
MC_PROMPTS = 20_000  # new prompts drawn for a Monte Carlo truth of "new"


def _item_codes() -> tuple[tuple[int, ...], ...]:
    instrument = load_instrument()
    return tuple(tuple(instrument[i].codes) for i in ITEMS)


@dataclass(frozen=True)
class SimulationTruth:
    """Known parameters of a simulated data set, on the model's latent scale.

    ``variant_scale`` / ``interaction_scale`` are the latent SDs of the prompt effects
    (``prompt_effects`` says their distribution), ``gap_factor`` (identities × gaps, or
    None) multiplies each identity's cut-point gaps, and ``answer`` says whether a reply is
    a draw from the cell's category distribution (``"sampled"``) or its mode (``"mode"``:
    deterministic decoding).
    """

    location: np.ndarray  # (I, J)
    gaps: np.ndarray  # flat cut-point gaps (as in the model)
    variant_effect: np.ndarray  # (V, J)
    interaction: np.ndarray  # (I, V, J)
    variant_scale: np.ndarray  # (J,) SD of the variant effects
    interaction_scale: np.ndarray  # (J,) SD of the identity × variant effects (0 if none)
    link: str = "logit"
    prompt_effects: str = "normal"
    answer: str = "sampled"
    gap_factor: np.ndarray | None = None

    @property
    def identities(self) -> list[str]:
        return [f"id{i:02d}" for i in range(self.location.shape[0])]

    @property
    def variants(self) -> list[str]:
        return [f"v{v:02d}" for v in range(self.variant_effect.shape[0])]

    @property
    def codes(self) -> tuple[tuple[int, ...], ...]:
        return _item_codes()

    @property
    def n_categories(self) -> np.ndarray:
        return np.array([len(c) for c in self.codes])

    @property
    def cutpoints(self) -> list[np.ndarray]:
        """Shared cut-points per item (K − 1,)."""
        return cutpoints_numpy(self.gaps, self.n_categories)

    def identity_cutpoints(self) -> list[np.ndarray]:
        """Per item (I, K − 1): each identity's cut-points (its gaps times ``gap_factor``)."""
        n_ids = self.location.shape[0]
        factor = np.ones((n_ids, len(self.gaps))) if self.gap_factor is None else self.gap_factor
        return cutpoints_numpy(self.gaps[None] * factor, self.n_categories)

    @property
    def standard(self) -> bool:
        """The model's own form: normal effects, sampled answers, shared cut-points."""
        return (
            self.prompt_effects == "normal"
            and self.answer == "sampled"
            and (self.gap_factor is None)
        )

    def answers(self, eta: np.ndarray, j: int) -> np.ndarray:
        """Expected raw answer to item ``j`` at latent locations ``eta`` (I, …) — the mean
        of the category distribution, or its mode for deterministic answers."""
        cuts = self.identity_cutpoints()[j]
        cuts = cuts.reshape(cuts.shape[0], *([1] * (eta.ndim - 1)), cuts.shape[1])
        p = category_probs(eta, cuts, self.link)
        values = np.asarray(self.codes[j], dtype=float)
        if self.answer == "mode":
            return values[p.argmax(-1)]
        return p @ values

    def _effects(self, rng: np.random.Generator, size: tuple[int, ...], scale: np.ndarray):
        return draw_effects(rng, size, scale, self.prompt_effects)

    def expected(self, estimand: str = DEFAULT_ESTIMAND) -> np.ndarray:
        """(I, J) true expected raw answers for ``estimand`` (every variant asked of all).

        Parameters
        ----------
        estimand
            ``"asked"``, ``"new"`` or ``"typical"`` (:mod:`llmvalues.iw.estimands`).

        Returns
        -------
        numpy.ndarray
        """
        check_estimand(estimand)
        if self.standard:
            return self._expected_standard(estimand)
        n_ids, n_items = self.location.shape
        out = np.empty((n_ids, n_items))
        rng = np.random.default_rng(0)  # the same new prompts for every estimand call
        v = self._effects(rng, (MC_PROMPTS, n_items), self.variant_scale)
        inter = self._effects(rng, (n_ids, MC_PROMPTS, n_items), self.interaction_scale)
        for j in range(n_items):
            if estimand == "typical":
                eta = self.location[:, j]
            elif estimand == "asked":
                eta = (
                    self.location[:, None, j]
                    + self.variant_effect[None, :, j]
                    + self.interaction[..., j]
                )
            else:
                eta = self.location[:, None, j] + v[None, :, j] + inter[..., j]
            a = self.answers(eta, j)
            out[:, j] = a if a.ndim == 1 else a.mean(1)
        return out

    def _expected_standard(self, estimand: str) -> np.ndarray:
        cuts = self.cutpoints
        if estimand == "typical":
            return expected_answers(self.location, cuts, self.codes, self.link)
        if estimand == "new":
            variance = self.variant_scale**2 + self.interaction_scale**2
            return expected_new(self.location, cuts, self.codes, self.link, variance)
        n_ids, n_variants = self.interaction.shape[:2]
        pair_identity = np.repeat(np.arange(n_ids), n_variants)
        pair_variant = np.tile(np.arange(n_variants), n_ids)
        e = by_variant(
            self.location,
            self.variant_effect,
            self.interaction.reshape(n_ids * n_variants, -1),
            pair_identity,
            pair_variant,
            [c[None, :] for c in cuts],
            self.codes,
            self.link,
        )
        return mean_over_pairs(e, pair_identity, n_ids)

    def positions(
        self, preset: Preset | str = DEFAULT_PRESET, estimand: str = DEFAULT_ESTIMAND
    ) -> pd.DataFrame:
        """True map positions (identity × x, y) for ``estimand``.

        Parameters
        ----------
        preset
            The projection.
        estimand
            ``"asked"``, ``"new"`` or ``"typical"``.

        Returns
        -------
        pandas.DataFrame
        """
        xy = load_preset(preset).project_array(self.expected(estimand))
        return pd.DataFrame(
            xy, index=pd.Index(self.identities, name="identity"), columns=["x", "y"]
        )


def draw_effects(
    rng: np.random.Generator, size: tuple[int, ...], scale: np.ndarray, kind: str = "normal"
) -> np.ndarray:
    """Prompt effects with SD ``scale`` (last axis): normal, or Student-t with 3 df (same SD,
    heavier tails)."""
    if kind not in PROMPT_EFFECTS:
        raise ValueError(f"prompt_effects must be one of {PROMPT_EFFECTS}, got {kind!r}")
    if kind == "normal":
        return rng.normal(size=size) * scale
    return rng.standard_t(3, size=size) / np.sqrt(3.0) * scale


def draw_truth(
    n_identities: int,
    n_variants: int,
    rng: np.random.Generator,
    priors: Priors | None = None,
    link: str = "logit",
    interaction: bool = True,
    variant_scale: np.ndarray | float | None = None,
    interaction_scale: np.ndarray | float | None = None,
    spread: np.ndarray | float | None = None,
    prompt_effects: str = "normal",
    answer: str = "sampled",
    cut_shift: float = 0.0,
) -> SimulationTruth:
    """Draw every parameter from the priors (scales and spreads may be fixed instead).

    Parameters
    ----------
    n_identities, n_variants
        Design size.
    rng
        Random generator.
    priors
        Priors to draw from (the link's defaults by default).
    link
        ``"logit"`` or ``"probit"``.
    interaction
        Draw identity × variant effects (else they are 0).
    variant_scale, interaction_scale
        Fixed SDs (scalar or per item, in the model's units of ``item_unit``) instead of
        draws from their priors.
    spread
        Fixed cut-point spread (scalar or per item) instead of draws from its prior.
    prompt_effects
        ``"normal"`` (the model's form) or ``"t3"`` (Student-t with 3 df, same SD).
    answer
        ``"sampled"`` or ``"mode"`` (deterministic decoding: a reply is the mode of its
        cell's answer distribution).
    cut_shift
        SD of each identity's log factor on every cut-point gap (0: shared cut-points).

    Returns
    -------
    SimulationTruth
    """
    if answer not in ANSWERS:
        raise ValueError(f"answer must be one of {ANSWERS}, got {answer!r}")
    priors = priors or Priors.default(link)
    n_items = len(ITEMS)
    k = np.array([len(c) for c in _item_codes()])
    gaps = draw_cut_gaps(priors, k, link, rng, spread=spread)
    item_unit = item_units_numpy(gaps, k, link)
    unit = item_unit * np.array([reference_unit(int(n), link) for n in k])
    half = priors.location_sd / np.sqrt(2)
    mu = rng.normal(priors.location_mean, half, n_items)
    tau = np.abs(rng.normal(0.0, half, n_items))
    location = unit * (mu + tau * rng.normal(size=(n_identities, n_items)))
    if variant_scale is None:
        variant_scale = np.abs(rng.normal(0.0, priors.variant_sd, n_items))
    if interaction_scale is None:
        interaction_scale = np.abs(rng.normal(0.0, priors.interaction_sd, n_items))
    variant_scale = item_unit * np.broadcast_to(np.asarray(variant_scale, dtype=float), n_items)
    interaction_scale = item_unit * np.broadcast_to(
        np.asarray(interaction_scale, dtype=float), n_items
    )
    veff = draw_effects(rng, (n_variants, n_items), variant_scale, prompt_effects)
    if n_variants == 1:
        veff[:] = 0.0
        variant_scale = np.zeros(n_items)
    inter = draw_effects(
        rng, (n_identities, n_variants, n_items), interaction_scale, prompt_effects
    )
    if not interaction or n_variants == 1:
        inter[:] = 0.0
        interaction_scale = np.zeros(n_items)
    factor = (
        np.exp(rng.normal(0.0, cut_shift, (n_identities, len(gaps)))) if cut_shift > 0 else None
    )
    return SimulationTruth(
        location,
        gaps,
        veff,
        inter,
        variant_scale,
        interaction_scale,
        link,
        prompt_effects,
        answer,
        factor,
    )


def simulate_responses(
    truth: SimulationTruth,
    n_replicates: int,
    rng: np.random.Generator,
    refusal_rate: float = 0.0,
    content_refusals: float = 0.0,
) -> pd.DataFrame:
    """A Responses table (every identity × variant × item × replicate) drawn from ``truth``.

    Parameters
    ----------
    truth
        The known parameters.
    n_replicates
        Answers per identity × variant × item (all equal for deterministic answers).
    rng
        Random generator.
    refusal_rate
        Share of rows turned into refusals (no code), at random.
    content_refusals
        Mean refusal rate of F063 and F118 that grows with the answer (0 at the bottom of
        the scale, twice this at the top): refusals that depend on what the answer would
        have been (missing not at random).

    Returns
    -------
    pandas.DataFrame
        identity, variant, replicate, item, code, status, temperature (1 for sampled
        answers, 0 for deterministic ones; not yet validated).
    """
    eta = truth.location[:, None, :] + truth.variant_effect[None] + truth.interaction
    codes = truth.codes
    frames = []
    ids, variants = truth.identities, truth.variants
    identity_cuts = truth.identity_cutpoints()
    for j, (item, cuts) in enumerate(zip(ITEMS, identity_cuts, strict=True)):
        p = category_probs(eta[..., j], cuts[:, None, :], truth.link)  # (I, V, K)
        if truth.answer == "mode":
            category = np.repeat(p.argmax(-1)[..., None], n_replicates, axis=-1)
        else:
            u = rng.random((*p.shape[:2], n_replicates))
            category = (u[..., None] > np.cumsum(p, axis=-1)[:, :, None, :]).sum(-1)
            category = np.minimum(category, p.shape[-1] - 1)
        code = np.asarray(codes[j])[category].astype(float)
        i_idx, v_idx, r_idx = np.indices(category.shape)
        frames.append(
            pd.DataFrame(
                {
                    "identity": np.asarray(ids)[i_idx.ravel()],
                    "variant": np.asarray(variants)[v_idx.ravel()],
                    "replicate": r_idx.ravel(),
                    "item": item,
                    "code": code.ravel(),
                    "position": (category / (p.shape[-1] - 1)).ravel(),
                }
            )
        )
    df = pd.concat(frames, ignore_index=True)
    df["status"] = "ok"
    df["temperature"] = 0.0 if truth.answer == "mode" else 1.0
    refused = rng.random(len(df)) < refusal_rate
    if content_refusals > 0:
        on_item = df["item"].isin(CONTENT_ITEMS).to_numpy()
        chance = np.minimum(2 * content_refusals * df["position"].to_numpy(), 1.0)
        refused |= on_item & (rng.random(len(df)) < chance)
    df.loc[refused, "status"] = "refusal"
    df.loc[refused, "code"] = np.nan
    return df.drop(columns="position")

"""Simulate Responses from the hierarchical map model with known truth (recovery, calibration)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from llmvalues.instruments import load_instrument
from llmvalues.iw.bayes.model import (
    Priors,
    category_probs,
    cutpoints_numpy,
    expected_answers,
    reference_gaps,
)
from llmvalues.iw.bayes.positions import by_variant, expected_new, mean_over_pairs
from llmvalues.iw.estimands import DEFAULT_ESTIMAND, check_estimand
from llmvalues.iw.items import ITEMS
from llmvalues.iw.presets import DEFAULT_PRESET, Preset, load_preset


@dataclass(frozen=True)
class SimulationTruth:
    """Known parameters of a simulated data set, on the model's latent scale."""

    location: np.ndarray  # (I, J)
    gaps: np.ndarray  # flat cut-point gaps (as in the model)
    variant_effect: np.ndarray  # (V, J)
    interaction: np.ndarray  # (I, V, J)
    variant_scale: np.ndarray  # (J,) SD of the variant effects
    interaction_scale: np.ndarray  # (J,) SD of the identity × variant effects (0 if none)
    link: str = "logit"

    @property
    def identities(self) -> list[str]:
        return [f"id{i:02d}" for i in range(self.location.shape[0])]

    @property
    def variants(self) -> list[str]:
        return [f"v{v:02d}" for v in range(self.variant_effect.shape[0])]

    @property
    def codes(self) -> tuple[tuple[int, ...], ...]:
        instrument = load_instrument()
        return tuple(tuple(instrument[i].codes) for i in ITEMS)

    @property
    def cutpoints(self) -> list[np.ndarray]:
        return cutpoints_numpy(self.gaps, np.array([len(c) for c in self.codes]))

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


def draw_truth(
    n_identities: int,
    n_variants: int,
    rng: np.random.Generator,
    priors: Priors | None = None,
    link: str = "logit",
    interaction: bool = True,
    variant_scale: np.ndarray | float | None = None,
    interaction_scale: np.ndarray | float | None = None,
) -> SimulationTruth:
    """Draw every parameter from the priors (scales may be fixed instead).

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
        Fixed SDs (scalar or per item) instead of draws from their priors.

    Returns
    -------
    SimulationTruth
    """
    priors = priors or Priors.default(link)
    n_items = len(ITEMS)
    codes = [len(load_instrument()[i].codes) for i in ITEMS]
    ref = np.concatenate([reference_gaps(k, link) for k in codes if k > 2])
    location = rng.normal(priors.location_mean, priors.location_sd, (n_identities, n_items))
    gaps = ref * np.exp(rng.normal(0.0, priors.gap_sd, ref.shape))
    if variant_scale is None:
        variant_scale = np.abs(rng.normal(0.0, priors.variant_sd, n_items))
    if interaction_scale is None:
        interaction_scale = np.abs(rng.normal(0.0, priors.interaction_sd, n_items))
    variant_scale = np.broadcast_to(np.asarray(variant_scale, dtype=float), (n_items,)).copy()
    interaction_scale = np.broadcast_to(
        np.asarray(interaction_scale, dtype=float), (n_items,)
    ).copy()
    veff = rng.normal(size=(n_variants, n_items)) * variant_scale
    if n_variants == 1:
        veff[:] = 0.0
        variant_scale[:] = 0.0
    inter = rng.normal(size=(n_identities, n_variants, n_items)) * interaction_scale
    if not interaction or n_variants == 1:
        inter[:] = 0.0
        interaction_scale[:] = 0.0
    return SimulationTruth(location, gaps, veff, inter, variant_scale, interaction_scale, link)


def simulate_responses(
    truth: SimulationTruth,
    n_replicates: int,
    rng: np.random.Generator,
    refusal_rate: float = 0.0,
) -> pd.DataFrame:
    """A Responses table (every identity × variant × item × replicate) drawn from ``truth``.

    Parameters
    ----------
    truth
        The known parameters.
    n_replicates
        Answers per identity × variant × item.
    rng
        Random generator.
    refusal_rate
        Share of rows turned into refusals (no code), at random.

    Returns
    -------
    pandas.DataFrame
        identity, variant, replicate, item, code, status (not yet validated).
    """
    eta = truth.location[:, None, :] + truth.variant_effect[None] + truth.interaction
    codes = truth.codes
    frames = []
    ids, variants = truth.identities, truth.variants
    for j, (item, cuts) in enumerate(zip(ITEMS, truth.cutpoints, strict=True)):
        p = category_probs(eta[..., j], cuts, truth.link)  # (I, V, K)
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
                }
            )
        )
    df = pd.concat(frames, ignore_index=True)
    df["status"] = "ok"
    if refusal_rate > 0:
        refused = rng.random(len(df)) < refusal_rate
        df.loc[refused, "status"] = "refusal"
        df.loc[refused, "code"] = np.nan
    return df

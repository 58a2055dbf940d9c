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
from llmvalues.iw.items import ITEMS
from llmvalues.iw.presets import Preset, load_preset


@dataclass(frozen=True)
class SimulationTruth:
    """Known parameters of a simulated data set, on the model's latent scale."""

    location: np.ndarray  # (I, J)
    gaps: np.ndarray  # flat cut-point gaps (as in the model)
    variant_effect: np.ndarray  # (V, J)
    interaction: np.ndarray  # (I, V, J)
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

    def expected(self) -> np.ndarray:
        """(I, J) expected raw answers at the average prompt variant (effects 0)."""
        return expected_answers(self.location, self.cutpoints, self.codes, self.link)

    def positions(self, preset: Preset | str = "hall2025") -> pd.DataFrame:
        """True map positions (identity × x, y) at the average prompt variant."""
        xy = load_preset(preset).project_array(self.expected())
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
    """Draw every parameter from the priors (scales may be fixed instead)."""
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
    veff = rng.normal(size=(n_variants, n_items)) * variant_scale
    if n_variants == 1:
        veff[:] = 0.0
    inter = rng.normal(size=(n_identities, n_variants, n_items)) * interaction_scale
    if not interaction or n_variants == 1:
        inter[:] = 0.0
    return SimulationTruth(location, gaps, veff, inter, link)


def simulate_responses(
    truth: SimulationTruth,
    n_replicates: int,
    rng: np.random.Generator,
    refusal_rate: float = 0.0,
) -> pd.DataFrame:
    """A Responses table (every identity × variant × item × replicate) drawn from ``truth``."""
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

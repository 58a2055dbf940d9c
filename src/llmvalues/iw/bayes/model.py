"""The hierarchical ordinal model of IVS answers: explicit priors and the PyMC graph.

Answer of identity i to item j under prompt variant v (any replicate), latent scale::

    eta = location[i, j] + variant_effect[v, j] + interaction[i, v, j]
    P(category <= k) = F(cut[j, k] - eta)        F = logistic (default) or normal cdf

Cut-points are centred per item (their mean is 0), so the identity locations carry the
level and the cut-point gaps carry the shape: nothing is identified by the prior alone.
Variant effects (shared by identities, per item) and identity × variant interactions are
non-centred normal random effects with per-item scales; replicate noise is the latent
logistic (or normal) error. Counts enter as weights, so identical answers cost one term.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
from scipy import special, stats

from llmvalues.iw.bayes.data import CellCounts
from llmvalues.iw.bayes.likelihood import ordinal_count_loglik

LINKS = ("logit", "probit")
_BIG = 100.0  # stands in for ±inf at the open ends of the outer categories


@dataclass(frozen=True)
class Priors:
    """Priors of the hierarchical map model (latent scale); print it, override any field.

    location ~ Normal(location_mean, location_sd) per identity × item;
    cut-point gaps ~ LogNormal(log(reference gap), gap_sd), reference gaps = the spacing of
    equally probable categories; variant_scale, interaction_scale ~ HalfNormal(sd) per item.
    """

    location_mean: float = 0.0
    location_sd: float = 2.0
    gap_sd: float = 0.5
    variant_sd: float = 0.5
    interaction_sd: float = 0.5

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not np.isfinite(value):
                raise ValueError(f"prior {name} must be finite, got {value!r}")
            if name != "location_mean" and value <= 0:
                raise ValueError(f"prior {name} must be > 0, got {value!r}")

    @classmethod
    def default(cls, link: str = "logit") -> Priors:
        """Defaults for a link: the probit latent scale is ~1.7 times narrower than the logit."""
        check_link(link)
        if link == "logit":
            return cls()
        return cls(location_sd=1.2, gap_sd=0.5, variant_sd=0.3, interaction_sd=0.3)

    def update(self, **changes: float) -> Priors:
        """A copy with some fields changed (unknown names are an error)."""
        unknown = sorted(set(changes) - set(asdict(self)))
        if unknown:
            raise ValueError(f"unknown prior(s) {unknown}; known: {list(asdict(self))}")
        return replace(self, **changes)

    def to_frame(self) -> pd.DataFrame:
        """One row per prior: parameter, distribution, value."""
        rows = [
            ("location[identity, item]", f"Normal({self.location_mean:g}, {self.location_sd:g})"),
            ("cut_gap[item, k]", f"LogNormal(log(reference gap), {self.gap_sd:g})"),
            ("variant_scale[item]", f"HalfNormal({self.variant_sd:g})"),
            ("interaction_scale[item]", f"HalfNormal({self.interaction_sd:g})"),
            ("variant_effect[variant, item]", "Normal(0, variant_scale[item]) (non-centred)"),
            (
                "interaction[identity, variant, item]",
                "Normal(0, interaction_scale[item]) (non-centred)",
            ),
        ]
        return pd.DataFrame(rows, columns=["parameter", "prior"])

    def __str__(self) -> str:
        return self.to_frame().to_string(index=False)


def check_link(link: str) -> None:
    """A ValueError naming the choices unless ``link`` is one of :data:`LINKS`."""
    if link not in LINKS:
        raise ValueError(f"link must be one of {LINKS}, got {link!r}")


def residual_variance(link: str) -> float:
    """Variance of the latent error: π²/3 (logistic) or 1 (normal)."""
    check_link(link)
    return float(np.pi**2 / 3) if link == "logit" else 1.0


def reference_gaps(n_categories: int, link: str) -> np.ndarray:
    """Cut-point gaps that make all categories equally likely at location 0."""
    q = np.arange(1, n_categories) / n_categories
    cuts = special.logit(q) if link == "logit" else stats.norm.ppf(q)
    return np.diff(cuts)


def gap_layout(n_categories: np.ndarray) -> list[slice]:
    """Slice of the flat gap vector that belongs to each item (K − 2 gaps per item)."""
    out, start = [], 0
    for k in n_categories:
        n = max(int(k) - 2, 0)
        out.append(slice(start, start + n))
        start += n
    return out


def cutpoints_numpy(gaps: np.ndarray, n_categories: np.ndarray) -> list[np.ndarray]:
    """Flat gaps (…, n_gaps) → per item (…, K − 1) centred cut-points (mirrors the model)."""
    out = []
    for _k, sl in zip(n_categories, gap_layout(n_categories), strict=True):
        g = gaps[..., sl]
        cuts = np.concatenate([np.zeros((*g.shape[:-1], 1)), np.cumsum(g, axis=-1)], axis=-1)
        out.append(cuts - cuts.mean(axis=-1, keepdims=True))
    return out


def category_probs(eta: np.ndarray, cuts: np.ndarray, link: str) -> np.ndarray:
    """P(category) for latent locations ``eta`` (…,) and cut-points (…, K − 1) → (…, K)."""
    cdf = special.expit if link == "logit" else stats.norm.cdf
    c = cdf(cuts - eta[..., None])
    lower = np.concatenate([np.zeros((*c.shape[:-1], 1)), c], axis=-1)
    upper = np.concatenate([c, np.ones((*c.shape[:-1], 1))], axis=-1)
    return np.clip(upper - lower, 0.0, 1.0)


def boundary_map(n_categories: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(A, b) with A @ gaps + b = every item's boundaries, flattened row by row.

    Row j holds -BIG, the item's centred cut-points (a linear function of its gaps), then
    +BIG padding up to the longest scale: one small matrix product instead of a cumsum,
    a join and a mean per item in the graph (and in its gradient).
    """
    kmax = int(n_categories.max())
    n_gaps = int(sum(max(int(k) - 2, 0) for k in n_categories))
    a = np.zeros((len(n_categories), kmax + 1, n_gaps))
    b = np.full((len(n_categories), kmax + 1), _BIG)
    b[:, 0] = -_BIG
    for j, (k, sl) in enumerate(zip(n_categories, gap_layout(n_categories), strict=True)):
        k = int(k)
        cum = np.tril(np.ones((k - 1, k - 2)), -1)  # cut m = sum of the first m gaps
        centred = cum - cum.mean(axis=0, keepdims=True)
        a[j, 1:k, sl] = centred
        b[j, 1:k] = 0.0
    return a.reshape(-1, n_gaps), b.ravel()


def model_structure(data: CellCounts, interaction: bool | str = "auto") -> dict[str, bool]:
    """Which random effects the data can support: variants need ≥ 2 variants, interactions
    also ≥ 2 identities (with one identity they are the variant effects)."""
    variants = len(data.variants) > 1
    if interaction == "auto":
        interaction = variants and len(data.identities) > 1
    elif interaction and not variants:
        interaction = False
    return {"variant_effects": variants, "interaction": bool(interaction)}


PARAMETRIZATIONS = ("auto", "noncentred", "centred")
CENTRED_FROM = 40  # answers per group from which the data, not the prior, pin an effect down


def centring(data: CellCounts, parametrization: str = "auto") -> dict[str, bool]:
    """Centred or non-centred random effects: "auto" centres an effect when each of its
    groups holds ≥ 40 answers (then the likelihood dominates and the non-centred funnel
    slows NUTS down); sparse groups stay non-centred."""
    if parametrization not in PARAMETRIZATIONS:
        raise ValueError(
            f"parametrization must be one of {PARAMETRIZATIONS}, got {parametrization!r}"
        )
    if parametrization != "auto":
        flag = parametrization == "centred"
        return {"centred_variants": flag, "centred_interaction": flag}
    per_variant = data.n_answers / max(len(data.variants) * len(data.items), 1)
    per_cell = data.n_answers / max(data.n_cells, 1)
    return {
        "centred_variants": per_variant >= CENTRED_FROM,
        "centred_interaction": per_cell >= CENTRED_FROM,
    }


def build_model(
    data: CellCounts,
    priors: Priors | None = None,
    link: str = "logit",
    interaction: bool | str = "auto",
    parametrization: str = "auto",
) -> pm.Model:
    """The PyMC model of ``data`` (counts are a ``pm.Data`` named "counts" for refits)."""
    check_link(link)
    priors = priors or Priors.default(link)
    structure = model_structure(data, interaction) | centring(data, parametrization)
    k = data.n_categories
    ref_gaps = np.concatenate([reference_gaps(int(n), link) for n in k if n > 2])
    coords = {
        "identity": list(data.identities),
        "item": list(data.items),
        "variant": list(data.variants),
        "gap": np.arange(len(ref_gaps)),
        "cell": np.arange(data.n_cells),
    }
    n_items = len(data.items)
    row_item = data.cell_item[data.row_cell]
    # row → index of its lower boundary in the flat (item × boundary) vector
    kmax1 = int(k.max()) + 1
    low_idx = row_item * kmax1 + data.row_category
    with pm.Model(coords=coords) as model:
        counts = pm.Data("counts", data.row_count)
        location = pm.Normal(
            "location", priors.location_mean, priors.location_sd, dims=("identity", "item")
        )
        gaps = pm.LogNormal("cut_gap", mu=np.log(ref_gaps), sigma=priors.gap_sd, dims="gap")
        cell_eta = location.ravel()[data.cell_identity * n_items + data.cell_item]
        if structure["variant_effects"]:
            scale = pm.HalfNormal("variant_scale", priors.variant_sd, dims="item")
            if structure["centred_variants"]:
                effect = pm.Normal("variant_effect", 0.0, scale, dims=("variant", "item"))
            else:
                z = pm.Normal("variant_z", 0.0, 1.0, dims=("variant", "item"))
                effect = pm.Deterministic("variant_effect", z * scale, dims=("variant", "item"))
            cell_eta = cell_eta + effect.ravel()[data.cell_variant * n_items + data.cell_item]
        if structure["interaction"]:
            iscale = pm.HalfNormal("interaction_scale", priors.interaction_sd, dims="item")
            if structure["centred_interaction"]:
                inter = pm.Normal("interaction", 0.0, iscale[data.cell_item], dims="cell")
            else:
                inter = pm.Normal("interaction_z", 0.0, 1.0, dims="cell") * iscale[data.cell_item]
            cell_eta = cell_eta + inter
        a_map, b_map = boundary_map(k)
        # guard: an overflowing gap proposed in early warm-up would make inf·0 = NaN in the dot
        flat = pt.dot(pt.constant(a_map), pt.minimum(gaps, 1e3)) + b_map
        loglik = ordinal_count_loglik(flat, cell_eta, counts, low_idx, data.row_cell, link)
        pm.Potential("loglik", loglik)
    model.link = link  # type: ignore[attr-defined]
    model.structure = structure  # type: ignore[attr-defined]
    return model


def expected_answers(
    location: np.ndarray,
    cuts: list[np.ndarray],
    codes: tuple[tuple[int, ...], ...],
    link: str,
    spread: np.ndarray | None = None,
    nodes: int = 24,
) -> np.ndarray:
    """Expected raw code per item: location (…, J), cuts[j] (…, K_j − 1) → (…, J).

    With ``spread`` (…, J) — the SD of the prompt effects — the expectation is marginal over
    a normal variant distribution (Gauss–Hermite quadrature); without, it is at effect 0.
    Computed as E = c_0 + Σ_k (c_k − c_{k−1}) P(answer > k − 1), one cdf per cut-point.
    """
    if spread is None:
        x, w = np.zeros(1), np.ones(1)
    else:
        x, w = np.polynomial.hermite_e.hermegauss(nodes)
        w = w / w.sum()
    cdf = special.expit if link == "logit" else stats.norm.cdf
    out = np.empty(location.shape)
    for j, (c, raw) in enumerate(zip(cuts, codes, strict=True)):
        values = np.asarray(raw, dtype=float)
        shift = 0.0 if spread is None else spread[..., j, None] * x
        eta = location[..., j, None] + shift  # (…, nodes)
        above = 1.0 - cdf(c[..., None, :] - eta[..., None])  # (…, nodes, K − 1)
        out[..., j] = (values[0] + above @ np.diff(values)) @ w
    return out

"""The hierarchical ordinal model of IVS answers: explicit priors and the PyMC graph.

Answer of identity i to item j under prompt variant v (any replicate), latent scale::

    eta = location[i, j] + variant_effect[v, j] + interaction[i, v, j]
    P(category <= k) = F(cut[j, k] - eta)        F = logistic (default) or normal cdf

Cut-points are centred per item (their mean is 0), so the identity locations carry the
level and the cut-point gaps carry the shape: nothing is identified by the prior alone.
The latent error has a fixed scale (π/√3 or 1); each item's cut-points have a free
*spread* (their gaps are the reference gaps times the spread, times a per-gap shape
factor), so an item whose answers hardly vary can place its categories far apart in
error units, i.e. be answered almost deterministically. Every other prior is stated in
units of the item's own latent scale ``item_unit`` (√(var(cuts) + error variance),
relative to its value at the reference cut-points), so the prior predictive of each
item's expected answer stays close to uniform over its scale whatever the spread.
Identity locations are partially pooled per item; variant effects (shared by identities,
per item) and identity × variant interactions are normal random effects with per-item
scales. Counts enter as weights, so identical answers cost one term.
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
_BIG = 300.0  # stands in for ±inf at the open ends of the outer categories; larger values
# overflow exp() in the likelihood's outer categories and slow every step down
GAP_LOG_MAX = np.log(30.0)  # cap on a gap (latent units) so that every cut-point stays < _BIG


@dataclass(frozen=True)
class Priors:
    """Priors of the hierarchical map model; print it, override any field.

    Standardised units: one unit of item j is ``s_j = √(var(cut_j) + error variance)``,
    the latent SD that spreads a location evenly over the item's categories.

    - location[i, j] = s_j · (location_mu[j] + location_tau[j] · z[i, j]), with
      location_mu ~ Normal(location_mean, location_sd/√2) and
      location_tau ~ HalfNormal(location_sd/√2): identities pooled per item; a new
      identity's location has SD ≈ location_sd · s_j, which makes the prior predictive of
      its expected answer close to uniform over the item's scale.
    - cut_gap[j, k] = reference gap · cut_spread[j] · exp(gap_sd · cut_shape[j, k]), with
      cut_spread ~ LogNormal(0, spread_sd) per item (≥ 3 categories) and cut_shape ~
      Normal(0, 1) per gap (items with ≥ 4 categories).
    - variant_scale, interaction_scale ~ HalfNormal(variant_sd / interaction_sd) per item, in
      latent units at the reference cut-points (times ``item_unit[j]`` = s_j / s_j(reference)).
    """

    location_mean: float = 0.0
    location_sd: float = 1.0
    spread_sd: float = 1.0
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
        """Defaults for a link: the probit latent scale is ~1.7 times narrower than the logit
        (the location and cut-point priors follow the link by construction)."""
        check_link(link)
        if link == "logit":
            return cls()
        return cls(variant_sd=0.3, interaction_sd=0.3)

    def update(self, **changes: float) -> Priors:
        """A copy with some fields changed (unknown names are an error)."""
        unknown = sorted(set(changes) - set(asdict(self)))
        if unknown:
            raise ValueError(f"unknown prior(s) {unknown}; known: {list(asdict(self))}")
        return replace(self, **changes)

    def to_frame(self) -> pd.DataFrame:
        """One row per prior: parameter, distribution."""
        half = self.location_sd / np.sqrt(2)
        rows = [
            ("location[identity, item]", "s[item] · (location_mu + location_tau · z)"),
            ("location_mu[item]", f"Normal({self.location_mean:g}, {half:.3g})"),
            ("location_tau[item]", f"HalfNormal({half:.3g})"),
            ("s[item]", "√(var(cut[item]) + error variance): the item's latent unit"),
            ("cut_gap[item, k]", "reference gap · cut_spread[item] · exp(gap_sd · cut_shape)"),
            ("cut_spread[item]", f"LogNormal(0, {self.spread_sd:g})"),
            ("cut_shape[item, k]", f"Normal(0, 1), gap_sd = {self.gap_sd:g}"),
            ("variant_scale[item]", f"HalfNormal({self.variant_sd:g}) · item_unit"),
            ("interaction_scale[item]", f"HalfNormal({self.interaction_sd:g}) · item_unit"),
            ("variant_effect[variant, item]", "Normal(0, variant_scale[item] · item_unit)"),
            (
                "interaction[identity, variant, item]",
                "Normal(0, interaction_scale[item] · item_unit)",
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


def reference_cuts(n_categories: int, link: str) -> np.ndarray:
    """Centred cut-points that make all categories equally likely at location 0."""
    q = np.arange(1, n_categories) / n_categories
    return special.logit(q) if link == "logit" else stats.norm.ppf(q)


def reference_gaps(n_categories: int, link: str) -> np.ndarray:
    """Cut-point gaps that make all categories equally likely at location 0."""
    return np.diff(reference_cuts(n_categories, link))


def reference_unit(n_categories: int, link: str) -> float:
    """√(var(reference cuts) + error variance): an item's latent unit at the reference.

    A location drawn from the equal mixture of the error distribution centred at each
    cut-point has a uniformly distributed expected answer; its SD is this value, so a
    normal prior with this SD makes the prior predictive of the expected answer close to
    uniform over the scale.
    """
    return float(np.sqrt(reference_cuts(n_categories, link).var() + residual_variance(link)))


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


def _centred_cut_matrix(k: int) -> np.ndarray:
    """(K − 1, K − 2) matrix taking an item's gaps to its centred cut-points."""
    cum = np.tril(np.ones((k - 1, k - 2)), -1)  # cut m = sum of the first m gaps
    return cum - cum.mean(axis=0, keepdims=True)


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
        a[j, 1:k, sl] = _centred_cut_matrix(k)
        b[j, 1:k] = 0.0
    return a.reshape(-1, n_gaps), b.ravel()


def cut_variance_map(n_categories: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(C, M): C @ gaps = every item's centred cut-points (flat), M @ (C @ gaps)² = their
    variance per item (0 for a two-category item, whose one cut-point is 0)."""
    n_gaps = int(sum(max(int(k) - 2, 0) for k in n_categories))
    n_cuts = int(sum(int(k) - 1 for k in n_categories))
    c = np.zeros((n_cuts, n_gaps))
    m = np.zeros((len(n_categories), n_cuts))
    start = 0
    for j, (k, sl) in enumerate(zip(n_categories, gap_layout(n_categories), strict=True)):
        k = int(k)
        if k > 2:
            c[start : start + k - 1, sl] = _centred_cut_matrix(k)
        m[j, start : start + k - 1] = 1.0 / (k - 1)
        start += k - 1
    return c, m


def item_units_numpy(gaps: np.ndarray, n_categories: np.ndarray, link: str) -> np.ndarray:
    """(…, J) latent unit of each item relative to its reference (mirrors ``item_unit``)."""
    res = residual_variance(link)
    out = []
    for k, cuts in zip(n_categories, cutpoints_numpy(gaps, n_categories), strict=True):
        out.append(np.sqrt(cuts.var(axis=-1) + res) / reference_unit(int(k), link))
    return np.stack(out, axis=-1)


def draw_cut_gaps(
    priors: Priors,
    n_categories: np.ndarray,
    link: str,
    rng: np.random.Generator,
    size: tuple[int, ...] = (),
    spread: np.ndarray | float | None = None,
) -> np.ndarray:
    """Cut-point gaps (*size, n_gaps) drawn from the prior (as the model builds them).

    Parameters
    ----------
    priors, n_categories, link
        The priors, each item's number of categories, the link.
    rng
        Random generator.
    size
        Leading shape of the draws.
    spread
        Fixed spread (scalar or per item) instead of draws from its prior.
    """
    k = np.asarray(n_categories)
    gap_item = np.concatenate([np.full(max(int(n) - 2, 0), j) for j, n in enumerate(k)])
    ref = np.concatenate([reference_gaps(int(n), link) for n in k if n > 2])
    if spread is None:
        spread = np.exp(rng.normal(0.0, priors.spread_sd, (*size, len(k))))
    spread = np.broadcast_to(np.asarray(spread, dtype=float), (*size, len(k)))
    shape = rng.normal(size=(*size, len(ref))) * (k[gap_item] > 3)
    return ref * spread[..., gap_item] * np.exp(priors.gap_sd * shape)


def model_structure(data: CellCounts, interaction: bool | str = "auto") -> dict[str, bool]:
    """Which random effects the data can support: variants need ≥ 2 variants, interactions
    also ≥ 2 identities (with one identity they are the variant effects)."""
    variants = len(data.variants) > 1
    pooled = len(data.identities) > 1
    if interaction == "auto":
        interaction = variants and len(data.identities) > 1
    elif interaction and not variants:
        interaction = False
    return {
        "variant_effects": variants,
        "interaction": bool(interaction),
        "pooled_location": pooled,
    }


PARAMETRIZATIONS = ("auto", "noncentred", "centred")
CENTRED_FROM = 40  # answers per group from which the data, not the prior, pin an effect down


def group_sizes(data: CellCounts) -> dict[str, np.ndarray]:
    """Answers (effective counts) in every group of each random effect.

    Returns
    -------
    dict
        ``location``: per identity × item (zeros included), ``variants``: per variant ×
        item, ``interaction``: per observed cell.
    """
    per_cell = np.bincount(data.row_cell, data.row_count, minlength=data.n_cells)
    n_items = len(data.items)
    by_identity = np.zeros((len(data.identities), n_items))
    np.add.at(by_identity, (data.cell_identity, data.cell_item), per_cell)
    by_variant = np.zeros((len(data.variants), n_items))
    np.add.at(by_variant, (data.cell_variant, data.cell_item), per_cell)
    return {"location": by_identity, "variants": by_variant, "interaction": per_cell}


def centring(data: CellCounts, parametrization: str = "auto") -> dict[str, bool]:
    """Centred or non-centred random effects: "auto" centres an effect when every one of its
    groups (identity × item for the locations, variant × item for the variant effects,
    identity × variant × item cell for the interactions) holds ≥ 40 answers — then the
    likelihood dominates and the non-centred funnel slows NUTS down; otherwise it stays
    non-centred."""
    if parametrization not in PARAMETRIZATIONS:
        raise ValueError(
            f"parametrization must be one of {PARAMETRIZATIONS}, got {parametrization!r}"
        )
    names = ("centred_location", "centred_variants", "centred_interaction")
    if parametrization != "auto":
        return dict.fromkeys(names, parametrization == "centred")
    sizes = group_sizes(data)
    return {
        name: bool(sizes[key].size and sizes[key].min() >= CENTRED_FROM)
        for name, key in zip(names, ("location", "variants", "interaction"), strict=True)
    }


def free_parameters(structure: dict[str, bool]) -> list[str]:
    """Names of the model's free parameters under ``structure`` (every one is checked)."""
    if structure.get("pooled_location", True):
        names = ["location_mu", "location_tau"]
        names.append("location_std" if structure.get("centred_location") else "location_z")
    else:
        names = ["location_std"]
    names += ["cut_spread", "cut_shape"]
    if structure["variant_effects"]:
        centred = structure.get("centred_variants")
        names += ["variant_scale", "variant_std" if centred else "variant_z"]
    if structure["interaction"]:
        centred = structure.get("centred_interaction")
        names += ["interaction_scale", "interaction_std" if centred else "interaction_z"]
    return names


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
    n_items = len(data.items)
    gap_item = np.concatenate([np.full(max(int(n) - 2, 0), j) for j, n in enumerate(k)])
    ref_gaps = np.concatenate([reference_gaps(int(n), link) for n in k if n > 2])
    spread_items = [j for j, n in enumerate(k) if n > 2]
    shaped = np.flatnonzero(k[gap_item] > 3)  # a single gap is the spread itself
    ref_units = np.array([reference_unit(int(n), link) for n in k])
    coords = {
        "identity": list(data.identities),
        "item": list(data.items),
        "variant": list(data.variants),
        "gap": np.arange(len(ref_gaps)),
        "spread_item": [data.items[j] for j in spread_items],
        "shape_gap": shaped,
        "cell": np.arange(data.n_cells),
    }
    row_item = data.cell_item[data.row_cell]
    # row → index of its lower boundary in the flat (item × boundary) vector
    kmax1 = int(k.max()) + 1
    low_idx = row_item * kmax1 + data.row_category
    cut_map, var_map = cut_variance_map(k)
    half = priors.location_sd / np.sqrt(2)
    with pm.Model(coords=coords) as model:
        counts = pm.Data("counts", data.row_count)
        spread = pm.LogNormal("cut_spread", 0.0, priors.spread_sd, dims="spread_item")
        log_gap = np.log(ref_gaps) + pt.log(spread)[np.searchsorted(spread_items, gap_item)]
        if len(shaped):
            shape = pm.Normal("cut_shape", 0.0, 1.0, dims="shape_gap")
            log_gap = pt.inc_subtensor(log_gap[shaped], priors.gap_sd * shape)
        # guard: an overflowing gap proposed in early warm-up would make inf·0 = NaN below
        gaps = pm.Deterministic("cut_gap", pt.exp(pt.minimum(log_gap, GAP_LOG_MAX)), dims="gap")
        cut_var = pt.dot(pt.constant(var_map), pt.dot(pt.constant(cut_map), gaps) ** 2)
        unit = pt.sqrt(cut_var + residual_variance(link))  # s_j
        item_unit = pm.Deterministic("item_unit", unit / ref_units, dims="item")
        if not structure["pooled_location"]:
            # one identity: nothing to pool over; its location has the whole prior SD
            standard = pm.Normal(
                "location_std",
                priors.location_mean,
                priors.location_sd,
                dims=("identity", "item"),
            )
        else:
            mu = pm.Normal("location_mu", priors.location_mean, half, dims="item")
            tau = pm.HalfNormal("location_tau", half, dims="item")
            if structure["centred_location"]:
                standard = pm.Normal("location_std", mu, tau, dims=("identity", "item"))
            else:
                z = pm.Normal("location_z", 0.0, 1.0, dims=("identity", "item"))
                standard = mu + tau * z
        location = pm.Deterministic("location", unit * standard, dims=("identity", "item"))
        cell_eta = location.ravel()[data.cell_identity * n_items + data.cell_item]
        if structure["variant_effects"]:
            scale = pm.HalfNormal("variant_scale", priors.variant_sd, dims="item")
            if structure["centred_variants"]:
                std = pm.Normal("variant_std", 0.0, scale, dims=("variant", "item"))
            else:
                std = pm.Normal("variant_z", 0.0, 1.0, dims=("variant", "item")) * scale
            effect = pm.Deterministic("variant_effect", std * item_unit, dims=("variant", "item"))
            cell_eta = cell_eta + effect.ravel()[data.cell_variant * n_items + data.cell_item]
        if structure["interaction"]:
            iscale = pm.HalfNormal("interaction_scale", priors.interaction_sd, dims="item")
            if structure["centred_interaction"]:
                inter = pm.Normal("interaction_std", 0.0, iscale[data.cell_item], dims="cell")
                inter = inter * item_unit[data.cell_item]
            else:
                # one gather of the per-item latent SD (6,000 cells in the goal design)
                latent_sd = (iscale * item_unit)[data.cell_item]
                inter = pm.Normal("interaction_z", 0.0, 1.0, dims="cell") * latent_sd
            cell_eta = cell_eta + inter
        a_map, b_map = boundary_map(k)
        flat = pt.dot(pt.constant(a_map), gaps) + b_map
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

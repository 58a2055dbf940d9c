"""Prior sensitivity: how far the map positions move when every prior SD is scaled.

Two ways, both explicit (``fit.prior_sensitivity(scale=(0.5, 2))``), never automatic:

* ``method="refit"`` (default): the model is fitted again to the same counts under each
  scaled prior, with the fit's settings and seed; exact, and as expensive as the fit.
* ``method="importance"`` (no refit, seconds): the posterior under the scaled priors is
  the fit's posterior reweighted by the ratio of the two prior densities at each draw,
  Pareto-smoothed (PSIS; Vehtari et al. 2024). This is the idea of Kallioinen et al.
  (2023), who perturb priors by power-scaling; here every prior SD is scaled instead
  (for a normal or half-normal prior, power-scaling by α is the same as scaling its SD by
  1/√α). The prior densities are PyMC's own, evaluated on models rebuilt with the scaled
  priors, so whatever priors the model has are reweighted exactly. Scaling every prior at
  once moves a density over dozens of parameters, so the weights hold only for small
  perturbations: on a 2-identity design Pareto k was 0.04–0.6 for factors 0.9–1.1 and
  above 0.7 for 0.8 and 1.25. When k exceeds 0.7 the result says so: refit.

A position "moves by more than its interval" when its shift on an axis exceeds the width
of the fit's own ``level`` interval on that axis; the method warns then.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import pymc as pm

from llmvalues.iw.bayes import inference_data as infdata
from llmvalues.iw.bayes.model import Priors, build_model
from llmvalues.iw.intervals import check_level, interval
from llmvalues.summary import Summary

METHODS = ("refit", "importance")
K_MAX = 0.7  # Pareto k above which importance weights are unreliable (Vehtari et al. 2024)


def scaled_priors(priors: Priors, factor: float) -> Priors:
    """Every prior SD (each field ending in ``_sd``) multiplied by ``factor``.

    Parameters
    ----------
    priors
        The fit's priors.
    factor
        Positive scale factor.

    Returns
    -------
    Priors
    """
    if not np.isfinite(factor) or factor <= 0:
        raise ValueError(f"a prior scale factor must be a positive number, got {factor!r}")
    return priors.update(**{k: v * factor for k, v in asdict(priors).items() if k.endswith("_sd")})


def _log_prior(idata, model) -> np.ndarray:
    """(draws,) total log prior density of the free variables at each posterior draw."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*Potential.*")
        dens = pm.compute_log_prior(
            idata, model=model, extend_inferencedata=False, progressbar=False
        )
    total = sum(
        dens[v].sum([d for d in dens[v].dims if d not in ("chain", "draw")]) for v in dens.data_vars
    )
    return np.asarray(total).reshape(-1)


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> np.ndarray:
    """Quantile ``q`` of weighted draws along axis 0 (weights sum to 1; interpolated CDF).

    Parameters
    ----------
    values
        (draws, …).
    weights
        (draws,) non-negative, summing to 1.
    q
        Probability.

    Returns
    -------
    numpy.ndarray
        Shaped like ``values[0]``.
    """
    order = np.argsort(values, axis=0)
    sorted_values = np.take_along_axis(values, order, axis=0)
    cdf = np.cumsum(weights[order], axis=0) - 0.5 * weights[order]
    flat_v = sorted_values.reshape(len(values), -1)
    flat_c = cdf.reshape(len(values), -1)
    out = np.array([np.interp(q, flat_c[:, k], flat_v[:, k]) for k in range(flat_v.shape[1])])
    return out.reshape(values.shape[1:])


@dataclass(frozen=True)
class PriorSensitivity:
    """Positions under scaled priors next to the fit's (``fit.prior_sensitivity(...)``).

    Attributes
    ----------
    table
        One row per identity × scale factor: x, y (posterior means under the scaled
        priors), x_lo, x_hi, y_lo, y_hi (their ``level`` intervals), dx, dy, shift (distance
        from the fit's position), x_width, y_width (the fit's interval widths),
        moved (a shift above the interval width on an axis), pareto_k, ess (of the weights;
        NaN for refits), method.
    weights
        Scale factor → (draws,) normalised importance weights (importance method only).
    level
        Interval probability.
    notes
        What was done.
    """

    table: pd.DataFrame
    weights: dict[float, np.ndarray]
    level: float
    notes: list[str] = field(default_factory=list)

    @property
    def moved(self) -> pd.DataFrame:
        """Rows whose position moved by more than its interval width on an axis."""
        return self.table[self.table["moved"]]

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def summary(self) -> Summary:
        notes = [
            "Every prior SD multiplied by the scale factor; dx, dy, shift: move of the "
            "posterior mean position from the fit's; x_width, y_width: width of the fit's "
            f"{self.level:.0%} interval; moved: a shift larger than that width on an axis.",
            *self.notes,
            *problems(self.table),
        ]
        return Summary(
            "Prior sensitivity: positions under scaled priors",
            {"positions": self.table.set_index(["identity", "scale"])},
            notes,
            {"method": self.table["method"].iloc[0], "level": self.level},
        )


def problems(table: pd.DataFrame) -> list[str]:
    """Sentences about moved positions and unreliable weights (the method warns with them)."""
    out = []
    moved = table[table["moved"]]
    if len(moved):
        out.append(
            "Prior-driven positions: "
            + ", ".join(f"{r.identity} (×{r.scale:g}: {r.shift:.2f})" for r in moved.itertuples())
            + " move by more than their interval width when the priors are scaled; collect "
            "more answers or state the prior with the result."
        )
    bad = table[table["pareto_k"] > K_MAX].drop_duplicates("scale")
    if len(bad):
        out.append(
            f"Importance weights unreliable (Pareto k {', '.join(f'{k:.2f}' for k in bad['pareto_k'])}"
            f" > {K_MAX} for scale {', '.join(f'{s:g}' for s in bad['scale'])}): refit with "
            "method='refit'."
        )
    return out


def _rows(
    identities: Sequence[str],
    factor: float,
    draws: np.ndarray,
    weights: np.ndarray,
    base: np.ndarray,
    level: float,
    k: float,
    method: str,
) -> pd.DataFrame:
    """The table rows of one scale factor from weighted position draws (S, I, 2)."""
    mean = np.einsum("s,sia->ia", weights, draws)
    tail = (1 - level) / 2
    lo = weighted_quantile(draws, weights, tail)
    hi = weighted_quantile(draws, weights, 1 - tail)
    base_lo, base_hi = interval(base, level)
    base_mean = base.mean(0)
    shift = mean - base_mean
    width = base_hi - base_lo
    return pd.DataFrame(
        {
            "identity": list(identities),
            "scale": factor,
            "x": mean[:, 0],
            "y": mean[:, 1],
            "x_lo": lo[:, 0],
            "x_hi": hi[:, 0],
            "y_lo": lo[:, 1],
            "y_hi": hi[:, 1],
            "dx": shift[:, 0],
            "dy": shift[:, 1],
            "shift": np.hypot(shift[:, 0], shift[:, 1]),
            "x_width": width[:, 0],
            "y_width": width[:, 1],
            "moved": (np.abs(shift) > width).any(1),
            "pareto_k": k,
            "ess": 1.0 / np.sum(weights**2) if method == "importance" else np.nan,
            "method": method,
        }
    )


def prior_sensitivity(
    fit, scale: Sequence[float] = (0.5, 2.0), level: float = 0.9, method: str = "refit"
) -> PriorSensitivity:
    """How far a hierarchical fit's positions move when every prior SD is scaled.

    Parameters
    ----------
    fit
        A :class:`~llmvalues.iw.bayes.results.HierarchicalMapFit`.
    scale
        Factors applied to every prior SD.
    level
        Interval probability (the fit's interval width is the yardstick).
    method
        ``"refit"`` (fits again, exact) or ``"importance"`` (PSIS reweighting, no refit;
        for factors near 1).

    Returns
    -------
    PriorSensitivity

    Warns
    -----
    UserWarning
        When a position moves by more than its interval width, or the importance weights
        are unreliable (Pareto k > 0.7).
    """
    check_level(level)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    factors = [float(f) for f in np.atleast_1d(scale)]
    if not factors:
        raise ValueError("scale needs at least one factor, e.g. (0.5, 2)")
    base = fit.position_draws
    frames, weights = [], {}
    if method == "importance":
        options = (fit.link, fit.settings["interaction"], fit.settings["parametrization"])
        reference = _log_prior(fit.idata, build_model(fit.data, fit.priors, *options))
        for factor in factors:
            model = build_model(fit.data, scaled_priors(fit.priors, factor), *options)
            log_w, k = infdata.smoothed_log_weights(_log_prior(fit.idata, model) - reference)
            w = np.exp(log_w - log_w.max())
            weights[factor] = w / w.sum()
            frames.append(
                _rows(fit.identities, factor, base, weights[factor], base, level, k, method)
            )
        notes = [
            "Importance reweighting of the fit's posterior by the ratio of the scaled and the "
            "fitted prior densities (PSIS-smoothed; no refit). ess: effective number of draws "
            "behind the reweighted positions."
        ]
    else:
        from llmvalues.iw.bayes.estimator import HierarchicalMap

        settings = {k: v for k, v in fit.settings.items() if k != "cores"}
        for factor in factors:
            estimator = HierarchicalMap(
                fit.preset,
                link=fit.link,
                priors=scaled_priors(fit.priors, factor),
                cores=fit.settings.get("cores"),
                warn=False,
                **settings,
            )
            draws = estimator._fit_counts(fit.data).result_.position_draws
            w = np.full(len(draws), 1 / len(draws))
            frames.append(_rows(fit.identities, factor, draws, w, base, level, np.nan, method))
        notes = [
            "Refits of the same counts with the scaled priors and the fit's settings and seed."
        ]
    table = pd.concat(frames, ignore_index=True)
    for message in problems(table):
        warnings.warn(message, UserWarning, stacklevel=3)
    return PriorSensitivity(table, weights, level, notes)

"""Tao et al.'s cultural-prompting metrics, per country and per model, with intervals.

For each model the identity with an empty country attribute is the unprompted baseline;
every other identity of the model was prompted as its country. Per country: the distance
of the prompted position to that country's point and the baseline's distance to it. Per
model: the mean of each, the share of countries where prompting shrinks the distance,
the probability that prompting brings the model closer on average, and the paired
two-sided Wilcoxon signed-rank test of the two distance sets (Tao et al. 2024).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from llmvalues.iw.intervals import check_level, interval
from llmvalues.iw.metrics import match_country
from llmvalues.summary import Summary

METRICS = (
    "mean_distance_baseline",
    "mean_distance_prompted",
    "share_improved",
    "p_better",
    "wilcoxon_statistic",
    "wilcoxon_pvalue",
)

Estimate = Callable[[np.ndarray, np.ndarray], np.ndarray]


def plug_in(draws: np.ndarray, at_point: np.ndarray) -> np.ndarray:
    """The estimate of a point-based computation: its value at the point positions."""
    return at_point


def cultural_prompting_pairs(
    attributes: pd.DataFrame, model: str = "model", country: str = "country"
) -> dict[str, tuple[str, dict[str, str]]]:
    """Per model: (unprompted identity, {prompted identity: country}) from identity attributes.

    Parameters
    ----------
    attributes
        One row per identity (index) with the ``model`` and ``country`` columns.
    model, country
        Names of the attribute columns.

    Returns
    -------
    dict
        ``{model: (baseline identity, {prompted identity: country name})}``.
    """
    for column in (model, country):
        if column not in attributes.columns:
            raise KeyError(
                f"identities need a {column!r} attribute for cultural-prompting metrics "
                f"(attributes: {list(attributes.columns)})"
            )
    out = {}
    for name, group in attributes.groupby(model, sort=False):
        blank = group[country].isna() | (group[country].astype(str).str.strip() == "")
        if blank.sum() != 1:
            raise ValueError(
                f"model {name!r}: need exactly one unprompted identity (empty {country!r}), "
                f"found {int(blank.sum())}"
            )
        prompted = group.loc[~blank, country].astype(str).to_dict()
        out[str(name)] = (str(group.index[blank][0]), prompted)
    return out


@dataclass(frozen=True)
class CulturalPrompting:
    """Cultural-prompting metrics of one or more models, with intervals where the fit has them.

    Attributes
    ----------
    per_country
        model, country, prompted (identity), baseline (identity), distance_prompted,
        distance_baseline, improved, p_improved (share of draws in which the prompted
        position is the nearer one; NaN without draws).
    metrics
        Long table: model, metric, estimate, lo, hi, level. Metrics: the two mean
        distances, ``share_improved``, ``p_better`` (share of draws in which the prompted
        mean distance is smaller), and the Wilcoxon statistic and p-value of the
        per-country estimates (no interval).
    level
        Interval probability of ``lo``/``hi``.
    method, estimand
        Those of the map fit the metrics come from.
    notes
        What the estimates and intervals mean.
    """

    per_country: pd.DataFrame
    metrics: pd.DataFrame
    level: float
    method: str
    estimand: str
    notes: tuple[str, ...] = ()

    @property
    def models(self) -> list[str]:
        """The models, in order."""
        return list(dict.fromkeys(self.metrics["model"]))

    def table(self, model: str | None = None) -> pd.DataFrame:
        """The metrics of one model indexed by metric (the only model when ``None``).

        Parameters
        ----------
        model
            A model name from :attr:`models`.

        Returns
        -------
        pandas.DataFrame
            Columns estimate, lo, hi, level.
        """
        if model is None:
            if len(self.models) != 1:
                raise ValueError(f"several models ({self.models}): say which")
            model = self.models[0]
        if model not in self.models:
            raise KeyError(f"no model {model!r}; models: {self.models}")
        rows = self.metrics[self.metrics["model"] == model]
        return rows.drop(columns="model").set_index("metric")

    def to_frame(self) -> pd.DataFrame:
        """The metrics as a tidy table (model, metric, estimate, lo, hi, level).

        Returns
        -------
        pandas.DataFrame
        """
        return self.metrics.copy()

    def summary(self) -> Summary:
        """Metrics per model and distances per country, with what they mean.

        Returns
        -------
        llmvalues.summary.Summary
        """
        wide = self.metrics.set_index(["model", "metric"])[["estimate", "lo", "hi"]]
        return Summary(
            "Cultural prompting (Tao et al. 2024)",
            {"metrics": wide, "per country": self.per_country.set_index(["model", "country"])},
            notes=list(self.notes),
            info={
                "method": self.method,
                "estimand": self.estimand,
                "level": self.level,
                "models": len(self.models),
            },
        )


def _share(flags: np.ndarray, finite: np.ndarray) -> np.ndarray:
    """Mean of boolean draws along axis 0; NaN where any draw is undefined or there are none."""
    if len(flags) == 0:
        return np.full(flags.shape[1:], np.nan)
    return np.where(finite.all(0), flags.mean(0), np.nan)


def _wilcoxon(prompted: np.ndarray, baseline: np.ndarray) -> tuple[float, float]:
    ok = np.isfinite(prompted) & np.isfinite(baseline)
    if ok.sum() < 2 or np.allclose(prompted[ok], baseline[ok]):
        return float("nan"), float("nan")
    test = stats.wilcoxon(prompted[ok], baseline[ok])
    return float(test.statistic), float(test.pvalue)


def evaluate(
    xy: np.ndarray,
    draws: np.ndarray | None,
    identities: Sequence[str],
    countries: pd.DataFrame,
    pairs: Mapping[str, tuple[str, Mapping[str, str]]],
    estimate: Estimate = plug_in,
    level: float = 0.9,
    method: str = "points",
    estimand: str = "given",
    notes: Sequence[str] = (),
) -> CulturalPrompting:
    """The metrics of every model in ``pairs`` from positions and, if given, their draws.

    Parameters
    ----------
    xy
        (identities, 2) point positions.
    draws
        (draws, identities, 2) posterior draws or bootstrap resamples, or ``None``.
    identities
        Names of the identities along the identity axis.
    countries
        The preset's reference countries (country, x, y).
    pairs
        ``{model: (baseline identity, {prompted identity: country})}``.
    estimate
        The fit's estimator of a derived quantity from its draws and its value at ``xy``
        (posterior mean for the hierarchical fit, the value at ``xy`` for the classic one).
    level
        Interval probability.
    method, estimand, notes
        Recorded on the result.

    Returns
    -------
    CulturalPrompting
    """
    check_level(level)
    index = {name: i for i, name in enumerate(identities)}
    table = countries.set_index("country")
    if draws is None:
        draws = np.empty((0, *xy.shape))
    per_rows, metric_rows = [], []
    for model, (baseline, prompted) in pairs.items():
        if baseline not in index:
            raise KeyError(f"baseline identity {baseline!r} has no map position")
        if not prompted:
            raise ValueError(f"model {model!r}: no culturally prompted identities given")
        missing = [p for p in prompted if p not in index]
        if missing:
            raise KeyError(f"prompted identity {missing[0]!r} has no map position")
        names = [match_country(c, countries) for c in prompted.values()]
        target = table.loc[names, ["x", "y"]].to_numpy(dtype=float)  # (K, 2)
        ip = np.array([index[p] for p in prompted])
        ib = index[baseline]
        dp0 = np.hypot(*(xy[ip] - target).T)
        db0 = np.hypot(*(xy[ib] - target).T)
        dp = np.hypot(*np.moveaxis(draws[:, ip] - target, -1, 0))  # (S, K)
        db = np.hypot(*np.moveaxis(draws[:, [ib]] - target, -1, 0))
        finite = np.isfinite(dp) & np.isfinite(db)
        d_prompted, d_baseline = estimate(dp, dp0), estimate(db, db0)
        per_rows.append(
            pd.DataFrame(
                {
                    "model": model,
                    "country": names,
                    "prompted": list(prompted),
                    "baseline": baseline,
                    "distance_prompted": d_prompted,
                    "distance_baseline": d_baseline,
                    "improved": d_prompted < d_baseline,
                    "p_improved": _share(dp < db, finite),
                }
            )
        )
        ok = finite.all(1, keepdims=True)
        draws_by_metric = {
            "mean_distance_baseline": (db.mean(1), db0.mean()),
            "mean_distance_prompted": (dp.mean(1), dp0.mean()),
            "share_improved": ((dp < db).mean(1), (dp0 < db0).mean()),
        }
        for metric, (values, at_point) in draws_by_metric.items():
            values = np.where(ok[:, 0], values, np.nan)
            lo, hi = interval(values, level) if len(values) else (np.nan, np.nan)
            metric_rows.append(
                (model, metric, float(estimate(values, np.asarray(at_point))), lo, hi)
            )
        better = _share((dp.mean(1) < db.mean(1))[:, None], ok)[0]
        metric_rows.append((model, "p_better", float(better), np.nan, np.nan))
        statistic, pvalue = _wilcoxon(np.asarray(d_prompted), np.asarray(d_baseline))
        metric_rows.append((model, "wilcoxon_statistic", statistic, np.nan, np.nan))
        metric_rows.append((model, "wilcoxon_pvalue", pvalue, np.nan, np.nan))
    metrics = pd.DataFrame(metric_rows, columns=["model", "metric", "estimate", "lo", "hi"])
    metrics[["lo", "hi"]] = metrics[["lo", "hi"]].astype(float)
    metrics["level"] = level
    return CulturalPrompting(
        per_country=pd.concat(per_rows, ignore_index=True),
        metrics=metrics,
        level=level,
        method=method,
        estimand=estimand,
        notes=tuple(notes),
    )


def cultural_prompting(
    points: pd.DataFrame,
    countries: pd.DataFrame,
    prompted: Mapping[str, str],
    baseline: str,
    model: str = "model",
) -> CulturalPrompting:
    """Tao et al.'s metrics for one model from given map positions (no intervals).

    Parameters
    ----------
    points
        Indexed by identity, columns ``x``, ``y``.
    countries
        Reference countries (country, x, y).
    prompted
        Each culturally prompted identity → the country it was prompted as
        (case-insensitive).
    baseline
        The unprompted identity.
    model
        The name the model gets in the result.

    Returns
    -------
    CulturalPrompting
        ``lo``/``hi``/``p_*`` are NaN: positions alone carry no uncertainty.
    """
    xy = points[["x", "y"]].to_numpy(dtype=float)
    return evaluate(
        xy,
        None,
        [str(i) for i in points.index],
        countries,
        {model: (baseline, dict(prompted))},
        notes=("Computed from the given positions: no intervals.",),
    )

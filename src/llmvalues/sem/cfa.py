"""Confirmatory factor analysis with lavaan's fit indices, ML or ordinal (DWLS), multi-group."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import fit_indices as fi
from .cfa_result import RMSEA_LEVEL, CFAResult
from .estimation import Discrepancy, GroupStats, fit_model, information, standard_errors
from .model import MeasurementModel
from .modindices import modification_indices
from .polychoric import polychoric
from .scaled import baseline_jacobian, scaled_shifted, ugamma_traces
from .syntax import ModelSpec, ModelSyntaxError, parse_model
from .threads import single_blas_thread
from .validation import DataError, check_variation, item_frame

ESTIMATORS = ("ML", "ordinal")


@dataclass
class PreparedData:
    """Validated groups and their sample statistics (reusable across nested models).

    Parameters
    ----------
    spec
        The parsed model.
    estimator
        ``"ML"`` or ``"ordinal"``.
    group
        The grouping column (None for one group).
    labels
        Group labels.
    stats
        Sample statistics per group.
    n_thresholds
        Thresholds per item (ordinal).
    n_dropped
        Rows dropped for a missing item.
    """

    spec: ModelSpec
    estimator: str
    group: str | None
    labels: list[str]
    stats: list[GroupStats]
    n_thresholds: list[int]
    n_dropped: int


@single_blas_thread
def cfa(
    data: pd.DataFrame,
    model: str | ModelSpec,
    estimator: str = "ML",
    group: str | None = None,
    group_equal: Sequence[str] = (),
    *,
    missing: str = "listwise",
) -> CFAResult:
    """Fit a confirmatory factor model written in lavaan syntax; return fit, loadings, report.

    Parameters
    ----------
    data
        Item data (and the ``group`` column).
    model
        The model in lavaan syntax, or a parsed :class:`~llmvalues.sem.syntax.ModelSpec`.
    estimator
        ``"ML"``: normal-theory maximum likelihood on the covariance matrix (lavaan's
        default). ``"ordinal"``: DWLS on polychoric correlations with thresholds, lavaan's
        WLSMV point estimates, robust standard errors and the scaled-shifted statistic.
    group
        Column whose groups get one model each.
    group_equal
        Parameters tied across groups, with lavaan's keywords (``"loadings"``,
        ``"intercepts"``/``"thresholds"``, ``"residuals"``, …).
    missing
        Only ``"listwise"``: rows with a missing item are dropped, and counted.

    Returns
    -------
    CFAResult

    Raises
    ------
    DataError
        For data the model cannot be fitted to (names the column, row or group).
    ModelSyntaxError
        For a model that cannot be read or is not identified.
    """
    if isinstance(group_equal, str):
        group_equal = (group_equal,)
    if group is None and group_equal:
        raise ModelSyntaxError("group_equal needs a group column (group=...)")
    prepared = prepare(data, model, estimator, group, missing=missing)
    return fit_prepared(prepared, tuple(group_equal))


def prepare(
    data: pd.DataFrame,
    model: str | ModelSpec,
    estimator: str = "ML",
    group: str | None = None,
    *,
    missing: str = "listwise",
) -> PreparedData:
    """Validate the data for a model and compute each group's sample statistics.

    Parameters
    ----------
    data, model, estimator, group, missing
        As for :func:`cfa`.

    Returns
    -------
    PreparedData
        Reusable by :func:`fit_prepared` for nested models of the same data.
    """
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator={estimator!r}: choose one of {ESTIMATORS}")
    if missing != "listwise":
        raise DataError("cfa handles missing values listwise only (missing='listwise')")
    spec = parse_model(model) if isinstance(model, str) else model
    frame, dropped = item_frame(data, spec.items, extra=[group] if group else ())
    labels, parts = _split_groups(frame, group)
    stats, n_thr = _group_stats(parts, spec.items, labels, estimator == "ordinal", group)
    return PreparedData(spec, estimator, group, labels, stats, n_thr, dropped)


def fit_prepared(prepared: PreparedData, group_equal: tuple[str, ...] = ()) -> CFAResult:
    """Fit the model to prepared data with the given cross-group equality constraints.

    Parameters
    ----------
    prepared
        From :func:`prepare`.
    group_equal
        Parameters tied across groups (lavaan's keywords).

    Returns
    -------
    CFAResult
    """
    spec, stats, n_thr = prepared.spec, prepared.stats, prepared.n_thresholds
    ordinal = prepared.estimator == "ordinal"
    mm = MeasurementModel(
        spec,
        n_groups=len(stats),
        group_equal=group_equal,
        ordinal=ordinal,
        n_thresholds=n_thr,
    )
    n_moments = sum(
        (sum(n_thr) + mm.p * (mm.p - 1) // 2)
        if ordinal
        else (mm.p * (mm.p + 1) // 2 + (mm.p if mm.meanstructure else 0))
        for _ in stats
    )
    df = n_moments - mm.n_free
    if df < 0:
        raise ModelSyntaxError(
            f"the model is not identified: {mm.n_free} free parameters but only {n_moments} "
            "sample moments (add indicators or constraints)"
        )
    n_total = sum(s.n for s in stats)
    if n_total <= mm.n_free:
        raise DataError(
            f"too few respondents for the model: {n_total} for {mm.n_free} free parameters"
        )
    disc = Discrepancy(mm, stats)
    est = fit_model(mm, stats)
    info = information(disc, est)
    rank = _scaled_rank(info)
    if rank < mm.n_free:
        raise ModelSyntaxError(
            f"the model is not identified: the information matrix has rank {rank} for "
            f"{mm.n_free} free parameters (check factor scales and equality constraints)"
        )
    se = standard_errors(disc, est)
    fit = _fit_indices(mm, disc, est, stats, df)
    mi = modification_indices(disc, est, prepared.labels)
    return CFAResult(
        spec=spec,
        model=mm,
        estimate=est,
        se=se,
        stats=stats,
        fit_indices=fit,
        modindices=mi,
        estimator=prepared.estimator,
        group=prepared.group,
        group_labels=prepared.labels,
        group_equal=group_equal,
        n_dropped=prepared.n_dropped,
    )


def _scaled_rank(info: np.ndarray) -> int:
    """Rank of the information matrix after scaling to unit diagonal (units do not matter)."""
    d = np.sqrt(np.abs(np.diag(info)))
    if (d <= 0).any():
        return int((d > 0).sum())
    return int(np.linalg.matrix_rank(info / np.outer(d, d), tol=1e-9))


def _split_groups(frame: pd.DataFrame, group: str | None) -> tuple[list[str], list[pd.DataFrame]]:
    if group is None:
        return ["all"], [frame]
    missing = frame[group].isna()
    if missing.any():
        raise DataError(
            f"group column {group!r} is missing in row {frame.index[missing][0]!r}; "
            "drop or label those rows"
        )
    labels = [str(v) for v in pd.unique(frame[group])]
    if len(labels) < 2:
        raise DataError(f"group column {group!r} has a single value ({labels[0]!r}); need two+")
    keys = frame[group].astype(str)
    parts = [frame.loc[keys == lab] for lab in labels]
    for lab, part in zip(labels, parts, strict=True):
        if len(part) < 2:
            raise DataError(
                f"group {lab!r} of {group!r} has {len(part)} member(s); a group needs enough "
                "respondents to estimate a covariance matrix"
            )
    return labels, parts


def _group_stats(parts, items, labels, ordinal, group) -> tuple[list[GroupStats], list[int]]:
    p = len(items)
    stats: list[GroupStats] = []
    n_thr: list[int] | None = None
    cats_ref = None
    for lab, part in zip(labels, parts, strict=True):
        where = f" in group {lab!r}" if group else ""
        if len(part) <= p:
            raise DataError(
                f"too few respondents for the model{where}: {len(part)} complete response sets "
                f"for {p} items (need more respondents than items)"
            )
        check_variation(part, items, where)
        if ordinal:
            pc = polychoric(part, items, acov=True, smooth=False)
            cats = [tuple(pc.categories[c]) for c in items]
            if cats_ref is None:
                cats_ref = cats
            elif cats != cats_ref:
                bad = next(c for c, a, b in zip(items, cats, cats_ref, strict=True) if a != b)
                raise DataError(
                    f"item {bad!r} uses different categories{where} than in the first group; "
                    "multi-group ordinal models need the same categories in every group"
                )
            tau = np.concatenate([pc.thresholds[c] for c in items])
            n_thr = [len(pc.thresholds[c]) for c in items]
            stats.append(GroupStats(pc.n, pc.correlation.to_numpy(), tau=tau, gamma=pc.gamma))
        else:
            x = part[items].to_numpy(dtype=float)
            mean = x.mean(axis=0)
            cov = np.cov(x, rowvar=False, bias=True)
            stats.append(GroupStats(len(x), cov, mean=mean))
    return stats, n_thr or []


def _fit_indices(mm, disc, est, stats, df) -> dict[str, float]:
    n = disc.n_total
    g = mm.n_groups
    chisq = n * est.fmin
    if mm.ordinal:  # lavaan's DWLS statistics use N - 1 per group
        chisq = sum(
            (s.n - 1) * disc.group_value(k, m, grad=False)[0]
            for k, (s, m) in enumerate(zip(stats, est.moments, strict=True))
        )
        base = sum(
            (s.n - 1) * float(np.sum(s.cov[np.tril_indices(mm.p, -1)] ** 2 * w[len(s.tau) :]))
            for s, w in zip(stats, disc.weights, strict=True)
        )
        df_base = g * mm.p * (mm.p - 1) // 2
        n_rmsea = n - g
    else:
        base = sum(
            s.n * (np.sum(np.log(np.diag(s.cov))) - np.linalg.slogdet(s.cov)[1]) for s in stats
        )
        df_base = g * mm.p * (mm.p - 1) // 2
        n_rmsea = n
    lo, hi = fi.rmsea_ci(chisq, df, n_rmsea, g, level=RMSEA_LEVEL)
    out = {
        "chisq": chisq,
        "df": float(df),
        "pvalue": fi.pvalue(chisq, df),
        "cfi": fi.cfi(chisq, df, base, df_base),
        "tli": fi.tli(chisq, df, base, df_base),
        "rmsea": fi.rmsea(chisq, df, n_rmsea, g),
        "rmsea_lo": lo,
        "rmsea_hi": hi,
        "rmsea_pvalue": fi.rmsea_pvalue(chisq, df, n_rmsea, g, 0.05),
        "rmsea_notclose_pvalue": 1.0 - fi.rmsea_pvalue(chisq, df, n_rmsea, g, 0.08),
        "srmr": _srmr(mm, est, stats, disc),
        "baseline_chisq": base,
        "baseline_df": float(df_base),
        "baseline_pvalue": fi.pvalue(base, df_base),
        "npar": float(mm.n_free),
        "ntotal": float(n),
    }
    if not mm.ordinal:
        out.update(_information_criteria(mm, est, stats))
    if mm.ordinal:
        gammas = [s.gamma for s in stats]
        tr1, tr2 = ugamma_traces(est.jacobian, disc.weights, gammas, disc.frac)
        t_s, a, b = scaled_shifted(chisq, df, tr1, tr2)
        jb = [baseline_jacobian(len(s.tau), mm.p * (mm.p - 1) // 2) for s in stats]
        jb_full = [_embed(j, k, len(stats)) for k, j in enumerate(jb)]
        btr1, btr2 = ugamma_traces(jb_full, disc.weights, gammas, disc.frac)
        tb_s, _, _ = scaled_shifted(base, df_base, btr1, btr2)
        out.update(
            {
                "chisq_scaled": t_s,
                "df_scaled": float(df),
                "pvalue_scaled": fi.pvalue(t_s, df),
                "scaling_factor": 1.0 / a if a else float("nan"),
                "shift_parameter": b,
                "cfi_scaled": fi.cfi(t_s, df, tb_s, df_base),
                "tli_scaled": fi.tli(t_s, df, tb_s, df_base),
                "rmsea_scaled": fi.rmsea(t_s, df, n_rmsea, g),
                "baseline_chisq_scaled": tb_s,
            }
        )
    return {k: float(v) for k, v in out.items()}


def _information_criteria(mm, est, stats) -> dict[str, float]:
    """Log-likelihoods of the model (H0) and the saturated model (H1), AIC, BIC, SABIC (ML)."""
    h0 = h1 = 0.0
    for mats, s in zip(mm.matrices(est.theta), stats, strict=True):
        sigma, mu = mm.implied(mats)
        means = (s.mean, mu) if mm.meanstructure else (None, None)
        h0 += fi.ml_loglik(s.cov, sigma, s.n, *means)
        h1 += fi.ml_loglik(s.cov, s.cov, s.n)
    n = sum(s.n for s in stats)
    k = mm.n_free
    return {
        "logl": h0,
        "unrestricted_logl": h1,
        "aic": -2 * h0 + 2 * k,
        "bic": -2 * h0 + np.log(n) * k,
        "bic2": -2 * h0 + np.log((n + 2) / 24) * k,
    }


def _embed(j: np.ndarray, k: int, n_groups: int) -> np.ndarray:
    """Place one group's baseline Jacobian in the columns of that group."""
    cols = j.shape[1]
    out = np.zeros((j.shape[0], cols * n_groups))
    out[:, k * cols : (k + 1) * cols] = j
    return out


def _srmr(mm, est, stats, disc) -> float:
    vals = []
    for mats, s in zip(mm.matrices(est.theta), stats, strict=True):
        sigma, mu = mm.implied(mats)
        if mm.ordinal:
            vals.append(fi.srmr_group(s.cov, sigma, correlations=True))
        elif mm.meanstructure:
            vals.append(fi.srmr_group(s.cov, sigma, s.mean, mu))
        else:
            vals.append(fi.srmr_group(s.cov, sigma))
    return float(np.sum(disc.frac * np.array(vals)))

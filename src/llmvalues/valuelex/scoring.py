"""Projective-test scores 0–100 per model × subdimension with intervals, and judge agreement.

A completion's code is the mean of its judges' codes (1 = HIGH); a score is 100 × the mean
over completions. Completions of one stem are not independent, so the interval is a
cluster bootstrap over stems (percentile), the same for every model, which keeps scores
comparable across models. With fewer than two stems coded there is no interval (NaN).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from llmvalues.valuelex.agreement import AgreementError, KrippendorffAlpha, alpha_interval


def projective_scores(
    codes: pd.DataFrame, *, n_boot: int = 2000, level: float = 0.95, seed: int = 0
) -> pd.DataFrame:
    """Model × subdimension: score, interval, completions coded and not coded.

    Parameters
    ----------
    codes
        Judges' codes: ``model``, ``subdimension``, ``stem_index``, ``completion``,
        ``code`` (1 HIGH, 0 LOW, NaN not coded).
    n_boot, level, seed
        Cluster-bootstrap resamples of the stems, interval probability, seed.

    Returns
    -------
    pandas.DataFrame
        One row per model × subdimension: ``n_completions``, ``n_coded``, ``n_stems``,
        ``score`` (0–100), ``lo``, ``hi`` (NaN with fewer than two stems coded).
    """
    need = {"model", "subdimension", "stem_index", "completion", "code"}
    missing = sorted(need - set(codes.columns))
    if missing:
        raise ValueError(f"codes lack column(s) {missing}")
    per = (
        codes.groupby(["model", "subdimension", "stem_index", "completion"])["code"]
        .mean()
        .reset_index()
    )
    rng = np.random.default_rng(seed)
    tail = (1 - level) / 2
    rows = []
    for (model, sub), group in per.groupby(["model", "subdimension"]):
        coded = group.dropna(subset=["code"])
        row = {
            "model": model,
            "subdimension": sub,
            "n_completions": len(group),
            "n_coded": len(coded),
            "n_stems": coded["stem_index"].nunique(),
        }
        if coded.empty:
            row.update(score=np.nan, lo=np.nan, hi=np.nan)
            rows.append(row)
            continue
        by_stem = coded.groupby("stem_index")["code"].agg(["sum", "count"])
        sums, counts = by_stem["sum"].to_numpy(), by_stem["count"].to_numpy()
        if len(sums) < 2:  # one stem: resampling stems cannot show any uncertainty
            row.update(score=100 * sums.sum() / counts.sum(), lo=np.nan, hi=np.nan)
            rows.append(row)
            continue
        draws = rng.integers(0, len(sums), size=(n_boot, len(sums)))
        boot = 100 * sums[draws].sum(axis=1) / counts[draws].sum(axis=1)
        lo, hi = np.quantile(boot, [tail, 1 - tail])
        row.update(score=100 * sums.sum() / counts.sum(), lo=float(lo), hi=float(hi))
        rows.append(row)
    return pd.DataFrame(rows)


def judge_agreement(
    codes: pd.DataFrame, *, metric: str = "nominal", n_boot: int = 500, seed: int = 0
) -> KrippendorffAlpha:
    """Krippendorff's alpha of the judges over completion × subdimension units.

    Parameters
    ----------
    codes
        Codes of at least two judges (``judge``, ``completion``, ``subdimension``, ``code``).
    metric
        Krippendorff's difference function (``"nominal"`` for HIGH/LOW).
    n_boot
        Resamples of the units.
    seed
        Seed of the resampling.

    Returns
    -------
    KrippendorffAlpha
    """
    if codes["judge"].nunique() < 2:
        raise AgreementError("agreement needs at least two judges")
    wide = codes.pivot_table(
        index="judge", columns=["completion", "subdimension"], values="code", aggfunc="first"
    )
    return alpha_interval(wide.to_numpy(dtype=float), metric=metric, n_boot=n_boot, seed=seed)


def comparison_table(
    scores: pd.DataFrame, dimension: str = "subdimension", digits: int = 1
) -> pd.DataFrame:
    """Dimension × model table of ``score [lo, hi]`` strings, for reports and papers.

    Parameters
    ----------
    scores
        :func:`projective_scores` (or model scale scores) with ``model``, ``score``, ``lo``,
        ``hi`` and the ``dimension`` column.
    dimension
        The column that names the rows.
    digits
        Decimals shown.

    Returns
    -------
    pandas.DataFrame
        Dimension × model cells ``"score [lo, hi]"`` (``"—"`` where there is no score).
    """
    need = {"model", dimension, "score", "lo", "hi"}
    missing = sorted(need - set(scores.columns))
    if missing:
        raise ValueError(f"scores lack column(s) {missing}")
    cells = scores.assign(
        cell=[
            "—" if pd.isna(s) else f"{s:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"
            for s, lo, hi in zip(scores["score"], scores["lo"], scores["hi"], strict=True)
        ]
    )
    order = list(dict.fromkeys(scores[dimension]))
    table = cells.pivot(index=dimension, columns="model", values="cell").reindex(order)
    return table.rename_axis(columns=None)

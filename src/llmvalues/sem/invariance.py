"""Measurement invariance: configural, metric, scalar and strict models with difference tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from .cfa import fit_prepared, prepare
from .cfa_result import CFAResult
from .estimation import Discrepancy
from .scaled import difference_traces, scaled_shifted
from .syntax import ModelSpec
from .threads import single_blas_thread

#: the nested models and what each ties across groups (lavaan's group.equal keywords)
LEVELS = {
    "configural": (),
    "metric": ("loadings",),
    "scalar": ("loadings", "intercepts"),
    "strict": ("loadings", "intercepts", "residuals"),
}
#: Chen (2007) / Cheung & Rensvold (2002) cut-offs for the change from the previous level
DELTA_CFI, DELTA_RMSEA = 0.01, 0.015


@dataclass
class InvarianceResult:
    """The fitted invariance sequence, a comparison table and a plain-language verdict."""

    fits: dict[str, CFAResult]
    table: pd.DataFrame
    group: str
    estimator: str

    def to_frame(self) -> pd.DataFrame:
        """One row per level: fit, differences from the previous level, tests and verdict."""
        return self.table.copy()

    @property
    def highest_level(self) -> str | None:
        """The most constrained level supported by the cut-offs (None if configural fails)."""
        ok = None
        for row in self.table.itertuples():
            if not row.supported:
                break
            ok = row.level
        return ok

    def verdict(self) -> str:
        """Which level holds, by the stated cut-offs."""
        lines = []
        for row in self.table.itertuples():
            lines.append(f"{row.level}: {row.decision}")
        top = self.highest_level
        head = (
            f"Highest level supported: {top}."
            if top
            else "Not even the configural model fits by the cut-offs."
        )
        rule = (
            f"Rule: configural by CFI >= .95 and RMSEA <= .06 (Hu & Bentler 1999); each further "
            f"level by a change of CFI >= -{DELTA_CFI} and of RMSEA <= +{DELTA_RMSEA} "
            "(Cheung & Rensvold 2002; Chen 2007). These are conventions, not tests."
        )
        return "\n".join([head, *lines, rule])

    def summary(self) -> str:
        """A printable report: the table of fits and differences, then the verdict."""
        t = self.table
        scaled = " (scaled)" if self.estimator == "ordinal" else ""
        lines = [
            f"Measurement invariance across {self.group!r} ({self.estimator}"
            f"{', DWLS; chi-square and indices scaled-shifted as lavaan WLSMV' if scaled else ''})",
            "",
            f"{'level':12}{'chisq':>10}{'df':>6}{'CFI':>8}{'RMSEA':>8}{'SRMR':>8}"
            f"{'dChisq':>10}{'ddf':>6}{'p':>8}{'dCFI':>8}{'dRMSEA':>8}",
        ]
        for r in t.itertuples():
            lines.append(
                f"{r.level:12}{r.chisq:10.3f}{r.df:6.0f}{r.cfi:8.3f}{r.rmsea:8.3f}{r.srmr:8.3f}"
                + (
                    f"{r.delta_chisq:10.3f}{r.delta_df:6.0f}{r.p_difference:8.3f}"
                    f"{r.delta_cfi:8.3f}{r.delta_rmsea:8.3f}"
                    if np.isfinite(r.delta_df)
                    else ""
                )
            )
        note = (
            "Difference test: mean- and variance-adjusted (Asparouhov & Muthen 2006), close to "
            "but not identical with lavaan's satorra.2000."
            if self.estimator == "ordinal"
            else "Difference test: likelihood ratio (chi-square difference) test."
        )
        return "\n".join([*lines, "", note, "", self.verdict()])

    def __str__(self) -> str:
        return self.summary()


@single_blas_thread
def invariance(
    data: pd.DataFrame,
    model: str | ModelSpec,
    group: str,
    estimator: str = "ML",
    levels: Sequence[str] | None = None,
) -> InvarianceResult:
    """Fit the configural, metric, scalar (and, for ML, strict) models and compare them.

    For estimator="ordinal" the levels are configural, metric (loadings) and scalar
    (loadings and thresholds, lavaan's delta parameterisation); strict is not defined there.
    """
    if levels is None:
        levels = ["configural", "metric", "scalar"] + ([] if estimator == "ordinal" else ["strict"])
    unknown = [lv for lv in levels if lv not in LEVELS]
    if unknown:
        raise ValueError(f"levels {unknown} not understood: choose from {list(LEVELS)}")
    if estimator == "ordinal" and "strict" in levels:
        raise ValueError("strict invariance is not defined for the ordinal estimator")
    prepared = prepare(data, model, estimator, group)
    fits = {lv: fit_prepared(prepared, LEVELS[lv]) for lv in levels}
    rows = []
    prev: CFAResult | None = None
    for lv, res in fits.items():
        f = res.fit_indices
        ordinal = estimator == "ordinal"
        chisq = f["chisq_scaled"] if ordinal else f["chisq"]
        cfi_v = f["cfi_scaled"] if ordinal else f["cfi"]
        rmsea_v = f["rmsea_scaled"] if ordinal else f["rmsea"]
        row = {
            "level": lv,
            "chisq": chisq,
            "df": f["df"],
            "pvalue": f["pvalue_scaled"] if ordinal else f["pvalue"],
            "cfi": cfi_v,
            "tli": f["tli_scaled"] if ordinal else f["tli"],
            "rmsea": rmsea_v,
            "srmr": f["srmr"],
            "delta_chisq": np.nan,
            "delta_df": np.nan,
            "p_difference": np.nan,
            "delta_cfi": np.nan,
            "delta_rmsea": np.nan,
        }
        if prev is None:
            supported = cfi_v >= 0.95 and rmsea_v <= 0.06
            decision = f"{'holds' if supported else 'does not hold'} (CFI {cfi_v:.3f}, RMSEA {rmsea_v:.3f})"
        else:
            pf = prev.fit_indices
            d_df = f["df"] - pf["df"]
            d_chi, p_diff = (
                _difference_test(prev, res)
                if ordinal
                else (
                    f["chisq"] - pf["chisq"],
                    float(sps.chi2.sf(f["chisq"] - pf["chisq"], d_df)) if d_df > 0 else np.nan,
                )
            )
            d_cfi = cfi_v - rows[-1]["cfi"]
            d_rmsea = rmsea_v - rows[-1]["rmsea"]
            delta_ok = bool(d_cfi >= -DELTA_CFI and d_rmsea <= DELTA_RMSEA)
            supported = bool(rows[-1]["supported"] and delta_ok)
            row.update(
                delta_chisq=d_chi,
                delta_df=d_df,
                p_difference=p_diff,
                delta_cfi=d_cfi,
                delta_rmsea=d_rmsea,
            )
            decision = (
                f"change criteria {'met' if delta_ok else 'NOT met'} (dCFI {d_cfi:+.3f}, "
                f"dRMSEA {d_rmsea:+.3f}; difference test p = {p_diff:.3g})"
            )
            if delta_ok and not rows[-1]["supported"]:
                decision += ", but the previous level is not supported"
        row["supported"] = bool(supported)
        row["decision"] = decision
        rows.append(row)
        prev = res
    return InvarianceResult(fits, pd.DataFrame(rows), group, estimator)


def _difference_test(restricted_of: CFAResult, restricted: CFAResult) -> tuple[float, float]:
    """Scaled-shifted DWLS difference test between a model and the next more restricted one."""
    free = restricted_of
    t_diff = restricted.fit_indices["chisq"] - free.fit_indices["chisq"]
    d_df = restricted.fit_indices["df"] - free.fit_indices["df"]
    disc = Discrepancy(restricted.model, restricted.stats)
    tr1, tr2 = difference_traces(
        restricted.estimate.jacobian,
        free.model.jacobian(free.estimate.theta),
        disc.weights,
        [s.gamma for s in restricted.stats],
        disc.frac,
    )
    t_s, _, _ = scaled_shifted(t_diff, d_df, tr1, tr2)
    return t_s, float(sps.chi2.sf(t_s, d_df)) if d_df > 0 else float("nan")

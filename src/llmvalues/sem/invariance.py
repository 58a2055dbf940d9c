"""Measurement invariance: configural, metric, scalar and strict models with difference tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from llmvalues.summary import Summary

from .cfa import fit_prepared, prepare
from .cfa_result import CFAResult
from .estimation import Discrepancy
from .scaled import difference_traces, scaled_shifted
from .syntax import ModelSpec
from .threads import single_blas_thread

#: the nested models and what each ties across groups (lavaan's group.equal keywords)
STEPS = {
    "configural": (),
    "metric": ("loadings",),
    "scalar": ("loadings", "intercepts"),
    "strict": ("loadings", "intercepts", "residuals"),
}
#: Chen (2007) / Cheung & Rensvold (2002) cut-offs for the change from the previous step
DELTA_CFI, DELTA_RMSEA = 0.01, 0.015


@dataclass
class InvarianceResult:
    """The fitted invariance sequence, a comparison table and a plain-language verdict.

    Parameters
    ----------
    fits
        Step (``configural``, ``metric``, ``scalar``, ``strict``) → its fitted model.
    table
        One row per step (:meth:`to_frame`).
    group
        The grouping column.
    estimator
        ``"ML"`` or ``"ordinal"``.
    """

    fits: dict[str, CFAResult]
    table: pd.DataFrame
    group: str
    estimator: str

    def to_frame(self) -> pd.DataFrame:
        """One row per step: fit, differences from the previous step, tests and verdict.

        Returns
        -------
        pandas.DataFrame
            ``step``, ``chisq``, ``df``, ``pvalue``, ``cfi``, ``tli``, ``rmsea``, ``srmr``,
            ``delta_chisq``, ``delta_df``, ``p_difference``, ``delta_cfi``, ``delta_rmsea``,
            ``supported``, ``decision`` (scaled statistics for the ordinal estimator).
        """
        return self.table.copy()

    @property
    def highest_step(self) -> str | None:
        """The most constrained step supported by the cut-offs (None if configural fails)."""
        ok = None
        for row in self.table.itertuples():
            if not row.supported:
                break
            ok = row.step
        return ok

    def verdict(self) -> str:
        """Which step holds, by the stated cut-offs (one line per step, then the rule).

        Returns
        -------
        str
        """
        lines = [f"{row.step}: {row.decision}" for row in self.table.itertuples()]
        return "\n".join([self._headline(), *lines, self.rule()])

    def _headline(self) -> str:
        top = self.highest_step
        if top is None:
            return "Not even the configural model fits by the cut-offs."
        return f"Highest step supported: {top}."

    @staticmethod
    def rule() -> str:
        """The decision rule, stated as the convention it is.

        Returns
        -------
        str
        """
        return (
            f"Rule: configural by CFI >= .95 and RMSEA <= .06 (Hu & Bentler 1999); each further "
            f"step by a change of CFI >= -{DELTA_CFI} and of RMSEA <= +{DELTA_RMSEA} "
            "(Cheung & Rensvold 2002; Chen 2007). These are conventions, not tests."
        )

    def summary(self) -> Summary:
        """The table of fits and differences, the difference test used and the verdict.

        Returns
        -------
        llmvalues.summary.Summary
            Table ``Invariance steps`` (index ``step``: fit, differences, decision); the
            notes name the difference test, the verdict and the rule.
        """
        ordinal = self.estimator == "ordinal"
        title = f"Measurement invariance across {self.group!r} ({self.estimator}" + (
            ", DWLS; chi-square and indices scaled-shifted as lavaan WLSMV)" if ordinal else ")"
        )
        test = (
            "Difference test: mean- and variance-adjusted (Asparouhov & Muthen 2006), close to "
            "but not identical with lavaan's satorra.2000."
            if ordinal
            else "Difference test: likelihood ratio (chi-square difference) test."
        )
        return Summary(
            title,
            {"Invariance steps": self.table.set_index("step")},
            [test, self._headline(), self.rule()],
            {"groups": len(next(iter(self.fits.values())).group_labels)},
        )

    def __str__(self) -> str:
        return str(self.summary())


@single_blas_thread
def invariance(
    data: pd.DataFrame,
    model: str | ModelSpec,
    group: str,
    estimator: str = "ML",
    steps: Sequence[str] | None = None,
) -> InvarianceResult:
    """Fit the configural, metric, scalar (and, for ML, strict) models and compare them.

    Parameters
    ----------
    data
        Item data with the ``group`` column.
    model
        The measurement model in lavaan syntax (or a parsed ``ModelSpec``).
    group
        The grouping column.
    estimator
        ``"ML"`` or ``"ordinal"``. For the ordinal estimator the steps are configural,
        metric (loadings) and scalar (loadings and thresholds, lavaan's delta
        parameterisation); strict is not defined there.
    steps
        The steps to fit, in order (default all that apply).

    Returns
    -------
    InvarianceResult
    """
    if steps is None:
        steps = ["configural", "metric", "scalar"] + ([] if estimator == "ordinal" else ["strict"])
    unknown = [st for st in steps if st not in STEPS]
    if unknown:
        raise ValueError(f"steps {unknown} not understood: choose from {list(STEPS)}")
    if estimator == "ordinal" and "strict" in steps:
        raise ValueError("strict invariance is not defined for the ordinal estimator")
    prepared = prepare(data, model, estimator, group)
    fits = {st: fit_prepared(prepared, STEPS[st]) for st in steps}
    rows = []
    prev: CFAResult | None = None
    for st, res in fits.items():
        f = res.fit_indices
        ordinal = estimator == "ordinal"
        chisq = f["chisq_scaled"] if ordinal else f["chisq"]
        cfi_v = f["cfi_scaled"] if ordinal else f["cfi"]
        rmsea_v = f["rmsea_scaled"] if ordinal else f["rmsea"]
        row = {
            "step": st,
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
                decision += ", but the previous step is not supported"
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

"""The result of `cfa`: estimates, standardised solution, fit indices and a lavaan-like report."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as sps

from .estimation import Estimate, GroupStats
from .model import MeasurementModel
from .syntax import ModelSpec

#: conventional cut-offs (Hu & Bentler 1999) used for the plain-language verdict
CUTOFFS = {"cfi": 0.95, "tli": 0.95, "rmsea": 0.06, "srmr": 0.08}


@dataclass
class CFAResult:
    """Fitted confirmatory factor model (read `.fit_indices`, `.loadings`, `.summary()`)."""

    spec: ModelSpec
    model: MeasurementModel
    estimate: Estimate
    se: np.ndarray
    stats: list[GroupStats]
    fit_indices: dict[str, float]
    modindices: pd.DataFrame
    estimator: str
    group: str | None
    group_labels: list[str]
    group_equal: tuple[str, ...]
    n_dropped: int = 0
    _params: pd.DataFrame | None = field(default=None, repr=False)

    # ----------------------------------------------------------------- tables
    @property
    def params(self) -> pd.DataFrame:
        """All parameters: group, lhs, op, rhs, est, se, z, pvalue, std_all, free."""
        if self._params is None:
            self._params = self._param_table()
        return self._params

    def to_frame(self) -> pd.DataFrame:
        """The parameter table (like lavaan's parameterEstimates with std.all)."""
        return self.params.copy()

    def fit_frame(self) -> pd.DataFrame:
        """The fit indices as a one-column DataFrame (index = lavaan's names with _)."""
        return pd.DataFrame({"value": pd.Series(self.fit_indices)})

    @property
    def loadings(self) -> pd.DataFrame:
        """Standardised loadings (std.all): factor, item, value (+ group if multi-group)."""
        t = self.params[self.params["op"] == "=~"]
        out = t.rename(columns={"lhs": "factor", "rhs": "item", "std_all": "value"})
        cols = ["factor", "item", "value"]
        if self.group is not None:
            cols = ["group", *cols]
        return out[cols].reset_index(drop=True)

    @property
    def n_obs(self) -> dict[str, int]:
        """Respondents used per group."""
        return {lab: s.n for lab, s in zip(self.group_labels, self.stats, strict=True)}

    @property
    def converged(self) -> bool:
        """Whether the optimiser reached a stationary point."""
        return self.estimate.converged

    def residual_correlations(self) -> dict[str, pd.DataFrame]:
        """Observed minus implied correlations per group (lavaan's residuals(type='cor'))."""
        out = {}
        items = self.model.items
        for lab, mats, s in zip(
            self.group_labels, self.model.matrices(self.estimate.theta), self.stats, strict=True
        ):
            sigma, _ = self.model.implied(mats)
            if self.model.ordinal:
                res = s.cov - sigma
                np.fill_diagonal(res, 0.0)
            else:
                res = _cov2cor(s.cov) - _cov2cor(sigma)
            out[lab] = pd.DataFrame(res, index=items, columns=items)
        return out

    @property
    def warnings(self) -> list[str]:
        """Problems a reader must know: non-convergence, negative variances (Heywood cases)."""
        out = []
        if not self.estimate.converged:
            out.append(f"the optimiser did not converge: {self.estimate.message}")
        t = self.params
        var = t[(t["op"] == "~~") & (t["lhs"] == t["rhs"])]
        neg = var[var["est"] < 0]
        for r in neg.itertuples():
            grp = f" in group {r.group}" if self.group is not None else ""
            kind = "factor" if r.lhs in self.model.factors else "residual"
            out.append(
                f"negative {kind} variance of {r.lhs}{grp} ({r.est:.3f}): a Heywood case, the "
                "solution is improper"
            )
        return out

    def modification_hints(self, top: int = 5, min_mi: float = 3.84) -> pd.DataFrame:
        """The largest modification indices above `min_mi` (chi-square, 1 df, p < .05)."""
        mi = self.modindices
        return mi[mi["mi"] >= min_mi].head(top).reset_index(drop=True)

    def fits_by_cutoffs(self) -> bool:
        """True when CFI, TLI >= .95, RMSEA <= .06 and SRMR <= .08 (Hu & Bentler 1999)."""
        f = self._headline_fit()
        return (
            f["cfi"] >= CUTOFFS["cfi"]
            and f["tli"] >= CUTOFFS["tli"]
            and f["rmsea"] <= CUTOFFS["rmsea"]
            and f["srmr"] <= CUTOFFS["srmr"]
        )

    def _headline_fit(self) -> dict[str, float]:
        f = self.fit_indices
        if self.model.ordinal:
            return {
                "cfi": f["cfi_scaled"],
                "tli": f["tli_scaled"],
                "rmsea": f["rmsea_scaled"],
                "srmr": f["srmr"],
            }
        return {k: f[k] for k in ("cfi", "tli", "rmsea", "srmr")}

    # ----------------------------------------------------------------- report
    def summary(self, modindices: int = 5) -> str:
        """A printable report laid out like lavaan's summary(fit, fit.measures=TRUE)."""
        f = self.fit_indices
        est = self.estimate
        lines = [
            f"llmvalues CFA {'(ordinal: DWLS on polychoric correlations)' if self.model.ordinal else '(ML)'}",
            "",
        ]
        status = "normally" if est.converged else "WITHOUT CONVERGENCE"
        lines.append(f"  Optimisation ended {status} after {est.iterations} iterations")
        lines.append(f"  ({est.message})")
        lines.append(_kv("Estimator", "DWLS" if self.model.ordinal else "ML"))
        lines.append(_kv("Number of model parameters", f"{self.model.n_free}"))
        if self.group is not None:
            lines.append(_kv("Number of groups", f"{len(self.group_labels)}"))
            if self.group_equal:
                lines.append(_kv("Equal across groups", ", ".join(self.group_equal)))
        for lab, n in self.n_obs.items():
            name = "Number of observations" + (f" ({lab})" if self.group else "")
            lines.append(_kv(name, f"{n}"))
        if self.n_dropped:
            lines.append(_kv("Rows dropped (missing item, listwise)", f"{self.n_dropped}"))
        lines += ["", "Model Test User Model:"]
        if self.model.ordinal:
            lines.append(f"  {'':38}{'Standard':>10}{'Scaled':>10}")
            lines.append(_kv2("Test statistic", f["chisq"], f["chisq_scaled"]))
            lines.append(_kv2("Degrees of freedom", f["df"], f["df_scaled"], fmt="{:.0f}"))
            lines.append(_kv2("P-value (Chi-square)", f["pvalue"], f["pvalue_scaled"]))
            lines.append(_kv2("Scaling correction factor", None, f["scaling_factor"]))
            lines.append(_kv2("Shift parameter", None, f["shift_parameter"]))
            lines.append("    (Standard = DWLS statistic, not lavaan's robust one;")
            lines.append("     Scaled = mean- and variance-adjusted, as lavaan's WLSMV)")
        else:
            lines.append(_kv("Test statistic", f"{f['chisq']:.3f}"))
            lines.append(_kv("Degrees of freedom", f"{f['df']:.0f}"))
            lines.append(_kv("P-value (Chi-square)", f"{f['pvalue']:.3f}"))
        lines += ["", "User Model versus Baseline Model:"]
        if self.model.ordinal:
            lines.append(_kv2("Comparative Fit Index (CFI)", f["cfi"], f["cfi_scaled"]))
            lines.append(_kv2("Tucker-Lewis Index (TLI)", f["tli"], f["tli_scaled"]))
            lines += ["", "Root Mean Square Error of Approximation:"]
            lines.append(_kv2("RMSEA", f["rmsea"], f["rmsea_scaled"]))
            lines.append(_kv2("90 Percent confidence interval - lower", f["rmsea_ci_lower"], None))
            lines.append(_kv2("90 Percent confidence interval - upper", f["rmsea_ci_upper"], None))
        else:
            lines.append(_kv("Comparative Fit Index (CFI)", f"{f['cfi']:.3f}"))
            lines.append(_kv("Tucker-Lewis Index (TLI)", f"{f['tli']:.3f}"))
            lines += ["", "Root Mean Square Error of Approximation:"]
            lines.append(_kv("RMSEA", f"{f['rmsea']:.3f}"))
            lines.append(
                _kv("90 Percent confidence interval - lower", f"{f['rmsea_ci_lower']:.3f}")
            )
            lines.append(
                _kv("90 Percent confidence interval - upper", f"{f['rmsea_ci_upper']:.3f}")
            )
        lines += ["", "Standardized Root Mean Square Residual:", _kv("SRMR", f"{f['srmr']:.3f}")]
        for w in self.warnings:
            lines.append(f"  WARNING: {w}")
        lines += ["", "Verdict: " + self.verdict()]
        lines += ["", "Parameter Estimates:"]
        lines += self._param_lines()
        hints = self.modification_hints(modindices)
        if modindices and not hints.empty:
            lines += ["", f"Modification indices (largest {len(hints)}, MI >= 3.84):"]
            for r in hints.itertuples():
                grp = f" [{r.group}]" if self.group else ""
                lines.append(f"  {r.lhs} {r.op} {r.rhs}{grp}: MI = {r.mi:.2f}, EPC = {r.epc:.3f}")
        return "\n".join(lines)

    def verdict(self) -> str:
        """Plain-language fit verdict by the conventional cut-offs, stated as such."""
        h = self._headline_fit()
        which = " (scaled)" if self.model.ordinal else ""
        caution = " Caution: " + "; ".join(self.warnings) + "." if self.warnings else ""
        txt = (
            f"CFI{which} = {h['cfi']:.3f}, TLI{which} = {h['tli']:.3f}, "
            f"RMSEA{which} = {h['rmsea']:.3f}, SRMR = {h['srmr']:.3f}. "
        )
        if self.fits_by_cutoffs():
            return (
                txt
                + (
                    "By the common cut-offs (CFI/TLI >= .95, RMSEA <= .06, SRMR <= .08; "
                    "Hu & Bentler 1999) the structure holds."
                )
                + caution
            )
        return (
            txt
            + (
                "By the common cut-offs (CFI/TLI >= .95, RMSEA <= .06, SRMR <= .08; Hu & Bentler "
                "1999) the structure does NOT hold for these data."
            )
            + caution
        )

    def __str__(self) -> str:
        return self.summary()

    # ----------------------------------------------------------------- internals
    def _param_table(self) -> pd.DataFrame:
        mm = self.model
        theta, se = self.estimate.theta, self.se
        rows = []
        all_mats = mm.matrices(theta)
        item_of = np.repeat(np.arange(mm.p), mm.n_thresholds) if mm.ordinal else []
        thr_no = (
            np.concatenate([np.arange(1, k + 1) for k in mm.n_thresholds]) if mm.ordinal else []
        )
        for q in mm.params:
            mats = all_mats[q.group]
            sigma, _ = mm.implied(mats)
            sd_y = 1.0 / mats["delta"][:, 0] if mm.ordinal else np.sqrt(np.diag(sigma))
            sd_f = np.sqrt(np.abs(np.diag(mats["psi"])))
            value = mats[q.mat][q.row, q.col]
            if q.mat == "lambda":
                lhs, op, rhs = mm.factors[q.col], "=~", mm.items[q.row]
                std = value * sd_f[q.col] / sd_y[q.row]
            elif q.mat == "psi":
                lhs, op, rhs = mm.factors[q.col], "~~", mm.factors[q.row]
                std = value / (sd_f[q.row] * sd_f[q.col])
            elif q.mat == "theta":
                lhs, op, rhs = mm.items[q.col], "~~", mm.items[q.row]
                std = value / (sd_y[q.row] * sd_y[q.col])
            elif q.mat == "nu":
                lhs, op, rhs = mm.items[q.row], "~1", ""
                std = value / sd_y[q.row]
            elif q.mat == "alpha":
                lhs, op, rhs = mm.factors[q.row], "~1", ""
                std = value / sd_f[q.row] if sd_f[q.row] > 0 else np.nan
            elif q.mat == "tau":
                lhs, op, rhs = mm.items[item_of[q.row]], "|", f"t{thr_no[q.row]}"
                std = value / sd_y[item_of[q.row]]
            else:  # delta (scale factors)
                lhs, op, rhs = mm.items[q.row], "~*~", mm.items[q.row]
                std = value
            if q.free >= 0:
                s = se[q.free]
                z = value / s if s > 0 else np.nan
                pv = 2 * sps.norm.sf(abs(z)) if np.isfinite(z) else np.nan
            else:
                s = z = pv = np.nan
            rows.append(
                {
                    "group": self.group_labels[q.group],
                    "lhs": lhs,
                    "op": op,
                    "rhs": rhs,
                    "est": value,
                    "se": s,
                    "z": z,
                    "pvalue": pv,
                    "std_all": std,
                    "free": q.free >= 0,
                }
            )
        if mm.ordinal:  # implied residual variances of the latent responses
            for g, mats in enumerate(all_mats):
                d = mats["delta"][:, 0]
                for i, item in enumerate(mm.items):
                    rows.append(
                        {
                            "group": self.group_labels[g],
                            "lhs": item,
                            "op": "~~",
                            "rhs": item,
                            "est": mats["theta"][i, i],
                            "se": np.nan,
                            "z": np.nan,
                            "pvalue": np.nan,
                            "std_all": mats["theta"][i, i] * d[i] ** 2,
                            "free": False,
                        }
                    )
        return pd.DataFrame(rows)

    def _param_lines(self) -> list[str]:
        t = self.params
        sections = [
            ("=~", "Latent Variables:"),
            ("~~f", "Covariances and variances of factors:"),
            ("~~i", "Residual (co)variances:"),
            ("~1", "Intercepts / means:"),
            ("|", "Thresholds:"),
        ]
        factors = set(self.model.factors)
        out = []
        for lab in self.group_labels:
            tg = t[t["group"] == lab]
            if self.group is not None:
                out += ["", f"Group {lab} [{self.group}]:"]
            for key, title in sections:
                if key == "~~f":
                    sub = tg[(tg["op"] == "~~") & tg["lhs"].isin(factors)]
                elif key == "~~i":
                    sub = tg[(tg["op"] == "~~") & ~tg["lhs"].isin(factors)]
                else:
                    sub = tg[tg["op"] == key]
                if sub.empty:
                    continue
                out += [
                    "",
                    title,
                    f"  {'':26}{'Estimate':>10}{'Std.Err':>10}{'z-value':>10}"
                    f"{'P(>|z|)':>10}{'Std.all':>10}",
                ]
                last = None
                for r in sub.itertuples():
                    if key == "=~" and r.lhs != last:
                        out.append(f"  {r.lhs} =~")
                        last = r.lhs
                    name = (
                        r.rhs
                        if key == "=~"
                        else (
                            f"{r.lhs} ~~ {r.rhs}"
                            if r.op == "~~"
                            else f"{r.lhs}{'|' + r.rhs if r.op == '|' else ''}"
                        )
                    )
                    out.append(
                        f"    {name:24}{r.est:10.3f}{_num(r.se)}{_num(r.z, 2)}{_num(r.pvalue)}"
                        f"{_num(r.std_all)}"
                    )
        return out


def _num(x: float, d: int = 3) -> str:
    return f"{x:10.{d}f}" if np.isfinite(x) else " " * 10


def _kv(key: str, value: str) -> str:
    return f"  {key:40}{value:>18}"


def _kv2(key: str, a: float | None, b: float | None, fmt: str = "{:.3f}") -> str:
    sa = fmt.format(a) if a is not None else ""
    sb = fmt.format(b) if b is not None else ""
    return f"  {key:38}{sa:>10}{sb:>10}"


def _cov2cor(c: np.ndarray) -> np.ndarray:
    d = np.sqrt(np.diag(c))
    return c / np.outer(d, d)

"""The result of `cfa`: estimates, standardised solution, fit indices and a lavaan-like report."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as sps

from llmvalues.summary import Summary

from .estimation import Estimate, GroupStats
from .model import MeasurementModel
from .syntax import ModelSpec

#: the probability of lavaan's RMSEA interval
RMSEA_LEVEL = 0.90
#: conventional cut-offs (Hu & Bentler 1999) used for the plain-language verdict
CUTOFFS = {"cfi": 0.95, "tli": 0.95, "rmsea": 0.06, "srmr": 0.08}


@dataclass
class CFAResult:
    """Fitted confirmatory factor model (read `.fit_indices`, `.loadings`, `.summary()`).

    Parameters
    ----------
    spec
        The parsed model.
    model
        The measurement model (parameter layout).
    estimate
        Estimated free parameters and the optimiser's record.
    se
        Standard errors of the free parameters.
    stats
        Sample statistics per group.
    fit_indices
        lavaan's fit measures with ``_`` for ``.`` (``chisq``, ``cfi``, ``rmsea``,
        ``rmsea_lo``/``rmsea_hi`` (90% interval), ``srmr``, ``aic``, …; ``*_scaled`` for
        the ordinal estimator).
    modindices
        Modification indices, largest first.
    estimator
        ``"ML"`` or ``"ordinal"``.
    group
        The grouping column (None for one group).
    group_labels
        Labels of the groups (``["all"]`` for one group).
    group_equal
        Parameters tied across groups.
    n_dropped
        Rows dropped for a missing item.
    """

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
        """The parameter table (like lavaan's parameterEstimates with std.all).

        Returns
        -------
        pandas.DataFrame
            One row per parameter: ``group``, ``lhs``, ``op``, ``rhs``, ``est``, ``se``,
            ``z``, ``pvalue``, ``std_all``, ``free``.
        """
        return self.params.copy()

    def fit_frame(self) -> pd.DataFrame:
        """The fit indices as a one-column DataFrame.

        Returns
        -------
        pandas.DataFrame
            Column ``value``, index = lavaan's names with ``_``.
        """
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
        """Observed minus implied correlations per group (lavaan's residuals(type='cor')).

        Returns
        -------
        dict
            Group label → items × items residuals.
        """
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
        """The largest modification indices above `min_mi` (chi-square, 1 df, p < .05).

        Parameters
        ----------
        top
            How many.
        min_mi
            The smallest index shown.

        Returns
        -------
        pandas.DataFrame
            Rows of :attr:`modindices`.
        """
        mi = self.modindices
        return mi[mi["mi"] >= min_mi].head(top).reset_index(drop=True)

    def fits_by_cutoffs(self) -> bool:
        """True when CFI, TLI >= .95, RMSEA <= .06 and SRMR <= .08 (Hu & Bentler 1999).

        Returns
        -------
        bool
            By the scaled indices for the ordinal estimator.
        """
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
    def summary(self, modindices: int = 5) -> Summary:
        """The report of lavaan's ``summary(fit, fit.measures=TRUE, standardized=TRUE)``.

        Parameters
        ----------
        modindices
            How many of the largest modification indices (MI >= 3.84) to list; 0 for none.

        Returns
        -------
        llmvalues.summary.Summary
            Facts (estimator, optimisation, parameters, observations), the fit tables in
            lavaan's order (user model test, baseline model test, CFI/TLI, log-likelihood
            and information criteria for ML, RMSEA with its 90% interval and close-fit
            tests, SRMR), one parameter table per lavaan section (latent variables,
            covariances, intercepts, thresholds, variances, scales; per group when
            multi-group) with ``est``, ``se``, ``z``, ``pvalue`` and ``std_all``, and the
            largest modification indices. The notes hold the warnings and the verdict.
        """
        ordinal = self.model.ordinal
        est = self.estimate
        status = "normally" if est.converged else "WITHOUT CONVERGENCE"
        info: dict[str, object] = {
            "Estimator": "DWLS" if ordinal else "ML",
            "Optimisation": f"ended {status} after {est.iterations} iterations ({est.message})",
            "Number of model parameters": self.model.n_free,
        }
        if self.group is not None:
            info["Number of groups"] = len(self.group_labels)
            if self.group_equal:
                info["Equal across groups"] = ", ".join(self.group_equal)
        for lab, n in self.n_obs.items():
            info["Number of observations" + (f" ({lab})" if self.group else "")] = n
        if self.n_dropped:
            info["Rows dropped (missing item, listwise)"] = self.n_dropped
        tables = self._fit_tables()
        for caption, table in self._parameter_sections():
            tables[caption] = table
        hints = self.modification_hints(modindices) if modindices else pd.DataFrame()
        if not hints.empty:
            cols = ["lhs", "op", "rhs", "mi", "epc"]
            if self.group is not None:
                cols = ["group", *cols]
            caption = f"Modification indices (largest {len(hints)}, MI >= 3.84)"
            tables[caption] = hints[cols].reset_index(drop=True)
        notes = [f"WARNING: {w}" for w in self.warnings]
        if ordinal:
            notes.append(
                "Standard = DWLS statistic, not lavaan's robust one; Scaled = mean- and "
                "variance-adjusted, as lavaan's WLSMV."
            )
        notes.append("Verdict: " + self.verdict())
        title = "llmvalues CFA " + (
            "(ordinal: DWLS on polychoric correlations)" if ordinal else "(ML)"
        )
        return Summary(title, tables, notes, info)

    def verdict(self) -> str:
        """Plain-language fit verdict by the conventional cut-offs, stated as such.

        Returns
        -------
        str
            The headline indices, the rule and whether the structure holds, with the warnings.
        """
        h = self._headline_fit()
        which = " (scaled)" if self.model.ordinal else ""
        caution = " Caution: " + "; ".join(self.warnings) + "." if self.warnings else ""
        txt = (
            f"CFI{which} = {h['cfi']:.3f}, TLI{which} = {h['tli']:.3f}, "
            f"RMSEA{which} = {h['rmsea']:.3f}, SRMR = {h['srmr']:.3f}. "
        )
        rule = (
            "By the common cut-offs (CFI/TLI >= .95, RMSEA <= .06, SRMR <= .08; Hu & Bentler 1999)"
        )
        if self.fits_by_cutoffs():
            return f"{txt}{rule} the structure holds.{caution}"
        return f"{txt}{rule} the structure does NOT hold for these data.{caution}"

    def __str__(self) -> str:
        return str(self.summary())

    def _fit_tables(self) -> dict[str, pd.DataFrame]:
        """lavaan's fit sections; columns ``standard`` and ``scaled`` for the ordinal estimator."""
        f = self.fit_indices
        ordinal = self.model.ordinal
        pct = f"{RMSEA_LEVEL:.0%}".rstrip("%") + " Percent confidence interval"
        sections = {
            "Model Test User Model": [
                ("Test statistic", "chisq", "chisq_scaled"),
                ("Degrees of freedom", "df", "df_scaled"),
                ("P-value (Chi-square)", "pvalue", "pvalue_scaled"),
            ],
            "Model Test Baseline Model": [
                ("Test statistic", "baseline_chisq", "baseline_chisq_scaled"),
                ("Degrees of freedom", "baseline_df", "baseline_df"),
                ("P-value", "baseline_pvalue", None),
            ],
            "User Model versus Baseline Model": [
                ("Comparative Fit Index (CFI)", "cfi", "cfi_scaled"),
                ("Tucker-Lewis Index (TLI)", "tli", "tli_scaled"),
            ],
            "Loglikelihood and Information Criteria": [
                ("Loglikelihood user model (H0)", "logl", None),
                ("Loglikelihood unrestricted model (H1)", "unrestricted_logl", None),
                ("Akaike (AIC)", "aic", None),
                ("Bayesian (BIC)", "bic", None),
                ("Sample-size adjusted Bayesian (SABIC)", "bic2", None),
            ],
            "Root Mean Square Error of Approximation": [
                ("RMSEA", "rmsea", "rmsea_scaled"),
                (f"{pct} - lower", "rmsea_lo", None),
                (f"{pct} - upper", "rmsea_hi", None),
                ("P-value H_0: RMSEA <= 0.050", "rmsea_pvalue", None),
                ("P-value H_0: RMSEA >= 0.080", "rmsea_notclose_pvalue", None),
            ],
            "Standardized Root Mean Square Residual": [("SRMR", "srmr", "srmr")],
        }
        if ordinal:
            sections["Model Test User Model"] += [
                ("Scaling correction factor", None, "scaling_factor"),
                ("Shift parameter", None, "shift_parameter"),
            ]
            del sections["Loglikelihood and Information Criteria"]

        def value(key: str | None) -> object:
            if key is None or key not in f:
                return np.nan
            return int(f[key]) if key.endswith("df") or key == "df_scaled" else f[key]

        out = {}
        for caption, rows in sections.items():
            index = pd.Index([label for label, _, _ in rows], name="measure")
            columns = {"standard": [value(a) for _, a, _ in rows]}
            if ordinal:
                columns["scaled"] = [value(b) for _, _, b in rows]
            out[caption] = pd.DataFrame(columns, index=index, dtype=object)
        return out

    def _parameter_sections(self) -> list[tuple[str, pd.DataFrame]]:
        """(caption, table) per lavaan section of the parameter estimates, per group."""
        t = self.params
        cols = ["lhs", "op", "rhs", "est", "se", "z", "pvalue", "std_all"]
        same = t["lhs"] == t["rhs"]
        sections = [
            ("Latent Variables", t["op"] == "=~"),
            ("Covariances", (t["op"] == "~~") & ~same),
            ("Intercepts", t["op"] == "~1"),
            ("Thresholds", t["op"] == "|"),
            ("Variances", (t["op"] == "~~") & same),
            ("Scales y*", t["op"] == "~*~"),
        ]
        out = []
        for lab in self.group_labels:
            in_group = t["group"] == lab
            prefix = f"Group {lab} [{self.group}]: " if self.group is not None else ""
            for title, rows in sections:
                sub = t.loc[in_group & rows, cols]
                if not sub.empty:
                    out.append((prefix + title, sub.reset_index(drop=True)))
        return out

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


def _cov2cor(c: np.ndarray) -> np.ndarray:
    d = np.sqrt(np.diag(c))
    return c / np.outer(d, d)

"""MCMC health of a hierarchical map fit: R-hat, bulk/tail ESS, divergences, BFMI, advice.

Every free parameter of the model is checked (:func:`~llmvalues.iw.bayes.model.
free_parameters` names them for the fit's parametrisation), and the map positions too.
A diagnostic that is not a number is reported, never dropped; draws that are all equal
(an exactly known quantity, e.g. the ``"asked"`` position of fully answered deterministic
data) have no R-hat and are counted as constant instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from llmvalues.iw.bayes import convergence
from llmvalues.iw.bayes import inference_data as infdata

RHAT_MAX = 1.01
ESS_PER_CHAIN = 100  # Vehtari et al. (2021): bulk and tail ESS ≥ 100 per chain
BFMI_MIN = 0.3
ADVICE = (
    "refit with more draws and tune (e.g. draws=2000, tune=2000), more chains, or "
    "target_accept=0.95; items whose answers never vary lean on the prior (see docs)"
)
TABLE_COLUMNS = ("size", "n_constant", "n_nan", "r_hat_max", "ess_bulk_min", "ess_tail_min")


def convergence_table(idata, var_names: Sequence[str]) -> pd.DataFrame:
    """Per variable: worst R-hat, smallest bulk and tail ESS over its elements.

    Parameters
    ----------
    idata
        InferenceData.
    var_names
        Posterior variables to check.

    Returns
    -------
    pandas.DataFrame
        Index variable: size, n_constant (elements whose draws are all equal: not
        checked), n_nan (other elements without a finite diagnostic), r_hat_max,
        ess_bulk_min, ess_tail_min (over the elements that have one; NaN when none has).
    """
    rows = []
    for name in var_names:
        draws = infdata.posterior_array(idata, name)
        stats = convergence.summary(draws)
        flat = draws.reshape(*draws.shape[:2], -1)
        constant = (flat == flat[:1, :1]).all(axis=(0, 1))
        checked = [np.ravel(stats[k])[~constant] for k in ("r_hat", "ess_bulk", "ess_tail")]
        row = {
            "variable": name,
            "size": int(constant.size),
            "n_constant": int(constant.sum()),
            "n_nan": int(np.isnan(np.column_stack(checked)).any(axis=1).sum()),
        }
        for key, values, worst in zip(
            TABLE_COLUMNS[3:], checked, (np.max, np.min, np.min), strict=True
        ):
            finite = values[np.isfinite(values)]
            row[key] = float(worst(finite)) if finite.size else np.nan
        rows.append(row)
    return pd.DataFrame(rows, columns=["variable", *TABLE_COLUMNS]).set_index("variable")


@dataclass
class Diagnostics:
    """Convergence table per variable plus sampler health, and what to do when it is bad."""

    table: pd.DataFrame  # index variable: the columns of TABLE_COLUMNS
    divergences: int
    draws: int
    chains: int
    bfmi: list[float] = field(default_factory=list)
    max_treedepth_share: float = 0.0

    @classmethod
    def from_idata(cls, idata, free: Sequence[str]) -> Diagnostics:
        """Compute every check on the free parameters ``free`` and on the map positions.

        Parameters
        ----------
        idata
            The fit's InferenceData.
        free
            Names of the model's free parameters (every one must be in the posterior).
        """
        missing = [n for n in free if not infdata.has_variable(idata, n)]
        if missing:
            raise ValueError(f"free parameter(s) {missing} are not in the posterior")
        names = [*free, *(["position"] if infdata.has_variable(idata, "position") else [])]
        health = infdata.sampler_health(idata)
        return cls(
            table=convergence_table(idata, names),
            divergences=int(health["divergences"]),
            draws=int(health["draws"]),
            chains=int(idata.posterior.sizes["chain"]),
            bfmi=list(health["bfmi"]),
            max_treedepth_share=float(health.get("max_treedepth_share", 0.0)),
        )

    @property
    def ess_min(self) -> float:
        return ESS_PER_CHAIN * self.chains

    def problems(self) -> list[str]:
        """One message per failed check, each with the remedy."""
        out = []
        t = self.table
        checked = t[t["n_constant"] < t["size"]]
        unknown = checked.index[checked["n_nan"] > 0].tolist()
        if unknown:
            n = int(checked["n_nan"].sum())
            why = (
                "R-hat needs at least two chains"
                if self.chains < 2
                else "a chain that never moved, or draws that are not finite"
            )
            out.append(
                f"R-hat/ESS could not be computed for {n} element(s) of {unknown} ({why}): "
                f"convergence is unchecked there; {ADVICE}"
            )
        bad_rhat = checked.index[checked["r_hat_max"] > RHAT_MAX].tolist()
        if bad_rhat:
            worst = float(checked["r_hat_max"].max())
            out.append(
                f"R-hat up to {worst:.3f} > {RHAT_MAX} for {bad_rhat}: chains disagree; {ADVICE}"
            )
        ess = checked[["ess_bulk_min", "ess_tail_min"]].min(axis=1)
        low = checked.index[ess < self.ess_min].tolist()
        if low:
            worst = float(ess.min())
            out.append(
                f"effective sample size down to {worst:.0f} (< {self.ess_min:.0f}) for {low}: "
                f"intervals are noisy; {ADVICE}"
            )
        if self.divergences:
            out.append(
                f"{self.divergences} divergent transitions of {self.draws}: the posterior may be "
                "biased; raise target_accept (0.95-0.99) or tighten the variance priors"
            )
        low_bfmi = [round(b, 2) for b in self.bfmi if b < BFMI_MIN]
        if low_bfmi:
            out.append(
                f"low energy BFMI {low_bfmi} (< {BFMI_MIN}): the sampler explores the variance "
                f"parameters poorly; {ADVICE}"
            )
        if self.max_treedepth_share > 0.01:
            out.append(
                f"{self.max_treedepth_share:.0%} of draws hit the maximum tree depth: the "
                "sampler is inefficient; longer tuning or stronger priors help"
            )
        return out

    @property
    def ok(self) -> bool:
        return not self.problems()

    def to_frame(self) -> pd.DataFrame:
        """The per-variable table with the thresholds as columns to compare against
        (``r_hat_ok``/``ess_ok`` are False where a diagnostic is NaN; an exactly known
        variable passes)."""
        out = self.table.copy()
        exact = out["n_constant"] == out["size"]
        out["r_hat_ok"] = exact | ((out["r_hat_max"] <= RHAT_MAX) & (out["n_nan"] == 0))
        ess = out[["ess_bulk_min", "ess_tail_min"]].min(axis=1)
        out["ess_ok"] = exact | ((ess >= self.ess_min) & (out["n_nan"] == 0))
        return out

    def __str__(self) -> str:
        head = (
            f"divergences {self.divergences}/{self.draws}, BFMI "
            f"{', '.join(f'{b:.2f}' for b in self.bfmi)}"
        )
        verdict = "all checks passed" if self.ok else "\n".join(self.problems())
        return f"{self.to_frame().round(3).to_string()}\n{head}\n{verdict}"

"""The result of a hierarchical map fit: the shared map-fit contract on posterior draws.

Everything common to map fits is :class:`llmvalues.iw.mapfit.MapFit`; this class adds
the posterior behind it (``idata``, ``diagnostics``), the prompt-variant analyses
(:mod:`~llmvalues.iw.bayes.variance`), the predictive check
(:mod:`~llmvalues.iw.bayes.checks`) and saving (:mod:`~llmvalues.iw.bayes.saved`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from llmvalues.iw.bayes import checks, notes, pairs, saved, variance
from llmvalues.iw.bayes import inference_data as infdata
from llmvalues.iw.bayes.data import CellCounts
from llmvalues.iw.bayes.diagnostics import Diagnostics
from llmvalues.iw.bayes.loo import OBSERVED, attach_loglik, warn_pareto
from llmvalues.iw.bayes.model import Priors, free_parameters
from llmvalues.iw.bayes.positions import answer_pull, asked_pairs
from llmvalues.iw.bayes.posterior import flat
from llmvalues.iw.bayes.prior_sensitivity import PriorSensitivity, prior_sensitivity
from llmvalues.iw.mapfit import MapFit
from llmvalues.iw.presets import Preset
from llmvalues.iw.refusals import item_values, mix, refusal_positions, shift_points


@dataclass
class HierarchicalMapFit(MapFit):
    """Map positions from the hierarchical ordinal model, with the posterior behind them.

    Attributes
    ----------
    preset
        The map preset.
    data
        The cell counts the model was fitted to (with answer status and identity attributes).
    idata
        ArviZ InferenceData; its posterior also holds ``expected_answer``, ``position`` (for
        the fit's estimand) and ``variant_position`` (per identity × variant asked).
    priors
        The priors used.
    link
        ``"logit"`` or ``"probit"``.
    structure
        Which random effects the model has and how they were parametrised.
    settings
        How the fit was made: estimand, answers, interaction, parametrization and the
        sampler settings.
    """

    method: ClassVar[str] = "hierarchical"

    preset: Preset
    data: CellCounts
    idata: Any  # arviz.InferenceData
    priors: Priors
    link: str
    structure: dict[str, bool]
    settings: dict[str, Any] = field(default_factory=dict)

    # ----- the map-fit contract ----------------------------------------------------------
    @property
    def estimand(self) -> str:
        """What the positions estimate (see :mod:`llmvalues.iw.estimands`)."""
        return self.settings["estimand"]

    @property
    def identities(self) -> list[str]:
        return list(self.data.identities)

    @property
    def attributes(self) -> pd.DataFrame:
        return self.data.attributes

    @property
    def status(self) -> pd.DataFrame:
        return self.data.status

    @property
    def sets(self) -> pd.DataFrame:
        """identity, variant, n_sets (sets with a usable answer, all used), n_incomplete."""
        s = self.data.sets
        return s.assign(n_sets=s["n_usable"], n_incomplete=s["n_total"] - s["n_complete"])[
            ["identity", "variant", "n_sets", "n_incomplete"]
        ]

    @cached_property
    def position_draws(self) -> np.ndarray:
        """(draws, identities, 2) posterior map positions, chains stacked."""
        return flat(self.idata, "position")

    def _point_positions(self) -> np.ndarray:
        return self.position_draws.mean(0)

    def _estimate(self, draws: np.ndarray, at_point: np.ndarray) -> np.ndarray:
        # the posterior mean; where every draw is the same (an exact quantity, e.g. "asked"
        # at temperature 0) that value itself, not a sum of copies divided by their number,
        # which can land one rounding step outside its own zero-width interval
        exact = (draws == draws[:1]).all(0)
        return np.where(exact, draws[0], draws.mean(0)) if draws.size else draws.mean(0)

    def _variant_positions(self) -> pd.DataFrame:
        mean = flat(self.idata, "variant_position").mean(0)  # (pairs, 2)
        ident, variant = asked_pairs(self.data)
        index = pd.MultiIndex.from_arrays(
            [np.asarray(self.identities)[ident], np.asarray(self.data.variants)[variant]],
            names=["identity", "variant"],
        )
        return pd.DataFrame(mean, index=index, columns=["x", "y"])

    def _expected_answers(self) -> np.ndarray:
        return self._expected_answer_draws().mean(0)

    def _expected_answer_draws(self) -> np.ndarray:
        return flat(self.idata, "expected_answer")

    def _refusal_draws(self, points, delta):
        answered = pairs.answered_share(self.idata)
        ident, _ = asked_pairs(self.data)
        weight = np.ones(len(ident))
        n_ids = len(self.identities)
        shift = None if delta is None else item_values(delta, "delta")
        parts = []
        for expected, shifted in pairs.pair_expected_answers(
            self.idata, self.data, self.structure, self.link, self.settings["random_seed"], shift
        ):
            if points is not None:
                shifted = shift_points(expected, points)
            parts.append(
                refusal_positions(expected, answered, weight, ident, n_ids, self.preset, shifted)
            )
        draws = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
        at_point = {k: v.mean(0) for k, v in draws.items()}
        notes = [
            "Hierarchical: answered replies at their posterior expected answer per identity × "
            'variant (those of the "asked" position), so on every draw the bounds contain the '
            "MAR position; every variant asked counts once; intervals are posterior credible "
            "intervals."
        ]
        return draws, at_point, notes

    def _unanswered_share(self) -> np.ndarray:
        answered = pairs.answered_share(self.idata)
        ident, _ = asked_pairs(self.data)
        zero = np.zeros_like(answered)
        return mix(zero, 1.0, answered, np.ones(len(ident)), ident, len(self.identities))

    def _notes(self, level: float) -> list[str]:
        s = self.settings
        return [
            f"Hierarchical ordinal model ({self.link} link"
            f"{', prompt-variant effects' if self.structure['variant_effects'] else ''}"
            f"{', identity × variant effects' if self.structure['interaction'] else ''}); "
            "estimates are posterior means.",
            f"Intervals ({level:.0%}) are equal-tailed posterior credible intervals from "
            f"{s['chains']} chains × {s['draws']} draws"
            f"{' (sampler ' + s['sampler'] + ')' if 'sampler' in s else ''}.",
            *notes.estimand_notes(self.data, self.estimand),
            *notes.data_notes(self.data, s.get("answers", "sampled")),
        ]

    def _caveats(self) -> list[str]:
        return [*self.diagnostics.problems(), *self.pull_caveats(), *self.calibration_caveats()]

    def calibration_caveats(self) -> list[str]:
        """Where the intervals of this fit's estimand on data shaped like these were measured
        to miss their level in simulation, and what to use instead (empty when none)."""
        return notes.calibration_caveats(self.data, self.estimand, self.link)

    def pull_caveats(self) -> list[str]:
        """Deterministically answered identities whose position (a model-based estimand)
        lies > 0.5 posterior SD from the projection of their mean answers, and why."""
        return notes.pull_caveats(
            self.pull(), self.position_draws, self.data, self.estimand, self.preset
        )

    def pull(self) -> pd.DataFrame:
        """Posterior expected answer minus the observed mean answer, per identity × item.

        Returns
        -------
        pandas.DataFrame
            identity, item, observed, expected, sd, pull (answer units), pull_sd,
            pull_x, pull_y (map units) — :func:`llmvalues.iw.bayes.positions.answer_pull`.
        """
        return answer_pull(flat(self.idata, "expected_answer"), self.data, self.preset)

    def _info(self) -> dict[str, Any]:
        return {
            "link": self.link,
            "variants": len(self.data.variants),
            "effective answers": round(float(self.data.status["n_effective"].sum()), 2),
            "draws": f"{self.settings['chains']} × {self.settings['draws']}",
            "converged": self.diagnostics.ok,
        }

    def _plot_kinds(self, plots) -> dict[str, Any]:
        return {
            "map": plots.plot_map_uncertainty,
            "forest": plots.plot_forest,
            "variants": plots.plot_variant_effects,
            "ppc": plots.plot_ppc,
            "trajectory": plots.plot_trajectory,
        }

    # ----- the posterior -----------------------------------------------------------------
    @cached_property
    def diagnostics(self) -> Diagnostics:
        """R-hat, bulk/tail ESS, divergences, BFMI (``.problems()`` lists what failed)."""
        return Diagnostics.from_idata(self.idata, free_parameters(self.structure))

    def prompt_sensitivity(self, level: float = 0.9) -> pd.DataFrame:
        """Share of latent answer variance due to prompt variants, per item and overall.

        Parameters
        ----------
        level : float
            Probability of the ``lo``/``hi`` interval of each share.

        Returns
        -------
        pandas.DataFrame
            Index item (the ten, then ``overall``): share, sd, lo, hi, level, contraction,
            variant_contraction, interaction_contraction, prior_driven, flag
            (:func:`llmvalues.iw.bayes.variance.prompt_sensitivity`).
        """
        return variance.prompt_sensitivity(
            self.idata, self.data, self.structure, self.link, self.priors, level
        )

    def variant_effects(self, level: float = 0.9) -> pd.DataFrame:
        """Latent effect of each prompt variant on each item (shared by identities).

        Parameters
        ----------
        level : float
            Probability of each effect's ``lo``/``hi`` interval.

        Returns
        -------
        pandas.DataFrame
            variant, item, mean, sd, lo, hi, level: one row per variant × item.
        """
        return variance.variant_effects(self.idata, self.data, self.structure, level)

    def ppc(
        self, level: float = 0.9, n_draws: int = 200, seed: int = 0, pooled: bool = False
    ) -> pd.DataFrame:
        """Observed vs posterior predictive share of each answer category, identity × item.

        Parameters
        ----------
        level, n_draws, seed, pooled
            See :func:`llmvalues.iw.bayes.checks.ppc`.

        Returns
        -------
        pandas.DataFrame
        """
        return checks.ppc(
            self.idata, self.data, self.structure, self.link, level, n_draws, seed, pooled
        )

    # ----- model checking and comparison ------------------------------------------------
    def predictive_checks(
        self, level: float = 0.9, n_draws: int = 400, seed: int = 0, alpha: float = 0.05
    ) -> checks.PredictiveChecks:
        """Posterior predictive checks that can fail: variant dispersion, replicate agreement.

        Parameters
        ----------
        level, n_draws, seed, alpha
            See :func:`llmvalues.iw.bayes.checks.predictive_checks`.

        Returns
        -------
        llmvalues.iw.bayes.checks.PredictiveChecks
        """
        table = checks.predictive_checks(
            self.idata, self.data, self.structure, self.link, level, n_draws, seed, alpha
        )
        return checks.PredictiveChecks(table, alpha)

    def log_likelihood(self) -> np.ndarray:
        """Pointwise log-likelihood of every cell (identity × variant × item), every draw.

        Computed from the posterior on first use and kept as the InferenceData's
        ``log_likelihood`` group (variable ``answers``, dimension ``cell``), so ArviZ's
        ``loo``/``waic``/``compare`` work on ``fit.idata``; a fit saved afterwards keeps it.
        Why cells are the unit: :mod:`llmvalues.iw.bayes.loo`.

        Returns
        -------
        numpy.ndarray
            (chain, draw, cells); cell k is ``data.cell_identity[k]``,
            ``data.cell_variant[k]``, ``data.cell_item[k]``.
        """
        if not infdata.has_log_likelihood(self.idata):
            attach_loglik(self.idata, self.data, self.structure, self.link)
        return infdata.log_likelihood_array(self.idata, OBSERVED)

    def loo(self, warn: bool = True):
        """PSIS leave-one-cell-out cross-validation (``az.loo``, pointwise values kept).

        Parameters
        ----------
        warn
            Warn when cells have a Pareto k above ArviZ's threshold.

        Returns
        -------
        arviz.ELPDData
        """
        self.log_likelihood()
        result = infdata.loo(self.idata)
        if warn:
            warn_pareto(f"{self.link} fit", result)
        return result

    def prior_sensitivity(
        self, scale: Sequence[float] = (0.5, 2.0), level: float = 0.9, method: str = "refit"
    ) -> PriorSensitivity:
        """How far the positions move when every prior SD is scaled (explicit, not automatic).

        Parameters
        ----------
        scale
            Factors applied to every prior SD.
        level
            Interval probability; a position whose shift exceeds its interval width on an
            axis is reported (and warned about) as prior-driven.
        method
            ``"refit"`` (fits the same counts again per factor, as expensive as this fit)
            or ``"importance"`` (PSIS reweighting of this posterior, no refit, seconds;
            reliable only for factors near 1, e.g. (0.9, 1.1): the result reports Pareto k).

        Returns
        -------
        llmvalues.iw.bayes.prior_sensitivity.PriorSensitivity
        """
        return prior_sensitivity(self, scale, level, method)

    # ----- files -------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the fit to one netCDF file (ArviZ InferenceData).

        The file holds the posterior and sample stats, the observed cell counts with the
        answer status and identity attributes, the priors, the settings and the preset
        (coefficients, intercept, countries), so :meth:`load` rebuilds an equal fit.

        Parameters
        ----------
        path
            File to write (``.nc`` by convention); replaced if it exists.

        Returns
        -------
        pathlib.Path
        """
        return saved.write(
            Path(path),
            self.idata,
            saved.FitParts(
                self.preset, self.data, self.priors, self.link, self.structure, self.settings
            ),
        )

    @classmethod
    def load(cls, path: str | Path) -> HierarchicalMapFit:
        """Read a fit written by :meth:`save`.

        Parameters
        ----------
        path
            The netCDF file.

        Returns
        -------
        HierarchicalMapFit

        Raises
        ------
        ValueError
            The file is not a hierarchical map fit written by llmvalues.
        """
        idata, parts = saved.read(Path(path))
        return cls(
            preset=parts.preset,
            data=parts.data,
            idata=idata,
            priors=parts.priors,
            link=parts.link,
            structure=parts.structure,
            settings=parts.settings,
        )

    def __repr__(self) -> str:
        return (
            f"HierarchicalMapFit({len(self.identities)} identities, "
            f"{len(self.data.variants)} variants, {self.data.n_answers:g} answers in "
            f"{self.data.n_cells} cells, preset {self.preset.name!r}, link {self.link!r}, "
            f"estimand {self.estimand!r})"
        )


__all__ = ["HierarchicalMapFit"]

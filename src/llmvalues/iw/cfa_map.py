"""The Inglehart-Welzel two-factor structure tested on LLM response sets (and against humans)."""

from __future__ import annotations

from dataclasses import dataclass
from os import PathLike

import pandas as pd

from llmvalues.iw.items import SURVSELF_ITEMS, TRADRAT_ITEMS
from llmvalues.sem.cfa import cfa
from llmvalues.sem.cfa_result import CFAResult
from llmvalues.sem.invariance import InvarianceResult, invariance
from llmvalues.sem.validation import DataError
from llmvalues.summary import Summary

IW_MODEL = f"tradrat =~ {' + '.join(TRADRAT_ITEMS)}\nsurvself =~ {' + '.join(SURVSELF_ITEMS)}"
IW_ITEMS = (*TRADRAT_ITEMS, *SURVSELF_ITEMS)


@dataclass
class CFAMapResult:
    """CFA of the IW structure on LLM response sets, optionally with humans and invariance.

    Parameters
    ----------
    llm
        The CFA of the LLM response sets.
    humans
        The CFA of the human respondents (when given).
    invariance
        Invariance between humans and LLMs, or between groups of LLM response sets.
    n_sets
        Complete response sets (the respondents of the LLM CFA).
    n_dropped
        Incomplete response sets dropped.
    n_identities, n_variants
        Identities and prompt variants among the complete sets.
    n_patterns
        Distinct answer patterns among them.
    comparison
        What the invariance compares (None without one).
    """

    llm: CFAResult
    humans: CFAResult | None
    invariance: InvarianceResult | None
    n_sets: int
    n_dropped: int
    n_identities: int
    n_variants: int
    n_patterns: int
    comparison: str | None

    def to_frame(self) -> pd.DataFrame:
        """Fit indices side by side: one row per fitted sample.

        Returns
        -------
        pandas.DataFrame
            Index ``sample`` (``LLMs``, ``humans``); one column per fit index of
            :attr:`CFAResult.fit_indices`.
        """
        rows = {"LLMs": self.llm.fit_indices}
        if self.humans is not None:
            rows["humans"] = self.humans.fit_indices
        return pd.DataFrame(rows).T.rename_axis("sample")

    def summary(self) -> Summary:
        """Does the two-factor structure hold: fit, loadings, invariance, and the caveats.

        Returns
        -------
        llmvalues.summary.Summary
            Table ``Fit`` (headline indices per sample), the LLM CFA's tables (prefixed
            ``LLMs:``), the humans' loadings and the invariance steps; notes with the
            verdicts, the caveats and the invariance rule.
        """
        ordinal = self.llm.model.ordinal
        headline = ["chisq", "df", "cfi", "tli", "rmsea", "rmsea_lo", "rmsea_hi", "srmr"]
        if ordinal:
            headline += ["chisq_scaled", "cfi_scaled", "tli_scaled", "rmsea_scaled"]
        tables = {"Fit": self.to_frame()[headline]}
        llm = self.llm.summary()
        tables.update({f"LLMs: {caption}": t for caption, t in llm.tables.items()})
        if self.humans is not None:
            tables["Humans: Latent Variables"] = self.humans.summary().tables["Latent Variables"]
        notes = ["LLMs: " + self.llm.verdict()]
        if self.humans is not None:
            notes.append("Humans (unweighted): " + self.humans.verdict())
        notes += [f"Caveat: {c}" for c in self.caveats()]
        if self.invariance is not None:
            inv = self.invariance.summary()
            tables[f"Invariance ({self.comparison})"] = inv.to_frame()
            notes += inv.notes
        info = {
            "traditional/secular": ", ".join(TRADRAT_ITEMS),
            "survival/self-expression": ", ".join(SURVSELF_ITEMS),
            "complete response sets": self.n_sets,
            "incomplete sets dropped": self.n_dropped,
            "identities": self.n_identities,
            "prompt variants": self.n_variants,
            "distinct answer patterns": self.n_patterns,
            "estimator": llm.info["Estimator"],
        }
        if self.comparison:
            info["invariance"] = self.comparison
        return Summary("Inglehart-Welzel two-factor CFA", tables, notes, info)

    def plot(self, **kwargs):
        """Standardised loadings with intervals, LLMs beside humans (see
        :func:`llmvalues.plots.cfa.plot_cfa_loadings`); returns (figure, axes)."""
        from llmvalues.plots.cfa import plot_cfa_loadings

        return plot_cfa_loadings(self, **kwargs)

    def caveats(self) -> list[str]:
        """What a reader must keep in mind when reading these fit statistics.

        Returns
        -------
        list of str
        """
        out = [
            "LLM answer sets are not independent respondents: they are clustered by model and "
            "prompt variant (and identical at temperature 0), so chi-square tests and standard "
            "errors that assume independent respondents are too optimistic; the effective "
            f"sample size is nearer the {self.n_identities} identities x {self.n_variants} "
            f"variants than the {self.n_sets} sets, and only {self.n_patterns} answer patterns "
            "are distinct.",
            "The IW dimensions are defined at the country level; published analyses find weak "
            "support for the two-factor structure among individual respondents and limited "
            "cross-national equivalence (e.g. Aleman & Woods 2016), so misfit here is not by "
            "itself a fault of the LLMs.",
        ]
        if self.humans is not None:
            out.append(
                "Human respondents are analysed unweighted (survey weights are not used by the "
                "CFA), pooled over the countries and waves given."
            )
        return out

    def __str__(self) -> str:
        return str(self.summary())


def cfa_map(
    responses: pd.DataFrame,
    humans: pd.DataFrame | str | PathLike | None = None,
    *,
    estimator: str = "ordinal",
    between: str | None = None,
    waves=None,
) -> CFAMapResult:
    """Fit the IW two-factor CFA to LLM response sets; with `humans`, test invariance to them.

    Parameters
    ----------
    responses
        A tidy Responses table (:mod:`llmvalues.responses`). Each complete response set
        (identity, variant, replicate) is one respondent; incomplete sets are dropped and
        counted.
    humans
        The DataFrame from :func:`llmvalues.iw.ivs.read_ivs` or a path to the user's IVS
        file; then configural/metric/scalar invariance between humans and LLMs is tested.
    estimator
        ``"ordinal"`` (DWLS, lavaan's WLSMV) or ``"ML"``.
    between
        Without humans: an attribute column (e.g. ``"identity"``) whose groups of LLM
        response sets are tested for invariance.
    waves
        Waves to read when ``humans`` is a path.

    Returns
    -------
    CFAMapResult
    """
    from llmvalues.responses import to_wide, validate_responses

    tidy = validate_responses(responses)
    wide = to_wide(tidy)
    missing_items = [c for c in IW_ITEMS if c not in wide.columns]
    if missing_items:
        raise DataError(f"responses lack the IW item(s) {missing_items}")
    complete = wide.dropna(subset=list(IW_ITEMS))
    n_dropped = len(wide) - len(complete)
    if complete.empty:
        raise DataError(
            f"no complete response set: each of the {len(wide)} sets misses at least one of the "
            "10 IW items (refusals, parse failures)"
        )
    llm = complete.reset_index()[["identity", "variant", "replicate", *IW_ITEMS]]
    if between is not None:
        attrs = tidy.drop_duplicates(["identity", "variant", "replicate"])
        if between not in attrs.columns:
            raise DataError(f"between={between!r} is not a column of the responses")
        if between not in llm.columns:
            llm = llm.merge(
                attrs[["identity", "variant", "replicate", between]],
                on=["identity", "variant", "replicate"],
                how="left",
            )
    n_patterns = int(llm[list(IW_ITEMS)].drop_duplicates().shape[0])
    llm_fit = _fit(llm, estimator, "the LLM response sets")
    human_fit = inv = None
    comparison = None
    if humans is not None:
        people = _human_frame(humans, waves)
        human_fit = _fit(people, estimator, "the human respondents")
        both = pd.concat(
            [
                people[list(IW_ITEMS)].assign(source="humans"),
                llm[list(IW_ITEMS)].assign(source="LLMs"),
            ],
            ignore_index=True,
        )
        inv = _invariance(both, "source", estimator)
        comparison = "humans vs LLMs"
    elif between is not None:
        inv = _invariance(llm, between, estimator)
        comparison = f"LLM groups by {between}"
    return CFAMapResult(
        llm_fit,
        human_fit,
        inv,
        len(llm),
        n_dropped,
        int(llm["identity"].nunique()),
        int(llm["variant"].nunique()),
        n_patterns,
        comparison,
    )


def _human_frame(humans, waves) -> pd.DataFrame:
    if isinstance(humans, str | PathLike):
        from llmvalues.iw.ivs import read_ivs

        humans = read_ivs(humans, waves=waves)
    if not isinstance(humans, pd.DataFrame):
        raise DataError("humans must be the DataFrame from read_ivs or a path to an IVS file")
    absent = [c for c in IW_ITEMS if c not in humans.columns]
    if absent:
        raise DataError(f"the human data lack the IW item column(s) {absent}")
    people = humans.dropna(subset=list(IW_ITEMS))
    if people.empty:
        raise DataError("no human respondent answered all 10 IW items")
    return people


def _fit(frame: pd.DataFrame, estimator: str, who: str) -> CFAResult:
    try:
        return cfa(frame, IW_MODEL, estimator=estimator)
    except DataError as err:
        raise DataError(f"the IW CFA cannot be fitted to {who}: {err}") from err


def _invariance(frame: pd.DataFrame, group: str, estimator: str) -> InvarianceResult:
    try:
        return invariance(frame, IW_MODEL, group, estimator=estimator)
    except DataError as err:
        hint = (
            " With the ordinal estimator every group must use the same answer categories of "
            "every item; LLMs often leave categories empty. Use estimator='ML' for the "
            "comparison, or collapse categories explicitly before fitting."
            if estimator == "ordinal" and "categories" in str(err)
            else ""
        )
        raise DataError(f"invariance across {group!r} cannot be tested: {err}.{hint}") from err

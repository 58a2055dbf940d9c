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

IW_MODEL = f"tradrat =~ {' + '.join(TRADRAT_ITEMS)}\nsurvself =~ {' + '.join(SURVSELF_ITEMS)}"
IW_ITEMS = (*TRADRAT_ITEMS, *SURVSELF_ITEMS)


@dataclass
class CFAMapResult:
    """CFA of the IW structure on LLM response sets, optionally with humans and invariance."""

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
        """Fit indices side by side: one row per fitted sample."""
        rows = {"LLMs": self.llm.fit_indices}
        if self.humans is not None:
            rows["humans"] = self.humans.fit_indices
        return pd.DataFrame(rows).T

    def summary(self) -> str:
        """Plain-language report: does the two-factor structure hold, with the caveats."""
        lines = [
            "Inglehart-Welzel two-factor CFA (traditional/secular: "
            f"{', '.join(TRADRAT_ITEMS)}; survival/self-expression: "
            f"{', '.join(SURVSELF_ITEMS)})",
            "",
            f"LLM response sets as respondents: {self.n_sets} complete sets "
            f"({self.n_dropped} incomplete sets dropped), {self.n_identities} identities, "
            f"{self.n_variants} prompt variants, {self.n_patterns} distinct answer patterns.",
            "",
            "LLMs: " + self.llm.verdict(),
        ]
        if self.humans is not None:
            lines += ["", "Humans (unweighted): " + self.humans.verdict()]
        lines += ["", "Caveats:", *[f"- {c}" for c in self.caveats()]]
        if self.invariance is not None:
            lines += ["", self.invariance.summary()]
        lines += ["", "Full CFA report for the LLM response sets:", "", self.llm.summary()]
        return "\n".join(lines)

    def caveats(self) -> list[str]:
        """What a reader must keep in mind when reading these fit statistics."""
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
        return self.summary()


def cfa_map(
    responses: pd.DataFrame,
    humans: pd.DataFrame | str | PathLike | None = None,
    *,
    estimator: str = "ordinal",
    between: str | None = None,
    waves=None,
) -> CFAMapResult:
    """Fit the IW two-factor CFA to LLM response sets; with `humans`, test invariance to them.

    responses: a tidy Responses table (llmvalues.responses). Each complete response set
    (identity, variant, replicate) is one respondent; incomplete sets are dropped and counted.
    humans: the DataFrame from `llmvalues.iw.ivs.read_ivs` or a path to the user's IVS file;
    then configural/metric/scalar invariance between humans and LLMs is tested. Without
    humans, `between="identity"` (or another attribute column) tests invariance between
    groups of LLM response sets instead.
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

"""Languages in map fits: one identity per language unless pooling is asked, and how the
expected answer to each item moves between two languages of one model.

A model's values depend on the language it is asked in, so a map fit never pools the
answers one identity gave in several languages (the ``language`` column of a Responses
table, which every collected cell records). :func:`by_language` is what
:func:`llmvalues.fit_map` does at the door: by default it splits such an identity into one
identity per language (``"m"`` for English, ``"m | zh"``, as :func:`llmvalues.collect.ivs_plan`
names them); ``pool=True`` keeps it whole and records the languages pooled (``"en+zh"``) in
its ``language`` attribute, which the fit's summary states. The fits themselves refuse an
identity whose rows disagree on the language (:func:`check_languages`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from llmvalues.instruments import load_instrument
from llmvalues.instruments.languages import LANGUAGES
from llmvalues.iw.estimands import describe
from llmvalues.iw.intervals import check_level, interval
from llmvalues.iw.items import ITEMS
from llmvalues.responses import ResponsesError
from llmvalues.summary import Summary

LANGUAGE = "language"
"""The Responses column (and identity attribute) that names the language asked."""

POOLED = "+"
"""Joins the languages of a pooled identity in its ``language`` attribute (``"en+zh"``)."""


def _order(languages) -> list[str]:
    known = {lang: i for i, lang in enumerate(LANGUAGES)}
    return sorted({str(v) for v in languages}, key=lambda v: (known.get(v, len(known)), v))


def language_mix(responses: pd.DataFrame) -> dict[str, list[str]]:
    """Identities whose rows name more than one language → those languages.

    Parameters
    ----------
    responses
        A Responses table; without a ``language`` column nothing mixes.

    Returns
    -------
    dict
        Identity → its languages (in the order of
        :data:`~llmvalues.instruments.languages.LANGUAGES`); empty when every identity
        answered in one language. A missing language counts as one (``"nan"``).
    """
    if LANGUAGE not in responses.columns or "identity" not in responses.columns:
        return {}
    langs = responses[LANGUAGE].astype(str).groupby(responses["identity"], sort=False).unique()
    return {str(i): _order(v) for i, v in langs.items() if len(v) > 1}


def check_languages(responses: pd.DataFrame) -> None:
    """Refuse a table in which an identity answered in several languages.

    Raises
    ------
    llmvalues.ResponsesError
        Naming the identity, its languages and the two ways on (split or pool).
    """
    mixed = language_mix(responses)
    if mixed:
        name, langs = next(iter(mixed.items()))
        raise ResponsesError(
            f"identity {name!r} answered in {' and '.join(langs)}: fits never pool "
            "languages; fit_map splits such identities by language (the default) or pools "
            f"them with fit_map(..., pool_languages=True) ({len(mixed)} such identities)"
        )


def separate_languages(responses: pd.DataFrame) -> pd.DataFrame:
    """One identity per language: rows of a mixed identity asked outside English get
    ``" | <language>"`` (English rows keep the name, as ``ivs_plan`` names identities).

    Raises
    ------
    llmvalues.ResponsesError
        When a new name is already another identity of the table.
    """
    mixed = language_mix(responses)
    if not mixed:
        return responses
    out = responses.copy()
    rows = out["identity"].astype(str).isin(mixed) & out[LANGUAGE].astype(str).ne("en")
    renamed = out.loc[rows, "identity"].astype(str) + " | " + out.loc[rows, LANGUAGE].astype(str)
    taken = set(out.loc[~out["identity"].astype(str).isin(mixed), "identity"].astype(str))
    clash = sorted(set(renamed) & taken)
    if clash:
        raise ResponsesError(
            f"splitting identities by language would name {clash[0]!r}, which is already an "
            "identity of the table: rename one of them, or pool languages with "
            "fit_map(..., pool_languages=True)"
        )
    out.loc[rows, "identity"] = renamed
    return out


def pool_languages(responses: pd.DataFrame) -> pd.DataFrame:
    """Keep mixed identities whole, with the language as a prompt-variant factor: a row's
    variant gets ``"/<language>"`` (``"lv01/zh"``, as perturbations do) and its ``language``
    becomes the languages pooled (``"en+zh"``), so the fit's attributes and summary say so."""
    mixed = language_mix(responses)
    if not mixed:
        return responses
    out = responses.copy()
    pooled = {name: POOLED.join(langs) for name, langs in mixed.items()}
    rows = out["identity"].astype(str).isin(pooled)
    if "variant" in out.columns:
        out["variant"] = out["variant"].astype(object)
        out.loc[rows, "variant"] = (
            out.loc[rows, "variant"].astype(str) + "/" + out.loc[rows, LANGUAGE].astype(str)
        )
    out.loc[rows, LANGUAGE] = out.loc[rows, "identity"].astype(str).map(pooled)
    return out


def by_language(responses: pd.DataFrame, pool: bool = False) -> pd.DataFrame:
    """:func:`separate_languages`, or with ``pool`` :func:`pool_languages`."""
    return pool_languages(responses) if pool else separate_languages(responses)


def language_notes(attributes: pd.DataFrame) -> list[str]:
    """What a fit's summary says about the languages of its identities."""
    if LANGUAGE not in attributes.columns:
        return []
    langs = attributes[LANGUAGE].astype(str)
    pooled = langs[langs.str.contains(POOLED, regex=False)]
    notes = []
    if len(pooled):
        listed = ", ".join(f"{i!r} ({v})" for i, v in pooled.head(5).items())
        notes.append(
            f"Languages pooled (pool_languages=True): {len(pooled)} identit"
            f"{'y answers' if len(pooled) == 1 else 'ies answer'} in several languages as one, "
            f"each language a prompt variant ('…/zh'): {listed}."
        )
    if langs.nunique() > 1:
        notes.append(
            "Each identity answered in one language (its 'language' attribute) unless pooled: "
            f"{', '.join(_order(langs))}; fit.language_effects(a, b) compares two."
        )
    return notes


# ---------------------------------------------------------------- language effects


@dataclass(frozen=True)
class LanguageEffects:
    """Per item, how the expected answer moves from identity ``a`` to identity ``b``.

    Attributes
    ----------
    table
        One row per item: item, scale, expected_a, expected_b, difference (b − a),
        lo, hi, p_positive (share of draws with b − a > 0), share_of_scale
        (difference / the scale's span), level.
    a, b
        The two identities; ``languages`` their languages.
    method, estimand
        Of the fit the draws come from.
    notes
        What the estimate and the interval mean.
    """

    table: pd.DataFrame
    a: str
    b: str
    languages: tuple[str, str]
    method: str
    estimand: str
    level: float
    notes: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """The per-item table (a copy)."""
        return self.table.copy()

    def summary(self) -> Summary:
        """The table with who is compared, the method, the estimand and the interval level."""
        return Summary(
            f"Language effects per item: {self.languages[0]} → {self.languages[1]}",
            {"effects": self.table.set_index("item")},
            [describe(self.estimand), *self.notes],
            {
                "from": self.a,
                "to": self.b,
                "languages": " → ".join(self.languages),
                "method": self.method,
                "estimand": self.estimand,
                "level": self.level,
            },
        )


def _expected_answers(fit) -> tuple[np.ndarray, np.ndarray]:
    """(draws, identities, items) draws of each identity's expected raw answers, and their
    point estimates (identities, items), in the order of ``fit.identities`` and ITEMS."""
    items = list(ITEMS)
    if fit.method == "hierarchical":
        post = fit.idata.posterior["expected_answer"]
        post = post.sel(identity=fit.identities, item=items).transpose(
            "chain", "draw", "identity", "item"
        )
        values = np.asarray(post.values)
        draws = values.reshape(-1, *values.shape[2:])
        return draws, draws.mean(0)
    codes = fit.set_codes
    rng = np.random.default_rng(fit.random_seed)
    draws = np.full((fit.n_bootstrap, len(fit.identities), len(items)), np.nan)
    point = np.full((len(fit.identities), len(items)), np.nan)
    groups = codes.groupby("identity", sort=False)
    for i, name in enumerate(fit.identities):
        sets = groups.get_group(name)[items].to_numpy(dtype=float)
        point[i] = sets.mean(0)
        if len(sets) >= 2:
            pick = rng.integers(0, len(sets), (fit.n_bootstrap, len(sets)))
            draws[:, i] = sets[pick].mean(1)
    return draws, point


def _scale(item) -> tuple[str, float]:
    return f"{item.lowest}–{item.highest}", float(item.highest - item.lowest)


def language_effects(
    fit, a: str | Mapping[str, Any], b: str | Mapping[str, Any], level: float = 0.9
) -> LanguageEffects:
    """Per item, the difference in expected answer from ``a`` to ``b`` (b − a), with its
    interval: what changes when one model is asked in another language.

    Parameters
    ----------
    fit
        A map fit (classic: the mean of the complete response sets' raw codes, intervals
        from the fit's bootstrap; hierarchical: the posterior expected answer under the
        fit's estimand, credible intervals).
    a, b
        Identities by name or by attributes, e.g. ``{"model": m, "language": "en"}``.
    level
        Interval probability.

    Returns
    -------
    LanguageEffects

    Raises
    ------
    ValueError
        When ``a`` and ``b`` are one identity or answered in the same language.
    """
    check_level(level)
    ia, ib = (fit.identities.index(fit.resolve(w)) for w in (a, b))
    if ia == ib:
        raise ValueError("a language effect needs two different identities")
    names = fit.identities[ia], fit.identities[ib]
    attrs = fit.attributes
    langs = tuple(str(attrs.at[n, LANGUAGE]) if LANGUAGE in attrs.columns else "?" for n in names)
    if langs[0] == langs[1] and langs[0] != "?":
        raise ValueError(
            f"{names[0]!r} and {names[1]!r} both answered in {langs[0]!r}: no language "
            "effect; fit.contrast compares any two identities"
        )
    draws, point = _expected_answers(fit)
    diff = draws[:, ib] - draws[:, ia]
    lo, hi = interval(diff, level)
    estimate = fit._estimate(diff, point[ib] - point[ia])
    finite = np.isfinite(diff).all(0)
    instrument = load_instrument()
    scales = [_scale(instrument[code]) for code in ITEMS]
    table = pd.DataFrame(
        {
            "item": list(ITEMS),
            "scale": [s for s, _ in scales],
            "expected_a": point[ia],
            "expected_b": point[ib],
            "difference": estimate,
            "lo": lo,
            "hi": hi,
            "p_positive": np.where(finite, (diff > 0).mean(0), np.nan),
            "share_of_scale": estimate / np.array([span for _, span in scales]),
            "level": level,
        }
    )
    notes = [
        f"difference = expected answer of {names[1]!r} ({langs[1]}) − of {names[0]!r} "
        f"({langs[0]}), in raw codes of each item's scale; share_of_scale divides it by the "
        "scale's span.",
        *fit._notes(level),
    ]
    return LanguageEffects(table, *names, langs, fit.method, fit.estimand, level, notes)

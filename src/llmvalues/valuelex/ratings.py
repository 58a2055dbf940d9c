"""Likert ratings of lexicon terms: the rating plan (order randomised) and the respondent × term matrix."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from llmvalues.collect.ivs import MODES
from llmvalues.collect.plan import Plan, make_cell
from llmvalues.instruments.items import Item
from llmvalues.instruments.parse import OK, Parsed, parse_scale
from llmvalues.summary import Summary
from llmvalues.valuelex.resources import load_data
from llmvalues.valuelex.respondents import Respondent, build_request, stable_seed

SCORES = ("code", "expected")


class RatingError(ValueError):
    """Ratings cannot be assembled into a matrix as asked; says why."""


def scale_labels(spec: dict[str, Any] | None = None) -> dict[int, str]:
    """The Likert labels (code → words) from the rating spec (bundled: 1–5).

    Parameters
    ----------
    spec
        A rating spec with a ``scale`` mapping (default the bundled one).

    Returns
    -------
    dict
        Code → label.
    """
    spec = spec or load_data("rating.json")
    labels = {int(k): str(v) for k, v in spec["scale"].items()}
    codes = sorted(labels)
    if len(codes) < 2 or codes != list(range(codes[0], codes[0] + len(codes))):
        raise RatingError(f"the rating scale must be consecutive integer codes, got {codes}")
    return labels


def scale_item(term: str, labels: dict[int, str]) -> Item:
    """An Item for one term on the rating scale, so the shared Likert parser applies.

    Parameters
    ----------
    term
        The term rated.
    labels
        The scale's code → label.

    Returns
    -------
    llmvalues.instruments.items.Item
    """
    return Item(
        code=f"rate:{term}",
        ivs_code="",
        axis="",
        kind="scale",
        content=term,
        codes=tuple(sorted(labels)),
        direction="higher = describes the respondent better",
        prompt="",
        labels=dict(labels),
    )


def rating_parser(term: str, labels: dict[int, str]):
    """Parser of a rating reply: the scale point, or refusal / invalid / out_of_range.

    Parameters
    ----------
    term, labels
        As for :func:`scale_item`.

    Returns
    -------
    callable
        Reply text → :class:`~llmvalues.instruments.parse.Parsed`.
    """
    item = scale_item(term, labels)

    def parse(text: str) -> Parsed:
        return parse_scale(item, text)

    return parse


def rating_plan(
    model: str,
    respondents: list[Respondent],
    terms: list[str],
    *,
    fmt: str = "chat",
    mode: str = "single",
    sampling: dict[str, Any] | None = None,
    spec: dict[str, Any] | None = None,
    wave: int = 0,
    logprobs: bool = True,
    seed: int = 0,
) -> Plan:
    """Every respondent rates every term, in an order shuffled per respondent (recorded).

    Parameters
    ----------
    model
        Model id of the backend that will rate.
    respondents
        Who rates.
    terms
        Distinct terms to rate.
    fmt
        ``"chat"`` or ``"completion"`` prompts.
    mode
        ``"single"``: each rating a fresh question; ``"conversation"`` (chat only): a
        respondent's ratings form one conversation in the shuffled order, so order effects
        are real and randomised.
    sampling
        Sampling settings (default temperature 0.7, 8 tokens).
    spec
        Rating wording (default the bundled one).
    wave
        > 0 asks again for test–retest (new cells, new seeds).
    logprobs
        Ask for the probabilities of the scale points.
    seed
        Seed of the orders and the sampling seeds.

    Returns
    -------
    llmvalues.collect.plan.Plan
    """
    if not terms:
        raise RatingError("no terms to rate: the lexicon kept no term above its thresholds")
    if len(set(terms)) != len(terms):
        raise RatingError("terms to rate must be distinct")
    if mode not in MODES:
        raise RatingError(f"mode must be one of {MODES}, got {mode!r}")
    if mode == "conversation" and fmt != "chat":
        raise RatingError("conversation ratings need the chat format")
    spec = spec or load_data("rating.json")
    labels = scale_labels(spec)
    low, high = min(labels), max(labels)
    template = spec["chat_template"] if fmt == "chat" else spec["completion_template"]
    options = tuple(str(c) for c in sorted(labels)) if logprobs else ()
    base = {"temperature": 0.7, "max_tokens": 8, **(sampling or {})}
    cells = []
    for resp in respondents:
        order = list(terms)
        random.Random(stable_seed(seed, resp.id, wave, "order")).shuffle(order)
        for position, term in enumerate(order):
            text = template.format(
                term=term, low=labels[low], high=labels[high], high_code=high, low_code=low
            )
            sampling_r = {**base, "seed": stable_seed(seed, resp.id, wave, term)}
            request = build_request(resp, text, fmt=fmt, sampling=sampling_r, options=options)
            cells.append(
                make_cell(
                    model,
                    resp.id,
                    f"rate:{term}",
                    request,
                    variant=f"{resp.persona.id}@w{wave}",
                    replicate=resp.sample,
                    parser=rating_parser(term, labels),
                    session=f"{resp.id}@w{wave}" if mode == "conversation" else "",
                    attrs={
                        "stage": "rate",
                        "respondent": resp.id,
                        "model_label": resp.model,
                        "persona": resp.persona.id,
                        "term": term,
                        "position": position,
                        "wave": wave,
                        "mode": mode,
                        "format": fmt,
                    },
                )
            )
    meta = {"stage": "rate", "terms": len(terms), "wave": wave, "scale": [low, high]}
    return Plan(model, cells, metadata=meta)


def expected_rating(distribution: str | None, min_mass: float = 0.5) -> float:
    """Mean scale point from a stored option distribution (NaN when too little mass is on it).

    Parameters
    ----------
    distribution
        The stored JSON distribution (``probs`` by code).
    min_mass
        Least probability on the scale points.

    Returns
    -------
    float
    """
    if distribution is None or (isinstance(distribution, float) and np.isnan(distribution)):
        return float("nan")
    probs = {int(k): float(v) for k, v in json.loads(distribution)["probs"].items()}
    mass = sum(probs.values())
    if mass < min_mass:
        return float("nan")
    return sum(k * p for k, p in probs.items()) / mass


@dataclass
class RatingMatrix:
    """Respondents × terms ratings, each respondent's model, and what was left out and why.

    Parameters
    ----------
    data
        Respondents × terms scores (NaN where not ok).
    models
        Respondent → model.
    status
        Term × status counts of the cells.
    excluded
        Respondents and terms left out: ``kind``, ``name``, ``reason``.
    score
        ``"code"`` (the reply's scale point) or ``"expected"`` (from log-probs).
    """

    data: pd.DataFrame
    models: pd.Series
    status: pd.DataFrame
    excluded: pd.DataFrame = field(default_factory=pd.DataFrame)
    score: str = "code"

    @property
    def terms(self) -> list[str]:
        """The terms kept."""
        return list(self.data.columns)

    def to_frame(self) -> pd.DataFrame:
        """The ratings in long form, one row per respondent × term.

        Returns
        -------
        pandas.DataFrame
            ``respondent``, ``model``, ``term``, ``score`` (NaN where not ok).
        """
        wide = self.data.rename_axis(index="respondent", columns=None).reset_index()
        out = wide.melt("respondent", var_name="term", value_name="score")
        out.insert(1, "model", out["respondent"].map(self.models))
        return out

    def summary(self) -> Summary:
        """The matrix's size, the cell statuses per term and what was excluded.

        Returns
        -------
        llmvalues.summary.Summary
            Tables ``Cell status per term`` and ``Excluded``.
        """
        info = {
            "respondents": self.data.shape[0],
            "terms": self.data.shape[1],
            "models": int(self.models.nunique()),
            "score": self.score,
            "missing cells": int(self.data.isna().sum().sum()),
        }
        return Summary(
            "ValueLex rating matrix",
            {"Cell status per term": self.status, "Excluded": self.excluded},
            info=info,
        )


def rating_matrix(
    ratings: pd.DataFrame,
    *,
    score: str = "code",
    min_answered: float = 0.5,
    min_mass: float = 0.5,
) -> RatingMatrix:
    """Assemble tidy ratings (respondent, model, term, code, status[, distribution]) into a matrix.

    Cells that are not ``ok`` are missing (NaN), counted in ``status``. Respondents who
    answered fewer than ``min_answered`` of the terms and terms that are constant are
    moved to ``excluded`` with the reason; nothing disappears unreported.

    Parameters
    ----------
    ratings
        Tidy ratings (a ``distribution`` column for ``score="expected"``).
    score
        ``"code"`` or ``"expected"`` (mean scale point from the answer distribution).
    min_answered
        Least share of terms a kept respondent answered.
    min_mass
        Least probability on the scale for an expected score.

    Returns
    -------
    RatingMatrix
    """
    if score not in SCORES:
        raise RatingError(f"score must be one of {SCORES}, got {score!r}")
    need = ["respondent", "model", "term", "code", "status"]
    if score == "expected":
        need.append("distribution")
    missing = [c for c in need if c not in ratings.columns]
    if missing:
        raise RatingError(f"ratings lack column(s) {missing}")
    if ratings.empty:
        raise RatingError("no ratings given")
    frame = ratings.copy()
    if score == "expected":
        frame["value"] = [
            expected_rating(d, min_mass) if s == OK or pd.notna(d) else np.nan
            for d, s in zip(frame["distribution"], frame["status"], strict=True)
        ]
    else:
        frame["value"] = np.where(frame["status"] == OK, frame["code"].astype(float), np.nan)
    dupes = frame.duplicated(["respondent", "term"])
    if dupes.any():
        row = frame[dupes].iloc[0]
        raise RatingError(
            f"respondent {row['respondent']!r} rated {row['term']!r} twice; give one wave at a time"
        )
    status = frame.groupby(["term", "status"]).size().unstack("status", fill_value=0)
    data = frame.pivot(index="respondent", columns="term", values="value")
    models = frame.drop_duplicates("respondent").set_index("respondent")["model"]
    excluded = []
    answered = data.notna().mean(axis=1)
    for resp in answered.index[answered < min_answered]:
        excluded.append(
            {
                "kind": "respondent",
                "name": resp,
                "reason": f"answered {answered[resp]:.0%} of terms",
            }
        )
    data = data.loc[answered >= min_answered]
    for term in data.columns:
        values = data[term].dropna()
        if values.nunique() < 2:
            shown = "no ratings" if values.empty else f"every rating is {values.iloc[0]:g}"
            excluded.append({"kind": "term", "name": term, "reason": f"constant: {shown}"})
    dropped_terms = [e["name"] for e in excluded if e["kind"] == "term"]
    data = data.drop(columns=dropped_terms)
    if data.empty or data.shape[1] == 0:
        raise RatingError(
            f"no usable ratings remain: {len(excluded)} respondents/terms excluded "
            f"({excluded[:3]}…); status counts: {status.sum().to_dict()}"
        )
    return RatingMatrix(
        data,
        models.loc[data.index],
        status,
        pd.DataFrame(excluded, columns=["kind", "name", "reason"]),
        score,
    )

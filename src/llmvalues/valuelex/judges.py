"""Judges that code a completion HIGH (1) or LOW (0) on a subdimension: an LLM or an encoder.

Both return one row per completion × subdimension with ``judge``, ``code`` (1, 0 or NaN)
and ``status``/``reason``, so several judges stack into one table for agreement and scoring.
The LLM judge asks through the collection store (resumable); the embedding judge compares
the completion with the rubric's HIGH and LOW descriptions.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from llmvalues.collect.backends.base import Request
from llmvalues.collect.plan import Plan, make_cell
from llmvalues.collect.runner import collect
from llmvalues.collect.store import Store
from llmvalues.embeddings import embed
from llmvalues.instruments.parse import INVALID, OK, Parsed, is_refusal
from llmvalues.valuelex.resources import load_rubric
from llmvalues.valuelex.respondents import resolve_format

TARGETS = ("stem", "all")
_VERDICT = re.compile(r"\b(high|low)\b", re.IGNORECASE)


def parse_verdict(text: str) -> Parsed:
    """HIGH → 1, LOW → 0; both words: the first; neither → invalid (refusals recorded as such).

    Parameters
    ----------
    text
        The judge's reply.

    Returns
    -------
    llmvalues.instruments.parse.Parsed
    """
    found = {m.lower() for m in _VERDICT.findall(text or "")}
    if found == {"high"}:
        return Parsed(1, OK)
    if found == {"low"}:
        return Parsed(0, OK)
    if found:
        first = _VERDICT.search(text).group(1).lower()
        return Parsed(1 if first == "high" else 0, OK, "both words; first one taken")
    if is_refusal(text or ""):
        return Parsed(None, "refusal", "judge declined")
    return Parsed(None, INVALID, "no HIGH or LOW in the verdict")


def _targets(completions: pd.DataFrame, rubric: dict, target: str) -> list[tuple[int, str]]:
    if target not in TARGETS:
        raise ValueError(f"target must be one of {TARGETS}, got {target!r}")
    subs = list(rubric["subdimensions"])
    pairs = []
    for i, row in completions.iterrows():
        for sub in [row["subdimension"]] if target == "stem" else subs:
            if sub not in rubric["subdimensions"]:
                raise ValueError(f"the rubric has no subdimension {sub!r} (has {subs})")
            pairs.append((i, sub))
    return pairs


def _not_judged(row: pd.Series, sub: str, judge: str) -> dict[str, Any]:
    return {
        "judge": judge,
        "completion": row["completion"],
        "model": row["model"],
        "subdimension": sub,
        "stem_index": row["stem_index"],
        "code": np.nan,
        "status": "not_judged",
        "reason": f"completion status {row['status']}",
    }


class LLMJudge:
    """An LLM asked, with the written rubric, whether a completion is HIGH or LOW.

    Parameters
    ----------
    backend
        The judging model's collection backend.
    rubric
        The rubric (default the bundled one).
    fmt
        ``"auto"`` (completion prompts for base models), ``"chat"`` or ``"completion"``.
    label
        The judge's name in the codes (default ``llm:{model}``).
    """

    def __init__(
        self, backend: Any, rubric: dict | None = None, fmt: str = "auto", label: str | None = None
    ):
        self.backend = backend
        self.rubric = rubric or load_rubric()
        self.fmt = resolve_format(fmt, backend)  # base models get a completion prompt
        self.name = label or f"llm:{backend.model}"

    def plan(self, completions: pd.DataFrame, target: str = "stem") -> Plan:
        """One judging cell per ok completion × subdimension.

        Parameters
        ----------
        completions
            From :func:`~llmvalues.valuelex.projective.completions_frame`.
        target
            ``"stem"``: judge each completion on its stem's subdimension; ``"all"``: on
            every subdimension.

        Returns
        -------
        llmvalues.collect.plan.Plan
        """
        cells = []
        for i, sub in _targets(completions, self.rubric, target):
            row = completions.loc[i]
            if row["status"] != OK:
                continue
            spec = self.rubric["subdimensions"][sub]
            text = self.rubric["instruction"].format(
                subdimension=sub,
                definition=spec["definition"],
                high=spec["high"],
                low=spec["low"],
                stem=row["stem"],
                completion=row["reply"].strip(),
            )
            sampling = {"temperature": 0.0, "max_tokens": 4}
            if self.fmt == "chat":
                request = Request(messages=({"role": "user", "content": text},), sampling=sampling)
            else:
                suffix = self.rubric.get("completion_suffix", "")
                request = Request(prompt=text + suffix, sampling=sampling)
            cells.append(
                make_cell(
                    self.backend.model,
                    self.name,
                    f"judge:{row['completion']}:{sub}",
                    request,
                    parser=parse_verdict,
                    attrs={"stage": "judge", "completion": row["completion"], "subdimension": sub},
                )
            )
        return Plan(self.backend.model, cells, metadata={"stage": "judge", "judge": self.name})

    def code(
        self, completions: pd.DataFrame, store: Store, target: str = "stem", **options: Any
    ) -> pd.DataFrame:
        """Collect the verdicts (resumable) and return the codes table.

        Parameters
        ----------
        completions
            From :func:`~llmvalues.valuelex.projective.completions_frame`.
        store
            The store (rerunning resumes).
        target
            ``"stem"`` or ``"all"`` (see :meth:`plan`).
        **options
            Passed to :func:`llmvalues.collect.runner.collect`.

        Returns
        -------
        pandas.DataFrame
            One row per completion × subdimension: ``judge``, ``completion``, ``model``,
            ``subdimension``, ``stem_index``, ``code``, ``status``, ``reason``.
        """
        plan = self.plan(completions, target)
        verdicts = pd.DataFrame()
        if len(plan):
            collect(plan, self.backend, store, **options)
            verdicts = store.to_table(plan.keys).set_index("item")
        rows = []
        for i, sub in _targets(completions, self.rubric, target):
            row = completions.loc[i]
            key = f"judge:{row['completion']}:{sub}"
            if row["status"] != OK or key not in verdicts.index:
                rows.append(_not_judged(row, sub, self.name))
                continue
            v = verdicts.loc[key]
            rows.append(
                {
                    "judge": self.name,
                    "completion": row["completion"],
                    "model": row["model"],
                    "subdimension": sub,
                    "stem_index": row["stem_index"],
                    "code": v["code"] if v["status"] == OK else np.nan,
                    "status": v["status"],
                    "reason": v["reason"],
                }
            )
        return pd.DataFrame(rows)


class EmbeddingJudge:
    """HIGH when the completion is closer to the rubric's HIGH text than to its LOW text.

    Parameters
    ----------
    encoder
        A sentence-transformers encoder.
    rubric
        The rubric (default the bundled one).
    margin
        HIGH needs cos(HIGH) − cos(LOW) above this.
    label
        The judge's name in the codes.
    """

    def __init__(
        self,
        encoder: Any,
        rubric: dict | None = None,
        margin: float = 0.0,
        label: str = "embedding",
    ):
        self.encoder = encoder
        self.rubric = rubric or load_rubric()
        self.margin = margin
        self.name = label
        subs = list(self.rubric["subdimensions"])
        self._subs = subs
        high = embed(encoder, [self.rubric["subdimensions"][s]["high"] for s in subs])
        low = embed(encoder, [self.rubric["subdimensions"][s]["low"] for s in subs])
        self._high = dict(zip(subs, high, strict=True))
        self._low = dict(zip(subs, low, strict=True))

    def code(self, completions: pd.DataFrame, target: str = "stem") -> pd.DataFrame:
        """Code every ok completion; ``difference`` = cos(HIGH) − cos(LOW) is kept too.

        Parameters
        ----------
        completions
            From :func:`~llmvalues.valuelex.projective.completions_frame`.
        target
            ``"stem"`` or ``"all"`` (see :meth:`LLMJudge.plan`).

        Returns
        -------
        pandas.DataFrame
            The columns of :meth:`LLMJudge.code` and ``difference``.
        """
        pairs = _targets(completions, self.rubric, target)
        ok_rows = [i for i in completions.index if completions.loc[i, "status"] == OK]
        vectors = (
            dict(
                zip(
                    ok_rows,
                    embed(self.encoder, completions.loc[ok_rows, "text"].tolist()),
                    strict=True,
                )
            )
            if ok_rows
            else {}
        )
        rows = []
        for i, sub in pairs:
            row = completions.loc[i]
            if i not in vectors:
                rows.append(_not_judged(row, sub, self.name))
                continue
            diff = float(vectors[i] @ self._high[sub] - vectors[i] @ self._low[sub])
            rows.append(
                {
                    "judge": self.name,
                    "completion": row["completion"],
                    "model": row["model"],
                    "subdimension": sub,
                    "stem_index": row["stem_index"],
                    "code": float(diff > self.margin),
                    "status": OK,
                    "reason": "",
                    "difference": diff,
                }
            )
        return pd.DataFrame(rows)

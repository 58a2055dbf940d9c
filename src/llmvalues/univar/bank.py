"""The UniVaR question bank: value-eliciting questions tagged by value and framework, plus controls.

The questions are the project's own (the UniVaR paper's set is not openly licensed). Each value
has eight statements; each statement is asked in three wordings (paraphrase frames), and a set
of everyday-task questions serves as the non-value control (Cahyawijaya et al., NAACL 2025, §5).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources

import pandas as pd

VALUE = "value"
CONTROL = "control"
_VALUE_FILES = (
    "values_schwartz.json",
    "values_rokeach_terminal.json",
    "values_rokeach_instrumental.json",
    "values_hofstede_mft_iw.json",
)


@dataclass(frozen=True)
class Question:
    """One wording of one question: ``qid`` names the question, ``paraphrase`` the wording.

    Parameters
    ----------
    qid
        The question.
    paraphrase
        The wording's number.
    text
        The wording.
    value
        The value it elicits.
    framework
        The value framework.
    kind
        ``"value"`` or ``"control"``.
    """

    qid: str
    paraphrase: int
    text: str
    value: str
    framework: str
    kind: str = VALUE

    @property
    def key(self) -> str:
        """Unique key of this wording, e.g. ``"stimulation.3.p1"``."""
        return f"{self.qid}.p{self.paraphrase}"


def _read(name: str) -> dict:
    path = resources.files("llmvalues.univar.data").joinpath(name)
    return json.loads(path.read_text(encoding="utf-8"))


class QuestionBank:
    """All wordings of the value and control questions, with selection helpers.

    Parameters
    ----------
    questions
        Every wording (keys must be unique).
    values
        One row per value: ``value``, ``name``, ``framework``, ``citation``, ``n_questions``.
    """

    def __init__(self, questions: Sequence[Question], values: pd.DataFrame):
        keys = [q.key for q in questions]
        if len(set(keys)) != len(keys):
            raise ValueError("question bank has duplicate question keys")
        self.questions = list(questions)
        self.values = values

    def __len__(self) -> int:
        return len(self.questions)

    def to_frame(self) -> pd.DataFrame:
        """One row per wording.

        Returns
        -------
        pandas.DataFrame
            ``qid``, ``paraphrase``, ``text``, ``value``, ``framework``, ``kind``, ``key``.
        """
        rows = [q.__dict__ | {"key": q.key} for q in self.questions]
        return pd.DataFrame(rows)

    def question_ids(self, kind: str = VALUE) -> list[str]:
        """Distinct question ids of one kind, in bank order.

        Parameters
        ----------
        kind
            ``"value"`` or ``"control"``.

        Returns
        -------
        list of str
        """
        return list(dict.fromkeys(q.qid for q in self.questions if q.kind == kind))

    def select(
        self,
        kind: str = VALUE,
        n: int | None = None,
        values: Iterable[str] | None = None,
        paraphrases: Iterable[int] | None = None,
        seed: int = 0,
    ) -> list[Question]:
        """Wordings of ``n`` questions drawn evenly over values (all when ``n`` is None).

        Parameters
        ----------
        kind
            ``"value"`` or ``"control"``.
        n
            Questions to draw (round-robin over values); None for all.
        values
            Only these values.
        paraphrases
            Only these wordings.
        seed
            Seed of the draw.

        Returns
        -------
        list of Question
        """
        if kind not in (VALUE, CONTROL):
            raise ValueError(f"kind must be {VALUE!r} or {CONTROL!r}, got {kind!r}")
        pool = [q for q in self.questions if q.kind == kind]
        if values is not None:
            wanted = set(values)
            unknown = wanted - {q.value for q in pool}
            if unknown:
                raise ValueError(f"unknown value(s) {sorted(unknown)}; see QuestionBank.values")
            pool = [q for q in pool if q.value in wanted]
        if paraphrases is not None:
            keep = set(paraphrases)
            pool = [q for q in pool if q.paraphrase in keep]
        qids = list(dict.fromkeys(q.qid for q in pool))
        if n is not None:
            if n < 1 or n > len(qids):
                raise ValueError(f"n must be in 1..{len(qids)} for this selection, got {n}")
            qids = _spread(qids, {q.qid: q.value for q in pool}, n, seed)
        chosen = set(qids)
        return [q for q in pool if q.qid in chosen]


def _spread(qids: list[str], value_of: dict[str, str], n: int, seed: int) -> list[str]:
    """Pick ``n`` question ids round-robin over values (shuffled), so values stay balanced."""
    rng = random.Random(seed)
    by_value: dict[str, list[str]] = {}
    for qid in qids:
        by_value.setdefault(value_of[qid], []).append(qid)
    order = list(by_value)
    rng.shuffle(order)
    for ids in by_value.values():
        rng.shuffle(ids)
    picked: list[str] = []
    while len(picked) < n:
        for value in order:
            if by_value[value] and len(picked) < n:
                picked.append(by_value[value].pop())
    return picked


def load_bank() -> QuestionBank:
    """Load the packaged bank: value statements × paraphrase frames, and the control questions.

    Returns
    -------
    QuestionBank
    """
    groups = _read("frames.json")["groups"]
    questions: list[Question] = []
    values = []
    for name in _VALUE_FILES:
        blob = _read(name)
        for fw in blob.get("frameworks", [blob]):
            for value in fw["values"]:
                values.append(
                    {
                        "value": value["id"],
                        "name": value["name"],
                        "framework": fw["framework"],
                        "citation": fw["citation"],
                        "n_questions": len(value["statements"]),
                    }
                )
                for i, statement in enumerate(value["statements"]):
                    for p, frame in enumerate(groups[i % len(groups)]):
                        questions.append(
                            Question(
                                qid=f"{value['id']}.{i}",
                                paraphrase=p,
                                text=frame.format(s=statement),
                                value=value["id"],
                                framework=fw["framework"],
                            )
                        )
    for i, wordings in enumerate(_read("control.json")["questions"]):
        for p, text in enumerate(wordings):
            questions.append(Question(f"control.{i}", p, text, CONTROL, CONTROL, CONTROL))
    return QuestionBank(questions, pd.DataFrame(values))

"""The QA table: one answered question per row, the exchange format of UniVaR's stages.

Columns: ``identity`` (class label), ``model``, ``qid``, ``paraphrase``, ``kind`` (value /
control), ``value``, ``framework``, ``question``, ``answer``. Collection writes it, training,
evaluation and maps read it; :func:`validate_qa` checks it at every door.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

QA_COLUMNS = (
    "identity",
    "model",
    "qid",
    "paraphrase",
    "kind",
    "value",
    "framework",
    "question",
    "answer",
)
REQUIRED = ("identity", "qid", "question", "answer")


class QAError(ValueError):
    """A QA table that cannot be used as given; the message names the rows or identity."""


def qa_text(question: str, answer: str) -> str:
    """The text of one QA pair as UniVaR encodes it: ``"Q: {question} A: {answer}"``.

    Parameters
    ----------
    question, answer
        The pair.

    Returns
    -------
    str
    """
    return f"Q: {question.strip()} A: {answer.strip()}"


def validate_qa(qa: pd.DataFrame) -> pd.DataFrame:
    """Check required columns and non-empty answers; return a copy with defaults filled in.

    Parameters
    ----------
    qa
        A QA table.

    Returns
    -------
    pandas.DataFrame
        A copy with the optional columns filled in and ``identity`` as text.

    Raises
    ------
    QAError
        Naming the missing column or the rows and identities with empty cells.
    """
    if not isinstance(qa, pd.DataFrame):
        raise QAError(f"QA table must be a pandas DataFrame, got {type(qa).__name__}")
    missing = [c for c in REQUIRED if c not in qa.columns]
    if missing:
        raise QAError(f"QA table lacks column(s) {missing}; needs at least {list(REQUIRED)}")
    if qa.empty:
        raise QAError("QA table is empty")
    out = qa.copy()
    for col in REQUIRED:
        bad = out[col].isna() | (out[col].astype(str).str.strip() == "")
        if bad.any():
            rows = list(out.index[bad][:5])
            who = sorted(set(out.loc[bad, "identity"].astype(str)))[:5]
            raise QAError(
                f"{int(bad.sum())} row(s) have an empty {col!r} (first rows {rows}, identities "
                f"{who}); drop or re-collect them before building views"
            )
    defaults = {"model": "", "paraphrase": 0, "kind": "value", "value": "", "framework": ""}
    for col, default in defaults.items():
        if col not in out.columns:
            out[col] = default
    out["identity"] = out["identity"].astype(str)
    return out.reset_index(drop=True)


def split_qa(
    qa: pd.DataFrame, test_size: float = 0.2, seed: int = 0, by: str = "qid"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train/test split by question: every identity keeps its own QAs on both sides.

    The held-out questions are the same for all identities and all wordings of a question
    fall on one side, so a test QA never meets its own question text in the training set.

    Parameters
    ----------
    qa
        A QA table.
    test_size
        Share of questions held out.
    seed
        Seed of the split.
    by
        The column that defines a question.

    Returns
    -------
    tuple
        (training QAs, test QAs).
    """
    qa = validate_qa(qa)
    if not 0.0 < test_size < 1.0:
        raise QAError(f"test_size must be in (0, 1), got {test_size}")
    groups = qa[by].unique()
    if len(groups) < 2:
        raise QAError(f"QA table has {len(groups)} distinct {by}; a split needs at least 2")
    rng = np.random.default_rng(seed)
    n_test = min(len(groups) - 1, max(1, round(test_size * len(groups))))
    test_groups = set(rng.choice(groups, size=n_test, replace=False))
    test_mask = qa[by].isin(test_groups).to_numpy()
    train, test = qa[~test_mask].reset_index(drop=True), qa[test_mask].reset_index(drop=True)
    for side, frame in (("train", train), ("test", test)):
        lacking = sorted(set(qa["identity"]) - set(frame["identity"]))
        if lacking:
            raise QAError(f"identities {lacking[:5]} have no {side} QAs; collect more questions")
    return train, test

"""Precision and recall of the reply parser on the hand-labelled corpus and the adversarial set.

``python -m tests.instruments.scoring`` (with ``PYTHONPATH=src``) rewrites
``data/parser_precision_recall.csv``; ``test_corpus.py`` checks that the committed table is
what the parser gives today.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from llmvalues.instruments import load_instrument, parse_answer

DATA = Path(__file__).parent / "data"
TABLE = DATA / "parser_precision_recall.csv"
COLUMNS = [
    "set",
    "kind",
    "replies",
    "answers",
    "not_answers",
    "coded",
    "coded_not_answers",
    "wrong_codes",
    "missed_answers",
    "precision",
    "recall",
]


def corpus() -> pd.DataFrame:
    """The bundled models' replies with their hand labels (one row per reply)."""
    replies = pd.read_csv(DATA / "reply_corpus.csv", keep_default_na=False, dtype=str)
    labels = pd.read_csv(DATA / "reply_labels.csv", keep_default_na=False, dtype=str)
    table = replies.merge(
        labels, on=["prompt_id", "model", "item"], how="left", validate="one_to_one"
    )
    if table["label"].isna().any():
        raise ValueError("every reply of the corpus needs a label in reply_labels.csv")
    return table.assign(truncated=table["finish_reason"] == "length")


def adversarial() -> pd.DataFrame:
    """Hand-written non-answers (and tricky answers) per item kind."""
    table = pd.read_csv(DATA / "adversarial.csv", keep_default_na=False, dtype=str)
    return table.assign(truncated=table["truncated"] == "true")


def parsed(table: pd.DataFrame) -> pd.DataFrame:
    """The table with the parser's status and code for each reply."""
    results = [
        parse_answer(item, reply, truncated=cut)
        for item, reply, cut in zip(table["item"], table["reply"], table["truncated"], strict=True)
    ]
    kinds = {item.code: item.kind for item in load_instrument()}
    return table.assign(
        kind=table["item"].map(kinds),
        status=[r.status for r in results],
        parsed_code=[r.code for r in results],
        reason=[r.reason for r in results],
    )


def _row(name: str, kind: str, rows: pd.DataFrame) -> dict:
    answer = rows["label"] == "answer"
    coded = rows["status"] == "ok"
    truth = pd.to_numeric(rows["code"], errors="coerce")
    right = coded & answer & (rows["parsed_code"].astype(float) == truth)
    return {
        "set": name,
        "kind": kind,
        "replies": len(rows),
        "answers": int(answer.sum()),
        "not_answers": int((~answer).sum()),
        "coded": int(coded.sum()),
        "coded_not_answers": int((coded & ~answer).sum()),
        "wrong_codes": int((coded & answer & ~right).sum()),
        "missed_answers": int((answer & ~coded).sum()),
        "precision": round(right.sum() / coded.sum(), 4) if coded.any() else float("nan"),
        "recall": round(right.sum() / answer.sum(), 4) if answer.any() else float("nan"),
    }


def score() -> pd.DataFrame:
    """One row per set × item kind (and per set overall)."""
    rows = []
    for name, table in (("corpus", parsed(corpus())), ("adversarial", parsed(adversarial()))):
        for kind, part in table.groupby("kind", sort=False):
            rows.append(_row(name, kind, part))
        rows.append(_row(name, "all", table))
    return pd.DataFrame(rows, columns=COLUMNS)


if __name__ == "__main__":
    table = score()
    table.to_csv(TABLE, index=False)
    print(table.to_string(index=False))

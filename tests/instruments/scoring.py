"""Precision and recall of the reply parser per language: the hand-labelled corpora of real
replies, the adversarial set and the written reply shapes.

``python -m tests.instruments.scoring`` (with ``PYTHONPATH=src``) rewrites
``data/parser_precision_recall.csv``; ``test_corpus.py`` checks that the committed table is
what the parser gives today.

Sets: ``corpus`` (English: SmolLM2 and Gemma 3, ``reply_corpus.csv``; Chinese and Spanish:
SmolLM2, ``reply_corpus.<language>.csv``), collected through the store and labelled by hand
(``reply_labels[.<language>].csv``); ``adversarial`` (English, written non-answers and
tricky answers); ``written`` (every language but English: realistic reply shapes written by
hand, ``reply_shapes.<language>.csv``, not collected).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from llmvalues.instruments import load_instrument, parse_answer
from llmvalues.instruments.languages import LANGUAGES

DATA = Path(__file__).parent / "data"
TABLE = DATA / "parser_precision_recall.csv"
COLLECTED = ("en", "zh", "es")
"""Languages with a corpus of the bundled models' real replies."""
COLUMNS = [
    "language",
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


def _suffix(language: str) -> str:
    return "" if language == "en" else f".{language}"


def corpus(language: str = "en") -> pd.DataFrame:
    """The bundled models' replies in ``language`` with their hand labels (one row per reply)."""
    read = {"keep_default_na": False, "dtype": str}
    replies = pd.read_csv(DATA / f"reply_corpus{_suffix(language)}.csv", **read)
    labels = pd.read_csv(DATA / f"reply_labels{_suffix(language)}.csv", **read)
    table = replies.merge(
        labels, on=["prompt_id", "model", "item"], how="left", validate="one_to_one"
    )
    if table["label"].isna().any():
        raise ValueError(f"every reply of the {language} corpus needs a hand label")
    return table.assign(truncated=table["finish_reason"] == "length")


def adversarial() -> pd.DataFrame:
    """Hand-written non-answers (and tricky answers) per item kind (English)."""
    table = pd.read_csv(DATA / "adversarial.csv", keep_default_na=False, dtype=str)
    return table.assign(truncated=table["truncated"] == "true")


def written(language: str) -> pd.DataFrame:
    """Reply shapes written by hand for ``language`` (not collected), with labels."""
    table = pd.read_csv(DATA / f"reply_shapes.{language}.csv", keep_default_na=False, dtype=str)
    return table.assign(truncated=False)


def parsed(table: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """The table with the parser's status and code for each reply (asked in ``language``)."""
    instrument = load_instrument(language=language)
    results = [
        parse_answer(instrument[item], reply, truncated=cut)
        for item, reply, cut in zip(table["item"], table["reply"], table["truncated"], strict=True)
    ]
    kinds = {item.code: item.kind for item in instrument}
    return table.assign(
        kind=table["item"].map(kinds),
        status=[r.status for r in results],
        parsed_code=[r.code for r in results],
        reason=[r.reason for r in results],
    )


def sets() -> list[tuple[str, str, pd.DataFrame]]:
    """(language, set name, parsed table) of every labelled set."""
    out = [(lang, "corpus", parsed(corpus(lang), lang)) for lang in COLLECTED]
    out.insert(1, ("en", "adversarial", parsed(adversarial())))
    out += [(lang, "written", parsed(written(lang), lang)) for lang in LANGUAGES if lang != "en"]
    return out


def _row(language: str, name: str, kind: str, rows: pd.DataFrame) -> dict:
    answer = rows["label"] == "answer"
    coded = rows["status"] == "ok"
    truth = pd.to_numeric(rows["code"], errors="coerce")
    right = coded & answer & (rows["parsed_code"].astype(float) == truth)
    return {
        "language": language,
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
    """One row per language × set × item kind (and per language × set overall)."""
    rows = []
    for language, name, table in sets():
        for kind, part in table.groupby("kind", sort=False):
            rows.append(_row(language, name, kind, part))
        rows.append(_row(language, name, "all", table))
    return pd.DataFrame(rows, columns=COLUMNS)


if __name__ == "__main__":
    table = score()
    table.to_csv(TABLE, index=False)
    print(table.to_string(index=False))

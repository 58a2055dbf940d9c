"""QA table validation, the by-question split and multi-view sampling."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from llmvalues.univar.qa import QAError, qa_text, split_qa, validate_qa
from llmvalues.univar.views import ViewSampler


def make_qa(n_identities: int = 3, n_questions: int = 12) -> pd.DataFrame:
    rows = [
        {
            "identity": f"m|p{i}",
            "qid": f"v.{j}",
            "question": f"Question {j}?",
            "answer": f"p{i} a{j}",
        }
        for i in range(n_identities)
        for j in range(n_questions)
    ]
    return pd.DataFrame(rows)


def test_qa_text_format():
    assert qa_text(" Is it good? ", " Yes. ") == "Q: Is it good? A: Yes."


def test_validate_names_missing_columns_and_empty_answers():
    with pytest.raises(QAError, match="lacks column"):
        validate_qa(make_qa().drop(columns="answer"))
    qa = make_qa()
    qa.loc[4, "answer"] = "   "
    with pytest.raises(QAError, match=r"empty 'answer'.*m\|p0"):
        validate_qa(qa)
    with pytest.raises(QAError, match="empty"):
        validate_qa(make_qa().iloc[:0])


def test_split_holds_out_the_same_questions_for_every_identity():
    train, test = split_qa(make_qa(), test_size=0.25, seed=1)
    assert not set(train["qid"]) & set(test["qid"])
    assert test["qid"].nunique() == 3
    for identity in make_qa()["identity"].unique():
        assert (train["identity"] == identity).sum() == 9
        assert set(test.loc[test["identity"] == identity, "qid"]) == set(test["qid"])


def test_sampler_pairs_are_same_identity_disjoint_and_reproducible():
    qa = make_qa()
    sampler = ViewSampler(qa, lam=3, seed=7)
    batch = sampler.batch(step=5, n_pairs=8)
    assert len(batch.texts) == 16
    assert np.all(batch.labels[0::2] == batch.labels[1::2])
    assert set(batch.n_qas) <= {1, 2, 3}
    for a, b, label in zip(batch.texts[0::2], batch.texts[1::2], batch.labels[0::2], strict=True):
        qas_a, qas_b = set(a.split("\n")), set(b.split("\n"))
        assert not qas_a & qas_b
        name = sampler.identities[label].split("|")[1]
        assert all(q.endswith(tuple(f"{name} a{j}" for j in range(12))) for q in qas_a | qas_b)
    again = ViewSampler(qa, lam=3, seed=7).batch(step=5, n_pairs=8)
    assert again.texts == batch.texts
    assert ViewSampler(qa, lam=3, seed=7).batch(step=6, n_pairs=8).texts != batch.texts


def test_sampler_balances_identities_within_a_batch():
    batch = ViewSampler(make_qa(4), lam=2).batch(step=0, n_pairs=8)
    counts = np.bincount(batch.labels[0::2], minlength=4)
    assert counts.tolist() == [2, 2, 2, 2]


def test_sampler_rejects_identities_with_too_few_qas():
    qa = make_qa()
    number = qa["qid"].str.split(".").str[1].astype(int)
    qa = qa[~((qa["identity"] == "m|p1") & (number >= 5))]  # 5 QAs < 2 views x 3
    with pytest.raises(QAError, match=r"fewer QAs.*'m\|p1': 5"):
        ViewSampler(qa, lam=3)
    with pytest.raises(QAError, match="at least 2 identities"):
        ViewSampler(make_qa(1), lam=1)
    with pytest.raises(ValueError, match="lam"):
        ViewSampler(make_qa(), lam=0)

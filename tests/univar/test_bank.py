"""The packaged UniVaR question bank: size, coverage, paraphrases, controls, selection."""

from __future__ import annotations

import pytest

from llmvalues.univar.bank import CONTROL, VALUE, load_bank


@pytest.fixture(scope="module")
def bank():
    return load_bank()


def test_bank_size_and_coverage(bank):
    frame = bank.to_frame()
    values = frame[frame.kind == VALUE]
    assert values["qid"].nunique() >= 600
    assert values["value"].nunique() >= 60
    assert set(values["framework"]) >= {
        "schwartz_refined",
        "rokeach_terminal",
        "rokeach_instrumental",
        "hofstede",
        "moral_foundations",
        "inglehart_welzel",
    }
    assert len(bank.values) == values["value"].nunique()


def test_every_question_has_at_least_two_distinct_wordings(bank):
    frame = bank.to_frame()
    wordings = frame.groupby("qid")["text"].nunique()
    assert wordings.min() >= 2
    assert frame["text"].is_unique
    assert frame["key"].is_unique


def test_wordings_are_questions_with_the_statement_filled_in(bank):
    for q in bank.questions:
        assert "{s}" not in q.text
        assert q.text[0].isupper()
        assert q.text.rstrip().endswith(("?", "."))


def test_controls_are_separate_and_paraphrased(bank):
    controls = bank.select(CONTROL)
    assert len({q.qid for q in controls}) >= 50
    assert all(q.value == CONTROL and q.framework == CONTROL for q in controls)
    assert not set(bank.question_ids(CONTROL)) & set(bank.question_ids(VALUE))


def test_select_spreads_over_values_and_is_reproducible(bank):
    picked = bank.select(VALUE, n=77, paraphrases=[0], seed=3)
    assert len(picked) == 77
    assert len({q.value for q in picked}) == 77  # one per value before any value repeats
    assert [q.key for q in picked] == [
        q.key for q in bank.select(VALUE, n=77, paraphrases=[0], seed=3)
    ]
    smaller = {q.qid for q in bank.select(VALUE, n=20, paraphrases=[0], seed=3)}
    assert smaller <= {q.qid for q in picked}


def test_select_rejects_bad_requests(bank):
    with pytest.raises(ValueError, match="kind"):
        bank.select("opinion")
    with pytest.raises(ValueError, match="unknown value"):
        bank.select(values=["not_a_value"])
    with pytest.raises(ValueError, match="n must be"):
        bank.select(CONTROL, n=10_000)

"""The parser on every real reply of the bundled models and on the adversarial set."""

import pandas as pd

from tests.instruments.scoring import TABLE, adversarial, corpus, parsed, score


def test_the_corpus_holds_every_reply_to_every_item_under_the_project_descriptors():
    table = corpus()
    assert len(table) >= 1000
    assert table["prompt_id"].is_unique
    per_model = table.groupby("model")["item"].value_counts().unstack()
    assert (per_model.loc["SmolLM2-135M-Instruct-Q4_1"] == 120).all()  # 40 descriptors × 3
    assert (per_model.loc["gemma-3-270m-Q4_K_M"] == 40).all()
    assert set(table["label"]) == {"answer", "not_answer"}
    assert (table.loc[table["label"] == "not_answer", "code"] == "").all()


def test_the_adversarial_set_has_thirty_non_answers_per_item_kind():
    table = parsed(adversarial())
    counts = table[table["label"] == "not_answer"].groupby("kind").size()
    assert set(counts.index) == {"scale", "options", "qualities", "aims"}
    assert (counts >= 30).all(), counts


def test_no_non_answer_is_coded_and_no_code_is_wrong():
    for table in (parsed(corpus()), parsed(adversarial())):
        coded_non_answers = table[(table["status"] == "ok") & (table["label"] == "not_answer")]
        assert coded_non_answers.empty, coded_non_answers[["item", "reply", "reason"]]
        answers = table[(table["status"] == "ok") & (table["label"] == "answer")]
        wrong = answers[answers["parsed_code"].astype(float) != answers["code"].astype(float)]
        assert wrong.empty, wrong[["item", "reply", "code", "parsed_code"]]


def test_every_reply_not_coded_says_why():
    table = parsed(corpus())
    assert (table.loc[table["status"] != "ok", "reason"].str.len() > 0).all()


def test_the_committed_precision_recall_table_is_what_the_parser_gives():
    committed = pd.read_csv(TABLE)
    pd.testing.assert_frame_equal(score(), committed, check_dtype=False)

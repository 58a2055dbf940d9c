"""The parser on every real reply of the bundled models (English, Chinese, Spanish), on the
adversarial set and on the written reply shapes of the other languages."""

import pandas as pd
import pytest

from llmvalues.instruments.languages import LANGUAGES
from tests.instruments.scoring import COLLECTED, TABLE, adversarial, corpus, parsed, score, sets


def test_the_corpus_holds_every_reply_to_every_item_under_the_project_descriptors():
    table = corpus()
    assert len(table) >= 1000
    assert table["prompt_id"].is_unique
    per_model = table.groupby("model")["item"].value_counts().unstack()
    assert (per_model.loc["SmolLM2-135M-Instruct-Q4_1"] == 120).all()  # 40 descriptors × 3
    assert (per_model.loc["gemma-3-270m-Q4_K_M"] == 40).all()
    assert set(table["label"]) == {"answer", "not_answer"}
    assert (table.loc[table["label"] == "not_answer", "code"] == "").all()


@pytest.mark.parametrize("language", [lang for lang in COLLECTED if lang != "en"])
def test_each_language_corpus_holds_every_item_at_two_temperatures(language):
    table = corpus(language)
    assert table["prompt_id"].is_unique and set(table["model"]) == {"SmolLM2-135M-Instruct-Q4_1"}
    per_item = table.groupby(["temperature", "item"]).size().unstack()
    assert list(per_item.index) == ["0.0", "0.7"] and (per_item == 10).all().all()
    assert set(table["label"]) == {"answer", "not_answer"}
    assert (table.loc[table["label"] == "not_answer", "code"] == "").all()


def test_the_adversarial_set_has_thirty_non_answers_per_item_kind():
    table = parsed(adversarial())
    counts = table[table["label"] == "not_answer"].groupby("kind").size()
    assert set(counts.index) == {"scale", "options", "qualities", "aims"}
    assert (counts >= 30).all(), counts


def test_no_non_answer_is_coded_and_no_code_is_wrong_in_any_language():
    for language, name, table in sets():
        coded_non_answers = table[(table["status"] == "ok") & (table["label"] == "not_answer")]
        assert coded_non_answers.empty, (language, name, coded_non_answers[["item", "reply"]])
        answers = table[(table["status"] == "ok") & (table["label"] == "answer")]
        wrong = answers[answers["parsed_code"].astype(float) != answers["code"].astype(float)]
        assert wrong.empty, (language, name, wrong[["item", "reply", "code", "parsed_code"]])


def test_every_reply_not_coded_says_why():
    for _, _, table in sets():
        assert (table.loc[table["status"] != "ok", "reason"].str.len() > 0).all()


def test_the_committed_precision_recall_table_is_what_the_parser_gives():
    committed = pd.read_csv(TABLE, keep_default_na=False, na_values=[""])
    assert set(committed["language"]) == set(LANGUAGES)
    pd.testing.assert_frame_equal(score(), committed, check_dtype=False)

"""Lexicon: list splitting, normalisation rules, families, thresholds, mapping and bad input."""

import pandas as pd
import pytest

from llmvalues.valuelex.lexicon import (
    LexiconError,
    build_lexicon,
    elicitation_parser,
    family_key,
    normalise_descriptor,
    singular,
    split_list,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Honesty, helpfulness, kindness", ["Honesty", "helpfulness", "kindness"]),
        ("1. Respect\n2. Integrity\n3) Empathy", ["Respect", "Integrity", "Empathy"]),
        ("- **Honesty**: I always tell the truth\n- Care - I listen", ["**Honesty**", "Care"]),
        ("<strong>trust, integrity and innovation</strong>.", ["trust", "integrity", "innovation"]),
        (
            "fairness; curiosity / patience & respect",
            ["fairness", "curiosity", "patience", "respect"],
        ),
    ],
)
def test_split_list_layouts(text, expected):
    parsed = split_list(text)
    assert parsed.status == "ok"
    assert list(parsed.descriptors) == expected


def test_lexicon_frame_and_summary():
    replies = pd.DataFrame(
        {
            "respondent": ["r1", "r2", "r3", "r4"],
            "model": ["a", "a", "b", "b"],
            "text": ["Honesty, kindness", "honest, curious", "Kindness; honesty", "I cannot"],
        }
    )
    lex = build_lexicon(replies, min_count=2, min_respondents=2)
    frame = lex.to_frame()
    counts = frame.set_index("term")["count"].to_dict()
    assert counts == {"honesty": 3, "kindness": 2, "curious": 1}  # honesty ×2 + honest
    assert frame.set_index("term")["kept"].to_dict() == {
        "honesty": True, "kindness": True, "curious": False
    }  # fmt: skip
    s = lex.summary()
    assert list(s["Kept terms"].index) == ["honesty", "kindness"]
    assert s["Replies by status"]["replies"].to_dict() == {"ok": 3, "invalid": 1}
    assert s.info["replies"] == 4 and s.info["descriptors"] == 6
    assert s.info["kept terms"] == 2 and s.info["min_count"] == 2


def test_split_list_keeps_dropped_fragments_and_statuses():
    parsed = split_list("Here are my values:\nhonesty, a long sentence that is not a word")
    assert parsed.descriptors == ("honesty",)
    assert "a long sentence that is not a word" in parsed.dropped
    assert split_list("").status == "invalid"
    assert split_list(None).reason == "empty reply"
    refusal = split_list("As an AI language model, I do not have personal values.")
    assert refusal.status == "refusal"
    assert refusal.descriptors == ()
    assert split_list("We are all human beings who live on earth.").status == "invalid"


@pytest.mark.parametrize(
    ("raw", "form"),
    [
        ("Honesty", "honesty"),
        ("**Kindness**", "kindness"),
        ("Open-Minded", "open-minded"),
        ("open minded", "open-minded"),
        ("open_minded", "open-minded"),
        ("Values", None),
        ("I am very helpful", "helpful"),
        ("helpful AI", "helpful"),
        ("abilities", "ability"),
        ("a sentence of far too many words", None),
        ("42", None),
    ],
)
def test_normalise_descriptor(raw, form):
    assert normalise_descriptor(raw) == form


def test_singular_rules():
    assert singular("values") == "value"
    assert singular("abilities") == "ability"
    assert singular("kindness") == "kindness"
    assert singular("status") == "status"
    assert singular("ethics") == "ethic"


@pytest.mark.parametrize(
    "family",
    [
        ("honest", "honesty", "honestly"),
        ("help", "helpful", "helpfulness"),
        ("kind", "kindness"),
        ("creative", "creativity"),
        ("responsible", "responsibility"),
        ("curious", "curiosity"),
        ("empathy", "empathetic", "empathic"),
        ("friendly", "friendliness"),
        ("transparent", "transparency"),
        ("loyal", "loyalty"),
        ("ethic", "ethical"),
    ],
)
def test_family_keys_merge_derivations(family):
    assert len({family_key(w) for w in family}) == 1


def test_family_keys_keep_different_words_apart():
    words = ["honest", "kind", "help", "fair", "caring", "creative", "respect", "accurate"]
    assert len({family_key(w) for w in words}) == len(words)


def _replies(texts, models=None):
    return pd.DataFrame(
        {
            "respondent": [f"r{i}" for i in range(len(texts))],
            "model": models or ["m"] * len(texts),
            "text": texts,
        }
    )


def test_build_lexicon_counts_maps_and_thresholds():
    replies = _replies(
        [
            "Honesty, kindness, helpful",
            "honest, Kind, curiosity",
            "1. Honesty\n2. Helpfulness",
            "As an AI, I cannot have personal values.",
            "",
        ]
    )
    lex = build_lexicon(replies, min_count=2, min_respondents=2)
    terms = lex.terms.set_index("term")
    # honesty ×2 + honest ×1 → one family named by its most frequent form
    assert terms.loc["honesty", "count"] == 3
    assert terms.loc["honesty", "respondents"] == 3
    assert set(terms.loc["honesty", "forms"].split(", ")) == {"honest", "honesty"}
    assert terms.loc["kind", "count"] == 2  # kindness ×1, kind ×1: a tie goes to the shorter
    assert terms.loc["helpful", "count"] == 2
    assert not terms.loc["curiosity", "kept"]  # one respondent only: reported, not deleted
    assert lex.term_list == ["honesty", "helpful", "kind"]
    mapping = lex.mapping.set_index("raw")
    assert mapping.loc["honest", "term"] == "honesty"
    assert mapping.loc["kindness", "term"] == "kind"
    assert mapping.loc["curiosity", "kept"] == False  # noqa: E712
    assert lex.replies["status"].tolist() == ["ok", "ok", "ok", "refusal", "invalid"]
    assert len(lex.occurrences) == 8


def test_synonyms_and_hyphen_joining():
    replies = _replies(["open-minded, truthful", "openminded, honest", "Open minded, honesty"])
    lex = build_lexicon(replies, min_count=1, min_respondents=1, synonyms={"truthful": "honest"})
    terms = lex.terms.set_index("term")
    assert terms.loc["open-minded", "count"] == 3
    assert terms.loc["honest", "count"] == 3  # truthful (synonym) + honest + honesty
    plain = build_lexicon(replies, min_count=1, min_respondents=1, families=False)
    assert "openminded" in set(plain.terms["term"])


def test_collection_failures_are_recorded_not_parsed():
    replies = _replies(["honesty, care", "honesty"]).assign(
        status=["ok", "error"], reason=["", "timeout"]
    )
    lex = build_lexicon(replies, min_count=1, min_respondents=1)
    assert lex.replies.loc[1, "status"] == "error"
    assert lex.terms.set_index("term").loc["honesty", "count"] == 1


def test_bad_input_raises_clear_errors():
    with pytest.raises(LexiconError, match="lack column"):
        build_lexicon(pd.DataFrame({"text": ["a"]}))
    with pytest.raises(LexiconError, match="no replies"):
        build_lexicon(_replies([]))
    with pytest.raises(LexiconError, match="none of the 3 replies"):
        build_lexicon(_replies(["", "I cannot answer that.", "...."]))
    with pytest.raises(LexiconError, match="at least 1"):
        build_lexicon(_replies(["honesty"]), min_count=0)


def test_elicitation_parser_codes_number_of_descriptors():
    parse = elicitation_parser()
    assert parse("honesty, care, respect").code == 3
    assert parse("I'm sorry, I cannot answer.").status == "refusal"
    assert parse("   ").status == "invalid"

"""Answer parsers: real reply shapes, the issue's failures, and properties over generated replies."""

import csv
import itertools
import json
import re
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from llmvalues.instruments import load_instrument, parse_answer
from llmvalues.instruments.parse import shown_map
from llmvalues.instruments.reply import MAX_REPLY_CHARS

INSTRUMENT = load_instrument()
DATA = Path(__file__).parent / "data"
SHAPES = list(csv.DictReader((DATA / "reply_shapes.csv").open(encoding="utf-8")))


@pytest.mark.parametrize("row", SHAPES, ids=[f"{r['item']}:{r['shape']}" for r in SHAPES])
def test_real_reply_shapes(row):
    parsed = parse_answer(INSTRUMENT[row["item"]], row["reply"])
    assert parsed.status == row["status"], parsed
    expected = int(row["code"]) if row["code"] else None
    assert parsed.code == expected, parsed
    if parsed.status != "ok":
        assert parsed.reason, "every failed parse says why"


@pytest.mark.parametrize(
    ("item", "reply", "reason"),
    [
        ("e025", "My answer is a bit complicated.", "no option letter"),
        ("a165", "I would pick a different option.", "no option letter"),
        ("f063", "1. God is a fundamental aspect of many lives.", "marks a list item"),
        ("f063", "My answer is seven or eight", "hedges ('or')"),
        ("f063", "Seven, no wait, eight", "hedges ('no wait')"),
        ("f063", "7 or 8", "hedges ('or')"),
        ("f063", "\u22123", "-3 is outside the scale"),
        ("f063", "I wouldn't give it a 10", "negates 10"),
        ("f063", "10 is very important.", "restates the scale"),
    ],
)
def test_the_issue_s_non_answers_are_never_coded(item, reply, reason):
    parsed = parse_answer(item, reply)
    assert parsed.code is None and parsed.status != "ok"
    assert reason in parsed.reason


def test_a_negated_quality_is_not_chosen():
    parsed = parse_answer("y003", "religion is not important, but obedience is")
    assert (parsed.status, parsed.code) == ("ok", -1)  # obedience only, faith not chosen
    assert "not chosen: faith" in parsed.reason


def test_a_cut_off_list_is_no_answer_and_a_cut_off_scale_reply_is_flagged():
    cut = "Here are my choices:\n\n1. Good manners\n2. Independence"
    parsed = parse_answer("y003", cut, truncated=True)
    assert parsed.status == "invalid" and parsed.code is None
    assert "cut off at the token limit" in parsed.reason
    assert parse_answer("y003", cut).code == 1  # the same text, complete, is an answer
    assert parse_answer("y002", "1, 3", truncated=True).status == "invalid"
    scale = parse_answer("f063", "7\n\nGod is imp", truncated=True)
    assert scale.code == 7 and "cut off at the token limit" in scale.reason
    # the last word of a cut-off reply may be cut too: "1" could have been "10"
    assert parse_answer("f063", "The answer is 1", truncated=True).code is None


def test_item_codes_and_item_objects_are_both_accepted():
    assert parse_answer("f063", "7").code == 7
    assert parse_answer("F063", "7").code == 7
    assert parse_answer(INSTRUMENT["f063"], "7").code == 7
    with pytest.raises(KeyError, match="'x1' is not in instrument"):
        parse_answer("x1", "7")
    with pytest.raises(TypeError, match="Item or an item code"):
        parse_answer(7, "7")
    with pytest.raises(TypeError, match="must be text or None"):
        parse_answer("f063", 7)


@pytest.mark.parametrize(
    ("item", "option_map", "message"),
    [
        ("e025", {"A": 1, "B": 2, "C": 7}, r"'C' maps to 7, which is not a code"),
        ("e025", {"A": 1, "B": 2, "D": 3}, r"'D' is not a label shown"),
        ("e025", {"A": 1, "B": 2}, r"lacks the shown label\(s\) \['C'\]"),
        ("e025", {"A": 1, "B": 1, "C": 3}, "maps two labels to one code"),
        ("e025", {"A": 1, "a": 2, "C": 3}, "label 'A' appears twice"),
        ("g006", {"1": 1, "2": 2, "3": 3, "4": True}, "maps to True"),
        ("g006", {"1": 1, "2": 2, "3": 3, "4": 4.5}, "maps to 4.5"),
        ("y002", {"1": 1, "2": 2, "3": 3, "4": 5}, "maps to 5"),
    ],
)
def test_option_maps_are_checked_against_the_item(item, option_map, message):
    with pytest.raises(ValueError, match=message):
        parse_answer(item, "A", option_map=option_map)


def test_an_option_map_may_use_int_keys_and_lower_case_letters():
    assert shown_map("g006", {1: 4, 2: 3, 3: 2, 4: 1}) == {"1": 4, "2": 3, "3": 2, "4": 1}
    assert parse_answer("g006", "1", option_map={1: 4, 2: 3, 3: 2, 4: 1}).code == 4
    assert parse_answer("e025", "c", option_map={"a": 3, "b": 2, "c": 1}).code == 1


# ---------------------------------------------------------------- properties

FILLERS = st.sampled_from(["", "I'd say ", "My answer: ", "Score: ", "I would choose ", "**"])
ENDINGS = st.sampled_from(["", ".", "!", " ", "**", " - that's my answer"])


@given(
    item=st.sampled_from(["f063", "f120", "f118"]),
    value=st.integers(1, 10),
    before=FILLERS,
    after=ENDINGS,
)
def test_any_in_range_number_is_read_exactly(item, value, before, after):
    parsed = parse_answer(INSTRUMENT[item], f"{before}{value}{after}")
    assert (parsed.status, parsed.code) == ("ok", value)


@given(value=st.integers(11, 10_000) | st.integers(-50, 0), before=FILLERS)
def test_out_of_range_numbers_are_flagged_never_clipped(value, before):
    parsed = parse_answer(INSTRUMENT["f063"], f"{before}{value}")
    assert parsed.status == "out_of_range" and parsed.code is None


def _answers():
    """(item, a reply that answers it, its code) over every item kind."""
    scale = st.tuples(st.sampled_from(["f063", "f120", "f118"]), st.integers(1, 10)).map(
        lambda t: (t[0], str(t[1]), t[1])
    )
    labelled = st.sampled_from(
        [
            ("g006", "Very proud", 1),
            ("g006", "2 (quite proud)", 2),
            ("a008", "4", 4),
            ("e018", "I don't mind", 2),
            ("e018", "3", 3),
            ("a008", "Quite happy", 2),
        ]
    )
    letters = st.tuples(st.sampled_from(["e025", "a165"]), st.integers(0, 2)).map(
        lambda t: _letter_answer(*t)
    )
    qualities = st.lists(
        st.sampled_from(INSTRUMENT["y003"].choices), min_size=1, max_size=5, unique=True
    ).filter(lambda chosen: not _is_list_prefix(chosen))
    lists = qualities.map(
        lambda chosen: ("y003", ", ".join(q.label for q in chosen), sum(q.score for q in chosen))
    )
    pairs = st.permutations([1, 2, 3, 4]).map(
        lambda p: ("y002", f"{p[0]}, {p[1]}", _postmaterialist(p[0], p[1]))
    )
    return scale | labelled | letters | lists | pairs


def _letter_answer(item, index):
    shown, raw, _ = INSTRUMENT[item].option_lines()[index % INSTRUMENT[item].n_categories]
    return item, shown, raw


def _is_list_prefix(chosen):
    keys = [c.key for c in INSTRUMENT["y003"].choices]
    return len(chosen) >= 3 and [c.key for c in chosen] == keys[: len(chosen)]


def _postmaterialist(first, second):
    pair = {first, second}
    return 1 if pair <= {1, 3} else 3 if not pair & {1, 3} else 2


WRAPPERS = [
    "{a}",
    "**{a}**",
    "*{a}*",
    "__{a}__",
    "`{a}`",
    "```\n{a}\n```",
    "# {a}",
    "> {a}",
    '"{a}"',
    "'{a}'",
    "\u201c{a}\u201d",
    "\u00ab{a}\u00bb",
    "My answer: {a}",
    "{json}",
    "```json\n{json}\n```",
]


@settings(max_examples=300)
@given(answer=_answers(), wrapper=st.sampled_from(WRAPPERS))
def test_wrapping_an_answer_in_markdown_json_or_quotes_keeps_it(answer, wrapper):
    item, reply, code = answer
    wrapped = wrapper.format(a=reply, json=json.dumps({"answer": reply}))
    parsed = parse_answer(item, wrapped)
    assert (parsed.status, parsed.code) == ("ok", code), (wrapped, parsed)


HEDGES = [
    "maybe {a}",
    "{a} or {b}",
    "either {a} or {b}",
    "{a}, no wait, {b}",
    "somewhere between {a} and {b}",
    "perhaps {a}",
    "{a}? not sure",
    "I'm not sure, {a}",
    "probably {a}",
    "{a} or maybe not",
]


@settings(max_examples=300)
@given(answer=_answers(), other=_answers(), hedge=st.sampled_from(HEDGES))
def test_inserting_a_hedge_makes_any_answer_invalid(answer, other, hedge):
    item, reply, _ = answer
    parsed = parse_answer(item, hedge.format(a=reply, b=other[1]))
    assert parsed.code is None and parsed.status in ("invalid", "refusal"), parsed


@settings(max_examples=300)
@given(answer=_answers(), number=st.integers(0, 12), joiner=st.sampled_from([", ", " ", "\n"]))
def test_inserting_a_second_number_makes_any_answer_invalid(answer, number, joiner):
    item, reply, code = answer
    assume(str(number) not in re.findall(r"\d+", reply))  # the same number twice is one answer
    assume(INSTRUMENT[item].kind != "scale" or number != code)  # "I don't mind, 2" is one answer
    parsed = parse_answer(item, f"{reply}{joiner}{number}")
    assert parsed.code is None, parsed


@given(
    item=st.sampled_from(["e025", "a165"]),
    index=st.integers(0, 2),
    form=st.sampled_from(["{L}", "{l}", "({l})", "Option {L}", "{L}.", "My answer is {L}"]),
)
def test_option_letters_in_any_form(item, index, form):
    options = INSTRUMENT[item].option_lines()
    shown, raw, _ = options[index % len(options)]
    parsed = parse_answer(INSTRUMENT[item], form.format(L=shown, l=shown.lower()))
    assert (parsed.status, parsed.code) == ("ok", raw)


@given(
    item=st.sampled_from(["e025", "a165"]),
    word=st.sampled_from(["bit", "different", "lot", "petition", "good", "few"]),
    cue=st.sampled_from(["My answer is", "I would pick", "I choose", "I'd say", ""]),
)
def test_the_article_a_before_a_word_is_never_an_option_letter(item, word, cue):
    parsed = parse_answer(item, f"{cue} a {word} thing".strip())
    assert parsed.code is None


@given(order=st.permutations([1, 2, 3]), index=st.integers(0, 2))
def test_permuted_options_map_back_to_raw_codes(order, index):
    item = INSTRUMENT["e025"]
    shown, raw, _ = item.option_lines(tuple(order))[index]
    parsed = parse_answer(item, shown, option_map=item.option_map(tuple(order)))
    assert parsed.code == raw == order[index]


QUALITIES = INSTRUMENT["y003"].choices


@given(
    chosen=st.lists(st.sampled_from(QUALITIES), min_size=1, max_size=5, unique=True),
    sep=st.sampled_from([", ", "; ", "\n", " and ", "\n- "]),
    case=st.sampled_from([str, str.lower, str.upper]),
)
def test_qualities_give_the_autonomy_index_unless_they_echo_the_list(chosen, sep, case):
    parsed = parse_answer(INSTRUMENT["y003"], case(sep.join(q.label for q in chosen)))
    if _is_list_prefix(chosen):
        assert parsed.status == "invalid" and "restates the list" in parsed.reason
    else:
        assert (parsed.status, parsed.code) == ("ok", sum(q.score for q in chosen)), parsed


@given(
    pair=st.permutations([1, 2, 3, 4]).map(lambda p: p[:2]),
    sep=st.sampled_from([",", ", ", " and ", "; "]),
)
def test_aims_give_the_postmaterialist_index(pair, sep):
    first, second = pair
    parsed = parse_answer(INSTRUMENT["y002"], f"{first}{sep}{second}")
    assert (parsed.status, parsed.code) == ("ok", _postmaterialist(first, second))


REFUSALS = [
    "As an AI language model, I don't have personal opinions.",
    "I'm an AI and do not have a nationality.",
    "I cannot answer that question.",
    "I'd rather not say.",
    "I do not have personal beliefs or feelings.",
]


@pytest.mark.parametrize(("item", "reply"), list(itertools.product(INSTRUMENT.codes, REFUSALS)))
def test_refusals_are_recorded_as_refusals_for_every_item(item, reply):
    parsed = parse_answer(INSTRUMENT[item], reply)
    assert parsed.status == "refusal" and parsed.code is None


@given(text=st.text(max_size=80))
def test_parsers_never_crash_and_only_return_valid_codes(text):
    for item in INSTRUMENT:
        parsed = parse_answer(item, text)
        assert parsed.status in ("ok", "refusal", "invalid", "out_of_range")
        assert (parsed.code is not None) == (parsed.status == "ok")
        if parsed.code is not None:
            assert parsed.code in item.codes


# ---------------------------------------------------------------- long replies

PIECES = st.sampled_from(
    ["very proud ", "7 ", "not ", "or ", "A ", "Independence, ", "1. ", "order ", "a ", "\n"]
)


@settings(max_examples=25, deadline=None)
@given(head=st.text(max_size=60), piece=PIECES, tail=st.text(max_size=30))
def test_a_reply_is_read_only_up_to_the_cap(head, piece, tail):
    """Whatever follows the first MAX_REPLY_CHARS characters never changes the reading."""
    prefix = (head + piece * MAX_REPLY_CHARS)[:MAX_REPLY_CHARS]
    for item in INSTRUMENT:
        short = parse_answer(item, prefix + "x")
        long = parse_answer(item, prefix + tail + "x" * 5000)
        assert (long.status, long.code) == (short.status, short.code)
        assert f"first {MAX_REPLY_CHARS:,} of" in long.reason


@pytest.mark.timeout(10)
@pytest.mark.parametrize("piece", ["very proud ", "Independence, ", "7 ", "a ", "1. x\n", "(" * 3])
def test_a_one_megabyte_reply_parses_for_every_item(piece):
    reply = piece * (1_000_000 // len(piece))
    for item in INSTRUMENT:
        parsed = parse_answer(item, reply)
        assert parsed.code is None or parsed.status == "ok"
        assert f"first {MAX_REPLY_CHARS:,} of {len(reply):,} characters" in parsed.reason


def test_missing_reply_is_missing():
    assert parse_answer(INSTRUMENT["f063"], None).status == "missing"


def test_tao_wording_reproduces_their_prompts():
    tao = load_instrument(wording="tao2024")
    assert tao["e025"].render().startswith("Question: Please tell me whether you have signed")
    assert "{options}" not in "".join(item.render() for item in tao)
    assert load_instrument()["g006"].render().count("\n  ") == 4

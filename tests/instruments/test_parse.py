"""Answer parsers: a table of real reply shapes and property tests over generated replies."""

import csv
import itertools
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from llmvalues.instruments import load_instrument, parse_answer

INSTRUMENT = load_instrument()
SHAPES = list(csv.DictReader((Path(__file__).parent / "data" / "reply_shapes.csv").open()))


@pytest.mark.parametrize("row", SHAPES, ids=[f"{r['item']}:{r['shape']}" for r in SHAPES])
def test_real_reply_shapes(row):
    parsed = parse_answer(INSTRUMENT[row["item"]], row["reply"])
    assert parsed.status == row["status"], parsed
    expected = int(row["code"]) if row["code"] else None
    assert parsed.code == expected, parsed
    if parsed.status != "ok":
        assert parsed.reason, "every failed parse says why"


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


@given(a=st.integers(1, 10), b=st.integers(1, 10), joiner=st.sampled_from([" or ", ", ", " and "]))
def test_two_different_numbers_are_never_guessed(a, b, joiner):
    parsed = parse_answer(INSTRUMENT["f120"], f"{a}{joiner}{b}")
    if a == b:
        assert parsed.code == a
    else:
        assert parsed.status == "invalid" and parsed.code is None


@given(
    item=st.sampled_from(["e025", "a165"]),
    index=st.integers(0, 2),
    form=st.sampled_from(["{L}", "{l}", "({l})", "Option {L}", "{L}.", "My answer is {L}"]),
)
def test_option_letters_in_any_form(item, index, form):
    options = INSTRUMENT[item].option_lines()
    index %= len(options)
    shown, raw, _ = options[index]
    parsed = parse_answer(INSTRUMENT[item], form.format(L=shown, l=shown.lower()))
    assert (parsed.status, parsed.code) == ("ok", raw)


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
def test_qualities_give_the_autonomy_index(chosen, sep, case):
    reply = case(sep.join(q.label for q in chosen))
    parsed = parse_answer(INSTRUMENT["y003"], reply)
    assert parsed.status == "ok", parsed
    assert parsed.code == sum(q.score for q in chosen)


@given(
    pair=st.permutations([1, 2, 3, 4]).map(lambda p: p[:2]),
    sep=st.sampled_from([",", ", ", " and ", "; "]),
)
def test_aims_give_the_postmaterialist_index(pair, sep):
    first, second = pair
    parsed = parse_answer(INSTRUMENT["y002"], f"{first}{sep}{second}")
    materialist = {1, 3}
    expected = 1 if set(pair) <= materialist else 3 if not set(pair) & materialist else 2
    assert (parsed.status, parsed.code) == ("ok", expected)


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


def test_missing_reply_is_missing():
    assert parse_answer(INSTRUMENT["f063"], None).status == "missing"


def test_tao_wording_reproduces_their_prompts():
    tao = load_instrument(wording="tao2024")
    assert tao["e025"].render().startswith("Question: Please tell me whether you have signed")
    assert "{options}" not in "".join(item.render() for item in tao)
    assert load_instrument()["g006"].render().count("\n  ") == 4

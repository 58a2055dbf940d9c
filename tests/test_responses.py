"""The Responses table: validation names the fault; wide ↔ tidy round trips."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmvalues import ResponsesError, from_wide, to_wide, validate_responses
from llmvalues.instruments import load_instrument

INSTRUMENT = load_instrument()


def tidy(**overrides):
    row = {"identity": "m", "item": "f063", "code": 5.0, "status": "ok"}
    row.update(overrides)
    return pd.DataFrame([row])


def test_defaults_are_filled():
    out = validate_responses(pd.DataFrame({"identity": ["m"], "item": ["F063"], "code": [3]}))
    assert out.loc[0, "variant"] == "default"
    assert out.loc[0, "replicate"] == 0
    assert out.loc[0, "status"] == "ok"
    assert out.loc[0, "item"] == "f063"


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"item": ["f063"], "code": [1]}), "required column 'identity'"),
        (tidy(item="x999"), "item 'x999' is not in instrument"),
        (tidy(code=11.0), "item 'f063': 11 is not a valid code"),
        (tidy(status="maybe"), "'maybe' is not one of"),
        (tidy(status="refusal"), "must not carry a code"),
        (tidy(code=np.nan), "status 'ok' but no code"),
        (tidy(code="seven"), "'seven' is not a number"),
        (tidy(replicate=1.5), "is not a whole number"),
        (pd.concat([tidy(), tidy()]), "more than one row"),
    ],
)
def test_errors_name_the_column_row_and_item(frame, message):
    with pytest.raises(ResponsesError, match=message):
        validate_responses(frame)


def test_error_names_the_offending_row():
    frame = pd.concat([tidy(), tidy(item="g006", code=9.0)], ignore_index=True)
    with pytest.raises(ResponsesError, match=r"row 1, item 'g006'"):
        validate_responses(frame)


def wide_strategy():
    columns = {item.ivs_code: st.sampled_from(list(item.codes)) for item in INSTRUMENT}
    return st.lists(st.fixed_dictionaries(columns), min_size=1, max_size=6)


@settings(max_examples=40)
@given(rows=wide_strategy(), lower=st.booleans())
def test_wide_round_trip_keeps_every_code(rows, lower):
    wide = pd.DataFrame(rows)
    if lower:
        wide.columns = [c.lower() for c in wide.columns]
    wide.insert(0, "model", "gpt")
    tidy_table = from_wide(wide, identity="model")
    assert len(tidy_table) == 10 * len(rows)
    back = to_wide(tidy_table)
    order = [c for item in INSTRUMENT for c in wide.columns if c.upper() == item.ivs_code]
    expected = wide[order].to_numpy(dtype=float)
    assert np.array_equal(back.to_numpy(), expected)


def test_wide_missing_codes_become_missing_status_not_numbers():
    row = {item.ivs_code: item.codes[0] for item in INSTRUMENT}
    row.update({"F063": -2, "A008": np.nan, "Y003": -5})
    tidy_table = from_wide(pd.DataFrame([row]), identity=None)
    status = tidy_table.set_index("item")["status"]
    assert status[["f063", "a008", "y003"]].eq("missing").all()
    assert tidy_table.loc[tidy_table["status"] == "missing", "code"].isna().all()
    assert "IVS missing code -2" in tidy_table.set_index("item").loc["f063", "reason"]


def test_wide_errors_name_row_and_column():
    row = {item.ivs_code: item.codes[0] for item in INSTRUMENT}
    frame = pd.DataFrame([row, {**row, "G006": 7}])
    with pytest.raises(
        ResponsesError, match=r"row 1, column 'G006': 7 is not a valid code of G006"
    ):
        from_wide(frame, identity=None)
    with pytest.raises(ResponsesError, match=r"lacks item column\(s\) \['A165'\]"):
        from_wide(frame.drop(columns="A165"), identity=None)
    with pytest.raises(ResponsesError, match="identity column 'who'"):
        from_wide(frame, identity="who")


def test_attribute_columns_travel_with_the_answers():
    row = {item.ivs_code: item.codes[0] for item in INSTRUMENT}
    wide = pd.DataFrame([{**row, "id": "a", "country": "Chile", "variant": "v1"}])
    tidy_table = from_wide(wide, identity="id", variant="variant")
    assert (tidy_table["country"] == "Chile").all()
    assert (tidy_table["variant"] == "v1").all()

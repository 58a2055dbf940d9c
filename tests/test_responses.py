"""The Responses table: validation names the fault; wide ↔ tidy round trips."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmvalues import ResponsesError, from_wide, to_wide, validate_responses
from llmvalues.instruments import load_instrument
from llmvalues.responses import rename_roles

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


@settings(max_examples=40, deadline=None)
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
    with pytest.raises(ResponsesError, match="identity column 'who' is not in the wide table"):
        from_wide(frame, identity="who")


def test_attribute_columns_travel_with_the_answers():
    row = {item.ivs_code: item.codes[0] for item in INSTRUMENT}
    wide = pd.DataFrame([{**row, "id": "a", "country": "Chile", "variant": "v1"}])
    tidy_table = from_wide(wide, identity="id", variant="variant")
    assert (tidy_table["country"] == "Chile").all()
    assert (tidy_table["variant"] == "v1").all()


def wide_row(**overrides):
    row = {item.ivs_code: item.codes[0] for item in INSTRUMENT}
    row.update(overrides)
    return row


@pytest.mark.parametrize("column", ["status", "code", "item", "raw", "reason"])
def test_wide_columns_named_like_tidy_ones_are_errors_that_say_rename(column):
    wide = pd.DataFrame([wide_row(model="m", **{column: "x"})])
    with pytest.raises(ResponsesError, match=rf"column '{column}' is reserved.*rename it"):
        from_wide(wide, identity="model")


def test_a_variant_column_is_the_variant_unless_another_column_is_named():
    wide = pd.DataFrame([wide_row(model="m", variant="v1"), wide_row(model="m", variant="v2")])
    assert set(from_wide(wide, identity="model")["variant"]) == {"v1", "v2"}
    wide["wave"] = ["a", "b"]
    with pytest.raises(
        ResponsesError, match=r"'variant' is reserved.*variant='wave' names another"
    ):
        from_wide(wide, identity="model", variant="wave")
    with pytest.raises(ResponsesError, match="pass identity='identity'"):
        from_wide(wide.assign(identity="q"), identity=None)


@pytest.mark.parametrize("role", ["identity", "variant", "replicate"])
def test_a_role_naming_an_item_column_is_an_error(role):
    wide = pd.DataFrame([wide_row(model="m")])
    roles = {"identity": "model", role: "F063"}
    with pytest.raises(ResponsesError, match=rf"{role}='F063' names an item column"):
        from_wide(wide, **roles)


def test_tidy_role_columns_are_renamed_or_named_as_missing():
    table = pd.DataFrame({"model": ["m"], "wave": ["w1"], "item": ["f063"], "code": [7]})
    renamed = rename_roles(table, identity="model", variant="wave")
    assert list(renamed.columns) == ["identity", "variant", "item", "code"]
    with pytest.raises(ResponsesError, match=r"variant column 'round' is not in the tidy table"):
        rename_roles(table, identity="model", variant="round")
    with pytest.raises(ResponsesError, match="names an item column"):
        rename_roles(table.assign(f063=1), identity="model", variant="f063")
    with pytest.raises(ResponsesError, match="already has a column 'variant'"):
        rename_roles(table.assign(variant="x"), identity="model", variant="wave")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-12, r"-12 is not a valid code of F063 .*not an IVS missing code"),
        (-0.5, r"-0.5 is not a valid code"),
        (np.inf, "inf is not a code"),
        (-np.inf, "-inf is not a code"),
        (True, "True is a boolean, not a code"),
        ("1e1", r"'1e1' is not a number written as a code"),
        ("0x7", r"'0x7' is not a number written as a code"),
        ("seven", r"'seven' is not a number written as a code"),
        (7.0000000001, r"7.0000000001 is not a valid code"),
    ],
)
def test_bad_wide_cells_are_named_never_coerced(value, message):
    wide = pd.DataFrame([wide_row(model="m"), wide_row(model="m", F063=value)])
    with pytest.raises(ResponsesError, match=rf"row 1, column 'F063': {message}"):
        from_wide(wide, identity="model")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "True is a boolean"),
        ("1e1", "'1e1' is not a number written as a code"),
        (np.inf, "inf is not a code"),
        (7.0000000001, r"7.0000000001 is not a valid code"),
    ],
)
def test_bad_tidy_codes_are_named_never_coerced(value, message):
    with pytest.raises(ResponsesError, match=rf"column 'code', row 0.*{message}"):
        validate_responses(tidy(code=value))


def test_numbers_written_as_plain_text_are_read():
    wide = pd.DataFrame([wide_row(model="m", F063=" 7 ", G006="2.0")])
    codes = from_wide(wide, identity="model").set_index("item")["code"]
    assert codes["f063"] == 7 and codes["g006"] == 2


def test_ivs_missing_codes_are_missing_and_y003_keeps_its_negative_codes():
    wide = pd.DataFrame([wide_row(model="m", F063=-9, A008=-1, Y003=-2, E018=-5)])
    tidy_table = from_wide(wide, identity="model").set_index("item")
    assert tidy_table.loc[["f063", "a008", "e018"], "status"].eq("missing").all()
    assert tidy_table.loc["y003", "code"] == -2 and tidy_table.loc["y003", "status"] == "ok"


def test_identities_that_only_look_alike_as_text_are_an_error():
    wide = pd.DataFrame([wide_row(model=1), wide_row(model="1")])
    with pytest.raises(ResponsesError, match=r"1 \(int\) and '1' \(str\) both read as '1'"):
        from_wide(wide, identity="model")
    frame = pd.concat([tidy(identity=1), tidy(identity="1")], ignore_index=True)
    with pytest.raises(ResponsesError, match="both read as '1'"):
        validate_responses(frame)


def test_a_wide_table_missing_an_item_names_the_item_not_a_column_item():
    wide = pd.DataFrame([wide_row(identity="m")]).drop(columns="A165")
    with pytest.raises(ResponsesError, match=r"lacks item column\(s\) \['A165'\]"):
        validate_responses(wide)


def test_several_rows_per_identity_and_variant_become_numbered_replicates():
    rows = [wide_row(model="m", v="a", F063=c) for c in (1, 2, 3)] + [wide_row(model="m", v="b")]
    tidy_table = from_wide(pd.DataFrame(rows), identity="model", variant="v")
    f063 = tidy_table[tidy_table["item"] == "f063"].set_index(["variant", "replicate"])["code"]
    assert f063.to_dict() == {("a", 0): 1.0, ("a", 1): 2.0, ("a", 2): 3.0, ("b", 0): 1.0}
    with pytest.raises(ResponsesError, match="more than one row"):
        from_wide(pd.DataFrame(rows).assign(r=0), identity="model", variant="v", replicate="r")

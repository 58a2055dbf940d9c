"""Tables as CSV/Parquet and Responses as SPSS/Stata files, read back."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from llmvalues.instruments import STATUSES, load_instrument
from llmvalues.report import export_spss_stata, write_tables
from llmvalues.report.exports import value_labels, wide_responses
from tests.report.simulated import LONG_REPLY


def test_value_labels_come_from_the_instrument_and_its_direction_text():
    inst = load_instrument()
    assert value_labels(inst["g006"]) == {
        1: "very proud",
        2: "quite proud",
        3: "not very proud",
        4: "not at all proud",
    }
    assert value_labels(inst["y002"])[1].startswith("materialist")
    assert value_labels(inst["y003"]) == {
        -2: "obedience and religious faith",
        2: "independence and determination",
    }


@pytest.mark.parametrize("fmt", ["spss", "stata"])
def test_spss_and_stata_files_round_trip(simulated_responses, tmp_path, fmt):
    (path,) = export_spss_stata(simulated_responses, tmp_path, (fmt,), "simulated study")
    read = pyreadstat.read_sav if fmt == "spss" else pyreadstat.read_dta
    data, meta = read(path)
    sets = simulated_responses.groupby(["identity", "variant", "replicate"]).ngroups
    assert len(data) == sets
    tidy = simulated_responses.set_index(["identity", "variant", "replicate", "item"])
    inst = load_instrument()
    for row in data.head(12).itertuples():
        for item in inst:
            expected = tidy.loc[(row.identity, row.variant, row.replicate, item.code)]
            got = getattr(row, item.ivs_code)
            if expected["status"] == "ok":
                assert got == expected["code"]
            else:
                assert np.isnan(got)
            assert STATUSES[int(getattr(row, f"{item.ivs_code}_status")) - 1] == expected["status"]
            assert getattr(row, f"{item.ivs_code}_raw") == expected["raw"].rstrip()
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["F118"] == "Homosexuality justifiable"
    value_sets = meta.variable_to_label
    assert meta.value_labels[value_sets["G006"]] == value_labels(inst["g006"])
    assert meta.value_labels[value_sets["A165_status"]][1] == "ok"
    # a reply over Stata's str limit survives whole
    assert LONG_REPLY.rstrip() in set(
        data[[c for c in data.columns if c.endswith("_raw")]].to_numpy().ravel()
    )
    assert set(data["country"]) == {"", "Sweden", "Japan"}


def test_variable_names_are_valid_and_unique_in_stata(simulated_responses):
    odd = simulated_responses.assign(**{"2nd attribute (long name that Stata would refuse)": "x"})
    wide, labels, _ = wide_responses(odd)
    assert all(len(c) <= 32 and c[0].isalpha() for c in wide.columns)
    assert len({c.lower() for c in wide.columns}) == len(wide.columns)
    renamed = next(c for c in wide.columns if c.startswith("v_2nd"))
    assert "2nd attribute" in labels[renamed]


def test_tables_are_written_as_csv_and_parquet(tmp_path, simulated_fits):
    table = simulated_fits["hierarchical"].to_frame()
    table["nested"] = [{"a": 1}] * len(table)
    written = write_tables({"centroids": table}, tmp_path)
    assert sorted(p.name for p in written) == ["centroids.csv", "centroids.parquet"]
    back = pd.read_parquet(tmp_path / "centroids.parquet")
    csv = pd.read_csv(tmp_path / "centroids.csv")
    np.testing.assert_allclose(back["x_lo90"], table["x_lo90"])
    np.testing.assert_allclose(csv["y"], table["y"], rtol=1e-12)
    assert back["nested"].iloc[0] == '{"a": 1}'

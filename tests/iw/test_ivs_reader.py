"""read_ivs on synthetic WVS/EVS trend files: formats, missing codes, derived items, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from llmvalues.iw.ivs import EVS_TO_IVS_WAVE, harmonize_ivs, read_ivs
from llmvalues.iw.presets import ITEMS
from tests.iw.ivs_synthetic import make_trend_frame, value_labels, write_trend_file


@pytest.fixture(scope="module")
def wvs():
    return make_trend_frame("wvs", n=60, seed=1)[0]


@pytest.fixture(scope="module")
def evs():
    return make_trend_frame("evs", n=60, seed=2)[0]


@pytest.fixture(scope="module")
def files(tmp_path_factory, wvs, evs):
    folder = tmp_path_factory.mktemp("ivs")
    out = {}
    for kind, raw in (("wvs", wvs), ("evs", evs)):
        for suffix in (".sav", ".dta", ".csv"):
            data = raw.rename(columns=str.lower) if suffix == ".dta" else raw  # any case
            out[kind + suffix] = write_trend_file(folder / f"{kind}{suffix}", data)
    return out


@pytest.mark.parametrize("kind", ["wvs", "evs"])
def test_sav_dta_csv_give_the_same_frame(files, kind):
    frames = [read_ivs(files[kind + s]) for s in (".sav", ".dta", ".csv")]
    for other in frames[1:]:
        pd.testing.assert_frame_equal(frames[0], other, check_dtype=False)


def test_missing_codes_become_missing_not_numbers(files, wvs):
    for suffix in (".sav", ".dta", ".csv"):
        df = read_ivs(files["wvs" + suffix])
        for item in ITEMS:
            raw = wvs[item.upper()]
            missing = raw == -5 if item == "y003" else raw < 0
            assert missing.any(), item  # the synthetic file does plant missing codes
            assert df.loc[missing.to_numpy(), item].isna().all(), (suffix, item)
            np.testing.assert_array_equal(df.loc[~missing.to_numpy(), item], raw[~missing])


def test_y003_keeps_its_valid_negative_codes(files, wvs):
    df = read_ivs(files["wvs.dta"])
    assert set(df["y003"].dropna().unique()) == {-2, -1, 0, 1, 2}
    assert (df["y003"] == -2).sum() == (wvs["Y003"] == -2).sum()


def test_y003_built_from_evs_child_qualities_equals_the_formula(files, evs):
    a029, a039, a040, a042 = (evs[v].where(evs[v] >= 0) for v in ("A029", "A039", "A040", "A042"))
    expected = ((a029 + a039) - (a040 + a042)).to_numpy()  # NaN if any component is missing
    observed = set(np.unique(expected[~np.isnan(expected)]))
    assert np.isnan(expected).any() and observed == {-2, -1, 0, 1, 2}
    for suffix in (".sav", ".dta", ".csv"):
        df = read_ivs(files["evs" + suffix])
        np.testing.assert_array_equal(df["y003"].to_numpy(), expected)
        assert df.attrs["y003_from_components"] == int(np.isfinite(expected).sum())


def test_child_qualities_coded_one_two_follow_their_value_labels(tmp_path, evs):
    recoded = evs.copy()
    names = ["A029", "A039", "A040", "A042"]
    for v in names:
        recoded[v] = recoded[v].replace({0: 2})  # wave-file coding: 1 mentioned, 2 not mentioned
    labels = value_labels(recoded)
    for v in names:
        labels[v] = {1: "Mentioned", 2: "Not mentioned", -1: "Don't know"}
    path = write_trend_file(tmp_path / "evs12.sav", recoded, labels)
    expected = read_ivs(write_trend_file(tmp_path / "evs01.sav", evs))["y003"]
    pd.testing.assert_series_equal(read_ivs(path)["y003"], expected)


def test_unreadable_child_quality_label_is_an_error(tmp_path, evs):
    labels = value_labels(evs)
    labels["A040"] = {0: "Absent", 1: "Present"}
    path = write_trend_file(tmp_path / "bad.sav", evs, labels)
    with pytest.raises(ValueError, match="A040"):
        read_ivs(path)


def test_y002_built_from_the_two_aims(files, evs):
    df = read_ivs(files["evs.sav"])
    first, second = evs["E003"], evs["E004"]
    both = (first > 0) & (second > 0)
    mat = first.isin([1, 3]) & second.isin([1, 3])
    post = first.isin([2, 4]) & second.isin([2, 4])
    expected = np.where(mat, 1.0, np.where(post, 3.0, 2.0))
    np.testing.assert_array_equal(df.loc[both.to_numpy(), "y002"], expected[both])
    assert df.loc[~both.to_numpy(), "y002"].isna().all()


def test_columns_identity_and_weights(files, wvs):
    df = read_ivs(files["wvs.sav"])
    assert (
        df["year"].dtype == "Int64" and df["s025"].dtype == "Int64" and df["wave"].dtype == "Int64"
    )
    np.testing.assert_array_equal(df["s025"], df["s003"] * 10000 + df["year"])
    assert list(df.columns[:7]) == ["country", "s003", "s025", "year", "wave", "source", "weight"]
    assert set(df["country"]) >= {"Sweden", "Egypt", "Northern Ireland", "Vietnam"}
    np.testing.assert_array_equal(df["weight"], wvs["S017"])
    product = read_ivs(files["wvs.sav"], weights="S017*S018")["weight"]
    np.testing.assert_allclose(product, wvs["S017"] * wvs["S018"])
    assert (read_ivs(files["wvs.sav"], weights=None)["weight"] == 1).all()
    assert set(df["source"]) == {"WVS"}


def test_evs_waves_are_mapped_to_the_ivs_chronology(files, evs):
    df = read_ivs(files["evs.dta"])
    np.testing.assert_array_equal(df["wave"], evs["S002EVS"].map(EVS_TO_IVS_WAVE))
    assert set(df["source"]) == {"EVS"}
    only_2017 = read_ivs(files["evs.dta"], waves=[7])
    assert set(only_2017["year"]) == {2017}
    assert len(only_2017) == (evs["S002EVS"] == 5).sum()


def test_concatenated_wvs_and_evs_csv(tmp_path, wvs, evs):
    both = pd.concat([wvs, evs], ignore_index=True)  # Y003 empty for EVS rows, A029… for WVS
    df = read_ivs(write_trend_file(tmp_path / "ivs.csv", both), waves=[5, 6])
    assert set(zip(df["source"], df["year"], strict=True)) == {("WVS", 2012), ("EVS", 2008)}
    evs_rows = df[df["source"] == "EVS"]
    assert evs_rows["y003"].notna().mean() > 0.8 and evs_rows["y002"].notna().mean() > 0.8
    assert df.loc[df["source"] == "WVS", "y003"].notna().mean() > 0.9


def test_harmonize_accepts_a_frame_in_memory(wvs, files):
    extra = wvs.rename(columns=str.lower).assign(COUNTRY_ALPHA="SWE")  # other columns ignored
    pd.testing.assert_frame_equal(
        harmonize_ivs(extra), read_ivs(files["wvs.csv"]), check_dtype=False
    )


def test_missing_variable_is_named_with_the_file(tmp_path, wvs):
    path = write_trend_file(tmp_path / "nof118.sav", wvs.drop(columns=["F118", "S017"]))
    with pytest.raises(ValueError, match=r"nof118\.sav.*S017.*F118"):
        read_ivs(path)


def test_missing_y003_and_components_are_named(tmp_path, evs):
    path = write_trend_file(tmp_path / "noa042.csv", evs.drop(columns=["A042"]))
    with pytest.raises(ValueError, match=r"Y003.*lacking A042"):
        read_ivs(path)


def test_no_rows_in_requested_waves(files):
    with pytest.raises(ValueError, match=r"no respondents in waves \[3\].*present: \[6, 7\]"):
        read_ivs(files["wvs.sav"], waves=[3])


def test_out_of_range_codes_are_an_error_or_explicitly_missing(tmp_path, wvs):
    bad = wvs.copy()
    bad.loc[:4, "G006"] = 5
    path = write_trend_file(tmp_path / "g006.csv", bad)
    with pytest.raises(ValueError, match=r"G006.*5 \(5x\)"):
        read_ivs(path)
    assert read_ivs(path, out_of_range="missing")["g006"].iloc[:5].isna().all()


def test_unknown_country_code_and_file_type(tmp_path, wvs):
    bad = wvs.copy()
    bad.loc[0, "S003"] = 999
    with pytest.raises(ValueError, match=r"unknown country code.*999"):
        read_ivs(write_trend_file(tmp_path / "c.csv", bad))
    other = tmp_path / "file.xlsx"
    other.write_text("x")
    with pytest.raises(ValueError, match="unsupported file type"):
        read_ivs(other)
    with pytest.raises(FileNotFoundError):
        read_ivs(tmp_path / "absent.sav")

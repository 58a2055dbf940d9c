"""Country names: every label of the shipped reference files, ISO codes, WVS numbers, variants."""

import pandas as pd
import pycountry
import pytest

from llmvalues.iw import reference
from llmvalues.iw.countries import (
    CountryError,
    country_code,
    country_iso3,
    country_name,
    resolve_country,
    source_labels,
)
from llmvalues.iw.metrics import match_country
from llmvalues.iw.presets import PRESETS, load_preset
from llmvalues.iw.prompting import cultural_prompting

TAO_LABELS = source_labels()


def test_the_source_files_labels_are_the_107_of_tao_et_al():
    assert len(TAO_LABELS) == 107
    for label in ("Hong Kong SAR", "Taiwan ROC", "Bosnia Herzegovina", "North Ireland"):
        assert label in TAO_LABELS
    assert TAO_LABELS["Macau SAR"] == 446


@pytest.mark.parametrize("label", sorted(TAO_LABELS))
def test_every_tao_label_resolves_to_its_own_ivs_code_and_preset_country(label):
    code = TAO_LABELS[label]
    assert country_code(label) == code
    countries = load_preset("tao2024").countries
    assert match_country(label, countries) == countries.set_index("s003").loc[code, "country"]


@pytest.mark.parametrize("preset", PRESETS)
def test_every_reference_and_trajectory_country_resolves_by_name_code_and_number(preset):
    loaded = load_preset(preset)
    tables = [loaded.countries] + ([loaded.trajectories] if loaded.trajectories is not None else [])
    names = pd.concat([t[["country", "s003", "iso3"]] for t in tables]).drop_duplicates()
    for name, s003, iso3 in names.itertuples(index=False):
        assert country_code(name) == s003 == country_code(str(s003)) == country_code(int(s003))
        if isinstance(iso3, str):
            alpha2 = pycountry.countries.get(alpha_3=iso3).alpha_2
            assert country_code(iso3) == country_code(iso3.lower()) == country_code(alpha2) == s003
    for name in loaded.countries["country"]:
        assert match_country(f"  {name.upper()} ", loaded.countries) == name


@pytest.mark.parametrize(
    ("variant", "name"),
    [
        ("USA", "United States"),
        ("U.S.A.", "United States"),
        ("United States of America", "United States"),
        ("UK", "Great Britain"),
        ("United Kingdom", "Great Britain"),
        ("Türkiye", "Turkey"),
        ("Turkiye", "Turkey"),
        ("Czech Republic", "Czechia"),
        ("South Korea", "South Korea"),
        ("Korea, Republic of", "South Korea"),
        ("Russian Federation", "Russia"),
        ("Viet Nam", "Vietnam"),
        ("Macao", "Macau"),
        ("the Netherlands", "Netherlands"),
        ("Holland", "Netherlands"),
        ("Bosnia and Herzegovina", "Bosnia and Herzegovina"),
        ("Northern Ireland", "Northern Ireland"),
        ("Kosovo", "Kosovo"),
        ("  sweden ", "Sweden"),
        ("752", "Sweden"),
        ("SE", "Sweden"),
        ("swe", "Sweden"),
    ],
)
def test_common_english_variants_and_codes_resolve(variant, name):
    assert country_name(country_code(variant)) == name


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Swedn", r"unknown country 'Swedn'; nearest names: Sweden"),
        ("Atlantis", r"unknown country 'Atlantis'; nearest names:"),
        ("999", r"999 is neither an ISO 3166 numeric code nor an IVS-specific"),
        ("", "empty country name"),
    ],
)
def test_unknown_names_are_errors_listing_near_matches(name, message):
    with pytest.raises(CountryError, match=message):
        country_code(name)


def test_a_known_country_outside_the_table_lists_the_tables_near_names():
    countries = load_preset("tao2024").countries
    with pytest.raises(CountryError, match=r"'Sri Lanka' \(Sri Lanka, IVS code 144\) is not among"):
        match_country("Sri Lanka", countries)
    with pytest.raises(
        CountryError, match="'Swedenn'; nearest among the reference countries: Sweden"
    ):
        resolve_country("Swedenn", ["Sweden", "Japan"])


def test_tables_with_their_own_labels_resolve_by_spelling_first():
    assert resolve_country(" a ", ["A", "B"]) == "A"
    assert resolve_country("Great Britain", ["UK", "Japan"]) == "UK"


def test_a_cultural_prompting_table_built_from_tao_labels_resolves():
    countries = load_preset("tao2024").countries
    points = pd.DataFrame(
        {"x": [0.0, 1.0, 2.0], "y": [0.0, 0.5, 1.0]}, index=["base", "as HK", "as TW"]
    )
    result = cultural_prompting(
        points, countries, {"as HK": "Hong Kong SAR", "as TW": "Taiwan ROC"}, baseline="base"
    )
    assert list(result.per_country["country"]) == ["Hong Kong", "Taiwan"]


def test_ivs_specific_country_codes_have_names_and_no_iso3():
    assert country_name(909) == "Northern Ireland" and country_iso3(909) is None
    assert country_name(915) == "Kosovo"
    assert country_name(752) == "Sweden" and country_iso3(752) == "SWE"
    with pytest.raises(KeyError, match="unknown IVS country code 999"):
        country_name(999)


def test_reference_loaders_name_countries_through_the_resolver():
    tao = reference.tao2024_countries().set_index("s003")
    assert tao.loc[344, "country"] == "Hong Kong" and tao.loc[70, "country"] == (
        "Bosnia and Herzegovina"
    )
    codes = set(reference.country_trajectories()["s003"])
    assert all(country_code(country_name(c)) == c for c in codes)

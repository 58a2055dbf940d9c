"""A study run end to end against a scripted OpenAI-compatible server on loopback:
collect (resuming), fit, report; re-test on a new date and the change section."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from llmvalues.collect.store import Store
from llmvalues.study import StudyError, load_study, prepare, retest_study, run_study, track_store

STUDY = """
extends: tao2024
name: tao-small
countries: [Sweden]
descriptors: 6
sampling: {max_tokens: 16}
fits:
  - {name: classic, method: classic, random_seed: 0}
change: {threshold: 0.2, level: 0.9, fit: {draws: 120, tune: 120, chains: 1, random_seed: 2}}
outputs: [report, tables, spss]
"""


@pytest.fixture
def small_study(tmp_path):
    path = tmp_path / "tao-small.yaml"
    path.write_text(STUDY, encoding="utf-8")
    return load_study(path)


def test_run_resume_retest_and_track(small_study, survey_server, tmp_path):
    server, backend = survey_server()
    out = tmp_path / "run"
    prepared = prepare(small_study, backend.model, out)
    assert prepared.estimate.calls == 2 * 6 * 10
    first = run_study(prepared, backend, progress=False)
    assert first.collection.asked == 120 and len(server.log) == 120
    assert (out / "study.json").is_file() and (out / "llmvalues.sqlite").is_file()
    manifest = json.loads((out / "study.json").read_text())
    assert manifest["model"] == "scripted-model" and len(manifest["waves"]) == 1
    wave = manifest["waves"][0]["label"]
    responses = first.responses
    assert set(responses["collected_at"]) == {wave}  # the date is on every identity
    assert (first.fits["classic"].attributes["collected_at"] == wave).all()
    assert (responses["status"] == "ok").mean() > 0.95
    assert set(first.fits) == {"classic"}
    html = first.report.html.read_text(encoding="utf-8")
    assert "scripted-model | Sweden" in html and 'id="cultural-prompting"' in html
    assert (out / "responses.sav").is_file() and not (out / "responses.dta").exists()
    metrics = pd.read_csv(out / "tables" / "classic_cultural_prompting_metrics.csv")
    assert "share_improved" in set(metrics["metric"])
    assert first.change is None and 'id="change"' not in html

    # the same command again resumes: nothing asked twice, the same answers
    again = run_study(prepare(small_study, backend.model, out), backend, progress=False)
    assert again.collection.asked == 0 and len(server.log) == 120
    pd.testing.assert_frame_equal(again.fits["classic"].centroids, first.fits["classic"].centroids)

    # a re-test on a new date: justifiability answers moved to "always" (10)
    server2, backend2 = survey_server(fixed={"f118": "10", "f120": "10"})
    retest = retest_study(out, backend2, progress=False)
    assert retest.collection.asked == 120 and len(server2.log) == 120
    # same requests (prompts, sampling) as the first wave
    sent = [json.dumps(e["payload"], sort_keys=True) for e in server.log]
    resent = [json.dumps(e["payload"], sort_keys=True) for e in server2.log]
    assert sorted(sent) == sorted(resent)
    assert len(retest.waves) == 2 and retest.waves[0] == wave
    change = retest.change
    items = change.items
    assert items.loc["F118", "p_value"] < 0.01 and items.loc["F120", "p_value"] < 0.01
    assert items.loc["F118", "mean_after"] == 10
    unchanged = items.drop(index=["F118", "F120"])
    assert (unchanged["tv_distance"] == 0).all() and (unchanged["p_value"] == 1).all()
    shifts = change.shifts
    assert set(shifts.index) == {"scripted-model", "scripted-model | Sweden"}
    assert (shifts["dx"] > 0).all()  # more self-expression
    assert ((shifts["shift_lo"] >= 0) & (shifts["shift_lo"] <= shifts["shift"])).all()
    assert (shifts["p_shift"] > 0.5).all()
    page = retest.report.html.read_text(encoding="utf-8")
    assert f"Change since {wave}" in page and "paired permutation test" in page
    assert page.count('class="snapshot-path"') == 2
    with Store(out / "llmvalues.sqlite") as store:
        assert len(store.finals()) == 240

    # track: the same comparison from the store alone
    tracked = track_store(
        out / "llmvalues.sqlite",
        tmp_path / "track",
        fit_options={"draws": 120, "tune": 120, "chains": 1, "random_seed": 2},
    )
    assert tracked.waves == retest.waves
    np.testing.assert_allclose(tracked.change.items["p_value"], items["p_value"])
    assert (tracked.report.html).is_file()


def test_a_folder_holds_one_study_and_one_model(small_study, survey_server, tmp_path):
    _, backend = survey_server()
    out = tmp_path / "run"
    other = small_study.select(countries=["Japan"])
    run_study(prepare(small_study, backend.model, out), backend, progress=False)
    with pytest.raises(StudyError, match="give another --out"):
        run_study(prepare(other, backend.model, out), backend, progress=False)
    _, stranger = survey_server(model="another-model")
    with pytest.raises(StudyError, match="re-test it with --model scripted-model"):
        retest_study(out, stranger, progress=False)
    with pytest.raises(StudyError, match="not a study folder"):
        retest_study(tmp_path / "nothing", backend, progress=False)


def test_a_fit_the_answers_cannot_support_is_reported_not_fatal(survey_server, tmp_path):
    path = tmp_path / "two-fits.yaml"
    path.write_text(
        STUDY.replace(
            "  - {name: classic, method: classic, random_seed: 0}\n",
            "  - {name: classic, method: classic, random_seed: 0}\n"
            "  - {name: hierarchical, method: hierarchical, draws: 100, tune: 100, chains: 1}\n",
        ),
        encoding="utf-8",
    )
    study = load_study(path).select(descriptors=2)
    _, backend = survey_server(fixed={"a008": "Happiness is hard to rate."})
    prepared = prepare(study, backend.model, tmp_path / "run")
    # the two fits in two worker processes (llmvalues.executor): results come back in order
    result = run_study(prepared, backend, progress=False, n_jobs=2)
    assert set(result.fits) == {"hierarchical"}
    assert "no complete response set" in result.unfitted["classic"]
    page = result.report.html.read_text(encoding="utf-8")
    assert "Fit classic not made" in page
    assert "Happiness is hard to rate." in page  # an example reply that was not an answer
    assert (result.responses.query("item == 'a008'")["status"] == "invalid").all()

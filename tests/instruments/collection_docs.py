"""The generated parts of docs/collection.md and docs/languages.md (so the docs stay true).

``python -m tests.instruments.collection_docs`` rewrites them in place; the tests check
that the docs hold exactly what this module generates.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from llmvalues.collect.ivs import ivs_plan, ivs_plan_size
from llmvalues.instruments import load_instrument
from llmvalues.instruments import perturbations as pt
from llmvalues.instruments.languages import (
    LANGUAGES,
    UNSPACED,
    language_file,
    variants_file,
)
from llmvalues.instruments.variants import descriptors, personas

ROOT = Path(__file__).parents[2]
DOCS = {"collection": ROOT / "docs" / "collection.md", "languages": ROOT / "docs" / "languages.md"}
BACK_TRANSLATIONS = Path(__file__).parent / "data" / "pole_back_translations.csv"
POLE_ITEMS = ("f063", "f120", "f118", "g006", "e018", "a008", "e025", "a165")

# (perturbation, language, item, seed): one example prompt each
EXAMPLES = [
    ("typo:0.1", "en", "f063", 1),
    ("typo:0.1", "zh", "f063", 1),
    ("synonyms", "en", "e018", 3),
    ("reverse", "en", "f063", 0),
    ("reverse", "zh", "g006", 0),
    ("labels:letters", "en", "g006", 0),
    ("labels:labels", "es", "a008", 0),
    ("format:free", "en", "y002", 0),
    ("format:terse", "de", "f120", 0),
    ("shuffle", "en", "e018", 5),
    ("persona:user", "en", "a165", 0),
]


def perturbation_examples() -> str:
    """One example prompt per perturbation (and language), with what the parser reads."""
    out = []
    for spec in pt.PERTURBATIONS.values():
        param = f":{spec.parameter.upper()}" if spec.parameter else ""
        choices = f" ({', '.join(spec.choices)})" if spec.choices else ""
        column = f"; column `{spec.column}`" if spec.column else ""
        out.append(f"- `{spec.name}{param}`{choices}: {spec.help}{column}")
    for label, language, code, seed in EXAMPLES:
        (perturbation,) = pt.as_condition(label)
        item = load_instrument(language=language)[code]
        shown = perturbation.apply(item, item.prompt, seed)
        record = {k: v for k, v in shown.record.items() if k not in ("name",)}
        out += [
            "",
            f"`{label}` on {code.upper()} ({language}), record `{record}`:",
            "",
            "```text",
            shown.render(),
            "```",
        ]
        if shown.persona_in:
            cell = ivs_plan("m", items=[code], perturbations=[label], descriptor_set="tao2024")
            roles = [m["role"] for m in cell.cells[0].request.messages]
            out.append(f"The plan sends the descriptor and the question in one message: {roles}.")
        elif item.kind in ("scale", "options"):
            omap = shown.option_map
            if all(str(v) == k for k, v in omap.items()):
                out.append("Reply read as shown (the number is the raw code).")
            else:
                pairs = ", ".join(f"{k}→{v}" for k, v in omap.items())
                out.append(f"Reply read through the option map {pairs}.")
    return "\n".join(out)


def plan_size() -> str:
    """The size report of a large plan, as ``ivs_plan_size`` prints it."""
    size = ivs_plan_size(
        languages=("en", "zh"),
        countries=[f"country {i}" for i in range(107)],
        descriptor_set="all",
        perturbations=["none", "reverse", "typo:0.05"],
    )
    lines = [
        "```python",
        '>>> size = ivs_plan_size(languages=("en", "zh"), countries=countries,  # 107',
        '...                      descriptor_set="all",',
        '...                      perturbations=["none", "reverse", "typo:0.05"])',
        ">>> print(size.summary())",
        str(size.summary()),
        "```",
    ]
    return "\n".join(lines)


def languages_table() -> str:
    """Every language with what it has and how it was checked."""
    rows = [
        "| code | language | descriptors (Tao's + own) | personas | paraphrases | synonym table "
        "| keyboard typos | words spaced | checked by |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for lang in LANGUAGES:
        n_tao, n_all = len(descriptors("tao2024", lang)), len(descriptors("all", lang))
        tao = "Tao's own" if lang == "en" else "project's translation"
        paraphrased = "yes" if variants_file(lang).get("paraphrases") else "no"
        checked = (
            "the source text"
            if lang == "en"
            else "a language model's draft; structural tests; no native speaker"
        )
        rows.append(
            f"| {lang} | {language_file(lang)['name']} | {n_tao} ({tao}) + {n_all - n_tao} "
            f"| {len(personas(lang))} | {paraphrased} "
            f"| {'yes' if lang in pt.synonym_languages() else 'no'} "
            f"| {'yes' if lang in pt.keyboard_languages() else 'no (swaps, deletions)'} "
            f"| {'no' if lang in UNSPACED else 'yes'} | {checked} |"
        )
    return "\n".join(rows)


def back_translations() -> list[dict[str, str]]:
    with BACK_TRANSLATIONS.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def poles_table() -> str:
    """Each scale end of each language with its literal English back-translation."""
    english = load_instrument()
    rows = [
        "| item | code | English source | language | label | literal back-translation |",
        "|---|---|---|---|---|---|",
    ]
    for row in back_translations():
        source = english[row["item"]].labels[int(row["code"])]
        rows.append(
            f"| {row['item'].upper()} | {row['code']} | {source} | {row['language']} "
            f"| {row['label']} | {row['english']} |"
        )
    return "\n".join(rows)


SECTIONS = {
    ("collection", "perturbations"): perturbation_examples,
    ("collection", "languages"): languages_table,
    ("collection", "plan_size"): plan_size,
    ("languages", "poles"): poles_table,
}


def _pattern(name: str) -> re.Pattern:
    return re.compile(
        rf"(<!-- begin generated: {name} -->)\n(.*?)\n?(<!-- end generated: {name} -->)", re.S
    )


def current(doc: str, name: str) -> str:
    """The generated section ``name`` as it stands in a doc."""
    match = _pattern(name).search(DOCS[doc].read_text(encoding="utf-8"))
    if match is None:
        raise LookupError(f"{DOCS[doc].name} has no generated section {name!r}")
    return match.group(2)


def main() -> None:
    for (doc, name), make in SECTIONS.items():
        path = DOCS[doc]
        text = path.read_text(encoding="utf-8")
        path.write_text(
            _pattern(name).sub(lambda m, make=make: f"{m.group(1)}\n{make()}\n{m.group(3)}", text),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()

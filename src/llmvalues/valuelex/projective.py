"""Projective test: the model completes sentence stems; completions are collected through the store.

Chat models get ``instruction`` ("Complete the following sentence within 100 words: …");
base models get ``completion_template``, which ends with the stem so the model continues
the sentence. The text a judge reads is the stem followed by the completion.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from llmvalues.collect.plan import Plan, make_cell
from llmvalues.valuelex.resources import Persona, load_data
from llmvalues.valuelex.respondents import Respondent, build_request, stable_seed


class ProjectiveError(ValueError):
    """The projective test cannot be run or scored as asked; says why."""


def projective_plan(
    model: str,
    stems: dict[str, list[str]],
    *,
    label: str | None = None,
    n_samples: int = 1,
    fmt: str = "chat",
    sampling: dict[str, Any] | None = None,
    spec: dict[str, Any] | None = None,
    persona: Persona | None = None,
    seed: int = 0,
) -> Plan:
    """One cell per subdimension × stem × sample.

    Parameters
    ----------
    model
        The id of the model that completes the stems.
    stems
        Subdimension → sentence stems.
    label
        The model's label in the results (default ``model``).
    n_samples
        Completions per stem.
    fmt
        ``"chat"`` (an instruction) or ``"completion"`` (the model continues the stem).
    sampling
        Sampling settings (default temperature 0.7, 96 tokens).
    spec
        The wording (default the bundled one).
    persona
        A persona for the respondent (default none).
    seed
        Seed of the sampling seeds.

    Returns
    -------
    llmvalues.collect.plan.Plan
    """
    if not stems or not any(stems.values()):
        raise ProjectiveError("no sentence stems given")
    if n_samples < 1:
        raise ProjectiveError(f"n_samples must be at least 1, got {n_samples}")
    spec = spec or load_data("stems.json")
    label = label or model
    persona = persona or Persona("none", "")
    base = {"temperature": 0.7, "max_tokens": 96, **(sampling or {})}
    if fmt == "completion":
        base.setdefault("stop", ["\n\n"])
    cells = []
    for sample in range(n_samples):
        resp = Respondent(label, persona, sample)
        for sub, items in stems.items():
            for index, stem in enumerate(items):
                if fmt == "chat":
                    text, template = spec["instruction"].format(stem=stem), "{prompt}"
                else:
                    text, template = stem, spec["completion_template"].replace("{stem}", "{prompt}")
                sampling_r = {**base, "seed": stable_seed(seed, resp.id, sub, index)}
                request = build_request(
                    resp, text, fmt=fmt, sampling=sampling_r, completion_template=template
                )
                cells.append(
                    make_cell(
                        model,
                        f"{label}/projective/{persona.id}",
                        f"stem:{sub}:{index}",
                        request,
                        variant=persona.id,
                        replicate=sample,
                        attrs={
                            "stage": "projective",
                            "model_label": label,
                            "subdimension": sub,
                            "stem_index": index,
                            "stem": stem,
                            "format": fmt,
                        },
                    )
                )
    return Plan(
        model, cells, metadata={"stage": "projective", "stems": sum(map(len, stems.values()))}
    )


def judged_text(stem: str, reply: str) -> str:
    """Stem + completion; a reply that already restates the stem is taken as it is.

    Parameters
    ----------
    stem
        The sentence stem.
    reply
        The model's completion.

    Returns
    -------
    str
    """
    reply = (reply or "").strip()
    head = " ".join(stem.lower().split()[:3])
    return reply if reply.lower().startswith(head) else f"{stem} {reply}".strip()


def completions_frame(table: pd.DataFrame) -> pd.DataFrame:
    """Store table of a projective plan → one row per completion with the text a judge reads.

    Parameters
    ----------
    table
        ``Store.to_table`` of a projective plan's keys.

    Returns
    -------
    pandas.DataFrame
        ``completion``, ``model``, ``subdimension``, ``stem_index``, ``stem``, ``reply``,
        ``status``, ``replicate``, ``text``.
    """
    need = ["cell_key", "model_label", "subdimension", "stem_index", "stem", "raw", "status"]
    missing = [c for c in need if c not in table.columns]
    if missing:
        raise ProjectiveError(f"projective table lacks column(s) {missing}")
    out = table[[*need, "replicate"]].rename(columns={"cell_key": "completion", "raw": "reply"})
    out = out.rename(columns={"model_label": "model"})
    out["stem_index"] = out["stem_index"].astype(int)
    out["text"] = [judged_text(s, r) for s, r in zip(out["stem"], out["reply"], strict=True)]
    return out.reset_index(drop=True)

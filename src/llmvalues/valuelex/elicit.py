"""Elicitation plan: each respondent names its values in answer to generative prompts."""

from __future__ import annotations

from typing import Any

from llmvalues.collect.plan import Plan, make_cell
from llmvalues.valuelex.lexicon import elicitation_parser
from llmvalues.valuelex.resources import Prompt, load_data
from llmvalues.valuelex.respondents import Respondent, build_request, stable_seed


def assigned_prompts(index: int, prompts: list[Prompt], per_respondent: int) -> list[Prompt]:
    """Prompts of the ``index``-th respondent: a rotating block, so every prompt is used evenly.

    Parameters
    ----------
    index
        The respondent's position.
    prompts
        All prompts.
    per_respondent
        Prompts per respondent.

    Returns
    -------
    list of Prompt
    """
    if not 1 <= per_respondent <= len(prompts):
        raise ValueError(f"prompts_per_respondent must be 1..{len(prompts)}, got {per_respondent}")
    start = (index * per_respondent) % len(prompts)
    return [prompts[(start + j) % len(prompts)] for j in range(per_respondent)]


def elicitation_plan(
    model: str,
    respondents: list[Respondent],
    prompts: list[Prompt],
    *,
    prompts_per_respondent: int = 3,
    fmt: str = "chat",
    sampling: dict[str, Any] | None = None,
    spec: dict[str, Any] | None = None,
    max_words: int = 2,
    seed: int = 0,
) -> Plan:
    """One cell per respondent × assigned prompt; replies parsed into descriptor lists.

    Parameters
    ----------
    model
        The backend's model id (recorded in every cell key).
    respondents
        Who is asked.
    prompts
        The elicitation prompts.
    prompts_per_respondent
        Prompts each respondent answers.
    fmt
        ``"chat"`` or ``"completion"`` prompts.
    sampling
        Sampling settings (default temperature 0.8, 64 tokens).
    spec
        The wording (default the bundled one).
    max_words
        Most words a descriptor may have.
    seed
        Seed of the sampling seeds.

    Returns
    -------
    llmvalues.collect.plan.Plan
    """
    if not prompts:
        raise ValueError("give at least one elicitation prompt")
    spec = spec or load_data("prompts.json")
    instruction = spec.get("list_instruction", "")
    template = spec.get("completion_template", "{prompt}")
    base = {"temperature": 0.8, "max_tokens": 64, **(sampling or {})}
    if fmt == "completion":
        base.setdefault("stop", ["\n\n", "\nInterviewer"])
    parser = elicitation_parser(max_words)
    cells = []
    for index, resp in enumerate(respondents):
        for prompt in assigned_prompts(index, prompts, prompts_per_respondent):
            text = f"{prompt.text} {instruction}".strip() if fmt == "chat" else prompt.text
            sampling_r = {**base, "seed": stable_seed(seed, resp.id, prompt.id)}
            request = build_request(
                resp, text, fmt=fmt, sampling=sampling_r, completion_template=template
            )
            cells.append(
                make_cell(
                    model,
                    resp.id,
                    f"elicit:{prompt.id}",
                    request,
                    variant=resp.persona.id,
                    replicate=resp.sample,
                    parser=parser,
                    attrs={
                        "stage": "elicit",
                        "respondent": resp.id,
                        "model_label": resp.model,
                        "persona": resp.persona.id,
                        "prompt_id": prompt.id,
                        "format": fmt,
                    },
                )
            )
    meta = {"stage": "elicit", "respondents": len(respondents), "prompts": len(prompts)}
    return Plan(model, cells, metadata=meta)

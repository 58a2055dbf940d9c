"""A study's collection plan for one model, and what asking it will cost.

Every part of the study becomes an :func:`~llmvalues.collect.ivs.ivs_plan` (descriptors ×
countries × wordings × replicates × items, with the study's sampling, mode and parsing);
the parts' cells form one plan whose cells carry the study, part and language as
attributes. :func:`estimate` counts the calls and the tokens the rendered prompts hold.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace

from llmvalues.collect.ivs import ivs_plan
from llmvalues.collect.plan import Plan, PlanError
from llmvalues.collect.runner import Reask
from llmvalues.instruments.variants import Descriptor, reask_text
from llmvalues.study.spec import Part, Study, StudyError, resolve_countries

CHARS_PER_TOKEN = 4.0  # OpenAI's rule of thumb for English text
MESSAGE_OVERHEAD = 4  # tokens a chat format adds per message (role, separators)


def _descriptors(study: Study, part: Part, language: str) -> list[Descriptor]:
    descs = part.descriptors.resolve(language)
    if not study.system_suffix:
        return descs
    return [Descriptor(d.name, d.text + study.system_suffix) for d in descs]


def study_plan(study: Study, model: str, label: str | None = None) -> Plan:
    """The plan of ``study`` for ``model``: every part in every language, in order.

    Parameters
    ----------
    study
        A validated study.
    model
        The model name as the backend knows it.
    label
        The model's name in the identities (default ``model``): ``label`` and
        ``"label | Sweden"`` for a cultural prompt (``"label | zh | Sweden"`` in Chinese).

    Returns
    -------
    llmvalues.collect.plan.Plan
        Cells with attributes ``study`` and ``part`` besides those of
        :func:`~llmvalues.collect.ivs.ivs_plan`; metadata holds the resolved study.
        Paraphrases (English only) are asked in English; other languages use the
        default wording.

    Raises
    ------
    StudyError
        When two parts would ask the same identity the same question.
    """
    cells = []
    for part in study.parts:
        for language in study.languages:
            try:
                plan = ivs_plan(
                    model,
                    instrument=study.instrument,
                    wording=study.wording,
                    descriptor_set=_descriptors(study, part, language),
                    countries=resolve_countries(part.countries) or None,
                    paraphrased=study.paraphrases and language == "en",
                    permute=study.option_order == "permuted",
                    labels=study.labels,
                    replicates=study.replicates,
                    sampling=study.sampling,
                    mode=study.mode,
                    persona_in=study.persona_in,
                    fmt=study.format,
                    logprobs=study.parsing.logprobs,
                    constrained=study.parsing.constrained,
                    seed=study.seed,
                    identity=label,
                    languages=(language,),
                    perturbations=study.perturbations,
                    country_names=study.country_names,
                )
            except PlanError as exc:
                raise StudyError(f"study {study.source}: part {part.name!r}: {exc}") from exc
            extra = {"study": study.name, "part": part.name}
            cells += [replace(c, attrs={**c.attrs, **extra}) for c in plan.cells]
    metadata = {"study": study.to_dict(), "instrument": study.instrument, "mode": study.mode}
    try:
        return Plan(model, cells, metadata)
    except PlanError as exc:
        raise StudyError(
            f"study {study.source}: two parts ask the same identity the same question ({exc}); "
            "give the parts different descriptors or countries"
        ) from exc


def study_reask(study: Study) -> Reask | None:
    """The study's re-ask rule (None when it does not re-ask)."""
    if study.parsing.reask == 0:
        return None
    return Reask(reask_text(), max_attempts=study.parsing.reask + 1)


@dataclass(frozen=True)
class Estimate:
    """Calls and tokens of a plan, and its cost when prices are given."""

    calls: int
    identities: int
    response_sets: int
    input_tokens: int
    output_tokens: int  # an upper bound: every reply at max_tokens
    price_in: float | None = None  # per million input tokens
    price_out: float | None = None  # per million output tokens
    reask: int = 0

    @property
    def cost(self) -> float | None:
        """Upper-bound cost (every reply at max_tokens), or None without prices."""
        if self.price_in is None or self.price_out is None:
            return None
        return (self.input_tokens * self.price_in + self.output_tokens * self.price_out) / 1e6

    def __str__(self) -> str:
        lines = [
            f"{self.calls:,} calls ({self.identities} identit{'y' if self.identities == 1 else 'ies'}, {self.response_sets:,} "
            f"response sets), about {self.input_tokens:,} input tokens and at most "
            f"{self.output_tokens:,} output tokens",
        ]
        if self.cost is not None:
            lines.append(
                f"cost at most {self.cost:,.2f} (at {self.price_in:g} per million input and "
                f"{self.price_out:g} per million output tokens, every reply at max_tokens)"
            )
        if self.reask:
            lines.append(f"re-asks (up to {self.reask} per unparsed reply) come on top")
        return "\n".join(lines)


def _tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def estimate(
    plan: Plan, price_in: float | None = None, price_out: float | None = None, reask: int = 0
) -> Estimate:
    """Count the calls of ``plan`` and estimate its tokens from the rendered prompts.

    Input tokens are the prompt characters / 4 plus a few tokens per chat message; in a
    conversation each question also carries the earlier turns, their replies counted at
    ``max_tokens``. Output tokens assume every reply runs to ``max_tokens`` (an upper
    bound). Prices are per million tokens.

    Parameters
    ----------
    plan
        The plan to be asked.
    price_in, price_out
        Prices per million input / output tokens (both, or neither).
    reask
        Re-asks per unparsed reply (reported, not counted).

    Returns
    -------
    Estimate
    """
    if (price_in is None) != (price_out is None):
        raise StudyError("give both token prices (--price-in and --price-out) or neither")
    for price in (price_in, price_out):
        if price is not None and price < 0:
            raise StudyError(f"token prices cannot be negative, got {price}")
    input_tokens = output_tokens = 0
    for session in plan.sessions():
        history = 0
        for cell in session:
            request = cell.request
            limit = int(request.sampling.get("max_tokens") or 0)
            if request.messages is not None:
                own = sum(_tokens(m["content"]) + MESSAGE_OVERHEAD for m in request.messages)
            else:
                own = _tokens(request.prompt or "")
            input_tokens += history + own
            output_tokens += limit
            if cell.session:
                history += own + limit + MESSAGE_OVERHEAD
    sets = {(c.identity, c.variant, c.replicate) for c in plan}
    return Estimate(
        calls=len(plan),
        identities=len({c.identity for c in plan}),
        response_sets=len(sets),
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        price_in=price_in,
        price_out=price_out,
        reask=reask,
    )


def prompts_table(plan: Plan):
    """One row per cell: identity, variant, replicate, item, system and user text, sampling."""
    import pandas as pd

    rows = []
    for cell in plan:
        messages = cell.request.messages or ({"role": "user", "content": cell.request.prompt},)
        system = next((m["content"] for m in messages if m["role"] == "system"), "")
        user = messages[-1]["content"]
        rows.append(
            {
                "identity": cell.identity,
                "variant": cell.variant,
                "replicate": cell.replicate,
                "item": cell.item,
                "part": cell.attrs.get("part", ""),
                "system": system,
                "user": user,
                "sampling": json.dumps(cell.request.sampling, sort_keys=True),
            }
        )
    return pd.DataFrame(rows)

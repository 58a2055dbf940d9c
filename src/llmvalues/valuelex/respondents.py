"""Respondents (model × persona × sample) and the requests they are asked, chat or completion."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from llmvalues.collect.backends.base import Request
from llmvalues.collect.ivs import FORMATS
from llmvalues.valuelex.resources import Persona


@dataclass(frozen=True)
class Respondent:
    """One respondent of a model: a persona and a sample number (its own random seed).

    Parameters
    ----------
    model
        The model's label.
    persona
        The persona.
    sample
        The sample number.
    """

    model: str
    persona: Persona
    sample: int

    @property
    def id(self) -> str:
        """``{model}/{persona}/{sample}``."""
        return f"{self.model}/{self.persona.id}/{self.sample}"


def make_respondents(model: str, personas: list[Persona], n_samples: int) -> list[Respondent]:
    """Every persona × sample of one model, persona-major.

    Parameters
    ----------
    model
        The model's label.
    personas
        The personas.
    n_samples
        Samples per persona.

    Returns
    -------
    list of Respondent
    """
    if n_samples < 1:
        raise ValueError(f"n_samples must be at least 1, got {n_samples}")
    if not personas:
        raise ValueError("give at least one persona")
    return [Respondent(model, p, s) for s in range(n_samples) for p in personas]


def stable_seed(*parts: Any) -> int:
    """A 31-bit seed from any parts (same parts → same seed on every machine).

    Parameters
    ----------
    *parts
        Anything with a ``str``.

    Returns
    -------
    int
    """
    blob = "\x1f".join(str(p) for p in parts).encode("utf-8")
    return int.from_bytes(hashlib.sha256(blob).digest()[:4], "big") & 0x7FFFFFFF


def resolve_format(fmt: str, backend: Any) -> str:
    """``auto`` → chat when the backend has a chat template (or is remote), else completion.

    Parameters
    ----------
    fmt
        ``"auto"``, ``"chat"`` or ``"completion"``.
    backend
        The collection backend that will be asked.

    Returns
    -------
    str
        ``"chat"`` or ``"completion"``.
    """
    if fmt in FORMATS:
        return fmt
    if fmt != "auto":
        raise ValueError(f"fmt (format) must be 'auto', 'chat' or 'completion', got {fmt!r}")
    return "completion" if getattr(backend, "has_chat_template", True) is False else "chat"


def build_request(
    respondent: Respondent,
    text: str,
    *,
    fmt: str,
    sampling: dict[str, Any],
    completion_template: str = "{prompt}",
    options: tuple[str, ...] = (),
) -> Request:
    """The request for one question: persona as system message (chat) or opening line.

    Parameters
    ----------
    respondent
        Who is asked (its persona goes first).
    text
        The question.
    fmt
        ``"chat"`` or ``"completion"``.
    sampling
        Sampling settings of the request.
    completion_template
        ``{prompt}`` template of the completion text.
    options
        Answer labels whose probabilities are wanted.

    Returns
    -------
    llmvalues.collect.backends.base.Request
    """
    if fmt == "chat":
        messages = []
        if respondent.persona.text:
            messages.append({"role": "system", "content": respondent.persona.text})
        messages.append({"role": "user", "content": text})
        return Request(messages=tuple(messages), sampling=dict(sampling), options=options)
    if fmt != "completion":
        raise ValueError(f"fmt (format) must be 'chat' or 'completion', got {fmt!r}")
    body = completion_template.format(prompt=text)
    prompt = f"{respondent.persona.text}\n\n{body}" if respondent.persona.text else body
    return Request(prompt=prompt, sampling=dict(sampling), options=options)

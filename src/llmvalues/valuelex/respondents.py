"""Respondents (model × persona × sample) and the requests they are asked, chat or completion."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from llmvalues.collect.backends.base import Request
from llmvalues.valuelex.resources import Persona

MODES = ("chat", "completion")


@dataclass(frozen=True)
class Respondent:
    """One respondent of a model: a persona and a sample number (its own random seed)."""

    model: str
    persona: Persona
    sample: int

    @property
    def id(self) -> str:
        return f"{self.model}/{self.persona.id}/{self.sample}"


def make_respondents(model: str, personas: list[Persona], n_samples: int) -> list[Respondent]:
    """Every persona × sample of one model, persona-major."""
    if n_samples < 1:
        raise ValueError(f"n_samples must be at least 1, got {n_samples}")
    if not personas:
        raise ValueError("give at least one persona")
    return [Respondent(model, p, s) for s in range(n_samples) for p in personas]


def stable_seed(*parts: Any) -> int:
    """A 31-bit seed from any parts (same parts → same seed on every machine)."""
    blob = "\x1f".join(str(p) for p in parts).encode("utf-8")
    return int.from_bytes(hashlib.sha256(blob).digest()[:4], "big") & 0x7FFFFFFF


def resolve_mode(mode: str, backend: Any) -> str:
    """``auto`` → chat when the backend has a chat template (or is remote), else completion."""
    if mode in MODES:
        return mode
    if mode != "auto":
        raise ValueError(f"mode must be 'auto', 'chat' or 'completion', got {mode!r}")
    return "completion" if getattr(backend, "has_chat_template", True) is False else "chat"


def build_request(
    respondent: Respondent,
    text: str,
    *,
    mode: str,
    sampling: dict[str, Any],
    completion_template: str = "{prompt}",
    options: tuple[str, ...] = (),
) -> Request:
    """The request for one question: persona as system message (chat) or opening line."""
    if mode == "chat":
        messages = []
        if respondent.persona.text:
            messages.append({"role": "system", "content": respondent.persona.text})
        messages.append({"role": "user", "content": text})
        return Request(messages=tuple(messages), sampling=dict(sampling), options=options)
    if mode != "completion":
        raise ValueError(f"mode must be 'chat' or 'completion', got {mode!r}")
    body = completion_template.format(prompt=text)
    prompt = f"{respondent.persona.text}\n\n{body}" if respondent.persona.text else body
    return Request(prompt=prompt, sampling=dict(sampling), options=options)

"""A scripted survey respondent behind the test server: a valid answer to every IVS item.

The answer depends only on the conversation so far (system prompt and question), so a
plan asked twice gets the same answers — unless ``fixed`` says otherwise for some items
(``{"f118": "10"}``): a re-test whose answers to those items moved.
"""

from __future__ import annotations

import hashlib

from llmvalues.instruments import load_instrument

INSTRUMENTS = [load_instrument(wording=w) for w in ("default", "tao2024")]


def _item(question: str):
    for instrument in INSTRUMENTS:
        for item in instrument:
            stem = item.prompt.split("{", 1)[0].strip()[:60]
            if stem and stem in question:
                return item
    raise ValueError(f"not an IVS question: {question[:80]!r}")


def respondent(fixed: dict[str, str] | None = None):
    """A function of a chat request's JSON payload → the reply text."""
    fixed = fixed or {}

    def reply(payload: dict) -> str:
        messages = payload["messages"]
        question = messages[-1]["content"]
        system = next((m["content"] for m in messages if m["role"] == "system"), "")
        item = _item(question)
        if item.code in fixed:
            return fixed[item.code]
        h = int(hashlib.sha256((system + "|" + question).encode()).hexdigest(), 16)
        if item.kind == "qualities":
            names = [c.label for c in item.choices]
            return ", ".join(names[(h + k * 3) % len(names)] for k in range(3))
        if item.kind == "aims":
            first = h % 4 + 1
            return f"{first}, {first % 4 + 1}"
        shown = list(item.option_map())
        return shown[h % len(shown)]

    return reply

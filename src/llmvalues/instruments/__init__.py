"""Instruments as data: items, wording presets, answer parsers and derived-item recodes."""

from llmvalues.instruments.items import (
    WORDINGS,
    Choice,
    Instrument,
    Item,
    load_instrument,
    tao2024_prompts,
)
from llmvalues.instruments.parse import STATUSES, Parsed, is_refusal, parse_answer
from llmvalues.instruments.recode import autonomy_index, postmaterialist_index

__all__ = [
    "STATUSES",
    "WORDINGS",
    "Choice",
    "Instrument",
    "Item",
    "Parsed",
    "autonomy_index",
    "is_refusal",
    "load_instrument",
    "parse_answer",
    "postmaterialist_index",
    "tao2024_prompts",
]

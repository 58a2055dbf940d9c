"""A collection plan: cells (what to ask, how to parse, where it belongs) with stable keys.

The plan is generic: a cell carries its own request and an optional parser, so IVS items,
ValueLex prompts and UniVaR questions all collect through the same runner and store. Cells
that share a ``session`` form one conversation, asked in order with the earlier replies as
history; a cell alone in its session is a fresh single-turn chat.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from llmvalues.collect.backends.base import Request
from llmvalues.instruments.parse import INVALID, OK, Parsed

Parser = Callable[..., Parsed]
"""``parser(text)``, or ``parser(text, truncated=...)`` for parsers that take ``truncated``."""


def text_parser(text: str, truncated: bool = False) -> Parsed:
    """The parser for free text: keep the reply, ok when it is not empty (cut-offs noted)."""
    if text.strip():
        return Parsed(None, OK, "cut off at the token limit" if truncated else "")
    return Parsed(None, INVALID, "empty reply")


def _takes_truncated(parser: Parser) -> bool:
    try:
        return "truncated" in inspect.signature(parser).parameters
    except (TypeError, ValueError):
        return False


def cell_key(
    model: str, identity: str, variant: str, replicate: int, item: str, request: Request
) -> str:
    """Stable key of a cell: hash of model, identity, variant, replicate, item, prompt, sampling."""
    spec = {
        "model": model,
        "identity": identity,
        "variant": variant,
        "replicate": int(replicate),
        "item": item,
        "mode": request.fmt,  # the key's name stays: renaming it would change every cell key
        "prompt": request.payload(),
        "sampling": request.sampling,
        "options": list(request.options),
        "grammar": request.grammar,
    }
    blob = json.dumps(spec, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Cell:
    """One question to one respondent: its request, parser and Responses coordinates."""

    key: str
    identity: str
    variant: str
    replicate: int
    item: str
    request: Request
    parser: Parser | None = None
    session: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)

    def parse(self, text: str, truncated: bool = False) -> Parsed:
        """Parse a reply with the cell's parser (free text when it has none).

        ``truncated``: the reply was cut off at the token limit; parsers that take a
        ``truncated`` argument (the instrument parsers do) are told.
        """
        parser = self.parser or text_parser
        if _takes_truncated(parser):
            return parser(text, truncated=truncated)
        return parser(text)


class PlanError(ValueError):
    """A plan that cannot be run as given; says which cell and why."""


@dataclass
class Plan:
    """An ordered list of cells for one model, grouped into sessions (conversations)."""

    model: str
    cells: list[Cell]
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        seen: dict[str, Cell] = {}
        coordinates: set[tuple] = set()
        for cell in self.cells:
            if not isinstance(cell, Cell):
                raise PlanError(f"plan entries must be Cell objects, got {type(cell).__name__}")
            if cell.key in seen:
                raise PlanError(
                    f"two cells share the key {cell.key} ({cell.identity}/{cell.variant}/"
                    f"{cell.replicate}/{cell.item}): give them different variants or replicates"
                )
            coord = (cell.identity, cell.variant, cell.replicate, cell.item)
            if coord in coordinates:
                raise PlanError(f"two cells share identity/variant/replicate/item {coord}")
            seen[cell.key] = cell
            coordinates.add(coord)

    def __len__(self) -> int:
        return len(self.cells)

    def __iter__(self) -> Iterator[Cell]:
        return iter(self.cells)

    def sessions(self) -> list[list[Cell]]:
        """Cells grouped by session, in plan order (a single-turn cell is its own session)."""
        groups: dict[str, list[Cell]] = {}
        for cell in self.cells:
            groups.setdefault(cell.session or cell.key, []).append(cell)
        return list(groups.values())

    @property
    def keys(self) -> list[str]:
        return [cell.key for cell in self.cells]


def make_cell(
    model: str,
    identity: str,
    item: str,
    request: Request,
    *,
    variant: str = "default",
    replicate: int = 0,
    parser: Parser | None = None,
    session: str = "",
    attrs: dict[str, Any] | None = None,
) -> Cell:
    """Build a cell with its stable key."""
    key = cell_key(model, identity, variant, replicate, item, request)
    return Cell(key, identity, variant, int(replicate), item, request, parser, session, attrs or {})


def text_plan(
    model: str,
    prompts: Iterable[str | dict[str, Any]],
    *,
    system: str | None = None,
    identity: str | None = None,
    sampling: dict[str, Any] | None = None,
    replicates: int = 1,
    fmt: str = "chat",
) -> Plan:
    """A free-text plan: each prompt asked ``replicates`` times, replies kept as text.

    A prompt is a string or a dict with ``prompt`` and optional ``item``, ``variant``,
    ``system`` and ``attrs``; items default to ``p0``, ``p1``, ….
    """
    if fmt not in ("chat", "completion"):
        raise PlanError(f"fmt (format) must be 'chat' or 'completion', got {fmt!r}")
    if replicates < 1:
        raise PlanError(f"replicates must be at least 1, got {replicates}")
    cells = []
    for i, entry in enumerate(prompts):
        spec = {"prompt": entry} if isinstance(entry, str) else dict(entry)
        if not isinstance(spec.get("prompt"), str) or not spec["prompt"].strip():
            raise PlanError(f"prompt {i} is empty or not text: {entry!r}")
        sys_text = spec.get("system", system)
        if fmt == "chat":
            messages = ([{"role": "system", "content": sys_text}] if sys_text else []) + [
                {"role": "user", "content": spec["prompt"]}
            ]
            request = Request(messages=tuple(messages), sampling=dict(sampling or {}))
        else:
            text = (sys_text + "\n\n" if sys_text else "") + spec["prompt"]
            request = Request(prompt=text, sampling=dict(sampling or {}))
        for r in range(replicates):
            cells.append(
                make_cell(
                    model,
                    identity or model,
                    str(spec.get("item", f"p{i}")),
                    request,
                    variant=str(spec.get("variant", "default")),
                    replicate=r,
                    attrs=dict(spec.get("attrs", {})),
                )
            )
    return Plan(model, cells)

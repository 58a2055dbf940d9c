"""Why do two placements of the same answers differ? An additive decomposition into steps.

A :class:`Placement` says what one pipeline did: which answer table (collected with which
prompt protocol, parsed by which parser), how it averaged an identity's answers, and
which preset it projected with. :func:`explain` changes one factor at a time from ``a``'s
choice to ``b``'s and records how far each change moves every identity:

- ``protocol`` / ``parsing`` / ``answers``: the answer table (two protocols, two parsers
  of the same replies, or an unlabelled difference);
- ``averaging``: ``"sets"``, ``"available"`` or ``"variants"`` (:mod:`llmvalues.iw.averaging`);
- ``weights``: the projection's means, SDs and score weights (its factor scores);
- ``constants``: the (scale, offset) constants, e.g. Tao et al.'s decimal slip;
- ``reference``: the reference country set (moves no point; changes the mean distance to
  the countries).

The steps of one order sum exactly to the total difference; since a step can depend on
the factors changed before it, the Shapley value (the step averaged over every order of
the factors, exact for up to six) is reported too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from math import factorial

import numpy as np
import pandas as pd

from llmvalues.iw import metrics
from llmvalues.iw.averaging import AVERAGING, mean_answers
from llmvalues.iw.presets import DEFAULT_PRESET, Preset, constants_label, load_preset
from llmvalues.summary import Summary

FACTORS = ("protocol", "parsing", "answers", "averaging", "weights", "constants", "reference")
OUTCOMES = ("x", "y", "mean_distance")
STEP_COLUMNS = (
    "identity",
    "step",
    "factor",
    "from",
    "to",
    "dx",
    "dy",
    "distance",
    "d_mean_distance",
)


@dataclass(frozen=True)
class Placement:
    """What one pipeline did to place identities on the map.

    Parameters
    ----------
    answers
        The Responses table it placed (tidy: identity, variant, replicate, item, code, …).
    preset
        The map it projected with (name or :class:`Preset`).
    averaging
        How an identity's answers were averaged: ``"sets"`` (mean of the projected complete
        response sets), ``"available"`` (every answered reply) or ``"variants"``.
    protocol
        How the replies were collected, e.g. ``"fresh chats"`` or ``"one conversation"``.
    parsing
        How the replies were parsed, e.g. ``"llmvalues"`` or ``"Tao et al. 2024"``.
    label
        Name of the pipeline in tables and figures.
    """

    answers: pd.DataFrame = field(repr=False)
    preset: str | Preset = DEFAULT_PRESET
    averaging: str = "sets"
    protocol: str = ""
    parsing: str = ""
    label: str = ""

    def __post_init__(self) -> None:
        if self.averaging not in AVERAGING:
            raise ValueError(f"averaging must be one of {AVERAGING}, got {self.averaging!r}")

    @property
    def name(self) -> str:
        """The label, or a description built from the choices."""
        if self.label:
            return self.label
        parts = [load_preset(self.preset).name, self.averaging, self.protocol, self.parsing]
        return ", ".join(p for p in parts if p)

    def place(self) -> pd.DataFrame:
        """Positions (x, y) and mean distance to the preset's countries, per identity."""
        preset = load_preset(self.preset)
        return _outcome(mean_answers(self.answers, self.averaging), preset, preset.countries)


def _outcome(means: pd.DataFrame, projection: Preset, countries: pd.DataFrame) -> pd.DataFrame:
    out = projection.project(means)
    out["mean_distance"] = metrics.mean_distance(out, countries)
    return out


def _same_table(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    return a is b or a.equals(b)


def _same_scores(a: Preset, b: Preset) -> bool:
    """Whether two presets have the same factor scores (the same projection up to constants)."""
    b = b.with_constants(a.constants)
    return np.allclose(a.coef.to_numpy(), b.coef.loc[a.coef.index].to_numpy(), atol=1e-12) and (
        np.allclose(a.intercept[["x", "y"]], b.intercept[["x", "y"]], atol=1e-12)
    )


def _same_countries(a: Preset, b: Preset) -> bool:
    ca, cb = a.countries, b.with_constants(a.constants).countries
    if len(ca) != len(cb) or set(ca["country"]) != set(cb["country"]):
        return False
    cb = cb.set_index("country").loc[ca["country"], ["x", "y"]]
    return np.allclose(ca[["x", "y"]].to_numpy(), cb.to_numpy(), atol=1e-12)


class _Configurations:
    """Outcomes of every mix of a's and b's choices (each computed once)."""

    def __init__(self, a: Placement, b: Placement, factors, more_answers) -> None:
        self.sides = {"a": a, "b": b}
        self.factors, self.more_answers = factors, more_answers
        self.presets = {"a": load_preset(a.preset), "b": load_preset(b.preset)}
        self.means: dict = {}
        self.cache: dict[frozenset, pd.DataFrame] = {}

    def side(self, changed: frozenset, factor: str) -> str:
        return "b" if factor in changed else "a"

    def answers(self, changed: frozenset) -> tuple[tuple, pd.DataFrame]:
        """The answer table of a configuration and a key naming it."""
        split = [f for f in ("protocol", "parsing") if f in self.factors]
        sides = {self.side(changed, f) for f in split or ["answers"]}
        if len(sides) == 1:
            side = sides.pop()
            return (side,), self.sides[side].answers
        protocol = self.sides[self.side(changed, "protocol")].protocol
        parsing = self.sides[self.side(changed, "parsing")].parsing
        return ("mixed", protocol, parsing), self.more_answers[(protocol, parsing)]

    def __call__(self, changed: frozenset) -> pd.DataFrame:
        if changed not in self.cache:
            self.cache[changed] = self._evaluate(changed)
        return self.cache[changed]

    def _evaluate(self, changed: frozenset) -> pd.DataFrame:
        key, table = self.answers(changed)
        averaging = self.sides[self.side(changed, "averaging")].averaging
        if (key, averaging) not in self.means:
            self.means[(key, averaging)] = mean_answers(table, averaging)
        weights = self.presets[self.side(changed, "weights")]
        reference = self.presets[self.side(changed, "reference")]
        constants = self.presets[self.side(changed, "constants")].constants
        if constants is not None:
            weights = weights.with_constants(constants)
            reference = reference.with_constants(constants)
        out = _outcome(self.means[(key, averaging)], weights, reference.countries)
        first = next(iter(self.cache.values()), out)
        if not out.index.equals(first.index):
            only = sorted(set(out.index) ^ set(first.index))[:5]
            raise ValueError(
                f"the answer tables place different identities (only in some: {only}); "
                "explain compares placements of the same identities"
            )
        return out


def _factors(a: Placement, b: Placement, more_answers) -> tuple[list[str], dict, list[str]]:
    """The factors a and b differ in, the mixed answer tables, and notes."""
    notes: list[str] = []
    mixed = {}
    for key, table in (more_answers or {}).items():
        if not (isinstance(key, tuple) and len(key) == 2):
            raise ValueError(f"more_answers keys are (protocol, parsing) pairs, got {key!r}")
        mixed[key] = table
    factors: list[str] = []
    if not _same_table(a.answers, b.answers):
        protocol, parsing = a.protocol != b.protocol, a.parsing != b.parsing
        needed = [(b.protocol, a.parsing), (a.protocol, b.parsing)]
        if protocol and parsing and all(k in mixed for k in needed):
            factors += ["protocol", "parsing"]
        elif protocol != parsing:
            factors.append("protocol" if protocol else "parsing")
        else:
            factors.append("answers")
            if protocol and parsing:
                notes.append(
                    "protocol and parsing both differ: they are one step ('answers'); give "
                    f"more_answers for {needed} (b's replies parsed a's way and a's replies "
                    "parsed b's way) to separate them."
                )
    if a.averaging != b.averaging:
        factors.append("averaging")
    pa, pb = load_preset(a.preset), load_preset(b.preset)
    if pa is not pb:
        if pa.constants is None or pb.constants is None:
            raise ValueError(
                f"preset {(pa if pa.constants is None else pb).name!r} does not record its "
                "constants (metadata['constants']), so its projection cannot be split into "
                "weights and constants"
            )
        if not _same_scores(pa, pb):
            factors.append("weights")
        if pa.constants != pb.constants:
            factors.append("constants")
        if not _same_countries(pa, pb):
            factors.append("reference")
    return factors, mixed, notes


def _describe(placement: Placement, factor: str) -> str:
    preset = load_preset(placement.preset)
    return {
        "protocol": placement.protocol,
        "parsing": placement.parsing,
        "answers": placement.label or f"{placement.protocol} {placement.parsing}".strip(),
        "averaging": placement.averaging,
        "weights": preset.name,
        "constants": constants_label(preset.constants),
        "reference": f"{preset.name} ({len(preset.countries)} countries)",
    }[factor]


def _delta(after: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    d = (after[list(OUTCOMES)] - before[list(OUTCOMES)]).rename(
        columns={"x": "dx", "y": "dy", "mean_distance": "d_mean_distance"}
    )
    d.insert(2, "distance", np.hypot(d["dx"], d["dy"]))
    return d


def _long(parts: list[tuple[str, pd.DataFrame]], describe) -> pd.DataFrame:
    """One row per (identity, step) from each factor's per-identity deltas."""
    if not parts:
        return pd.DataFrame(columns=list(STEP_COLUMNS))
    frames = [
        delta.reset_index(names="identity").assign(
            step=k, factor=factor, **{"from": describe(factor, "a"), "to": describe(factor, "b")}
        )
        for k, (factor, delta) in enumerate(parts, start=1)
    ]
    table = pd.concat(frames, ignore_index=True)[list(STEP_COLUMNS)]
    return table.sort_values(["identity", "step"], ignore_index=True)


@dataclass(frozen=True)
class Explanation:
    """The decomposition of ``b``'s placements minus ``a``'s into one step per factor."""

    a: Placement
    b: Placement
    order: tuple[str, ...]
    steps: pd.DataFrame  # identity, step, factor, from, to, dx, dy, distance, d_mean_distance
    shapley: pd.DataFrame  # the same columns, each factor averaged over every order
    total: pd.DataFrame  # index identity: x_a, y_a, x_b, y_b, dx, dy, distance, …
    path: pd.DataFrame  # identity, step, factor, x, y: the positions after each step
    notes: tuple[str, ...] = ()

    def to_frame(self, method: str = "sequential") -> pd.DataFrame:
        """Steps (``"sequential"``, in ``order``, or ``"shapley"``) and a total row per identity."""
        if method not in ("sequential", "shapley"):
            raise ValueError(f"method must be 'sequential' or 'shapley', got {method!r}")
        steps = self.steps if method == "sequential" else self.shapley
        total = self.total.reset_index().assign(
            step=len(self.order) + 1, factor="total", **{"from": self.a.name, "to": self.b.name}
        )
        return pd.concat([steps, total[steps.columns]], ignore_index=True).sort_values(
            ["identity", "step"], ignore_index=True
        )

    def summary(self) -> Summary:
        """Steps in order, their Shapley averages, and the total per identity."""
        index = ["identity", "step", "factor"]
        return Summary(
            f"Why the placements differ: {self.a.name} → {self.b.name}",
            {
                f"steps (order: {' → '.join(self.order)})": self.to_frame().set_index(index),
                "Shapley average over orders": self.to_frame("shapley").set_index(index),
                "total": self.total,
            },
            notes=[
                "Each step changes one factor from a's choice to b's; dx, dy and "
                "d_mean_distance add up exactly to the total; distance = the length of the "
                "step's move.",
                "Shapley: each factor's step averaged over every order of the factors "
                "(exact), so no factor gains from coming first.",
                "d_mean_distance: change in the mean distance to the reference countries "
                "(Tao et al.'s metric); the reference step moves no point.",
                *self.notes,
            ],
            info={"a": self.a.name, "b": self.b.name, "order": " → ".join(self.order)},
        )

    def plot(self, **kwargs):
        """Arrows on the map, one per step (see :func:`llmvalues.plots.explain.plot_explanation`)."""
        from llmvalues.plots.explain import plot_explanation

        return plot_explanation(self, **kwargs)


def explain(
    a: Placement,
    b: Placement,
    order: Sequence[str] | None = None,
    more_answers: Mapping[tuple[str, str], pd.DataFrame] | None = None,
) -> Explanation:
    """Decompose ``b``'s placements minus ``a``'s into additive one-factor steps.

    Parameters
    ----------
    a, b
        The two pipelines (:class:`Placement`); they must place the same identities.
    order
        The order the factors change in (default: ``FACTORS`` order, the data side first).
        Only factors in which ``a`` and ``b`` differ take a step.
    more_answers
        Answer tables of mixed ``(protocol, parsing)`` choices — ``b``'s replies parsed
        ``a``'s way and ``a``'s replies parsed ``b``'s way — which separate a protocol step
        from a parsing step when both differ.

    Returns
    -------
    Explanation

    Raises
    ------
    ValueError
        If the identities differ, ``order`` names an unknown factor or misses one, a
        preset does not record its constants, or answers cannot be averaged.

    Examples
    --------
    >>> tao = Placement(answers, preset="tao2024")            # doctest: +SKIP
    >>> ours = Placement(answers, preset="hall2025")          # doctest: +SKIP
    >>> print(explain(ours, tao).summary())                   # doctest: +SKIP
    """
    factors, mixed, notes = _factors(a, b, more_answers)
    if order is None:
        order = [f for f in FACTORS if f in factors]
    else:
        order = list(order)
        unknown = [f for f in order if f not in FACTORS]
        if unknown:
            raise ValueError(f"unknown factor(s) {unknown} in order; factors: {list(FACTORS)}")
        order = [f for f in order if f in factors]
        missing = [f for f in factors if f not in order]
        if missing:
            raise ValueError(f"order misses factor(s) {missing} in which a and b differ")
    if not order:
        notes.append("a and b make the same choices: there is nothing to decompose.")
    evaluate = _Configurations(a, b, factors, mixed)
    start, end = evaluate(frozenset()), evaluate(frozenset(order))
    done: frozenset = frozenset()
    sequential, path = [], [start[["x", "y"]].assign(step=0, factor="a")]
    for k, factor in enumerate(order, start=1):
        before, done = evaluate(done), done | {factor}
        sequential.append((factor, _delta(evaluate(done), before)))
        path.append(evaluate(done)[["x", "y"]].assign(step=k, factor=factor))
    shapley = [(f, _shapley(f, order, evaluate)) for f in order]

    def describe(factor: str, side: str) -> str:
        return _describe(a if side == "a" else b, factor)

    total = pd.concat(
        [
            start[list(OUTCOMES)].add_suffix("_a"),
            end[list(OUTCOMES)].add_suffix("_b"),
            _delta(end, start),
        ],
        axis=1,
    )
    total.index.name = "identity"
    return Explanation(
        a=a,
        b=b,
        order=tuple(order),
        steps=_long(sequential, describe),
        shapley=_long(shapley, describe),
        total=total,
        path=pd.concat(path).reset_index(names="identity"),
        notes=tuple(notes),
    )


def _shapley(factor: str, factors: Sequence[str], evaluate) -> pd.DataFrame:
    """The factor's step averaged over every order of ``factors`` (exact Shapley value)."""
    others = [f for f in factors if f != factor]
    n = len(factors)  # at most six: protocol and parsing replace answers
    value = None
    for size in range(len(others) + 1):
        weight = factorial(size) * factorial(n - size - 1) / factorial(n)
        for subset in combinations(others, size):
            before = frozenset(subset)
            step = _delta(evaluate(before | {factor}), evaluate(before))
            value = step * weight if value is None else value + step * weight
    value["distance"] = np.hypot(value["dx"], value["dy"])
    return value

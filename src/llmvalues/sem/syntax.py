"""Parse the lavaan-style measurement model syntax used by `cfa` and `invariance`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_NAME = r"[A-Za-z_.][A-Za-z0-9_.]*"
_TERM = re.compile(rf"^\s*(?:(?P<mod>[^*\s]+)\s*\*\s*)?(?P<name>{_NAME})\s*$")


class ModelSyntaxError(ValueError):
    """Raised when a model description cannot be parsed or is not a measurement model."""


@dataclass(frozen=True)
class Term:
    """One right-hand-side term: a variable name with an optional fixed value (None = free).

    Parameters
    ----------
    name
        The variable.
    fixed
        Its fixed value (``1*x``), None when free.
    free
        An explicit ``NA*``: free even where a default would fix it.
    """

    name: str
    fixed: float | None = None
    free: bool = False


@dataclass
class ModelSpec:
    """A parsed measurement model: factors with indicators plus extra covariances.

    Parameters
    ----------
    factors
        Factor → its indicator terms.
    covariances
        Extra ``a ~~ b`` terms (left-hand variable, right-hand term).
    text
        The model as written.
    """

    factors: dict[str, list[Term]] = field(default_factory=dict)
    covariances: list[tuple[str, Term]] = field(default_factory=list)
    text: str = ""

    @property
    def items(self) -> list[str]:
        """Observed indicators in order of first appearance."""
        seen: list[str] = []
        for terms in self.factors.values():
            for t in terms:
                if t.name not in seen:
                    seen.append(t.name)
        return seen

    @property
    def factor_names(self) -> list[str]:
        """Latent factors in order of definition."""
        return list(self.factors)


def _parse_term(raw: str, line: str) -> Term:
    m = _TERM.match(raw)
    if not m:
        raise ModelSyntaxError(f"cannot read term {raw.strip()!r} in line {line!r}")
    mod = m.group("mod")
    if mod is None:
        return Term(m.group("name"))
    if mod.upper() == "NA":
        return Term(m.group("name"), free=True)
    try:
        return Term(m.group("name"), fixed=float(mod))
    except ValueError:
        raise ModelSyntaxError(
            f"modifier {mod!r} in line {line!r} is not a number or NA "
            "(labels and equality constraints by label are not supported; use group_equal)"
        ) from None


def parse_model(text: str) -> ModelSpec:
    """Parse `f =~ a + b + c` and `a ~~ b` lines (comments with #, lines or ';').

    Parameters
    ----------
    text
        The model in lavaan syntax; ``1*x`` fixes a loading, ``NA*x`` frees it, ``0*g``
        fixes a covariance.

    Returns
    -------
    ModelSpec

    Raises
    ------
    ModelSyntaxError
        Naming the line that cannot be read.
    """
    if not isinstance(text, str) or not text.strip():
        raise ModelSyntaxError("the model is empty: give lines like 'f1 =~ x1 + x2 + x3'")
    spec = ModelSpec(text=text)
    statements = [s for line in text.splitlines() for s in line.split("#")[0].split(";")]
    for line in (s.strip() for s in statements):
        if not line:
            continue
        if "=~" in line:
            lhs, rhs = line.split("=~", 1)
            lhs = lhs.strip()
            if not re.fullmatch(_NAME, lhs):
                raise ModelSyntaxError(f"bad factor name {lhs!r} in line {line!r}")
            terms = [_parse_term(t, line) for t in rhs.split("+")]
            spec.factors.setdefault(lhs, []).extend(terms)
        elif "~~" in line:
            lhs, rhs = line.split("~~", 1)
            lhs = lhs.strip()
            if not re.fullmatch(_NAME, lhs):
                raise ModelSyntaxError(f"bad variable name {lhs!r} in line {line!r}")
            for t in rhs.split("+"):
                spec.covariances.append((lhs, _parse_term(t, line)))
        elif re.search(r"(?<![=~])~(?!~)", line) or ":=" in line or "|" in line:
            raise ModelSyntaxError(
                f"line {line!r}: only measurement models (=~ and ~~) are supported, "
                "not regressions, thresholds or defined parameters"
            )
        else:
            raise ModelSyntaxError(f"cannot read line {line!r}: expected '=~' or '~~'")
    if not spec.factors:
        raise ModelSyntaxError("the model defines no factor: give lines like 'f1 =~ x1 + x2'")
    for f, terms in spec.factors.items():
        names = [t.name for t in terms]
        if len(set(names)) != len(names):
            raise ModelSyntaxError(f"factor {f!r} lists an indicator twice")
        if f in spec.items:
            raise ModelSyntaxError(f"{f!r} is both a factor and an indicator")
    return spec

"""Answer-option probabilities from next-token log-probs, with the mass outside reported.

The distribution is taken at the start of the reply (after any leading whitespace token).
A label that spans two tokens ("10" = "1" + "0") is scored with the second token's
probability given the first, and a label that is a prefix of another ("1" of "10") only
counts when the reply does not go on with a letter or digit. Probability on anything else
stays in ``outside``; it is never renormalised away.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping

from llmvalues.collect.backends.base import Distribution

TokenProbs = Mapping[str, float]
# next-token probabilities (raw token text, leading space kept) after a path of tokens
Continuation = Callable[[tuple[str, ...]], TokenProbs | None]


_QUOTE = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})
_UNQUOTE = {"n": "\n", "r": "\r", "t": "\t"}
_LITERAL = r'"((?:[^"\\]|\\.)*)"'
_CHOICE = re.compile(rf"root ::= {_LITERAL}(?: \| {_LITERAL})*")


def quote_gbnf(text: str) -> str:
    """``text`` as a GBNF string literal."""
    return '"' + text.translate(_QUOTE) + '"'


def choice_grammar(labels: Iterable[str]) -> str:
    """GBNF that allows exactly one of ``labels`` (forced choice among options)."""
    return "root ::= " + " | ".join(quote_gbnf(str(label)) for label in labels)


def choice_labels(grammar: str) -> tuple[str, ...] | None:
    """The labels of a :func:`choice_grammar`; None for any other grammar."""
    text = grammar.strip()
    if not _CHOICE.fullmatch(text):
        return None
    literals = re.findall(_LITERAL, text[len("root ::= ") :])
    return tuple(re.sub(r"\\(.)", lambda m: _UNQUOTE.get(m[1], m[1]), lit) for lit in literals)


def merge_tokens(pairs: Iterable[tuple[str, float]]) -> dict[str, float]:
    """Token text → probability, with leading whitespace dropped and equal texts summed.

    Tokens without text (the end of the reply, other special tokens) are left out: their
    probability is not on any option, so it stays outside; whitespace-only tokens go under "".
    """
    out: dict[str, float] = {}
    for text, prob in pairs:
        if not text:
            continue
        key = text.lstrip()
        out[key] = out.get(key, 0.0) + prob
    return out


def from_logprobs(pairs: Iterable[tuple[str, float]]) -> dict[str, float]:
    """(token text, log-prob) pairs → merged probabilities."""
    return merge_tokens((text, math.exp(lp)) for text, lp in pairs)


def _extends(text: str) -> bool:
    return bool(text) and text[0].isalnum()


def _score(
    first: TokenProbs,
    labels: list[str],
    continuation: Continuation,
    path: tuple[str, ...],
    unresolved: set[str],
) -> dict[str, float]:
    probs = dict.fromkeys(labels, 0.0)
    for label in labels:
        longer = any(o != label and o.startswith(label) for o in labels)
        for token, p in first.items():
            if not token or not label.startswith(token) or p <= 0:
                continue
            rest = label[len(token) :]
            if not rest and not longer:
                probs[label] += p
                continue
            after = continuation((*path, token))
            if after is None:
                unresolved.add(label)
                continue
            if rest:
                probs[label] += p * sum(q for text, q in after.items() if text == rest)
            else:
                probs[label] += p * (1.0 - sum(q for text, q in after.items() if _extends(text)))
    return probs


def option_distribution(
    first: TokenProbs, options: Iterable[str], continuation: Continuation, method: str
) -> Distribution:
    """Probability of each option label from first-token probabilities.

    ``first`` maps stripped token text to probability (whitespace-only tokens under "");
    ``continuation(path)`` gives the next-token probabilities after the tokens of ``path``
    (stripped texts, as in ``first``), or None when the backend cannot tell: such a label's
    share stays in the outside mass and the method names it.
    """
    labels = [str(o) for o in options]
    unresolved: set[str] = set()
    probs = _score(first, labels, continuation, (), unresolved)
    space = first.get("", 0.0)
    if space > 0:
        after = continuation(("",))
        if after is None:
            unresolved.add("(after a leading space)")
        else:
            nested = _score(merge_tokens(after.items()), labels, continuation, ("",), unresolved)
            probs = {k: probs[k] + space * nested[k] for k in labels}
    probs = {k: min(max(v, 0.0), 1.0) for k, v in probs.items()}
    outside = max(0.0, 1.0 - sum(probs.values()))
    if unresolved:
        method += "; unresolved: " + ",".join(sorted(unresolved))
    return Distribution(probs=probs, outside=outside, method=method)

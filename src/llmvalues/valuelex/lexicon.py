"""From elicited lists to a lexicon: split replies into descriptors, normalise, count, threshold.

Normalisation (documented in docs/valuelex.md, in this order):

1. Unicode NFKC, lower case, markdown and quotes removed, leading fillers dropped
   ("I am", "being", "a", "very" …); hyphens, underscores and spaces are one separator, so
   "Open minded", "open-minded" and "open_minded" all become ``open-minded``.
2. Inflection: the last word of a descriptor is singularised (``values`` → ``value``,
   ``abilities`` → ``ability``; words ending in -ss, -us, -is are left alone).
3. Synonyms given by the user (normalised form → term) are applied.
4. Derivational families: forms that reduce to the same stem under the suffix rules in
   ``_FAMILY_RULES`` (``honesty``/``honest``/``honestly``; ``helpful``/``helpfulness``)
   collapse to the family's most frequent form; a form written without its hyphen
   (``openminded``) joins the hyphenated form.

Every raw descriptor keeps its mapping to a term; terms below the frequency thresholds are
reported, not deleted.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from llmvalues.instruments.parse import INVALID, OK, REFUSAL, Parsed, is_refusal
from llmvalues.summary import Summary


class LexiconError(ValueError):
    """No lexicon can be built from the replies given; says why."""


_FILLERS = frozenset(
    [
        "i",
        "im",
        "i'm",
        "am",
        "be",
        "being",
        "to",
        "a",
        "an",
        "the",
        "my",
        "your",
        "our",
        "and",
        "or",
        "also",
        "very",
        "really",
        "more",
        "most",
        "always",
        "truly",
        "deeply",
        "highly",
        "strongly",
        "value",
        "values",
        "word",
        "words",
        "is",
        "are",
        "as",
        "of",
        "for",
        "with",
        "in",
        "on",
        "by",
    ]
)
_NOT_VALUES = frozenset(
    [
        "ai",
        "assistant",
        "model",
        "language",
        "user",
        "users",
        "people",
        "person",
        "thing",
        "things",
        "etc",
        "example",
        "human",
        "list",
        "me",
        "myself",
        "it",
        "this",
        "that",
        "these",
        "those",
        "you",
        "we",
        "they",
    ]
)
# a descriptor holding one of these is a clause, not a value word ("cannot answer")
_FUNCTION_WORDS = frozenset(
    [
        "not",
        "no",
        "never",
        "cannot",
        "can't",
        "don't",
        "doesn't",
        "won't",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "will",
        "would",
        "should",
        "can",
        "could",
        "may",
        "might",
        "must",
        "shall",
        "sorry",
        "unable",
    ]
)
_BULLET = re.compile(r"^\s*(?:[-*•·+>]+|\(?\d{1,3}[.):\]]|\(?[a-z][.)\]])\s*")
_HEAD = re.compile(r"^([^:–—]{1,40}?)\s*(?::|\s[-–—]\s)\s*\S")
_SPLIT = re.compile(r"\s*(?:,|;|/|&|\||\band\b|\bor\b|\.\s|\n)\s*")
_TAGS = re.compile(r"<[^>]{1,40}>")
_CLEAN = re.compile(r"[*_`\"'“”‘’()\[\]{}#!?.]+")
_WORD = re.compile(r"^[a-z]+(?:-[a-z]+)*$")

# (suffix, replacement), longest first; applied repeatedly while the result keeps ≥ 4 letters.
_FAMILY_RULES = (
    ("fulness", "ful"),
    ("iveness", "ive"),
    ("ousness", "ous"),
    ("iness", "y"),
    ("ility", "le"),
    ("osity", "ous"),
    ("ivity", "ive"),
    ("alty", "al"),
    ("ical", "ic"),
    ("ness", ""),
    ("ency", "ent"),
    ("ence", "ent"),
    ("ancy", "ant"),
    ("ance", "ant"),
    ("etic", ""),
    ("acy", "ate"),
    ("ity", ""),
    ("ful", ""),
    ("ous", ""),
    ("ive", ""),
    ("ate", ""),
    ("ing", ""),
    ("ic", ""),
    ("ly", ""),
    ("ed", ""),
    ("y", ""),
)


def singular(word: str) -> str:
    """Singular of an English plural by rule (``abilities`` → ``ability``); else unchanged.

    Parameters
    ----------
    word
        A lower-case word.

    Returns
    -------
    str
    """
    if len(word) <= 3 or word.endswith(("ss", "us", "is", "ics")):
        return word[:-1] if word.endswith("ics") else word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


def family_key(form: str) -> str:
    """Stem shared by a derivational family (``honesty``, ``honest`` → ``honest``).

    Parameters
    ----------
    form
        A normalised descriptor.

    Returns
    -------
    str
    """
    key = form.replace("-", "")
    changed = True
    while changed:
        changed = False
        for suffix, repl in _FAMILY_RULES:
            if key.endswith(suffix) and len(key) - len(suffix) + len(repl) >= 4:
                key = key[: -len(suffix)] + repl
                changed = True
                break
    return key[:-1] if key.endswith("e") and len(key) > 4 else key


def normalise_descriptor(raw: str, max_words: int = 2) -> str | None:
    """One raw descriptor → its normalised form, or None when it is not a short descriptor.

    Parameters
    ----------
    raw
        The descriptor as written.
    max_words
        Most words a descriptor may have.

    Returns
    -------
    str or None
    """
    text = unicodedata.normalize("NFKC", raw).lower()
    text = _CLEAN.sub(" ", text.replace("’", "'")).replace("_", " ").replace("-", " ")
    words = text.split()
    if len(words) > max_words + 4:
        return None
    while words and words[0] in _FILLERS:
        words.pop(0)
    while len(words) > 1 and words[-1] in _NOT_VALUES:
        words.pop()  # "helpful AI" → "helpful"
    if not words or len(words) > max_words or _FUNCTION_WORDS.intersection(words):
        return None
    words[-1] = singular(words[-1])
    form = "-".join(words)
    if not _WORD.match(form) or all(w in _NOT_VALUES | _FILLERS for w in words):
        return None
    return form


@dataclass(frozen=True)
class ParsedList:
    """Descriptors found in one reply, fragments that were not descriptors, and a status.

    Parameters
    ----------
    descriptors
        The raw descriptors found.
    dropped
        Fragments that are not descriptors.
    status
        ``ok``, ``refusal`` or ``invalid``.
    reason
        Why, when not ok.
    """

    descriptors: tuple[str, ...]
    dropped: tuple[str, ...]
    status: str
    reason: str = ""


def split_list(text: str | float | None, max_words: int = 2) -> ParsedList:
    """Split a reply into raw descriptors (numbered, bulleted, comma or line separated lists).

    Parameters
    ----------
    text
        The reply (None or NaN: an empty reply).
    max_words
        Most words a descriptor may have.

    Returns
    -------
    ParsedList
    """
    if not isinstance(text, str) or not text.strip():  # None or NaN (an empty CSV cell)
        return ParsedList((), (), INVALID, "empty reply")
    found: list[str] = []
    dropped: list[str] = []
    for line in _TAGS.sub(" ", text).splitlines():
        line = _BULLET.sub("", line.strip())
        head = _HEAD.match(line)
        if head and len(head.group(1).split()) <= max_words + 1:
            line = head.group(1)  # "Honesty: I always tell the truth" → "Honesty"
        for chunk in _SPLIT.split(line):
            chunk = chunk.strip(" .:-–—")
            if not chunk:
                continue
            if normalise_descriptor(chunk, max_words) is None:
                dropped.append(chunk)
            else:
                found.append(chunk)
    if found:
        return ParsedList(tuple(found), tuple(dropped), OK)
    if is_refusal(text):
        return ParsedList((), tuple(dropped), REFUSAL, "declined to name values")
    return ParsedList((), tuple(dropped), INVALID, "no short descriptor found in the reply")


def elicitation_parser(max_words: int = 2):
    """A collection parser for elicitation replies: code = number of descriptors found.

    Parameters
    ----------
    max_words
        Most words a descriptor may have.

    Returns
    -------
    callable
        Reply text → :class:`~llmvalues.instruments.parse.Parsed`.
    """

    def parse(text: str) -> Parsed:
        parsed = split_list(text, max_words)
        code = len(parsed.descriptors) if parsed.status == OK else None
        return Parsed(code, parsed.status, parsed.reason)

    return parse


@dataclass
class Lexicon:
    """Terms with counts, the raw → term mapping, every occurrence and every reply's status.

    Parameters
    ----------
    terms
        One row per term: ``term``, ``count``, ``respondents``, ``models``, ``forms``,
        ``kept``; most frequent first.
    mapping
        Raw descriptor → normalised form → term, with counts and ``kept``.
    occurrences
        Every descriptor found: reply, respondent, model, raw, normalised, term.
    replies
        Every reply's status, reason, descriptors found and dropped fragments.
    settings
        The thresholds and options used.
    """

    terms: pd.DataFrame
    mapping: pd.DataFrame
    occurrences: pd.DataFrame
    replies: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def term_list(self) -> list[str]:
        """Kept terms, most frequent first."""
        return self.terms.loc[self.terms["kept"], "term"].tolist()

    def to_frame(self) -> pd.DataFrame:
        """The term table.

        Returns
        -------
        pandas.DataFrame
            ``term``, ``count``, ``respondents``, ``models``, ``forms``, ``kept``.
        """
        return self.terms.copy()

    def summary(self) -> Summary:
        """Replies by status, descriptors, distinct forms, terms and the kept terms.

        Returns
        -------
        llmvalues.summary.Summary
            Tables ``Kept terms`` and ``Replies by status``; the counts as facts.
        """
        status = self.replies["status"].value_counts().rename_axis("status").rename("replies")
        kept = self.terms[self.terms["kept"]].set_index("term")
        info = {
            "replies": len(self.replies),
            "descriptors": len(self.occurrences),
            "distinct forms": int(self.mapping["normalised"].nunique()),
            "terms": int(self.terms["term"].nunique()),
            "kept terms": len(self.term_list),
            "min_count": self.settings.get("min_count"),
            "min_respondents": self.settings.get("min_respondents"),
        }
        return Summary(
            "ValueLex lexicon",
            {"Kept terms": kept, "Replies by status": status.to_frame()},
            info=info,
        )


_REPLY_COLUMNS = ("respondent", "model", "text")


def _family_terms(counts: Counter) -> dict[str, str]:
    """Normalised form → family term (most frequent form; ties: shortest, then alphabetical)."""
    joined = {form.replace("-", ""): form for form in counts if "-" in form}
    families: dict[str, list[str]] = {}
    for form in counts:
        target = joined.get(form, form)
        families.setdefault(family_key(target), []).append(form)
    out = {}
    for forms in families.values():
        best = min(forms, key=lambda f: (-counts[f], len(f), f))
        out.update(dict.fromkeys(forms, best))
    return out


def build_lexicon(
    replies: pd.DataFrame,
    *,
    min_count: int = 2,
    min_respondents: int = 2,
    max_words: int = 2,
    synonyms: Mapping[str, str] | None = None,
    families: bool = True,
) -> Lexicon:
    """Parse every reply, normalise descriptors, merge families, count and apply thresholds.

    Parameters
    ----------
    replies
        Columns ``respondent``, ``model`` and ``text`` (a ``status`` column from the store
        is kept: replies that failed collection are recorded and not parsed).
    min_count
        Least occurrences of a kept term.
    min_respondents
        Least respondents naming a kept term.
    max_words
        Most words a descriptor may have.
    synonyms
        Normalised form → term, applied before the families.
    families
        Merge derivational families (``honesty``/``honest``).

    Returns
    -------
    Lexicon
    """
    missing = [c for c in _REPLY_COLUMNS if c not in replies.columns]
    if missing:
        raise LexiconError(f"replies lack column(s) {missing}; need {list(_REPLY_COLUMNS)}")
    if replies.empty:
        raise LexiconError("no replies given: collect elicitation answers first")
    if min_count < 1 or min_respondents < 1:
        raise LexiconError("min_count and min_respondents must be at least 1")
    synonyms = {normalise_descriptor(k, max_words) or k: v for k, v in (synonyms or {}).items()}
    reply_rows, occ_rows = [], []
    for idx, row in replies.reset_index(drop=True).iterrows():
        collected = row.get("status", OK)
        if collected not in (OK, None) and not pd.isna(collected):
            parsed = ParsedList(
                (), (), str(collected), str(row.get("reason", "")) or "not collected"
            )
        else:
            parsed = split_list(row["text"], max_words)
        reply_rows.append(
            {
                "reply": idx,
                "respondent": row["respondent"],
                "model": row["model"],
                "status": parsed.status,
                "reason": parsed.reason,
                "n_descriptors": len(parsed.descriptors),
                "dropped": " | ".join(parsed.dropped),
            }
        )
        for raw in parsed.descriptors:
            form = normalise_descriptor(raw, max_words)
            form = synonyms.get(form, form)
            occ_rows.append(
                {
                    "reply": idx,
                    "respondent": row["respondent"],
                    "model": row["model"],
                    "raw": raw,
                    "normalised": form,
                }
            )
    reply_table = pd.DataFrame(reply_rows)
    if not occ_rows:
        status = reply_table["status"].value_counts().to_dict()
        raise LexiconError(
            f"none of the {len(reply_table)} replies contained a parseable list of descriptors "
            f"(statuses: {status}); check the prompts or the model's replies"
        )
    occ = pd.DataFrame(occ_rows)
    counts = Counter(occ["normalised"])
    to_term = _family_terms(counts) if families else {f: f for f in counts}
    occ["term"] = occ["normalised"].map(to_term)
    # one respondent naming a term twice counts once towards respondents, twice towards count
    terms = (
        occ.groupby("term")
        .agg(
            count=("raw", "size"),
            respondents=("respondent", "nunique"),
            models=("model", "nunique"),
            forms=("normalised", lambda s: ", ".join(sorted(set(s)))),
        )
        .reset_index()
        .sort_values(["count", "term"], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
    )
    terms["kept"] = (terms["count"] >= min_count) & (terms["respondents"] >= min_respondents)
    kept = set(terms.loc[terms["kept"], "term"])
    mapping = (
        occ.assign(raw_lower=occ["raw"].str.lower().str.strip())
        .groupby(["raw_lower", "normalised", "term"])
        .size()
        .rename("count")
        .reset_index()
        .rename(columns={"raw_lower": "raw"})
    )
    mapping["kept"] = mapping["term"].isin(kept)
    settings = {
        "min_count": min_count,
        "min_respondents": min_respondents,
        "max_words": max_words,
        "families": families,
        "synonyms": dict(synonyms),
    }
    return Lexicon(terms, mapping, occ, reply_table, settings)

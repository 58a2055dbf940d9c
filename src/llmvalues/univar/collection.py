"""QA collection for UniVaR: identities (model × persona / country / language) answer the bank.

All calls go through :mod:`llmvalues.collect` (its backends and resumable SQLite store); this
module only turns questions and identities into prompts, and replies into the QA table. An
optional translation step puts answers into one language before encoding, as UniVaR does
(Cahyawijaya et al., NAACL 2025, §4), so language cannot leak into the embedding; every QA
row records which translator (if any) ran on its question and on its answer.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Protocol

import pandas as pd

from llmvalues.collect.ivs import FORMATS
from llmvalues.collect.runner import collect_texts
from llmvalues.collect.store import Store
from llmvalues.instruments.languages import check_language, language_name
from llmvalues.univar.bank import Question
from llmvalues.univar.qa import QA_COLUMNS

DEFAULT_SAMPLING: dict[str, Any] = {"temperature": 0.0, "max_tokens": 96}
TRANSLATION_COLUMNS = ("question_translator", "translator", "answer_language", "answer_original")
"""The translation record ``collect_qa`` adds to every QA row."""


@dataclass(frozen=True)
class Identity:
    """A respondent: a name, the system prompt that makes it, and the group it belongs to.

    Parameters
    ----------
    name
        Unique name (no ``|``).
    system
        The system prompt (chat) or preamble (completion); None for none.
    group
        The group it is compared in (country, language); default its name.
    language
        The language it answers in (a code of
        :data:`llmvalues.instruments.languages.LANGUAGES`).
    """

    name: str
    system: str | None = None
    group: str = ""
    language: str = "en"

    def __post_init__(self) -> None:
        if not self.name or "|" in self.name:
            raise ValueError(f"identity name must be non-empty and free of '|', got {self.name!r}")
        check_language(self.language)


def _identities_data() -> dict:
    path = resources.files("llmvalues.univar.data").joinpath("identities.json")
    return json.loads(path.read_text(encoding="utf-8"))


def persona_identities(names: Sequence[str] | None = None) -> list[Identity]:
    """The packaged personas (all, or those named), grouped by their country.

    Parameters
    ----------
    names
        Persona names; None for all.

    Returns
    -------
    list of Identity
    """
    personas = _identities_data()["personas"]
    names = list(personas) if names is None else list(names)
    unknown = [n for n in names if n not in personas]
    if unknown:
        raise ValueError(f"unknown persona(s) {unknown}; known: {sorted(personas)}")
    return [Identity(n, personas[n]["prompt"], personas[n]["country"]) for n in names]


def country_identities(countries: Sequence[str]) -> list[Identity]:
    """Cultural-prompting identities, one per country (Tao et al. 2024's wording).

    Parameters
    ----------
    countries
        Country names.

    Returns
    -------
    list of Identity
    """
    template = _identities_data()["country_template"]
    return [Identity(f"country:{c}", template.format(country=c), c) for c in countries]


def language_identities(languages: Sequence[str]) -> list[Identity]:
    """Identities that answer in a given language (the paper's model × language classes).

    Parameters
    ----------
    languages
        Language codes (``"zh"``, ``"de"``; :data:`llmvalues.instruments.languages.LANGUAGES`).

    Returns
    -------
    list of Identity
        ``lang:<code>``, grouped by the language, told (in English) to answer in it.
    """
    return [
        Identity(
            f"lang:{lang}",
            f"You are a helpful assistant. Always answer in {language_name(lang)}.",
            lang,
            check_language(lang),
        )
        for lang in languages
    ]


NO_TRANSLATOR = "none"
"""What a QA row records where no translation ran (its text is in the language it was in)."""


class Translator(Protocol):
    """Puts texts into ``target`` language; plug in NLLB, an API or an LLM backend.

    A translator may have a ``name`` (recorded on every QA row it translated; default its
    class name).
    """

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        """Translations of ``texts`` in order.

        Parameters
        ----------
        texts
            The texts.
        source, target
            Their language and the language wanted.
        """
        ...


class BackendTranslator:
    """Translation by an instruction-following backend, asked (and stored) through the store.

    Parameters
    ----------
    backend
        The translating model's collection backend.
    store
        The store (translations resume too).
    max_tokens
        Token limit of a translation.
    """

    def __init__(self, backend, store: Store, max_tokens: int = 256):
        self.backend = backend
        self.store = store
        self.max_tokens = max_tokens

    @property
    def name(self) -> str:
        """``backend:<model>``: the model that translated (greedy, the llmvalues prompt)."""
        return f"backend:{self.backend.model}"

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        """Ask the backend to translate each text; identical texts are asked once.

        Parameters
        ----------
        texts, source, target
            As for :meth:`Translator.translate`.

        Returns
        -------
        list of str
            The translations (the original where the reply was empty).
        """
        if source == target:
            return list(texts)
        unique = list(dict.fromkeys(texts))
        prompts = [
            {
                "prompt": f"Translate from {source} to {target}. Reply with the translation only.\n\n{t}",
                "item": f"translate:{i}",
                "attrs": {"source_text": t},
            }
            for i, t in enumerate(unique)
        ]
        table = collect_texts(
            self.backend,
            prompts,
            self.store,
            identity=f"translate:{source}->{target}",
            sampling={"temperature": 0.0, "max_tokens": self.max_tokens},
            progress=False,
        )
        done = dict(zip(table["source_text"], table["raw"].str.strip(), strict=True))
        return [done.get(t) or t for t in texts]


def translator_name(translator: Translator | None) -> str:
    """What a QA row records for a translator: its ``name``, its class name, or ``"none"``."""
    if translator is None:
        return NO_TRANSLATOR
    return str(getattr(translator, "name", "") or type(translator).__name__)


def _prompts(
    questions: Sequence[Question], fmt: str, texts: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    out = []
    for q, asked in zip(questions, texts or [q.text for q in questions], strict=True):
        text = asked if fmt == "chat" else f"Question: {asked}\nAnswer:"
        attrs = {
            "qid": q.qid,
            "paraphrase": q.paraphrase,
            "kind": q.kind,
            "value": q.value,
            "framework": q.framework,
            "question": q.text,
        }
        out.append({"prompt": text, "item": q.key, "attrs": attrs})
    return out


def collect_qa(
    backend,
    questions: Sequence[Question],
    identities: Sequence[Identity],
    store: Store,
    *,
    fmt: str = "auto",
    sampling: dict[str, Any] | None = None,
    translator: Translator | None = None,
    target_language: str = "en",
    question_translator: Translator | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Ask every identity every question through ``store`` (resumes); return the QA table.

    Identity labels are ``"{model}|{identity.name}"``. ``fmt`` "auto" chats with models that
    have a chat template and prompts base models with "Question: … Answer:". Empty or failed
    replies are left out with a warning that counts them.

    Parameters
    ----------
    backend
        The collection backend.
    questions
        The wordings to ask.
    identities
        Who answers (unique names).
    store
        The store (rerunning resumes).
    fmt
        ``"auto"``, ``"chat"`` or ``"completion"``.
    sampling
        Sampling settings (default temperature 0, 96 tokens).
    translator
        Puts the answers into ``target_language`` before they are encoded.
    target_language
        The language of the QA table.
    question_translator
        Puts the (English) questions into each identity's language before asking.
    progress
        Show a progress bar.

    Returns
    -------
    pandas.DataFrame
        The QA table (:data:`~llmvalues.univar.qa.QA_COLUMNS` plus ``group``, ``persona``,
        ``language``, ``cell_key``, and the translation record: ``question_translator`` (who
        put the question into the identity's language; ``"none"``: asked in English),
        ``translator`` (who put the answer into ``target_language``; ``"none"``: the answer
        is as given, in ``language``), ``answer_language`` and ``answer_original`` (the
        reply before translation)). ``question`` is always the English wording.
    """
    if not questions:
        raise ValueError("no questions to ask")
    if not identities:
        raise ValueError("no identities to ask")
    names = [i.name for i in identities]
    if len(set(names)) != len(names):
        raise ValueError(f"identity names must be unique, got {names}")
    if fmt == "auto":
        fmt = "chat" if getattr(backend, "has_chat_template", True) else "completion"
    if fmt not in FORMATS:
        raise ValueError(f"fmt (format) must be 'auto', 'chat' or 'completion', got {fmt!r}")
    sampling = dict(DEFAULT_SAMPLING if sampling is None else sampling)
    if fmt == "completion":
        sampling.setdefault("stop", ["\nQuestion:", "\n\n\n"])
    check_language(target_language)
    english = _prompts(questions, fmt)
    frames = []
    for ident in identities:
        prompts, asked_by = english, NO_TRANSLATOR
        if question_translator is not None and ident.language != "en":
            texts = question_translator.translate([q.text for q in questions], "en", ident.language)
            prompts, asked_by = (
                _prompts(questions, fmt, texts),
                translator_name(question_translator),
            )
        table = collect_texts(
            backend,
            prompts,
            store,
            system=ident.system,
            fmt=fmt,
            sampling=sampling,
            identity=f"{backend.model}|{ident.name}",
            progress=progress,
        )
        table = table.assign(
            group=ident.group or ident.name,
            persona=ident.name,
            language=ident.language,
            question_translator=asked_by,
            translator=NO_TRANSLATOR,
            answer_language=ident.language,
            answer_original=table["raw"],
        )
        if translator is not None and ident.language != target_language:
            table["raw"] = translator.translate(list(table["raw"]), ident.language, target_language)
            table["translator"] = translator_name(translator)
            table["answer_language"] = target_language
        frames.append(table)
    raw = pd.concat(frames, ignore_index=True)
    ok = (raw["status"] == "ok") & (raw["raw"].str.strip() != "")
    if not ok.all():
        warnings.warn(
            f"{int((~ok).sum())} of {len(raw)} replies were empty or failed and are left out",
            stacklevel=2,
        )
    raw = raw[ok]
    qa = raw.rename(columns={"raw": "answer"})
    qa["answer"] = qa["answer"].str.strip()
    qa["paraphrase"] = qa["paraphrase"].astype(int)
    extra = ["group", "persona", "language", "cell_key", *TRANSLATION_COLUMNS]
    return qa[[*QA_COLUMNS, *extra]].reset_index(drop=True)

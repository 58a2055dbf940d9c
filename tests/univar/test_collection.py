"""QA collection plumbing: prompts per format, translation steps, labels, empty replies."""

from __future__ import annotations

import json

import pytest

from llmvalues.collect.backends.base import Reply, Request
from llmvalues.collect.store import Store
from llmvalues.univar.bank import VALUE, load_bank
from llmvalues.univar.collection import (
    Identity,
    collect_qa,
    country_identities,
    language_identities,
    persona_identities,
)


class EchoBackend:
    """A deterministic test double: replies with the asked text, empty for one question."""

    name = "echo"
    model = "echo-model"
    max_concurrency = 1
    rate_limit = None
    has_chat_template = True

    def __init__(self, silent: str | None = None):
        self.silent = silent
        self.seen: list[Request] = []

    async def generate(self, request: Request) -> Reply:
        self.seen.append(request)
        text = request.messages[-1]["content"] if request.messages else request.prompt
        if self.silent and self.silent in text:
            return Reply(text="   ", model=self.model)
        return Reply(text=f"echo: {text}", model=self.model)

    def describe(self) -> dict:
        return {"backend": self.name}

    async def aclose(self) -> None:
        return None


class Tagger:
    """A translator double that tags texts with the target language."""

    def __init__(self, name: str = "tagger"):
        self.name = name
        self.calls = []

    def translate(self, texts, source, target):
        self.calls.append((source, target, len(texts)))
        return [f"[{target}] {t}" for t in texts]


@pytest.fixture(scope="module")
def questions():
    return load_bank().select(VALUE, n=3, paraphrases=[0], seed=0)


def test_identities_from_packaged_data():
    personas = persona_identities(["sweden_secular", "japan_salaryman"])
    assert [p.group for p in personas] == ["Sweden", "Japan"]
    assert "Stockholm" in personas[0].system
    country = country_identities(["Chile"])[0]
    assert country.name == "country:Chile" and "born in Chile and living in Chile" in country.system
    german = language_identities(["de"])[0]
    assert (german.name, german.language, german.group) == ("lang:de", "de", "de")
    assert german.system.endswith("Always answer in German.")
    with pytest.raises(ValueError, match="unknown persona"):
        persona_identities(["martian"])
    with pytest.raises(ValueError, match="free of"):
        Identity("a|b")
    with pytest.raises(ValueError, match="unknown language 'German'"):
        language_identities(["German"])


def test_collect_qa_labels_translates_and_resumes(tmp_path, questions):
    backend = EchoBackend()
    tagger, back = Tagger("question-tagger"), Tagger("answer-tagger")
    identities = [Identity("plain", "You are P."), *language_identities(["de"])]
    with Store(tmp_path / "s.sqlite") as store:
        qa = collect_qa(
            backend, questions, identities, store, translator=back, question_translator=tagger
        )
        n_calls = len(backend.seen)
        collect_qa(
            backend, questions, identities, store, translator=back, question_translator=tagger
        )
        assert len(backend.seen) == n_calls == 6  # the rerun asked nothing
    assert sorted(qa["identity"].unique()) == ["echo-model|lang:de", "echo-model|plain"]
    german = qa[qa["persona"] == "lang:de"]
    assert all(a.startswith("[en] echo: [de] ") for a in german["answer"])
    assert all(q in {x.text for x in questions} for q in german["question"])  # English kept
    # every row says which translator ran on its question and on its answer
    assert set(german["question_translator"]) == {"question-tagger"}
    assert set(german["translator"]) == {"answer-tagger"}
    assert set(german["answer_language"]) == {"en"}
    assert all(o.startswith("echo: [de] ") for o in german["answer_original"])
    plain = qa[qa["persona"] == "plain"]
    assert all(a.startswith("echo: ") for a in plain["answer"])
    assert set(plain["question_translator"]) == set(plain["translator"]) == {"none"}
    assert (plain["answer"] == plain["answer_original"].str.strip()).all()
    sent = json.loads(backend.seen[0].payload())
    assert sent[0] == {"role": "system", "content": "You are P."}
    assert set(qa["value"]) == {q.value for q in questions}


def test_base_models_get_completion_prompts_and_empty_replies_are_dropped(tmp_path, questions):
    backend = EchoBackend(silent=questions[0].text)
    backend.has_chat_template = False
    with Store(tmp_path / "s.sqlite") as store, pytest.warns(UserWarning, match="1 of 3 replies"):
        qa = collect_qa(backend, questions, [Identity("p", "Preamble.")], store)
    assert backend.seen[0].prompt.startswith("Preamble.\n\nQuestion: ")
    assert backend.seen[0].prompt.endswith("\nAnswer:")
    assert len(qa) == 2 and questions[0].qid not in set(qa["qid"])


def test_collect_qa_rejects_bad_input(tmp_path, questions):
    with Store(tmp_path / "s.sqlite") as store:
        with pytest.raises(ValueError, match="no questions"):
            collect_qa(EchoBackend(), [], [Identity("p")], store)
        with pytest.raises(ValueError, match="unique"):
            collect_qa(EchoBackend(), questions, [Identity("p"), Identity("p")], store)
        with pytest.raises(ValueError, match="fmt"):
            collect_qa(EchoBackend(), questions, [Identity("p")], store, fmt="voice")

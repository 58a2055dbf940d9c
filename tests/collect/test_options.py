"""Forced-choice grammars: built from labels and read back (the logit-bias path needs them)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from llmvalues.collect.ivs import answer_grammar
from llmvalues.collect.options import choice_grammar, choice_labels
from llmvalues.instruments import load_instrument

IVS = load_instrument("ivs10")


@given(st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=12))
def test_a_choice_grammar_gives_back_its_labels(labels):
    assert choice_labels(choice_grammar(labels)) == tuple(labels)


def test_only_choice_grammars_have_labels():
    assert choice_labels(answer_grammar(IVS["e025"])) == ("A", "B", "C")
    assert choice_labels(answer_grammar(IVS["f063"])) == tuple(str(k) for k in range(1, 11))
    assert choice_labels(answer_grammar(IVS["y002"])) is None  # two aims
    assert choice_labels(answer_grammar(IVS["y003"])) is None  # a list of qualities
    assert choice_labels('root ::= "A" | B') is None
    assert choice_labels('root ::= "A\\"" | "\\\\"') == ('A"', "\\")

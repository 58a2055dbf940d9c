"""The explain figure: one arrow per step that moves a point, factors in the legend."""

import matplotlib

matplotlib.use("Agg")

import pytest

from llmvalues.iw.explain import Placement, explain
from tests.iw.simulated_answers import simulated_responses


def test_the_explanation_draws_one_arrow_per_moving_step():
    answers = simulated_responses(identities=("m1", "m2", "m3"), seed=3)
    result = explain(
        Placement(answers, "hall2025", label="ours"), Placement(answers, "tao2024", label="Tao")
    )
    _, ax = result.plot(identities=["m1", "m2"])
    arrows = [t for t in ax.texts if getattr(t, "arrow_patch", None) is not None]
    assert len(arrows) == 2 * 2  # weights and constants move; reference moves no point
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"weights", "constants", "reference (moves no point)", "a: ours", "b: Tao"} <= set(
        labels
    )
    with pytest.raises(ValueError, match=r"identities \['nobody'\]"):
        result.plot(identities=["nobody"])

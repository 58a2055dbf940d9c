"""The layout checks find what a reviewer would: overlapping text, text off the canvas, labels
on other marks; and they stay quiet about what is fine."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from matplotlib.patches import Ellipse

from llmvalues.plots.checks import FigureLayoutError, check_figure, figure_problems
from llmvalues.plots.style import AXIS_LABELS


def _kinds(fig):
    return sorted({p.kind for p in figure_problems(fig)})


def test_two_axis_titles_that_run_into_each_other_are_found():
    # the old forest plot: two panels side by side, each with a long axis title
    fig, axes = plt.subplots(1, 2, figsize=(3.5, 2.0), sharey=True, layout="constrained")
    axes[0].set_xlabel(AXIS_LABELS["x"])
    axes[1].set_xlabel(AXIS_LABELS["y"])
    problems = figure_problems(fig)
    assert any(
        p.kind == "overlap" and "Survival" in p.message and "Traditional" in p.message
        for p in problems
    )
    with pytest.raises(FigureLayoutError, match="layout problem"):
        check_figure(fig)


def test_text_past_the_canvas_edge_is_found():
    fig, _ = plt.subplots(figsize=(3.0, 2.0))
    fig.text(0.9, 0.5, "a caption that runs off the page")
    assert _kinds(fig) == ["outside"]


def test_labels_on_one_point_overlap():
    fig, ax = plt.subplots(figsize=(3.0, 3.0))
    for name in ("model A | Japan", "model A | Sweden"):
        ax.text(0.5, 0.5, name)
    assert "overlap" in _kinds(fig)


def test_a_label_on_another_identity_mark_or_region_is_found_but_not_on_its_own_region():
    fig, ax = plt.subplots(figsize=(4.0, 4.0))
    ax.set(xlim=(0, 10), ylim=(0, 10))
    region = Ellipse((5, 5), 6, 6, fill=False, gid="mark:identity:B")
    ax.add_patch(region)
    ax.scatter([5], [5], gid="mark:identity:B")
    label = ax.text(5, 6, "A", ha="center", va="center", gid="label:identity:A")  # in B
    problems = figure_problems(fig)
    assert [p.kind for p in problems] == ["on-mark"] and "identity:B" in problems[0].message
    label.set_gid("label:identity:B")  # B's own label inside B's own region: fine
    assert figure_problems(fig) == []
    label.set_gid("label:country:Japan")  # a country name inside a region: fine
    assert figure_problems(fig) == []
    label.set_position((8, 5))  # on the outline of the region: never fine
    assert _kinds(fig) == ["on-mark"]
    label.set_position((5.05, 5.0))  # on the point itself: hides it
    label.set_gid("label:identity:B")
    assert _kinds(fig) == ["on-mark"]


def test_tick_labels_outside_the_view_are_not_counted():
    fig, ax = plt.subplots(figsize=(3.0, 2.0), layout="constrained")
    ax.plot([0.1, 0.9], [0.1, 0.9])
    ax.set_xticks([-5, 0.5, 5])  # -5 and 5 are outside the view: never drawn
    ax.set_xlim(0, 1)
    assert figure_problems(fig) == []


def test_a_clean_figure_passes():
    fig, ax = plt.subplots(figsize=(3.5, 2.5), layout="constrained")
    ax.plot([0, 1], [0, 1], label="a line")
    ax.set(xlabel="x", ylabel="y", title="title")
    ax.legend()
    check_figure(fig)

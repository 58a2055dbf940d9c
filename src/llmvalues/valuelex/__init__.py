"""ValueLex: discover an LLM's value system from its own words (Biedma et al. 2024), reproducibly.

Elicit value words from many respondents per model, distil a lexicon, collect Likert
ratings of it, find its factor structure (parallel analysis, oblique EFA) and semantic
clusters, name and match the dimensions to a reference taxonomy, report reliability, and
score models with a projective sentence-completion test coded by judges.
"""

from llmvalues.valuelex.agreement import KrippendorffAlpha, alpha_interval, krippendorff_alpha
from llmvalues.valuelex.judges import EmbeddingJudge, LLMJudge
from llmvalues.valuelex.lexicon import Lexicon, build_lexicon, split_list
from llmvalues.valuelex.projective import completions_frame, projective_plan
from llmvalues.valuelex.ratings import RatingMatrix, rating_matrix
from llmvalues.valuelex.resources import (
    SUBDIMENSIONS,
    load_personas,
    load_prompts,
    load_reference,
    load_rubric,
    load_stems,
)
from llmvalues.valuelex.scoring import comparison_table, judge_agreement, projective_scores
from llmvalues.valuelex.simulate import simulate_study
from llmvalues.valuelex.study import (
    ValueLexConfig,
    ValueLexResult,
    analyse,
    collect_elicitation,
    collect_ratings,
    lexicon_from,
    terms_to_rate,
)

__all__ = [
    "SUBDIMENSIONS",
    "EmbeddingJudge",
    "KrippendorffAlpha",
    "LLMJudge",
    "Lexicon",
    "RatingMatrix",
    "ValueLexConfig",
    "ValueLexResult",
    "alpha_interval",
    "analyse",
    "build_lexicon",
    "collect_elicitation",
    "collect_ratings",
    "comparison_table",
    "completions_frame",
    "judge_agreement",
    "krippendorff_alpha",
    "lexicon_from",
    "load_personas",
    "load_prompts",
    "load_reference",
    "load_rubric",
    "load_stems",
    "projective_plan",
    "projective_scores",
    "rating_matrix",
    "simulate_study",
    "split_list",
    "terms_to_rate",
]

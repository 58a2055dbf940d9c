"""UniVaR: a high-dimensional value embedding of LLMs learned from their answers (Cahyawijaya et al. 2025)."""

from llmvalues.univar.bank import CONTROL, VALUE, Question, QuestionBank, load_bank
from llmvalues.univar.checkpoint import CheckpointError
from llmvalues.univar.encoder import PUBLISHED, REVISIONS, load_published
from llmvalues.univar.evaluate import (
    compare_encoders,
    evaluate,
    evaluate_split,
    knn_scores,
    probe_scores,
    split_by_model,
    value_control_gap,
)
from llmvalues.univar.loss import MultiViewInfoNCE, cached_backward
from llmvalues.univar.maps import centroid_distances, distance_table, project, value_coordinates
from llmvalues.univar.qa import QAError, qa_text, split_qa, validate_qa
from llmvalues.univar.train import TrainConfig, TrainResult, UniVaRTrainer, train_univar
from llmvalues.univar.views import ViewBatch, ViewSampler

__all__ = [
    "CONTROL",
    "PUBLISHED",
    "REVISIONS",
    "VALUE",
    "CheckpointError",
    "MultiViewInfoNCE",
    "QAError",
    "Question",
    "QuestionBank",
    "TrainConfig",
    "TrainResult",
    "UniVaRTrainer",
    "ViewBatch",
    "ViewSampler",
    "cached_backward",
    "centroid_distances",
    "compare_encoders",
    "distance_table",
    "evaluate",
    "evaluate_split",
    "knn_scores",
    "load_bank",
    "load_published",
    "probe_scores",
    "project",
    "qa_text",
    "split_by_model",
    "split_qa",
    "train_univar",
    "validate_qa",
    "value_control_gap",
    "value_coordinates",
]

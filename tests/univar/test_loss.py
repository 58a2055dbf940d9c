"""Multi-view InfoNCE, gradient caching (equal to the plain loss) and the schedule."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from llmvalues.univar.loss import MultiViewInfoNCE, bucketed_backward, cached_backward
from llmvalues.univar.train import TrainConfig, UniVaRTrainer, lr_lambda


def manual_loss(emb: np.ndarray, labels: np.ndarray, tau: float) -> float:
    emb = emb / np.linalg.norm(emb, axis=1, keepdims=True)
    total = 0.0
    for i in range(len(emb)):
        partner = i ^ 1
        logits = [
            emb[i] @ emb[j] / tau for j in range(len(emb)) if j == partner or labels[j] != labels[i]
        ]
        pos = emb[i] @ emb[partner] / tau
        total += -(pos - np.log(np.sum(np.exp(logits))))
    return total / len(emb)


def test_infonce_matches_a_direct_computation_with_false_negatives_masked():
    rng = np.random.default_rng(0)
    emb = rng.normal(size=(8, 5))
    labels = np.array([0, 0, 1, 1, 0, 0, 2, 2])  # identity 0 appears in two pairs
    got = MultiViewInfoNCE(0.5)(torch.tensor(emb), torch.tensor(labels))
    assert float(got) == pytest.approx(manual_loss(emb, labels, 0.5), rel=1e-5)
    unmasked = MultiViewInfoNCE(0.5, mask_same_identity=False)(
        torch.tensor(emb), torch.tensor(labels)
    )
    assert float(unmasked) > float(got)  # same-identity views no longer count as negatives


def test_infonce_is_low_when_pairs_match_and_rejects_odd_batches():
    emb = torch.eye(4).repeat_interleave(2, dim=0)
    labels = torch.arange(4).repeat_interleave(2)
    assert float(MultiViewInfoNCE(0.02)(emb, labels)) < 1e-6
    with pytest.raises(ValueError, match="even"):
        MultiViewInfoNCE()(torch.zeros(5, 3), torch.arange(5))
    with pytest.raises(ValueError, match="temperature"):
        MultiViewInfoNCE(0.0)


def test_gradient_cache_and_buckets_equal_the_plain_loss_with_dropout_on(fresh_encoder):
    model = fresh_encoder()
    model.train()  # dropout active: the re-forward must replay the same masks
    texts = [
        f"Q: Is honesty important? A: answer number {i} " + "word " * (i % 4) for i in range(8)
    ]
    labels = torch.tensor([0, 0, 1, 1, 2, 2, 3, 3])
    trainer = UniVaRTrainer(model, TrainConfig(chunk_size=3, temperature=0.05))
    chunks, order = trainer.chunks(texts, 32, torch.device("cpu"))
    assert len(chunks) == 3
    loss_fn = MultiViewInfoNCE(0.05)

    def embed(features):
        return model(dict(features))["sentence_embedding"]

    torch.manual_seed(11)
    flat = torch.cat([embed(c) for c in chunks])
    plain_emb = torch.empty_like(flat)
    plain_emb[order] = flat
    plain = loss_fn(plain_emb, labels)
    plain.backward()
    plain_grads = [p.grad.clone() for p in model.parameters() if p.grad is not None]
    model.zero_grad(set_to_none=True)

    torch.manual_seed(11)
    cached = cached_backward(embed, chunks, order, labels, loss_fn)
    cached_grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert float(cached) == pytest.approx(float(plain.detach()), rel=1e-5)
    assert len(cached_grads) == len(plain_grads) > 50
    for a, b in zip(plain_grads, cached_grads, strict=True):
        torch.testing.assert_close(b, a, rtol=1e-4, atol=1e-6)

    model.zero_grad(set_to_none=True)
    torch.manual_seed(11)
    bucketed = bucketed_backward(embed, chunks, order, labels, loss_fn)
    assert float(bucketed) == pytest.approx(float(plain.detach()), rel=1e-5)
    for a, p in zip(
        plain_grads, [p for p in model.parameters() if p.grad is not None], strict=True
    ):
        torch.testing.assert_close(p.grad, a, rtol=1e-4, atol=1e-6)


def test_chunks_are_sorted_by_length_and_cover_every_view(fresh_encoder):
    model = fresh_encoder()
    texts = ["short", "a much longer text " * 5, "medium length text", "x"]
    chunks, order = UniVaRTrainer(model, TrainConfig(chunk_size=2)).chunks(
        texts, 64, torch.device("cpu")
    )
    assert sorted(order.tolist()) == [0, 1, 2, 3]
    assert order.tolist()[-1] == 1
    assert chunks[0]["input_ids"].shape[1] < chunks[1]["input_ids"].shape[1]


def test_warmup_then_inverse_square_root():
    f = lr_lambda(100)
    assert f(0) == pytest.approx(0.01)
    assert f(49) == pytest.approx(0.5)
    assert f(99) == pytest.approx(1.0)
    assert f(399) == pytest.approx(math.sqrt(100 / 400))
    assert lr_lambda(0)(0) == 1.0


def test_config_rejects_bad_settings_and_bf16_on_cpu(fresh_encoder):
    with pytest.raises(ValueError, match="temperature"):
        TrainConfig(temperature=-1)
    with pytest.raises(ValueError, match="precision"):
        TrainConfig(precision="fp8")
    if not torch.cuda.is_available():
        trainer = UniVaRTrainer(fresh_encoder(), TrainConfig(precision="bf16"))
        with pytest.raises(ValueError, match="bf16 training needs a CUDA"):
            trainer._accelerator()

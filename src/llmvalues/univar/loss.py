"""Multi-view InfoNCE over in-batch negatives, and gradient caching so batches outgrow memory.

The loss follows UniVaR (Cahyawijaya et al., NAACL 2025): cosine similarities of L2-normalised
view embeddings divided by a fixed temperature (0.02), each view's partner view the positive and
the other views of the batch the negatives. Views of the same identity other than the partner are
masked out of the denominator: they are not negatives. Gradient caching follows Gao et al. (2021),
"Scaling deep contrastive learning batch size under memory limited setup".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext

import torch
import torch.nn.functional as F
from torch import nn

Features = dict[str, torch.Tensor]


class MultiViewInfoNCE(nn.Module):
    """InfoNCE where rows ``2i`` and ``2i + 1`` are positives and same-identity views are masked.

    Parameters
    ----------
    temperature
        Divides the cosine similarities.
    mask_same_identity
        Leave other views of the same identity out of the denominator.
    """

    def __init__(self, temperature: float = 0.02, mask_same_identity: bool = True):
        super().__init__()
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0, got {temperature}")
        self.temperature = float(temperature)
        self.mask_same_identity = mask_same_identity

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy of each view picking its partner among all other views.

        Parameters
        ----------
        embeddings
            One row per view (an even number, at least 4; pairs are rows 2i, 2i + 1).
        labels
            Identity index of each view.

        Returns
        -------
        torch.Tensor
            The scalar loss.
        """
        n = embeddings.shape[0]
        if n < 4 or n % 2:
            raise ValueError(f"need an even number (>= 4) of views in pairs, got {n}")
        emb = F.normalize(embeddings.float(), dim=-1)
        logits = emb @ emb.T / self.temperature
        idx = torch.arange(n, device=emb.device)
        partner = idx ^ 1
        if self.mask_same_identity:
            masked = labels.view(-1, 1) == labels.view(1, -1)
        else:
            masked = torch.zeros(n, n, dtype=torch.bool, device=emb.device)
        masked[idx, idx] = True
        masked[idx, partner] = False
        logits = logits.masked_fill(masked, float("-inf"))
        return F.cross_entropy(logits, partner)


class RandState:
    """The CPU and CUDA random states at capture time, restorable so a re-forward repeats dropout.

    Parameters
    ----------
    devices
        Devices whose CUDA random state is captured too.
    """

    def __init__(self, devices: Sequence[torch.device]):
        self.cpu = torch.get_rng_state()
        self.cuda_devices = [d for d in devices if d.type == "cuda"]
        self.cuda = [torch.cuda.get_rng_state(d) for d in self.cuda_devices]
        self._fork: AbstractContextManager | None = None

    def __enter__(self) -> RandState:
        self._fork = torch.random.fork_rng(devices=self.cuda_devices)
        self._fork.__enter__()
        torch.set_rng_state(self.cpu)
        for device, state in zip(self.cuda_devices, self.cuda, strict=True):
            torch.cuda.set_rng_state(state, device)
        return self

    def __exit__(self, *exc) -> None:
        assert self._fork is not None
        self._fork.__exit__(*exc)


def cached_backward(
    embed: Callable[[Features], torch.Tensor],
    chunks: Sequence[Features],
    order: torch.Tensor,
    labels: torch.Tensor,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    gather: Callable[[torch.Tensor], torch.Tensor] | None = None,
    no_sync: Callable[[], AbstractContextManager] = nullcontext,
    autocast: Callable[[], AbstractContextManager] = nullcontext,
) -> torch.Tensor:
    """Loss of the whole batch with gradients accumulated chunk by chunk (gradient caching).

    ``chunks`` are tokenised micro-batches whose concatenated rows are the views in the order
    ``order`` (``order[j]`` = batch position of row ``j``). Pass 1 embeds every chunk without
    a graph; the loss and its gradient are taken on the detached embeddings; pass 2 re-embeds
    each chunk with the same random state and back-propagates the cached gradient.

    Parameters
    ----------
    embed
        Tokenised features → embeddings (with the model's graph).
    chunks
        Tokenised micro-batches.
    order
        Batch position of each concatenated row.
    labels
        Identity index of each view (all processes' when gathering).
    loss_fn
        (embeddings, labels) → scalar loss.
    gather
        Concatenates the embeddings of all processes (multi-GPU in-batch negatives).
    no_sync
        Context that skips gradient synchronisation (all chunks but the last).
    autocast
        Mixed-precision context.

    Returns
    -------
    torch.Tensor
        The detached loss; the gradients are in the model's parameters.
    """
    devices = [next(iter(c.values())).device for c in chunks]
    states, reps = [], []
    with torch.no_grad():
        for chunk in chunks:
            states.append(RandState(devices[:1]))
            with autocast():
                reps.append(embed(chunk).float())
    flat = torch.cat(reps)
    local = torch.empty_like(flat)
    local[order] = flat
    local = local.detach().requires_grad_()
    batch = local
    if gather is not None:
        batch = _with_local(gather(local.detach()), local)
    loss = loss_fn(batch, labels)
    loss.backward()
    grads = local.grad[order].split([r.shape[0] for r in reps])
    last = len(chunks) - 1
    for i, (chunk, grad, state) in enumerate(zip(chunks, grads, states, strict=True)):
        with nullcontext() if i == last else no_sync(), state, autocast():
            rep = embed(chunk).float()
            rep.backward(grad)
    return loss.detach()


def _with_local(gathered: torch.Tensor, local: torch.Tensor) -> torch.Tensor:
    """All processes' embeddings with this process's slice replaced by the graph-carrying one."""
    n = local.shape[0]
    rank = int(torch.distributed.get_rank()) if torch.distributed.is_initialized() else 0
    return torch.cat([gathered[: rank * n], local, gathered[(rank + 1) * n :]])


def bucketed_backward(
    embed: Callable[[Features], torch.Tensor],
    chunks: Sequence[Features],
    order: torch.Tensor,
    labels: torch.Tensor,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    gather: Callable[[torch.Tensor], torch.Tensor] | None = None,
    autocast: Callable[[], AbstractContextManager] = nullcontext,
) -> torch.Tensor:
    """Loss of the whole batch in one graph, embedded in length-sorted chunks (no recompute).

    Cheaper than :func:`cached_backward` when the whole batch's activations fit in memory
    (the CPU default): each chunk is padded only to its own longest view.

    Parameters
    ----------
    embed, chunks, order, labels, loss_fn, gather, autocast
        As for :func:`cached_backward`.

    Returns
    -------
    torch.Tensor
        The detached loss; the gradients are in the model's parameters.
    """
    with autocast():
        flat = torch.cat([embed(chunk).float() for chunk in chunks])
    local = torch.empty_like(flat)
    local[order] = flat
    batch = local if gather is None else _with_local(gather(local.detach()), local)
    loss = loss_fn(batch, labels)
    loss.backward()
    return loss.detach()

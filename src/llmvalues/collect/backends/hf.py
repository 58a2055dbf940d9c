"""transformers backend (model directory or GGUF file): batched generation, GPU when present.

Concurrent requests are gathered into batches (same sampling settings, left padding) and
generated together in a worker thread. Base models without a chat template are asked in
completion mode. Option probabilities come from the raw logits of the reply's first
tokens (along the sampled path for labels that span two tokens).
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

from llmvalues.collect.backends.base import BackendError, Distribution, Reply, Request
from llmvalues.collect.backends.bundled import resolve_model
from llmvalues.collect.options import merge_tokens, option_distribution

TOP_TOKENS = 50


class TransformersBackend:
    """A causal LM loaded with transformers; requests are batched up to ``batch_size``."""

    name = "transformers"
    rate_limit = None

    def __init__(
        self,
        model: str = "smollm2",
        batch_size: int = 8,
        device: str | None = None,
        dtype: str = "auto",
        batch_wait: float = 0.01,
        threads: int | None = None,
    ):
        try:
            import torch
            import transformers
        except ModuleNotFoundError as exc:
            raise RuntimeError(
                "the transformers backend needs torch and transformers: "
                "pip install 'llmvalues[transformers]'"
            ) from exc
        self._torch = torch
        path, self.model = resolve_model(model)
        self.path = Path(path)
        kwargs: dict[str, Any] = {}
        source = str(self.path)
        if self.path.is_file():
            source, kwargs["gguf_file"] = str(self.path.parent), self.path.name
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        if self.device == "cpu":
            # half the cores by default, as llama.cpp does: on a shared CPU a pool as large
            # as the machine spins at its barriers (measured ~10x slower under contention)
            torch.set_num_threads(threads or max(1, (os.cpu_count() or 2) // 2))
        self.tokenizer = transformers.AutoTokenizer.from_pretrained(source, **kwargs)
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        torch_dtype = torch.float32 if self.device == "cpu" and dtype == "auto" else dtype
        self._lm = transformers.AutoModelForCausalLM.from_pretrained(
            source, dtype=torch_dtype, **kwargs
        ).to(self.device)
        self._lm.eval()
        self.batch_size = batch_size
        self.max_concurrency = batch_size * 2
        self.batch_wait = batch_wait
        self._queue: asyncio.Queue | None = None
        self._worker: asyncio.Task | None = None
        self._pieces: dict[int, str] = {}

    @property
    def has_chat_template(self) -> bool:
        return bool(getattr(self.tokenizer, "chat_template", None))

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "model": self.model,
            "path": str(self.path),
            "device": self.device,
            "batch_size": self.batch_size,
            "threads": self._torch.get_num_threads() if self.device == "cpu" else None,
            "chat_template": self.has_chat_template,
        }

    def render(self, request: Request) -> str:
        """The exact text the model sees."""
        if request.grammar is not None:
            raise BackendError(
                "the transformers backend cannot constrain replies with a grammar; "
                "use the llamacpp backend or an unconstrained plan",
                retryable=False,
            )
        if request.prompt is not None:
            return request.prompt
        if not self.has_chat_template:
            raise BackendError(
                f"model {self.model!r} has no chat template; ask it in completion mode",
                retryable=False,
            )
        return self.tokenizer.apply_chat_template(
            [dict(m) for m in request.messages or ()], tokenize=False, add_generation_prompt=True
        )

    async def generate(self, request: Request) -> Reply:
        loop = asyncio.get_running_loop()
        if self._queue is None or self._worker is None or self._worker.get_loop() is not loop:
            self._queue = asyncio.Queue()
            self._worker = loop.create_task(self._serve())
        future: asyncio.Future = loop.create_future()
        await self._queue.put((request, future))
        return await future

    async def _serve(self) -> None:
        assert self._queue is not None
        while True:
            batch = [await self._queue.get()]
            await asyncio.sleep(self.batch_wait)
            while not self._queue.empty() and len(batch) < self.batch_size:
                batch.append(self._queue.get_nowait())
            groups: dict[str, list] = {}
            for request, future in batch:
                key = json.dumps(request.sampling, sort_keys=True, default=str)
                groups.setdefault(key, []).append((request, future))
            for group in groups.values():
                try:
                    replies = await asyncio.to_thread(self._generate_batch, [r for r, _ in group])
                except BackendError as exc:
                    replies = [exc] * len(group)
                except (RuntimeError, ValueError) as exc:
                    replies = [BackendError(f"transformers failed: {exc}", False)] * len(group)
                for (_, future), reply in zip(group, replies, strict=True):
                    if future.done():
                        continue
                    if isinstance(reply, Exception):
                        future.set_exception(reply)
                    else:
                        future.set_result(reply)

    def _piece(self, token: int) -> str:
        if token not in self._pieces:
            self._pieces[token] = self.tokenizer.decode([token], skip_special_tokens=False)
        return self._pieces[token]

    def _generate_batch(self, requests: list[Request]) -> list[Reply | BackendError]:
        torch = self._torch
        out: list[Reply | BackendError] = []
        texts = []
        for request in requests:
            try:
                texts.append(self.render(request))
            except BackendError as exc:
                texts.append(exc)
        live = [i for i, t in enumerate(texts) if isinstance(t, str)]
        results: dict[int, Reply] = {}
        if live:
            sampling = requests[live[0]].sampling
            temperature = float(sampling.get("temperature", 0.0))
            enc = self.tokenizer(
                [texts[i] for i in live],
                return_tensors="pt",
                padding=True,
                add_special_tokens=False,
            ).to(self.device)
            if sampling.get("seed") is not None:
                torch.manual_seed(int(sampling["seed"]))
            with torch.no_grad():
                gen = self._lm.generate(
                    **enc,
                    max_new_tokens=int(sampling.get("max_tokens", 256)),
                    do_sample=temperature > 0,
                    temperature=temperature if temperature > 0 else None,
                    top_p=float(sampling.get("top_p", 1.0)) if temperature > 0 else None,
                    top_k=None,
                    pad_token_id=self.tokenizer.pad_token_id,
                    output_logits=True,
                    return_dict_in_generate=True,
                )
            width = enc["input_ids"].shape[1]
            eos = {self.tokenizer.eos_token_id, self.tokenizer.pad_token_id}
            for row, i in enumerate(live):
                new = [int(t) for t in gen.sequences[row, width:]]
                while new and new[-1] in eos:
                    new.pop()
                stops = sampling.get("stop") or []
                text = self.tokenizer.decode(new, skip_special_tokens=True)
                for stop in [stops] if isinstance(stops, str) else stops:
                    text = text.split(stop)[0]
                dist = None
                if requests[i].options:
                    dist = self._distribution(gen.logits, row, new, requests[i].options)
                results[i] = Reply(
                    text=text,
                    model=self.model,
                    prompt_tokens=int(enc["attention_mask"][row].sum()),
                    completion_tokens=len(new),
                    finish_reason="length"
                    if len(new) >= int(sampling.get("max_tokens", 256))
                    else "stop",
                    distribution=dist,
                )
        for i, t in enumerate(texts):
            out.append(results.get(i, t))
        return out

    def _distribution(self, logits, row: int, new: list[int], options) -> Distribution:
        torch = self._torch
        steps = []
        for step, scores in enumerate(logits[: len(new)]):
            probs = torch.softmax(scores[row].float(), dim=-1)
            top = torch.topk(probs, TOP_TOKENS)
            pairs = [
                (self._piece(int(t)), float(p))
                for p, t in zip(top.values, top.indices, strict=True)
            ]
            steps.append((pairs, self._piece(new[step])))
        if not steps:
            return Distribution(dict.fromkeys(options, 0.0), 1.0, "no tokens generated")
        lead = 1.0
        while len(steps) > 1 and not steps[0][1].strip():
            lead *= merge_tokens(steps[0][0]).get("", 0.0)
            steps = steps[1:]
        sampled = [tok.lstrip() for _, tok in steps]

        def continuation(path: tuple[str, ...]):
            depth = len(path)
            if depth >= len(steps) or list(path) != sampled[:depth]:
                return None
            return dict(steps[depth][0])

        found = option_distribution(
            merge_tokens(steps[0][0]),
            options,
            continuation,
            f"transformers top-{TOP_TOKENS} logits",
        )
        probs = {k: lead * v for k, v in found.probs.items()}
        return Distribution(probs, max(0.0, 1.0 - sum(probs.values())), found.method)

    async def aclose(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None

"""In-process llama.cpp (GGUF) backend: the default for offline use, with answer log-probs."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from llmvalues.collect.backends.base import BackendError, Reply, Request
from llmvalues.collect.backends.bundled import resolve_model
from llmvalues.collect.options import merge_tokens, option_distribution

TOP_TOKENS = 200  # next tokens scored per step; the rest counts as outside mass


class LlamaCppBackend:
    """One GGUF model loaded in this process; calls are serialised (llama.cpp is not re-entrant)."""

    name = "llamacpp"
    max_concurrency = 1
    rate_limit = None

    def __init__(
        self,
        model: str = "smollm2",
        n_ctx: int = 2048,
        n_threads: int | None = None,
        n_threads_batch: int | None = None,
        chat_template: str | None = None,
        seed: int = 0,
    ):
        try:
            import llama_cpp
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter
        except ModuleNotFoundError as exc:
            raise RuntimeError(
                "the llamacpp backend needs llama-cpp-python: pip install 'llmvalues[local]'"
            ) from exc
        path, self.model = resolve_model(model)
        self.path = Path(path)
        threads = n_threads or max(os.cpu_count() or 1, 2) // 2
        # prompt threads default to the generation threads: on shared CPUs a larger batch
        # pool spins at its barriers and makes prompt evaluation several times slower
        self._llm = llama_cpp.Llama(
            str(self.path),
            n_ctx=n_ctx,
            n_threads=threads,
            n_threads_batch=n_threads_batch or threads,
            seed=seed,
            verbose=False,
        )
        template = chat_template or self._llm.metadata.get("tokenizer.chat_template")
        self._formatter = None
        if template:
            eos = self._llm._model.token_get_text(self._llm.token_eos())
            bos = self._llm._model.token_get_text(self._llm.token_bos())
            self._formatter = Jinja2ChatFormatter(template, eos_token=eos, bos_token=bos)
        self._lock = threading.Lock()
        self._llama_cpp = llama_cpp
        self._pieces: dict[int, str] = {}
        self._grammars: dict[str, Any] = {}
        self.n_ctx = n_ctx
        self.n_threads = self._llm.n_threads

    @property
    def has_chat_template(self) -> bool:
        return self._formatter is not None

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "model": self.model,
            "path": str(self.path),
            "n_ctx": self.n_ctx,
            "chat_template": self.has_chat_template,
        }

    def render(self, request: Request) -> tuple[str, list[str]]:
        """The exact text the model sees and the stop strings of its chat format."""
        if request.prompt is not None:
            return request.prompt, []
        if self._formatter is None:
            raise BackendError(
                f"model {self.model!r} has no chat template; ask it in completion mode",
                retryable=False,
            )
        formatted = self._formatter(messages=[dict(m) for m in request.messages or ()])
        stops = formatted.stop if isinstance(formatted.stop, list) else [formatted.stop]
        return formatted.prompt, [s for s in stops if s]

    def _grammar(self, text: str | None):
        if text is None:
            return None
        if text not in self._grammars:
            try:
                self._grammars[text] = self._llama_cpp.LlamaGrammar.from_string(text, verbose=False)
            except ValueError as exc:
                raise BackendError(f"invalid GBNF grammar: {exc}", retryable=False) from exc
        return self._grammars[text]

    async def generate(self, request: Request) -> Reply:
        return await asyncio.to_thread(self._generate_sync, request)

    def _next_probs(self, n_past: int, tokens: list[int]) -> np.ndarray:
        """Next-token probabilities after ``tokens`` placed at ``n_past`` (cached prefix reused)."""
        llm = self._llm
        cached = llm.input_ids[: llm.n_tokens].tolist()[n_past:]
        reuse = self._llama_cpp.Llama.longest_token_prefix(cached, tokens)
        reuse = min(reuse, len(tokens) - 1)
        llm.n_tokens = n_past + reuse
        llm.eval(tokens[reuse:])
        pointer = self._llama_cpp.llama_get_logits_ith(llm._ctx.ctx, -1)
        logits = np.ctypeslib.as_array(pointer, shape=(llm.n_vocab(),)).astype(np.float64)
        logits -= logits.max()
        probs = np.exp(logits)
        return probs / probs.sum()

    def _token_texts(self, probs: np.ndarray) -> list[tuple[str, float]]:
        """(text, probability) of the ``TOP_TOKENS`` most likely next tokens."""
        keep = np.argpartition(probs, -TOP_TOKENS)[-TOP_TOKENS:]
        return [(self._piece(int(t)), float(probs[t])) for t in keep]

    def _piece(self, token: int) -> str:
        """The text a token adds to the reply (leading space kept)."""
        if token not in self._pieces:
            raw = self._llm.detokenize([token], special=False)
            self._pieces[token] = raw.decode("utf-8", errors="replace")
        return self._pieces[token]

    def _distribution(self, tokens: list[int], options: tuple[str, ...]):
        first_probs = self._next_probs(0, tokens)
        n = len(tokens)
        cache: dict[tuple[str, ...], tuple[list[int], np.ndarray]] = {(): ([], first_probs)}

        def continuation(path: tuple[str, ...]) -> dict[str, float]:
            if path not in cache:
                ids, probs = cache[path[:-1]] if path[:-1] in cache else continuation_ids(path[:-1])
                top = np.argpartition(probs, -TOP_TOKENS)[-TOP_TOKENS:]
                matching = [t for t in top if (p := self._piece(int(t))) and p.lstrip() == path[-1]]
                best = int(max(matching, key=lambda t: probs[t]))
                chain = [*ids, best]
                cache[path] = (chain, self._next_probs(n, chain))
            return dict(self._token_texts(cache[path][1]))

        def continuation_ids(path: tuple[str, ...]):
            continuation(path)
            return cache[path]

        first = merge_tokens(self._token_texts(first_probs))
        return option_distribution(
            first, options, continuation, f"llama.cpp top-{TOP_TOKENS} next-token logits"
        )

    def _generate_sync(self, request: Request) -> Reply:
        text, stops = self.render(request)
        sampling = dict(request.sampling)
        stop = sampling.pop("stop", None) or []
        stop = [stop] if isinstance(stop, str) else list(stop)
        with self._lock:
            tokens = self._llm.tokenize(text.encode("utf-8"), add_bos=True, special=True)
            budget = self.n_ctx - len(tokens)
            if budget <= 1:
                raise BackendError(
                    f"prompt of {len(tokens)} tokens does not fit the context of {self.n_ctx}",
                    retryable=False,
                )
            distribution = self._distribution(tokens, request.options) if request.options else None
            try:
                out = self._llm.create_completion(
                    tokens,
                    max_tokens=min(int(sampling.get("max_tokens", 256)), budget - 1),
                    temperature=float(sampling.get("temperature", 0.0)),
                    top_p=float(sampling.get("top_p", 1.0)),
                    seed=sampling.get("seed"),
                    stop=stops + stop,
                    grammar=self._grammar(request.grammar),
                )
            except (RuntimeError, ValueError) as exc:
                raise BackendError(f"llama.cpp failed: {exc}", retryable=False) from exc
        choice = out["choices"][0]
        usage = out.get("usage", {})
        return Reply(
            text=choice["text"],
            model=self.model,
            prompt_tokens=usage.get("prompt_tokens"),
            completion_tokens=usage.get("completion_tokens"),
            finish_reason=choice.get("finish_reason"),
            distribution=distribution,
        )

    async def aclose(self) -> None:
        """Nothing is bound to the event loop; the model stays loaded."""

    def close(self) -> None:
        """Free the model."""
        self._llm.close()

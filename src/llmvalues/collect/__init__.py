"""Response collection: backends, plans with stable keys, an async runner and a SQLite store.

Typical use::

    from llmvalues.collect import Store, collect, ivs_plan, make_backend
    backend = make_backend("llamacpp", "smollm2")
    plan = ivs_plan(backend.model, descriptor_set="tao2024")
    with Store("runs.sqlite") as store:
        print(collect(plan, backend, store))
        responses = store.to_responses(plan.keys)
"""

from llmvalues.collect.backends import (
    BACKENDS,
    Backend,
    BackendError,
    Distribution,
    Reply,
    Request,
    make_backend,
)
from llmvalues.collect.ivs import ivs_plan, ivs_plan_size
from llmvalues.collect.pacing import RateLimiter, RetryPolicy
from llmvalues.collect.plan import Cell, Plan, PlanError, make_cell, text_plan
from llmvalues.collect.runner import (
    CollectionAborted,
    Reask,
    RunSummary,
    collect,
    collect_texts,
    run_plan,
)
from llmvalues.collect.store import Store, StoreError

__all__ = [
    "BACKENDS",
    "Backend",
    "BackendError",
    "Cell",
    "CollectionAborted",
    "Distribution",
    "Plan",
    "PlanError",
    "RateLimiter",
    "Reask",
    "Reply",
    "Request",
    "RetryPolicy",
    "RunSummary",
    "Store",
    "StoreError",
    "collect",
    "collect_texts",
    "ivs_plan",
    "ivs_plan_size",
    "make_backend",
    "make_cell",
    "run_plan",
    "text_plan",
]

"""Studies as data (tao2024, hall2026, llmvalues, demo): plan, run, re-test, track, demo.

``load_study(name_or_file)`` validates a study; ``prepare(study, model, out)`` plans it and
estimates its cost; ``run_study(prepared, backend)`` collects (resuming through the store),
fits and writes the report folder; ``retest_study(out, backend)`` asks the same plan again
on a new date and adds the "change since" section; ``track_store(store, out)`` does that
for any store holding several dates of one model.
"""

from llmvalues.study.spec import Study, StudyError, builtin_names, list_studies, load_study

# running a study loads the fits, figures and report: those names load on first use
_RUN = ("Prepared", "StudyResult", "prepare", "retest_study", "run_study", "track_store")


def __getattr__(name: str):
    if name in _RUN:
        from llmvalues.study import run

        return getattr(run, name)
    raise AttributeError(f"module 'llmvalues.study' has no attribute {name!r}")


__all__ = [
    "Prepared",
    "Study",
    "StudyError",
    "StudyResult",
    "builtin_names",
    "list_studies",
    "load_study",
    "prepare",
    "retest_study",
    "run_study",
    "track_store",
]

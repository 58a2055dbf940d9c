"""The package's base class for bad input (lowest layer: every layer may raise it)."""

from __future__ import annotations


class InputError(ValueError):
    """Input the package cannot use: a file, table, column, name or setting.

    The message names what is wrong and how to fix it. A ``ValueError``, so existing
    ``except ValueError`` code keeps catching it; the package's own input errors
    (``ResponsesError``, ``PlanError``, …) may subclass it. The command line prints the
    message on one line and exits with status 2 (see :mod:`llmvalues.cli.failure`).
    """

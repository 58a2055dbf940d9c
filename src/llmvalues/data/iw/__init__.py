"""Published Inglehart–Welzel reference figures (provenance in README.md beside them)."""

from importlib import resources
from typing import TextIO


def open_text(name: str) -> TextIO:
    """Open one of the shipped reference files for reading (UTF-8)."""
    return resources.files(__name__).joinpath(name).open("r", encoding="utf-8")

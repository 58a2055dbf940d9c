"""The ten IW items and the two map axes, read from the IVS-10 instrument (their one source).

Axes are named as the official WVS syntax names its two factors: ``survself``
(survival → self-expression, the map's x) and ``tradrat`` (traditional → secular-rational,
the map's y). Each item's axis is an attribute of the item in the instrument file.
"""

from __future__ import annotations

from llmvalues.instruments import load_instrument

_IVS10 = load_instrument()

ITEMS: tuple[str, ...] = tuple(_IVS10.codes)
"""The ten item codes in the instrument's order (the order of every projection)."""

AXES: dict[str, str] = {"x": "survself", "y": "tradrat"}
"""Map coordinate → the factor it shows."""

TRADRAT_ITEMS: tuple[str, ...] = tuple(i.code for i in _IVS10 if i.axis == "tradrat")
SURVSELF_ITEMS: tuple[str, ...] = tuple(i.code for i in _IVS10 if i.axis == "survself")

VALID_CODES: dict[str, tuple[int, ...]] = {i.code: i.codes for i in _IVS10}
"""Valid raw codes of each item (IVS missing codes are negative and never valid)."""

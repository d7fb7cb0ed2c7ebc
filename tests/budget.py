"""How hard the slow tests work. By default the suite stays well under five minutes on a 2-core
machine: slow properties run a third of their examples and size-bound tests a smaller input.
`RSPDSL_FULL=1 python -m pytest` runs everything at full strength (CI may, when time allows);
`python -m pytest -m "not slow"` leaves the slow ones out while editing."""
from __future__ import annotations

import os

FULL = os.environ.get("RSPDSL_FULL") == "1"


def examples(full: int) -> int:
    """Hypothesis examples for a slow property: `full` under RSPDSL_FULL=1, else a third."""
    return full if FULL else max(10, full // 3)


def size(full: int, default: int) -> int:
    """An input size for a size-bound test: `full` under RSPDSL_FULL=1, else `default`."""
    return full if FULL else default

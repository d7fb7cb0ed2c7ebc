"""Objects the console script keeps alive until it leaves with os._exit (see cli.entry).

Freeing a check's Z3 terms one wrapper at a time costs ~10 ms per checked file, work the
operating system does for free when the process ends. Only the console script, which ends with
os._exit, turns this on; the API and the tests free everything as usual. At most the last
KEEP_AT_MOST are kept, so checking many files does not grow without bound.
"""
from __future__ import annotations

from collections import deque
from typing import Any

KEEP_AT_MOST = 16

_kept: deque[Any] | None = None


def keep_until_exit() -> None:
    """Called by cli.entry: from now on keep() holds its objects until the process ends."""
    global _kept
    if _kept is None:
        _kept = deque(maxlen=KEEP_AT_MOST)


def keep(obj: Any) -> None:
    """Hold `obj` until exit if the process ends with os._exit; otherwise do nothing."""
    if _kept is not None:
        _kept.append(obj)


def keep_nothing() -> None:
    """Called by a command that lives on (the language server): each proof's objects are freed as
    usual, or a long session would hold the last KEEP_AT_MOST proofs' terms for nothing."""
    global _kept
    _kept = None

"""rspdsl: policy-as-code with formal verification for AI Responsible Scaling Policies.

The small public API reads like `json`: `load(path)` / `loads(text)` give a checked Policy or
raise PolicyError with every diagnostic; `check`, `evaluate` and `diff` do the rest.
Heavy modules (Z3) are imported only when a function that needs them is called.
"""
from __future__ import annotations

__version__ = "0.1.0"

from .diagnostics import Diagnostic, PolicyError  # noqa: E402


def loads(text: str, path: str = "<string>"):
    """Parse and check policy text; return the checked Policy or raise PolicyError."""
    from .frontend import load_text

    result = load_text(text, path)
    if not result.ok:
        raise PolicyError([d for d in result.diagnostics if d.is_error], result.source)
    return result.policy


def load(path: str):
    """Read, parse and check a policy file; return the checked Policy or raise PolicyError."""
    from .frontend import load_file

    result = load_file(path)
    if not result.ok:
        raise PolicyError([d for d in result.diagnostics if d.is_error], result.source)
    return result.policy


__all__ = ["Diagnostic", "PolicyError", "load", "loads", "__version__"]

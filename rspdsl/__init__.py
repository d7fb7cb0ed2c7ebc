"""rspdsl: policy-as-code with formal verification for AI Responsible Scaling Policies.

The small public API reads like `json`: `load(path)` / `loads(text)` give a checked Policy or
raise PolicyError with every diagnostic; `check`, `evaluate` and `diff` do the rest;
`check_file(path)` does what `rspdsl check` does for one file (never raising for a bad file).
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


def check(policy, *, timeout_ms: int = 10_000, seed: int = 0, properties: set[str] | None = None):
    """Prove the built-in properties and assertions of a checked Policy; returns a Report."""
    from .logic.prover import verify

    return verify(policy, timeout_ms=timeout_ms, seed=seed, properties=properties)


def check_file(path: str, *, timeout_ms: int = 10_000, seed: int = 0, properties: set[str] | None = None,
               use_cache: bool = False):
    """Load and check one policy file as `rspdsl check` does; returns a CheckedFile (its
    diagnostics, report and exit_code()). A file that cannot be used is a result, not an
    exception. With `use_cache`, the result cache (rspdsl.cache) answers a file checked before."""
    from .analyses.check import check_file as check_one

    return check_one(path, timeout_ms=timeout_ms, seed=seed, properties=properties, use_cache=use_cache)


def evaluate(policy, state):
    """Decide one state in the STATE.json form (JSON text, bytes, or a mapping of JSON values);
    returns a Decision. A bad state raises rspdsl.state.StateError naming the culprit."""
    from .evaluator import compile_policy
    from .state import read_state

    return compile_policy(policy).decide(read_state(policy, state))


def diff(old, new, *, renames: dict[str, str] | None = None, timeout_ms: int = 10_000, seed: int = 0):
    """The semantic difference between two checked policies; returns a DiffReport."""
    from .analyses.diff import diff_policies

    return diff_policies(old, new, renames=renames or {}, timeout_ms=timeout_ms, seed=seed)


__all__ = ["Diagnostic", "PolicyError", "check", "check_file", "diff", "evaluate", "load", "loads",
           "__version__"]

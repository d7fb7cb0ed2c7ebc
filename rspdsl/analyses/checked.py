"""What checking one policy file learned: the front end's diagnostics and the prover's report.

`CheckedFile` is the product of `rspdsl check` (and, per policy, of `rspdsl baseline`): built
by rspdsl.analyses.check, consumed by every check renderer (results_text, json_out, sarif,
markdown), stored by the result cache. The exit-code rules live here with the data they read,
not in a renderer.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..diagnostics import Diagnostic, Severity
from ..logic.results import Report, Result
from ..source import NO_SPAN, SourceFile


@dataclass(frozen=True)
class CheckedFile:
    path: str                              # as given on the command line
    source: SourceFile                     # empty text when the file could not be read
    title: str | None                      # the policy's title, when the front end got that far
    diagnostics: tuple[Diagnostic, ...]    # front-end diagnostics (and E0900 internal errors)
    report: Report | None                  # None when the file could not be verified
    seconds: float = 0.0                   # wall time for this file (load + verify)
    cached: bool = False                   # answered from the result cache (rspdsl.cache), not re-proved

    @property
    def usable(self) -> bool:
        return self.report is not None and not any(d.is_error for d in self.diagnostics)

    @property
    def results(self) -> tuple[Result, ...]:
        return self.report.results if self.report is not None else ()

    def exit_code(self) -> int:
        """2 cannot be used; else 1 an error-level violation; else 3 something unknown; else 0."""
        if not self.usable:
            return 2
        assert self.report is not None
        return self.report.exit_code()

    def counts(self) -> dict[str, int]:
        """proved / violated (error severity) / warnings (violated, warning severity) / unknown /
        accepted (a violation the policy accepts: rspdsl/analyses/acceptance.py)."""
        out = {"proved": 0, "violated": 0, "warnings": 0, "unknown": 0, "accepted": 0}
        for r in self.results:
            if r.status == "violated":
                out["violated" if r.severity == "error" else "warnings"] += 1
            elif r.status in out:
                out[r.status] += 1
        return out


def overall_exit_code(files: Iterable[CheckedFile]) -> int:
    """The contract's precedence across files: 2 over 1 over 3 over 0."""
    codes = {f.exit_code() for f in files}
    for code in (2, 1, 3):
        if code in codes:
            return code
    return 0


def internal_error(exc: BaseException) -> Diagnostic:
    """The E0900 diagnostic for a bug in rspdsl met while checking one file."""
    # built directly (not via diagnostics.error) so that nothing here can itself fail
    return Diagnostic("E0900", Severity.ERROR, f"internal error: {type(exc).__name__}: {exc}", NO_SPAN,
                      hint="this is a bug in rspdsl; rerun with RSPDSL_DEBUG=1 and report the traceback")

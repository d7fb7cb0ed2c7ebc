"""Diagnostics as data: what went wrong, where, and a hint. Renderers live in rspdsl.render."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from .source import Location, Span


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


# The stable code registry. Codes are never reused or renumbered; `rspdsl explain CODE` prints these.
CODES: dict[str, str] = {
    # E00xx: the file and its syntax
    "E0001": "the file cannot be read (missing, a directory, or no permission)",
    "E0002": "the file is not valid UTF-8",
    "E0003": "the file holds no policy (empty, or only comments)",
    "E0010": "a character that cannot start any token",
    "E0011": "a token where the grammar does not allow it",
    "E0012": "a string that is not closed before the end of the line or file",
    "E0013": "the file ends in the middle of a declaration",
    "E0014": "expressions nested deeper than the parser allows",
    "E0015": "an unknown escape sequence in a string (only \\\" and \\\\ exist)",
    "E0016": "a number, written or computed from constants, beyond 10^1000 in size or precision",
    "E0017": "a modifier (`reassuring`, `cumulative`, `set at`, `by`) written twice on one declaration",
    # E01xx: names
    "E0101": "a name declared twice (all declarations share one namespace)",
    "E0103": "a name that is not declared",
    "E0104": "a name of the wrong kind for its place (e.g. an action used as a value)",
    "E0106": "thresholds that depend on each other in a cycle",
    "E0107": "the `policy` declaration is missing, repeated, or not first",
    "E0108": "a tier ladder problem: no tier, a `when` on the first tier, or a later tier without one",
    "E0109": "a scale with no values (a repeated value is E0101, like any duplicate name)",
    "E0110": "an `accept` naming an unknown property id, or accepting the same finding twice",
    # E02xx: types
    "E0201": "operands of incompatible types (booleans, numbers, scale values, tiers)",
    "E0202": "a condition, commitment or assertion that is not a boolean",
    "E0203": "values of two different scales compared",
    "E0204": "nonlinear arithmetic: `*` and `/` need a constant on one side",
    "E0205": "quantities of two different units compared or added",
    "E0206": "`tier` used where the tier is being defined (a threshold or a tier's `when`)",
    "E0207": "`allowed(A)` used outside an assertion",
    "E0208": "a bound whose lower end exceeds its upper end",
    "E0210": "division by zero",
    "E0211": "an ordering comparison (`<`, `>=`, ...) between booleans",
    "E0212": "a bare number where a scale value or tier is expected",
    # W03xx: warnings of the front end
    "W0301": "a declaration that nothing uses",
    "W0302": "`reassuring` on a response (safeguard or control), where it has no effect",
    "W0303": "an `accept` that matches no violated finding (fixed, misspelt, or never checked)",
    # E04xx: time and duties (language v2)
    "E0401": "`days_since(X)` used other than as one side of a comparison with a constant",
    "E0402": "`E at X` whose E reads history (a history term, or `allowed`)",
    "E0403": "history read where only the current state may count: a tier's `when`, a duty's clock",
    "E0405": "a modifier on a declaration it does not apply to (`cumulative` on a flag, `set at`/`by` on a response)",
    "E0406": "a waiver whose commitment matches no requirement, or names an action none of them binds",
    # E07xx / W07xx: regulator baselines and their mapping files (rspdsl baseline)
    "E0701": "a mapping-file line that is not `baseline_name = expression`",
    "E0702": "a baseline name mapped twice in one mapping file",
    "E0703": "a mapping for a name that is not a mappable baseline entity",
    "E0704": "a mapping whose expression does not fit the baseline entity (sort, unit or scale)",
    "E0705": "a baseline name an assertion uses, with no counterpart in the policy and no mapping",
    "E0706": "a policy entity with the baseline's name but a different sort (map it explicitly)",
    "E0707": "a baseline that uses what a baseline cannot (tier, rules, requirements) or asserts nothing",
    "W0701": "a baseline metric whose range the policy does not cover",
    # E08xx: policy tests (rspdsl test)
    "E0801": "a test file (.rsptest) that cannot be used: not TOML, a missing or unknown field, a "
             "name the policy does not have, or a state it refuses",
    # E09xx: internal
    "E0900": "an internal error in rspdsl (please report it)",
}


@dataclass(frozen=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    span: Span
    hint: str | None = None
    related: tuple[Location, ...] = ()
    path: str = field(default="", compare=False)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def error(code: str, message: str, span: Span, hint: str | None = None,
          related: tuple[Location, ...] = ()) -> Diagnostic:
    assert code in CODES, code
    return Diagnostic(code, Severity.ERROR, message, span, hint, related)


def warning(code: str, message: str, span: Span, hint: str | None = None,
            related: tuple[Location, ...] = ()) -> Diagnostic:
    assert code in CODES, code
    return Diagnostic(code, Severity.WARNING, message, span, hint, related)


class InternalError(Exception):
    """The solver and the definitional evaluator disagree, or a witness is malformed: a bug in
    rspdsl, never a user error (check, diff and baseline raise this one type; commands report it
    as E0900)."""


class PolicyError(Exception):
    """Raised by the API when a policy cannot be used; carries every diagnostic found."""

    def __init__(self, diagnostics: list[Diagnostic], source: object | None = None):
        self.diagnostics = diagnostics
        self.source = source
        first = diagnostics[0] if diagnostics else None
        super().__init__(f"{first.code} {first.message}" if first else "policy error")


def did_you_mean(name: str, candidates: list[str] | set[str] | tuple[str, ...]) -> str | None:
    """A 'did you mean' hint from the closest declared names (difflib ratio, then edit shape)."""
    import difflib

    matches = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    if matches:
        return f"did you mean `{matches[0]}`?"
    lowered = {c.lower(): c for c in candidates}
    if name.lower() in lowered:
        return f"did you mean `{lowered[name.lower()]}`?"
    return None

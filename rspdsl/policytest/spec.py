"""Reading a `*.rsptest` file: TOML text -> a TestFile of cases, or a TestFileError naming the
line and the field at fault.

Why TOML: the standard library reads it (tomllib, Python 3.11+, so no new dependency); it has
comments, which JSON lacks and a test needs to say why a case exists; its tables and arrays map
one to one onto a state (a JSON object) and a table of states; and it is read here with numbers
as Decimals (`parse_float=Decimal`), so `0.1` in a test is one tenth exactly, as in STATE.json.
YAML would need a dependency and reads `no` as false; a new block syntax would need a parser.

tomllib gives no positions, so the lines of cases and fields are found by a small scan of the
text (`_Lines`): good enough to point at the `[[case]]` header or the `key =` line at fault.
The format is documented in docs/testing.md; this module only checks its shape, and the runner
checks the names and values against the policy.
"""
from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

MAX_TEST_FILE_BYTES = 8 * 1024 * 1024
STATE_VALUE_TYPES = (bool, int, Decimal, str)
_TOP_KEYS = ("policy", "defaults", "states", "case")
_CASE_KEYS = ("name", "from", "state", "expect", "columns", "rows", "run")
_EXPECT_KEYS = ("tier", "thresholds", "allowed", "denied", "decided_by", "unmet", "assertions",
                "complies", "overdue", "pending")
_STEP_KEYS = ("day", "state", "acts")


class TestFileError(Exception):
    """A test file that cannot be used: where (line, field) and what, with an optional hint."""

    __test__ = False  # not a pytest class

    def __init__(self, path: str, line: int, message: str, *, field: str | None = None,
                 hint: str | None = None, column: int = 1):
        super().__init__(message)
        self.path = path
        self.line = line
        self.column = column
        self.field = field
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class Expect:
    """What a case expects; a field left out is not checked. Names are checked against the
    policy by the runner."""
    tier: str | None = None
    thresholds: dict[str, bool] = field(default_factory=dict)
    verdicts: dict[str, bool] = field(default_factory=dict)     # action -> allowed (allowed/denied)
    decided_by: dict[str, str] = field(default_factory=dict)    # action -> rule description, "line N", "default"
    unmet: dict[str, tuple[str, ...]] = field(default_factory=dict)  # action -> requirement texts (exactly)
    assertions: dict[str, bool] = field(default_factory=dict)
    complies: bool | None = None                 # runs: no act taken while denied, no duty overdue, ...
    overdue: tuple[str, ...] | None = None       # duties overdue at the last step (exactly these)
    pending: tuple[str, ...] | None = None       # duties pending at the last step (exactly these)

    @property
    def empty(self) -> bool:
        return (self.tier is None and not self.thresholds and not self.verdicts and not self.decided_by
                and not self.unmet and not self.assertions and self.complies is None
                and self.overdue is None and self.pending is None)


@dataclass(frozen=True)
class Case:
    name: str
    line: int                         # the `[[case]]` header, or the row of a table
    state: dict[str, Any]             # merged: defaults, then `from`, then the case's own values
    expect: Expect
    field_lines: dict[str, int] = field(default_factory=dict, compare=False)  # "state.x" -> line
    run: tuple[dict[str, Any], ...] | None = None  # steps {day, state (changes), acts}; step 0 over `state`

    def line_of(self, path: str) -> int:
        """The line of a field (`state.x`, `expect.tier`), or of its nearest enclosing key, or the case."""
        return _line_for(self.field_lines, path, self.line)


@dataclass(frozen=True)
class TestFile:
    __test__ = False  # not a pytest class

    path: str
    policy_path: str                  # resolved against the test file's directory
    policy_line: int
    cases: tuple[Case, ...]


# ---------------------------------------------------------------- lines of keys (tomllib has none)

_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_\-.\"' ]+?)\s*\]\]?\s*$")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'')
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-.\"' ]+?)\s*=")
_INNER_KEY = re.compile(r"[{,]\s*([A-Za-z0-9_\-\"']+)\s*=")


def _strip_comment(line: str) -> str:
    """The line without its comment (a `#` outside strings)."""
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return line[:i]
    return line


def _clean(key: str) -> str:
    return ".".join(part.strip().strip("\"'") for part in key.split("."))


class _Lines:
    """Where each table and key of a test file starts, found by scanning its lines.

    Keys are recorded per table (`("case", 2)` is the third `[[case]]`) as dotted paths
    (`expect.tier`, including keys of one-line inline tables); the rows of a multi-line array
    are recorded as `KEY#N` (row N, from 1)."""

    def __init__(self, text: str):
        self.keys: dict[tuple[str, int], dict[str, int]] = {("", -1): {}}
        self.headers: dict[tuple[str, int], int] = {}
        counts: dict[str, int] = {}
        current: tuple[str, int] = ("", -1)
        prefix = ""
        array_key, depth, row = "", 0, 0
        for number, line in enumerate(text.splitlines(), 1):
            plain = _strip_comment(line)
            bare = _STRING.sub('""', plain)  # for counting brackets outside strings
            if depth > 0:  # inside a multi-line array value
                if bare.lstrip().startswith(("[", "{")) and depth == 1:
                    row += 1
                    self.keys[current].setdefault(f"{array_key}#{row}", number)
                depth += bare.count("[") - bare.count("]")
                continue
            header = _HEADER.match(plain)
            if header:
                name = _clean(header.group(2))
                prefix = ""
                if header.group(1) == "[[":
                    counts[name] = counts.get(name, 0) + 1
                    current = (name, counts[name] - 1)
                    self.headers[current] = number
                elif name.startswith("case.") and counts.get("case"):
                    current = ("case", counts["case"] - 1)  # `[case.expect]`: a sub-table of the latest case
                    prefix = name[len("case."):] + "."
                    self.keys.setdefault(current, {}).setdefault(name[len("case."):], number)
                else:
                    current = (name, -1)
                    self.headers[current] = number
                self.keys.setdefault(current, {})
                continue
            key = _KEY.match(plain)
            if not key:
                continue
            path = prefix + _clean(key.group(1))
            table = self.keys[current]
            table.setdefault(path, number)
            rest = bare[len(_STRING.sub('""', plain[:key.end()])):]
            for inner in _INNER_KEY.finditer(plain[key.end():]):
                table.setdefault(f"{path}.{_clean(inner.group(1))}", number)
            opened = rest.count("[") - rest.count("]")
            if opened > 0:
                array_key, depth, row = path, opened, 0
                if re.match(r"\s*\[\s*[\[{]", rest):  # the first row on the key's own line
                    row = 1
                    table.setdefault(f"{path}#1", number)

    def case(self, index: int) -> tuple[int, dict[str, int]]:
        where = ("case", index)
        return self.headers.get(where, 1), self.keys.get(where, {})

    def table(self, name: str) -> tuple[int, dict[str, int]]:
        where = (name, -1)
        return self.headers.get(where, 1), self.keys.get(where, {})

    def top(self, key: str) -> int:
        return self.keys.get(("", -1), {}).get(key, 1)


# ---------------------------------------------------------------- reading

def read_test_file(path: str) -> TestFile:
    """Read and shape-check a test file; raises TestFileError."""
    try:
        if os.path.getsize(path) > MAX_TEST_FILE_BYTES:
            raise TestFileError(path, 1, f"the test file is larger than {MAX_TEST_FILE_BYTES // (1024 * 1024)} MiB")
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise TestFileError(path, 1, "no such test file") from None
    except IsADirectoryError:
        raise TestFileError(path, 1, "a directory, not a test file") from None
    except OSError as exc:
        raise TestFileError(path, 1, f"cannot read the test file: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise TestFileError(path, line, "the test file is not UTF-8") from None
    return parse_test_text(text, path)


_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def parse_test_text(text: str, path: str = "<string>") -> TestFile:
    try:
        doc = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = _TOML_POSITION.search(message)
        line, column = (int(where.group(1)), int(where.group(2))) if where else (1, 1)
        raise TestFileError(path, line, f"not valid TOML: {_TOML_POSITION.sub('', message).strip()}",
                            column=column, hint="the format is TOML; see docs/testing.md") from None
    lines = _Lines(text)
    for key in doc:
        if key not in _TOP_KEYS:
            raise TestFileError(path, lines.top(key), f"unknown top-level key `{key}`", field=key,
                                hint=f"a test file has {', '.join(_TOP_KEYS)}")
    policy = doc.get("policy")
    if not isinstance(policy, str) or not policy:
        raise TestFileError(path, lines.top("policy"), "the test file names no policy", field="policy",
                            hint='add a first line such as `policy = "my-policy.rsp"` (relative to this file)')
    policy_path = os.path.normpath(os.path.join(os.path.dirname(path), policy))
    defaults = _state_table(doc.get("defaults", {}), path, "defaults", lines.table("defaults")[0])
    named = _named_states(doc.get("states", {}), defaults, path, lines)
    raw_cases = doc.get("case")
    if not isinstance(raw_cases, list) or not raw_cases:
        raise TestFileError(path, 1, "the test file has no cases", field="case",
                            hint="add a `[[case]]` table with a `name`, a `state` and an `expect` table")
    cases: list[Case] = []
    for index, raw in enumerate(raw_cases):
        header, keys = lines.case(index)
        cases.extend(_cases(raw, index, header, keys, defaults, named, path))
    seen: dict[str, int] = {}
    for case in cases:
        if case.name in seen:
            raise TestFileError(path, case.line, f"two cases are named `{case.name}` (the first at line "
                                f"{seen[case.name]})", field="name", hint="give each case its own name")
        seen[case.name] = case.line
    return TestFile(path, policy_path, lines.top("policy"), tuple(cases))


def _state_table(raw: Any, path: str, where: str, line: int) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise TestFileError(path, line, f"`{where}` must be a table of input and response values", field=where)
    for name, value in raw.items():
        if not isinstance(value, STATE_VALUE_TYPES):
            raise TestFileError(path, line, f"`{where}.{name}` must be true/false, a number or a scale value "
                                "(a string)", field=f"{where}.{name}")
    return dict(raw)


def _named_states(raw: Any, defaults: dict[str, Any], path: str, lines: _Lines) -> dict[str, dict[str, Any]]:
    if not isinstance(raw, dict):
        raise TestFileError(path, lines.top("states"), "`states` must hold named state tables, e.g. "
                            "`[states.asl3]`", field="states")
    out: dict[str, dict[str, Any]] = {}
    for name, table in raw.items():
        line = lines.table(f"states.{name}")[0]
        out[name] = {**defaults, **_state_table(table, path, f"states.{name}", line)}
    return out


def _cases(raw: Any, index: int, header: int, keys: dict[str, int], defaults: dict[str, Any],
           named: dict[str, dict[str, Any]], path: str) -> list[Case]:
    where = f"case[{index + 1}]"
    if not isinstance(raw, dict):
        raise TestFileError(path, header, f"{where} must be a table", field=where)

    def fail(message: str, key: str, hint: str | None = None) -> TestFileError:
        line = _line_for(keys, key, header)
        return TestFileError(path, line, message, field=f"{where}.{key}", hint=hint)

    for key in raw:
        if key not in _CASE_KEYS:
            raise fail(f"unknown key `{key}` in {where}", key, f"a case has {', '.join(_CASE_KEYS)}")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise fail(f"{where} has no `name`", "name", 'add `name = "what this case pins"`')
    base = defaults
    if "from" in raw:
        source = raw["from"]
        if not isinstance(source, str) or source not in named:
            listing = ", ".join(named) or "none declared"
            raise fail(f"`from` must name a table of `[states.NAME]` (declared: {listing})", "from")
        base = named[source]
    own = raw.get("state", {})
    if not isinstance(own, dict):
        raise fail("`state` must be a table of input and response values", "state")
    for var, value in own.items():
        if not isinstance(value, STATE_VALUE_TYPES):
            raise fail(f"`state.{var}` must be true/false, a number or a scale value (a string)", f"state.{var}")
    state = {**base, **own}
    run = _run(raw["run"], fail) if "run" in raw else None
    expect_raw = raw.get("expect", {})
    if "columns" not in raw and "rows" not in raw:
        expect = _expect(expect_raw, fail)
        if expect.empty:
            raise fail(f"{where} `{name}` expects nothing", "expect",
                       "add e.g. `expect.tier = \"...\"` or `expect.allowed = [...]`")
        return [Case(name, header, state, expect, _field_lines(keys), run)]
    return [replace(case, run=run) for case in _table_cases(raw, name, header, keys, state, expect_raw, fail)]


def _run(raw: Any, fail: Any) -> tuple[dict[str, Any], ...]:
    """The steps of a run case, shape-checked (the run reader checks them against the policy)."""
    if not isinstance(raw, list) or not raw:
        raise fail("`run` must be a list of steps, e.g. `run = [{ day = 0, acts = [\"train\"] }, ...]`", "run")
    steps = []
    for number, step in enumerate(raw, 1):
        if not isinstance(step, dict):
            raise fail(f"step {number} of `run` must be a table {{ day = ..., state = {{...}}, acts = [...] }}", "run")
        for key in step:
            if key not in _STEP_KEYS:
                raise fail(f"unknown key `{key}` in step {number} of `run` (a step has day, state and acts)", "run")
        if "day" not in step:
            raise fail(f"step {number} of `run` has no `day`", "run")
        steps.append(dict(step))
    return tuple(steps)


def _line_for(keys: dict[str, int], key: str, default: int) -> int:
    """The line of `key`, else of the first key under it (`expect` -> `expect.tier`), else of
    its nearest parent, else `default`."""
    if key in keys:
        return keys[key]
    under = [line for path, line in keys.items() if path.startswith(key + ".")]
    if under:
        return min(under)
    parent = key.rpartition(".")[0]
    return _line_for(keys, parent, default) if parent else default


def _table_cases(raw: dict[str, Any], name: str, header: int, keys: dict[str, int], state: dict[str, Any],
                 expect_raw: Any, fail: Any) -> list[Case]:
    columns, rows = raw.get("columns"), raw.get("rows")
    if not isinstance(columns, list) or not columns or not all(isinstance(c, str) and c for c in columns):
        raise fail("a table case needs `columns`, a list of names (state values, or `expect.` fields)", "columns")
    if len(set(columns)) != len(columns):
        raise fail("a column is named twice", "columns")
    if not isinstance(rows, list) or not rows:
        raise fail("a table case needs `rows`, a list of rows, one value per column", "rows")
    if not isinstance(expect_raw, dict):
        raise fail("`expect` must be a table", "expect")
    out = []
    for number, row in enumerate(rows, 1):
        line = keys.get(f"rows#{number}", keys.get("rows", header))
        if not isinstance(row, list) or len(row) != len(columns):
            raise fail(f"row {number} must list {len(columns)} values, one per column", "rows")
        row_state, row_expect = dict(state), _copy_tables(expect_raw)
        for column, value in zip(columns, row):
            if column.startswith("expect."):
                parts = column.split(".")[1:]
                target = row_expect
                for part in parts[:-1]:
                    target = target.setdefault(part, {})
                    if not isinstance(target, dict):
                        raise fail(f"column `{column}` sets a field that is not a table", "columns")
                if parts[0] in ("allowed", "denied") and len(parts) == 2 and isinstance(value, bool):
                    # `expect.allowed.deploy` takes true/false: the verdict
                    target = row_expect.setdefault("allowed", {})
                    if not isinstance(target, dict):
                        raise fail("column `expect.allowed.ACTION` cannot be mixed with a list `allowed`",
                                   "columns")
                    target[parts[1]] = value if parts[0] == "allowed" else not value
                    continue
                target[parts[-1]] = value
            else:
                if not isinstance(value, STATE_VALUE_TYPES):
                    raise fail(f"row {number}, column `{column}`: a state value must be true/false, a number "
                               "or a scale value (a string)", "rows")
                row_state[column] = value
        try:
            expect = _expect(row_expect, fail)
        except TestFileError as exc:
            raise TestFileError(exc.path, line, f"row {number}: {exc.message}", field=exc.field,
                                hint=exc.hint) from None
        if expect.empty:
            raise fail("a table case expects nothing", "columns",
                       "name an `expect.` field among the columns, or add an `expect` table")
        title = _row_title(name, columns, row, number)
        out.append(Case(title, line, row_state, expect, _field_lines(keys)))
    return out


def _copy_tables(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: _copy_tables(v) if isinstance(v, dict) else v for k, v in raw.items()}


_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def _row_title(name: str, columns: list[str], row: list[Any], number: int) -> str:
    values = dict(zip(columns, row))
    if not any(m.group(1) in values for m in _PLACEHOLDER.finditer(name)):
        return f"{name} [row {number}]"
    return _PLACEHOLDER.sub(lambda m: _show(values[m.group(1)]) if m.group(1) in values else m.group(0), name)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "g").lower().replace("e+", "e")
    return str(value)


def _field_lines(keys: dict[str, int]) -> dict[str, int]:
    return dict(keys)


def _expect(raw: Any, fail: Any) -> Expect:
    if not isinstance(raw, dict):
        raise fail("`expect` must be a table, e.g. `expect.tier = \"ASL-3\"`", "expect")
    for key in raw:
        if key not in _EXPECT_KEYS:
            raise fail(f"unknown expectation `expect.{key}`", f"expect.{key}",
                       f"expectations: {', '.join(_EXPECT_KEYS)}")
    tier = raw.get("tier")
    if tier is not None and not isinstance(tier, str):
        raise fail("`expect.tier` must be a tier's name (a string)", "expect.tier")
    verdicts: dict[str, bool] = {}
    for key, allowed in (("allowed", True), ("denied", False)):
        value = raw.get(key)
        if value is None:
            continue
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            for action in value:
                if action in verdicts and verdicts[action] != allowed:
                    raise fail(f"`{action}` is expected both allowed and denied", f"expect.{key}")
                verdicts[action] = allowed
        elif isinstance(value, dict) and all(isinstance(v, bool) for v in value.values()):
            for action, verdict in value.items():
                verdicts[action] = verdict if allowed else not verdict
        else:
            raise fail(f"`expect.{key}` must be a list of action names (or a table action = true/false)",
                       f"expect.{key}")
    complies = raw.get("complies")
    if complies is not None and not isinstance(complies, bool):
        raise fail("`expect.complies` must be true or false", "expect.complies")
    return Expect(tier=tier,
                  complies=complies,
                  overdue=_name_list(raw, "overdue", fail),
                  pending=_name_list(raw, "pending", fail),
                  thresholds=_bool_table(raw, "thresholds", fail),
                  verdicts=verdicts,
                  decided_by=_string_table(raw, "decided_by", fail),
                  unmet=_unmet_table(raw, fail),
                  assertions=_bool_table(raw, "assertions", fail))


def _name_list(raw: Mapping[str, Any], key: str, fail: Any) -> tuple[str, ...] | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fail(f"`expect.{key}` must be a list of duty names ([] for none)", f"expect.{key}")
    return tuple(value)


def _bool_table(raw: Mapping[str, Any], key: str, fail: Any) -> dict[str, bool]:
    value = raw.get(key, {})
    if not isinstance(value, dict) or not all(isinstance(v, bool) for v in value.values()):
        raise fail(f"`expect.{key}` must be a table of name = true/false", f"expect.{key}")
    return dict(value)


def _string_table(raw: Mapping[str, Any], key: str, fail: Any) -> dict[str, str]:
    value = raw.get(key, {})
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise fail(f"`expect.{key}` must be a table of action = \"rule description\" (or \"line N\", "
                   "\"default\")", f"expect.{key}")
    return dict(value)


def _unmet_table(raw: Mapping[str, Any], fail: Any) -> dict[str, tuple[str, ...]]:
    value = raw.get("unmet", {})
    ok = isinstance(value, dict) and all(isinstance(v, list) and all(isinstance(t, str) for t in v)
                                         for v in value.values())
    if not ok:
        raise fail("`expect.unmet` must be a table of action = [requirement, ...] (as written, e.g. "
                   "\"asl3_security\"; [] for none)", "expect.unmet")
    return {action: tuple(texts) for action, texts in value.items()}

"""`rspdsl test`: the *.rsptest format, its errors (line and field), outputs, exit codes, coverage."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path
from xml.etree import ElementTree

import pytest

from rspdsl.cli import main
from rspdsl.frontend import load_file
from rspdsl.policytest.spec import TestFileError, parse_test_text
from rspdsl.policytest.template import state_template
from rspdsl.state import read_state

REPO = Path(__file__).resolve().parent.parent
SHIPPED = sorted((REPO / "policies").glob("*.rsp"))

POLICY = """policy "Test" version "1"
metric uplift in [0, 1]
safeguard secure
action train default permit
action deploy
threshold CBRN-3 when uplift >= 0.5
tier ASL-2 {
  require secure for deploy
}
tier ASL-3 when CBRN-3 { }
permit deploy when secure "deploy when secure"
forbid train when tier >= ASL-3 and not secure "stop"
assert safe: allowed(deploy) implies secure
"""

HEADER = """policy = "p.rsp"
[defaults]
uplift = 0
secure = true
"""


def write(tmp_path: Path, body: str, name: str = "p.rsptest") -> Path:
    (tmp_path / "p.rsp").write_text(POLICY)
    path = tmp_path / name
    path.write_text(HEADER + textwrap.dedent(body))
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["test", *args])
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------- the shipped policies

def test_every_shipped_policy_has_a_test_file():
    missing = [p.name for p in SHIPPED if not p.with_suffix(".rsptest").exists()]
    assert not missing


def test_shipped_tests_pass_with_full_coverage(capsys):
    code, out, _ = run(capsys, str(REPO / "policies"), "--coverage", "--min", "100", "--format", "json")
    doc = json.loads(out)
    assert code == 0, out
    assert doc["summary"]["failed"] == 0 and doc["summary"]["errors"] == 0
    assert doc["summary"]["passed"] >= 10 * len(SHIPPED)
    assert {Path(c["policy"]).name for c in doc["coverage"]["policies"]} == {p.name for p in SHIPPED}
    assert all(c["percent"] == 100 for c in doc["coverage"]["policies"])


@pytest.mark.parametrize("policy", SHIPPED, ids=lambda p: p.name)
def test_eval_template_is_a_usable_state(policy, capsys):
    assert main(["eval", str(policy), "--template"]) == 0
    out = capsys.readouterr().out
    loaded = load_file(str(policy))
    assert loaded.policy is not None
    state = read_state(loaded.policy, out)
    assert list(state) == list(loaded.policy.variables)
    assert json.loads(out) == json.loads(json.dumps(state_template(loaded.policy), default=str).replace('"0"', "0")) \
        or set(json.loads(out)) == set(loaded.policy.variables)


# ---------------------------------------------------------------- passing and failing

def test_a_failing_case_names_each_difference(tmp_path, capsys):
    path = write(tmp_path, """
        [[case]]
        name = "crossed"
        state = { uplift = 0.5, secure = false }
        expect.tier = "ASL-2"
        expect.allowed = ["train"]
        expect.decided_by = { train = "default" }
        expect.unmet = { deploy = [] }
        """)
    code, out, _ = run(capsys, str(path))
    assert code == 1
    assert f"{path}:6: FAIL  crossed" in out
    assert "tier: expected ASL-2, got ASL-3" in out
    assert "allowed.train: expected allowed, got denied" in out
    assert "decided_by.train: expected default, got stop" in out
    assert 'unmet.deploy: expected none, got ["secure"]' in out
    assert "1 test file: 0 passed, 1 failed" in out


def test_a_passing_file_exits_0_and_quiet_prints_only_the_totals(tmp_path, capsys):
    path = write(tmp_path, """
        [[case]]
        name = "below"
        expect.tier = "ASL-2"
        expect.allowed = ["deploy", "train"]
        expect.decided_by = { deploy = "deploy when secure" }
        expect.assertions = { safe = true }
        expect.thresholds = { CBRN-3 = false }
        """)
    code, out, _ = run(capsys, str(path))
    assert code == 0 and "ok    below" in out
    code, out, _ = run(capsys, str(path), "--quiet")
    assert code == 0 and out == "1 test file: 1 passed, 0 failed\n"


def test_exact_numbers_at_a_boundary(tmp_path, capsys):
    path = write(tmp_path, """
        [[case]]
        name = "boundary {uplift} -> {expect.tier}"
        columns = ["uplift", "expect.tier"]
        rows = [
          [0.49999999999999999999, "ASL-2"],
          [0.5, "ASL-3"],
        ]
        """)
    code, out, _ = run(capsys, str(path), "-v")
    assert code == 0, out
    assert "boundary 0.49999999999999999999 -> ASL-2" in out


def test_table_rows_are_cases_with_their_own_lines(tmp_path, capsys):
    path = write(tmp_path, """
        [[case]]
        name = "ladder"
        columns = ["uplift", "expect.tier", "expect.allowed.train"]
        rows = [
          [0, "ASL-2", true],
          [1, "ASL-2", true],
        ]
        """)
    code, out, _ = run(capsys, str(path), "--format", "json")
    doc = json.loads(out)
    assert code == 1
    cases = doc["files"][0]["cases"]
    assert [(c["name"], c["line"], c["status"]) for c in cases] == [
        ("ladder [row 1]", 10, "passed"), ("ladder [row 2]", 11, "failed")]
    assert cases[1]["differences"] == [{"field": "tier", "expected": "ASL-2", "actual": "ASL-3"}]


def test_named_states_and_from(tmp_path, capsys):
    path = write(tmp_path, """
        [states.high]
        uplift = 0.9

        [[case]]
        name = "high, insecure"
        from = "high"
        state = { secure = false }
        expect.tier = "ASL-3"
        expect.denied = ["train", "deploy"]
        """)
    code, out, _ = run(capsys, str(path))
    assert code == 0, out


# ---------------------------------------------------------------- bad test files: exit 2, line and field

@pytest.mark.parametrize("body, line, needle", [
    ("[[case]]\nname = \"x\"\nexpect.tier = \n", 7, "not valid TOML"),
    ("[[case]]\nname = \"x\"\nexpect.tier = \"ASL-9\"\n", 7, "`ASL-9` is not a tier"),
    ("[[case]]\nname = \"x\"\nexpect.allowed = [\"deplyo\"]\n", 7, "`deplyo` is not an action"),
    ("[[case]]\nname = \"x\"\nexpect.thresholds = { CBRN3 = true }\n", 7, "`CBRN3` is not a threshold"),
    ("[[case]]\nname = \"x\"\nstate = { uplift = 2 }\nexpect.tier = \"ASL-2\"\n", 7, "outside its bounds"),
    ("[[case]]\nname = \"x\"\nstate = { uplfit = 1 }\nexpect.tier = \"ASL-2\"\n", 7, "unknown name `uplfit`"),
    ("[[case]]\nname = \"x\"\nexpcet.tier = \"ASL-2\"\n", 7, "unknown key `expcet`"),
    ("[[case]]\nname = \"x\"\n", 5, "expects nothing"),
    ("[[case]]\nname = \"x\"\nexpect.decided_by = { deploy = \"nope\" }\n", 7, "no rule for `deploy`"),
    ("[[case]]\nname = \"x\"\nexpect.unmet = { deploy = [\"secured\"] }\n", 7, "no requirement on `deploy`"),
    ("[[case]]\nname = \"x\"\nrun = []\n", 7, "`run` must be a list of steps"),
    ("[[case]]\nname = \"x\"\nexpect.tier = \"ASL-2\"\n[[case]]\nname = \"x\"\nexpect.tier = \"ASL-2\"\n", 8,
     "two cases are named `x`"),
])
def test_a_bad_test_file_exits_2_naming_line_and_field(tmp_path, capsys, body, line, needle):
    path = tmp_path / "p.rsptest"
    (tmp_path / "p.rsp").write_text(POLICY)
    path.write_text(HEADER + body)
    code, out, _ = run(capsys, str(path))
    assert code == 2
    first = out.splitlines()[0]
    assert first.startswith(f"{path}:{line}:") and "E0801" in first and needle in first, out


def test_a_missing_state_value_hints_at_defaults(tmp_path, capsys):
    (tmp_path / "p.rsp").write_text(POLICY)
    path = tmp_path / "p.rsptest"
    path.write_text('policy = "p.rsp"\n[[case]]\nname = "x"\nexpect.tier = "ASL-2"\n')
    code, out, _ = run(capsys, str(path))
    assert code == 2
    assert "missing value for metric `uplift`" in out and "hint: give it in `[defaults]`" in out


def test_a_missing_policy_and_an_unusable_policy(tmp_path, capsys):
    path = tmp_path / "t.rsptest"
    path.write_text('policy = "nope.rsp"\n[[case]]\nname = "x"\nexpect.tier = "A"\n')
    code, out, _ = run(capsys, str(path))
    assert code == 2 and f"{path}:1:1: E0801 the policy" in out and "does not exist" in out
    (tmp_path / "nope.rsp").write_text('policy "x"\nmetric m in [0, 1]\nthreshold T when q > 1\n')
    code, out, _ = run(capsys, str(path))
    assert code == 2 and "cannot be used" in out and "E0103" in out


def test_no_test_files_is_a_usage_error(tmp_path, capsys):
    code, _, err = run(capsys, str(tmp_path))
    assert code == 2 and "no .rsptest files" in err


def test_every_file_runs_even_when_one_is_bad(tmp_path, capsys):
    write(tmp_path, '[[case]]\nname = "ok"\nexpect.tier = "ASL-2"\n', "a.rsptest")
    (tmp_path / "b.rsptest").write_text("policy = \n")
    code, out, _ = run(capsys, str(tmp_path))
    assert code == 2
    assert "a.rsptest: 1 passed, 0 failed" in out and "b.rsptest:1:" in out


# ---------------------------------------------------------------- coverage and formats

def test_coverage_lists_what_was_never_exercised_and_min_gates(tmp_path, capsys):
    path = write(tmp_path, '[[case]]\nname = "low"\nexpect.tier = "ASL-2"\n')
    code, out, _ = run(capsys, str(path), "--coverage")
    assert code == 0
    assert "50% covered (3/6 by 1 case): tiers 1/2, thresholds 0/1, rules 1/2, requirements 1/1\n" in out
    assert ":10: tier ASL-3" in out and ":6: threshold CBRN-3" in out and ":12: rule forbid train (stop)" in out
    code, out, _ = run(capsys, str(path), "--min", "60")
    assert code == 1 and "coverage 50% is under the minimum 60%" in out
    code, _, _ = run(capsys, str(path), "--min", "50")
    assert code == 0


def test_junit_xml(tmp_path, capsys):
    write(tmp_path, """
        [[case]]
        name = "passes <&>"
        expect.tier = "ASL-2"

        [[case]]
        name = "fails"
        expect.tier = "ASL-3"
        """)
    (tmp_path / "bad.rsptest").write_text("policy = 1\n")
    code, out, _ = run(capsys, str(tmp_path), "--format", "junit")
    assert code == 2
    root = ElementTree.fromstring(out)
    assert root.tag == "testsuites" and root.get("failures") == "1" and root.get("errors") == "1"
    cases = root.findall(".//testcase")
    assert [c.get("name") for c in cases] == ["(test file)", "passes <&>", "fails"]
    assert cases[2].find("failure").get("message") == "tier: expected ASL-3, got ASL-2"
    assert cases[0].find("error") is not None


def test_untrusted_names_are_shown_escaped(tmp_path, capsys):
    path = write(tmp_path, '[[case]]\nname = "evil \\u001b[31m"\nexpect.tier = "ASL-3"\n')
    code, out, _ = run(capsys, str(path))
    assert code == 1 and "\x1b" not in out and "evil \\u001b[31m" in out


def test_parse_errors_are_data(tmp_path):
    with pytest.raises(TestFileError) as info:
        parse_test_text('policy = "p.rsp"\n[[case]]\nname = 3\n', "t.rsptest")
    assert (info.value.line, info.value.field) == (3, "case[1].name")


# ---------------------------------------------------------------- runs (language v2)

V2_POLICY = REPO / "tests" / "golden" / "ok" / "v2-runs-and-duties.rsp"
V2_TESTS = """policy = "p.rsp"

[defaults]
effective_compute = 1
cbrn3_ruled_out = true
asl3 = false

[[case]]
name = "assessed, then deployed within 180 days"
run = [
  { day = 0, acts = ["assess"] },
  { day = 10, acts = ["deploy"] },
]
expect.complies = true
expect.allowed = ["deploy"]
expect.pending = []

[[case]]
name = "crossing `big` starts a 14-day clock"
run = [
  { day = 0, acts = ["assess"] },
  { day = 1, state = { cbrn3_ruled_out = false }, acts = ["assess"] },
  { day = 16 },
]
expect.overdue = ["notify-commission"]
expect.complies = false
expect.denied = ["deploy"]

[[case]]
name = "a state case on a policy with duties is a one-step run"
expect.tier = "ASL-2"
expect.denied = ["deploy"]
expect.pending = []
"""


def write_v2(tmp_path: Path, extra: str = "") -> Path:
    (tmp_path / "p.rsp").write_text(V2_POLICY.read_text())
    path = tmp_path / "p.rsptest"
    path.write_text(V2_TESTS + extra)
    return path


def test_run_cases_and_duty_coverage(tmp_path, capsys):
    path = write_v2(tmp_path)
    code, out, _ = run(capsys, str(path), "--coverage")
    assert code == 0, out
    assert "by 3 cases" in out and "duties 2/3" in out and "duty report" in out


def test_a_failing_run_case(tmp_path, capsys):
    path = write_v2(tmp_path, """
[[case]]
name = "notified in time (wrongly expected overdue)"
run = [
  { day = 0, state = { cbrn3_ruled_out = false }, acts = ["assess"] },
  { day = 10, acts = ["notify"] },
  { day = 16 },
]
expect.overdue = ["notify-commission"]
expect.complies = false
""")
    code, out, _ = run(capsys, str(path))
    assert code == 1
    assert 'overdue: expected ["notify-commission"], got none' in out
    assert "complies: expected breaches the policy, got complies" in out


@pytest.mark.parametrize("extra, needle, field", [
    ('[[case]]\nname = "b"\nrun = [\n  { day = 0 },\n  { day = 1, acts = ["asess"] },\n]\nexpect.complies = true\n',
     "step 2 of the run: unknown act `asess`", "(run[2].acts)"),
    ('[[case]]\nname = "b"\nrun = [\n  { day = 0 },\n  { day = 1, bogus = 1 },\n]\nexpect.complies = true\n',
     "unknown key `bogus` in step 2", "(case[4].run)"),
    ('[[case]]\nname = "b"\nrun = [{ day = 0 }]\nexpect.overdue = ["notify"]\n',
     "`notify` is not a duty", "(expect.overdue)"),
])
def test_a_bad_run_names_the_step(tmp_path, capsys, extra, needle, field):
    path = write_v2(tmp_path, "\n" + extra)
    code, out, _ = run(capsys, str(path))
    assert code == 2 and needle in out and field in out, out


def test_a_recommendation_never_in_force_is_listed_as_never_exercised(tmp_path, capsys):
    """Language v2: a `recommend` counts for coverage like a `require`, when some case has it in
    force for some action (a policy without one names no such kind: the test above)."""
    (tmp_path / "r.rsp").write_text('policy "r"\njudgement risky\nsafeguard s\nsafeguard t\naction deploy\n'
                                    'tier Low { recommend s for deploy }\ntier High when risky { recommend t for deploy }\n'
                                    'permit deploy\n')
    path = tmp_path / "r.rsptest"
    path.write_text('policy = "r.rsp"\n[[case]]\nname = "low"\nstate = { risky = false, s = true, t = false }\n'
                    'expect.tier = "Low"\n')
    code, out, _ = run(capsys, str(path), "--coverage")
    assert code == 0, out
    assert "recommendations 1/2" in out and ":7: recommendation t" in out and "duties" not in out
    path.write_text(path.read_text() + '[[case]]\nname = "high"\nstate = { risky = true, s = true, t = true }\n'
                    'expect.tier = "High"\n')
    code, out, _ = run(capsys, str(path), "--coverage", "--min", "100")
    assert code == 0 and "recommendations 2/2" in out, out

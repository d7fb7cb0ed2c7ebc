"""The small public API: load/loads, check, evaluate, diff."""
from fractions import Fraction

import pytest

import rspdsl
from rspdsl.state import StateError

TEXT = '''policy "API" version "1"
metric uplift in [0, 1]
safeguard secure
action deploy
tier low { }
tier high when uplift >= 0.5 {
  require secure for deploy
}
permit deploy when tier <= low or secure
assert secure-when-high: allowed(deploy) and tier >= high implies secure
'''


def test_loads_check_evaluate_diff():
    policy = rspdsl.loads(TEXT, "api.rsp")
    report = rspdsl.check(policy)
    assert report.exit_code() == 0 and all(r.status == "proved" for r in report.results)
    decision = rspdsl.evaluate(policy, '{"uplift": 0.5, "secure": false}')
    assert decision.tier == 1 and decision.allowed == {"deploy": False}
    assert rspdsl.evaluate(policy, {"uplift": 0.1, "secure": False}).allowed == {"deploy": True}
    weaker = rspdsl.loads(TEXT.replace("tier <= low or secure", "true"), "api2.rsp")
    assert rspdsl.diff(policy, policy).verdict == "equivalent"
    assert rspdsl.diff(policy, weaker).verdict == "weaker"


def test_exactness_at_the_boundary():
    policy = rspdsl.loads(TEXT)
    # 0.5 is exactly the threshold; the float nearest 0.49999999999999999 would round up to 0.5
    assert rspdsl.evaluate(policy, '{"uplift": 0.49999999999999999, "secure": false}').tier == 0
    assert rspdsl.evaluate(policy, {"uplift": "1/2", "secure": False}).tier == 1
    assert Fraction("0.49999999999999999") < Fraction(1, 2)


def test_errors_are_exceptions_with_every_diagnostic():
    with pytest.raises(rspdsl.PolicyError) as caught:
        rspdsl.loads('policy "x"\naction a\ntier t { }\npermit a when b and c\n')
    assert [d.code for d in caught.value.diagnostics] == ["E0103", "E0103"]
    with pytest.raises(StateError):
        rspdsl.evaluate(rspdsl.loads(TEXT), '{"uplift": 2, "secure": false}')


def test_check_file_is_the_command_behind_the_api(tmp_path, monkeypatch):
    """`rspdsl.check_file` is what `rspdsl check` runs per file: a bad file is a result (exit 2),
    and with use_cache a second check of the same text is answered from the cache."""
    monkeypatch.setenv("RSPDSL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("RSPDSL_NO_CACHE", raising=False)
    good, bad = tmp_path / "api.rsp", tmp_path / "bad.rsp"
    good.write_text(TEXT, encoding="utf-8")
    bad.write_text(TEXT.replace("tier <= low", "tier <= nowhere"), encoding="utf-8")
    first = rspdsl.check_file(str(good), use_cache=True)
    assert first.exit_code() == 0 and not first.cached and first.title == "API"
    again = rspdsl.check_file(str(good), use_cache=True)
    assert again.cached and again.results == first.results
    assert not rspdsl.check_file(str(good)).cached  # the cache only when asked
    broken = rspdsl.check_file(str(bad))
    assert broken.exit_code() == 2 and broken.report is None
    assert [d.code for d in broken.diagnostics if d.is_error]

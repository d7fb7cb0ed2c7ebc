"""Result subjects identify results across revisions: moving every line keeps them all."""
from pathlib import Path

import pytest

import rspdsl

POLICIES = sorted((Path(__file__).resolve().parents[1] / "policies").glob("*.rsp"))


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_shifting_every_line_keeps_every_subject_and_verdict(path):
    text = path.read_text(encoding="utf-8")
    head, rest = text.split("\n", 1)
    shifted = head + "\n# a comment added in review\n\n\n" + rest
    before = rspdsl.check(rspdsl.loads(text, path.name)).results
    after = rspdsl.check(rspdsl.loads(shifted, path.name)).results
    assert [(r.property, r.subject, r.status) for r in before] == \
        [(r.property, r.subject, r.status) for r in after]
    assert len({(r.property, r.subject) for r in before}) == len(before)  # subjects are unique


# A policy spelled loosely, and the same policy respelled: extra parentheses, other spacing, line
# breaks inside expressions. Its results name requirements in every subject form: mitigations
# (`action: commitment`), reachability (`require commitment`), a consistency core and the
# requirements monotonic finds switched off.
LOOSE = """\
policy "Twins" version "1"
metric m in [0, 1]
judgement j
safeguard s
control c in [0, 10]
action go
tier low { }
tier high when m>=0.5 {
  require s and (c>=2) for go
  require c<=1 for go when j
}
require (c >= 3) for go when not j and m<0.5
permit go when s
"""

RESPELLED = """\
policy "Twins" version "1"
metric m in [0, 1]
judgement j
safeguard s
control c in [0, 10]
action go
tier low { }
tier high when ((m >= 0.5)) {
  require (s)   and   c >= 2 for go
  require (c
           <= 1) for go when j
}
require c >= 3 for go when (not j) and (m < 0.5)
permit go when (s)
"""


def _identities(text: str) -> tuple[list[tuple[str, str]], list[str], dict]:
    from rspdsl.analyses.checked import CheckedFile
    from rspdsl.render.messages import result_details
    from rspdsl.render.sarif import sarif_log
    from rspdsl.source import SourceFile

    policy = rspdsl.loads(text, "twins.rsp")
    report = rspdsl.check(policy)
    log = sarif_log([CheckedFile("twins.rsp", SourceFile("twins.rsp", text), policy.title, (), report)])
    prints = [r["partialFingerprints"]["rspdsl/v1"] for r in log["runs"][0]["results"]]
    named = {r.property + " " + r.subject: {k: v for k, v in result_details(r).items() if k in ("core", "dropped")}
             for r in report.results}
    return [(r.property, r.subject) for r in report.results], prints, named


def _formatted(text: str) -> str:
    """`rspdsl fmt -` of the text (the formatter's canonical layout)."""
    import subprocess
    import sys
    r = subprocess.run([sys.executable, "-m", "rspdsl", "fmt", "-"], input=text, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout != text
    return r.stdout


def test_respelling_or_formatting_keeps_every_subject_and_fingerprint():
    loose = _identities(LOOSE)
    subjects, prints, named = loose
    assert ("mitigations", "go: s and c >= 2") in subjects and ("reachability", "require c <= 1") in subjects
    assert any(v.get("core") for v in named.values()) and any(v.get("dropped") for v in named.values())
    assert len(set(prints)) == len(prints)
    assert _identities(RESPELLED) == loose
    assert _identities(_formatted(LOOSE)) == loose

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

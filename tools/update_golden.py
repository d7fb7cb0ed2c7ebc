"""Rewrite the golden expectations from the current front end and formatter:

    python tools/update_golden.py

- tests/golden/{ok,not-ok}/NAME.expected: the diagnostics of NAME.rsp (tests/test_golden.py's format);
- tests/golden/fmt/NAME.formatted.rsp: NAME.rsp in the canonical layout.

The tests never rewrite their own expectations; read `git diff tests/golden` before committing.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_format import fmt  # noqa: E402  (the tests' own definitions of each format)
from test_golden import GOLDEN, cases, expected_text  # noqa: E402

from rspdsl.frontend import load_file  # noqa: E402


def main() -> int:
    changed = []
    for kind in ("ok", "not-ok"):
        for path in cases(kind):
            target = path.with_suffix(".expected")
            text = expected_text(load_file(str(path)).diagnostics)
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                target.write_text(text, encoding="utf-8")
                changed.append(target)
    for path in sorted((GOLDEN / "fmt").glob("*.rsp")):
        if path.name.endswith(".formatted.rsp"):
            continue
        target = path.with_name(path.name[:-4] + ".formatted.rsp")
        text = fmt(path.read_text(encoding="utf-8"))
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            changed.append(target)
    for path in changed:
        print(f"rewrote {path.relative_to(ROOT)}")
    print(f"{len(changed)} golden file(s) changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

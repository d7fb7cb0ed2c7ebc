"""Generate rspdsl/explanations.py from docs/diagnostics.md: the text `rspdsl explain` prints.

Each `### ID — title` section becomes ID -> its body (examples and fix, as written); each row
of a `| code | meaning | fix |` table becomes code -> "meaning. Fix: fix". Run it after editing
docs/diagnostics.md; tests/test_explain.py fails while the two differ.

    python tools/gen_explanations.py            # rewrite rspdsl/explanations.py
    python tools/gen_explanations.py --check    # exit 1 if it is stale
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "diagnostics.md"
OUT = ROOT / "rspdsl" / "explanations.py"

_SECTION = re.compile(r"^### (\S+) — (.+)$")
_ROW = re.compile(r"^\| ([EW]\d{4}) \| (.+?) \| (.+?) \|$")


def explanations(doc: str) -> dict[str, tuple[str, str]]:
    """ID -> (title, body)."""
    out: dict[str, tuple[str, str]] = {}
    current: str | None = None
    title = ""
    body: list[str] = []

    def flush() -> None:
        if current is not None:
            out[current] = (title, "\n".join(body).strip("\n"))

    for line in doc.splitlines():
        section = _SECTION.match(line)
        if section or line.startswith("## "):
            flush()
            current, body = None, []
            if section:
                current, title = section.group(1).strip("`"), section.group(2)
            continue
        row = _ROW.match(line)
        if row:
            out[row.group(1)] = (row.group(2), f"Fix: {row.group(3)}.")
            continue
        if current is not None:
            body.append(line)
    flush()
    return out


def render(doc: str) -> str:
    lines = ['"""What `rspdsl explain ID` prints: generated from docs/diagnostics.md by',
             "tools/gen_explanations.py (do not edit; tests/test_explain.py checks it is current).",
             '"""', "from __future__ import annotations", "",
             "EXPLANATIONS: dict[str, tuple[str, str]] = {"]
    for key, (title, body) in explanations(doc).items():
        lines.append(f"    {key!r}: ({title!r},")
        lines.append(f"        {body!r}),")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    text = render(DOC.read_text(encoding="utf-8"))
    if "--check" in argv:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            print(f"{OUT.relative_to(ROOT)} is stale: run python tools/gen_explanations.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The other engines as whole processes, deciding the deploy question over converted states.

    python benchmarks/engines.py cedar POLICIES.cedar CONTEXTS.jsonl ACTION > decisions.txt
    python benchmarks/engines.py rego  MODULE.rego    CONTEXTS.jsonl        > decisions.txt

CONTEXTS.jsonl holds one state per line in the integer form of translate.convert_state (done
ahead of time, not timed: it favours these engines). Each prints `true` / `false` per state.
Cedar decides with `is_authorized_batch` and a pre-parsed PolicySet; Rego (rego-cpp, PyPI
regopy) compiles the module to a bundle once and evaluates `data.rsp.decisions` over
chunks of states.
"""
from __future__ import annotations

import json
import sys

CHUNK = 1000
REGO_CHUNK = 100  # rego-cpp gets slower per state on larger inputs


def _chunks(path: str, size: int = CHUNK):
    batch = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                batch.append(line)
            if len(batch) >= size:
                yield batch
                batch = []
    if batch:
        yield batch


def run_cedar(policy_path: str, contexts_path: str, action: str, write) -> None:
    import cedarpy

    with open(policy_path, encoding="utf-8") as handle:
        policies = cedarpy.PolicySet.from_str(handle.read())
    entities = cedarpy.Entities.from_json_str("[]")
    # structured entity references: cedarpy handles them ~15% faster than `Type::"id"` strings
    principal, resource = {"type": "Developer", "id": "lab"}, {"type": "Model", "id": "candidate"}
    act = {"type": "Action", "id": action}
    for batch in _chunks(contexts_path):
        requests = [{"principal": principal, "action": act, "resource": resource, "context": json.loads(line)}
                    for line in batch]
        results = cedarpy.is_authorized_batch(requests, policies, entities)
        write("".join("true\n" if r.decision == cedarpy.Decision.Allow else "false\n" for r in results))


def run_rego(module_path: str, contexts_path: str, write) -> None:
    import regopy

    build = regopy.Interpreter()
    with open(module_path, encoding="utf-8") as handle:
        build.add_module("rsp.rego", handle.read())
    bundle = build.build("x = data.rsp.decisions", ["rsp/decisions"])  # compiled once, run many times
    rego = regopy.Interpreter()
    for batch in _chunks(contexts_path, REGO_CHUNK):
        rego.set_input_term('{"states":[' + ",".join(line.strip() for line in batch) + "]}")
        out = json.loads(str(rego.query_bundle_entrypoint(bundle, "rsp/decisions")))
        decisions = out["expressions"][0]
        if len(decisions) != len(batch):
            raise RuntimeError(f"rego returned {len(decisions)} decisions for {len(batch)} states: {out}")
        write("".join("true\n" if d else "false\n" for d in decisions))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) >= 3 and argv[0] == "cedar":
        run_cedar(argv[1], argv[2], argv[3] if len(argv) > 3 else "deploy", sys.stdout.write)
    elif len(argv) == 3 and argv[0] == "rego":
        run_rego(argv[1], argv[2], sys.stdout.write)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

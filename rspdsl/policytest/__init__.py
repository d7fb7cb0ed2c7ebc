"""`rspdsl test`: unit tests for policies (`*.rsptest` files), their results and coverage.

- spec.py      reads a test file (TOML) into cases, naming the line and field of any problem;
- runner.py    decides each case with the concrete evaluator and compares it with the expectations;
- coverage.py  what the cases of a policy exercised (tiers, deciding rules, requirements, thresholds).

Results are data; the sentences are in rspdsl/render/test_out.py. The format is in docs/testing.md.
"""

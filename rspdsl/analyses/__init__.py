"""Analyses built on the logic layer: comparing two revisions (diff) and checking a policy against
a regulator's baseline (baseline, mapping). Results are data; rspdsl.render words them."""

"""Regulator baselines: a baseline's assertions, proved over another policy's semantics.

A baseline is an ordinary .rsp file whose vocabulary (metrics, judgements, safeguards, controls,
actions) names what the regulator cares about and whose `assert`s are its requirements. To check
a policy against it, every baseline name an assertion uses is bound to an expression over the
policy: by default the policy entity of the same name, otherwise a line of a mapping file

    adversarial_testing = asl3_red_teaming and asl3_deployment_standard   # a comment
    place_on_market = deploy_external or release_weights                  # actions: any of them

    bind.py        binding names (E07xx, W0701)          ../mapping.py   reading mapping files
    translate.py   substituting them into the assertions
    check.py       proving those over the policy; results in the baseline's terms
    files.py       policy files against a baseline file: the entries `rspdsl baseline` renders

The translated assertions replace the policy's own and the prover checks them: its witnesses are
states of the policy, replayed through rspdsl.logic.witness like any other. docs/baselines.md is
the user-facing account of these rules.

Ranges: a baseline metric's declared bounds become assumptions of the translated assertions (the
baseline says nothing about states outside them); when the policy cannot reach part of the
baseline's range, W0701 says so. Controls carry no assumption: a response outside the baseline's
range is a choice the policy allows, and the baseline's assertions must judge it.
"""
from ..mapping import FREE, MapEntry, Mapping, load_mapping, parse_expression, parse_mapping
from .bind import (
                   BASELINE_CODES,
                   FREE_PREFIX,
                   MAPPABLE_KINDS,
                   Binding,
                   Problem,
                   baseline_problems,
                   big_number,
                   interval,
                   used_names,
)
from .check import baseline_values, check_translation, relabel
from .translate import Translation, may_take, translate

__all__ = ["BASELINE_CODES", "FREE", "FREE_PREFIX", "MAPPABLE_KINDS", "Binding", "MapEntry", "Mapping", "Problem",
           "Translation", "baseline_problems", "baseline_values", "big_number", "check_translation", "interval",
           "load_mapping", "may_take", "parse_expression", "parse_mapping", "relabel", "translate", "used_names"]

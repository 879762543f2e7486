"""Rules the fraud team writes: a small language over named inputs, compiled to numpy.

* :mod:`~fraudd.rules.syntax` — the grammar (lark): text → tree, never executed;
* :mod:`~fraudd.rules.check` — types against the caller's schema and the named lists;
* :mod:`~fraudd.rules.satisfy` — conditions that can never be true are refused;
* :mod:`~fraudd.rules.vector` — a condition → numpy operations over a batch's columns;
* :mod:`~fraudd.rules.model` — the rule-set TOML document (rules and named lists);
* :mod:`~fraudd.rules.decide` — a compiled rule set: masks per rule, decision per row;
* :mod:`~fraudd.rules.legacy` — today's ``[rules]`` settings as a rule set.

The language is described for analysts in ``docs/rules.md``.
"""

from fraudd.rules.decide import CompiledRuleSet, Outcomes
from fraudd.rules.model import Rule, RuleSet, RuleSetError, load_rule_set
from fraudd.rules.nodes import RuleError, Type

__all__ = [
    "CompiledRuleSet",
    "Outcomes",
    "Rule",
    "RuleError",
    "RuleSet",
    "RuleSetError",
    "Type",
    "load_rule_set",
]

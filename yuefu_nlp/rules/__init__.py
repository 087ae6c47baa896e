"""Rule lexicons: schema and loading, matching, identifier validators."""
from .lexicon import Gate, Lexicon, NegationCues, Rule, load_citations, load_lexicons, load_negation
from .matcher import RuleHit, RuleMatcher

__all__ = [
    "Gate", "Lexicon", "NegationCues", "Rule", "RuleHit", "RuleMatcher", "load_citations", "load_lexicons", "load_negation",
]

"""Rule lexicons: schema and loading, matching, identifier validators."""
from .lexicon import (
    Gate, Lexicon, NegationCues, ReportedSpeech, Rule, load_citations, load_lexicons, load_negation, load_reported_speech,
)
from .matcher import RuleHit, RuleMatcher

__all__ = [
    "Gate", "Lexicon", "NegationCues", "ReportedSpeech", "Rule", "RuleHit", "RuleMatcher", "load_citations", "load_lexicons",
    "load_negation", "load_reported_speech",
]

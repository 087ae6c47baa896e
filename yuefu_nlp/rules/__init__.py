"""Rule lexicons: the file formats (schema), loading, gates, matching, identifier validators."""
from .gates import (
    ChecksumGate, ContextGate, Gate, MatchContext, NegationCues, NegationGate, ReportedSpeech, ReportedSpeechGate,
    UnlessGate, WordBoundaryGate,
)
from .lexicon import Lexicon, Rule, load_citations, load_lexicons, load_negation, load_reported_speech
from .matcher import RuleHit, RuleMatcher

__all__ = [
    "ChecksumGate", "ContextGate", "Gate", "Lexicon", "MatchContext", "NegationCues", "NegationGate", "ReportedSpeech",
    "ReportedSpeechGate", "Rule", "RuleHit", "RuleMatcher", "UnlessGate", "WordBoundaryGate", "load_citations",
    "load_lexicons", "load_negation", "load_reported_speech",
]

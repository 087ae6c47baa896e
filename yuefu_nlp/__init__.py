"""yuefu_nlp: flag abusive or illegal Chinese debt-collection messages, with evidence and the law each one breaks."""
from .analyzer import Analyzer
from .errors import InputError, LexiconError, ModelError, YuefuError
from .types import LABELS, Citation, Evidence, Finding, Label, Result, Span

__all__ = [
    "Analyzer", "Citation", "Evidence", "Finding", "InputError", "LABELS", "Label", "LexiconError", "ModelError",
    "Result", "Span", "YuefuError",
]
__version__ = "0.1.0"

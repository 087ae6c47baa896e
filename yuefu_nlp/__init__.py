"""yuefu_nlp: flag abusive or illegal Chinese debt-collection messages, with evidence and the law each one breaks."""
from .analyzer import Analyzer
from .pipeline.message import Message
from .errors import InputError, LexiconError, ModelError, YuefuError
from .domain import LABELS, Backend, Label, Risk, Role
from .types import Citation, Evidence, Finding, Result, Span

__all__ = [
    "Analyzer", "Backend", "Citation", "Evidence", "Finding", "InputError", "LABELS", "Label", "LexiconError",
    "Message", "ModelError", "Result", "Risk", "Role", "Span", "YuefuError",
]
__version__ = "0.1.0"

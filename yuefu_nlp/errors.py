"""Errors yuefu_nlp raises on purpose. Each message says what went wrong and what to do about it."""
from __future__ import annotations


class YuefuError(Exception):
    """Base class: catch this to handle every error the library raises on purpose."""


class LexiconError(YuefuError):
    """A lexicon data file is broken. The message names the file, the rule id and the field."""

    def __init__(self, file: str, rule_id: str, field: str, problem: str) -> None:
        self.file, self.rule_id, self.field, self.problem = file, rule_id, field, problem
        super().__init__(f"{file}: rule {rule_id!r}, field {field!r}: {problem}")


class ModelError(YuefuError):
    """The model folder is missing, incomplete or fails its sha256 manifest."""


class InputError(YuefuError):
    """Input the scorer cannot work with at all (e.g. a CSV without the text column)."""


class MissingDependencyError(YuefuError, ImportError):
    """An optional dependency is needed for this feature; the message names the extra to install."""

    def __init__(self, package: str, extra: str, feature: str) -> None:
        super().__init__(f"{feature} needs {package}. Install it with: pip install 'yuefu_nlp[{extra}]'")

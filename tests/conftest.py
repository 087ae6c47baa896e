"""Shared fixtures: the real pipeline, loaded once per session (no mocks)."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def rules_analyzer():
    from yuefu_nlp import Analyzer

    return Analyzer.load(backend="rules")

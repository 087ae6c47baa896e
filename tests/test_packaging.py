"""The wheel carries the lexicons and the shipped model, so a wheel install scores like a checkout does."""
from __future__ import annotations

import json
import subprocess
import sys
import tomllib
import zipfile

import pytest

from yuefu_nlp.runtime import paths
from yuefu_nlp.runtime.paths import DEFAULT_MODEL_NAME, REPO_ROOT

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_package_is_listed():
    # the package list is explicit (models/ is mapped in as yuefu_nlp._models), so a new subpackage must be added
    found = {
        ".".join(p.parent.relative_to(REPO_ROOT).parts)
        for p in (REPO_ROOT / "yuefu_nlp").rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    assert found <= listed, f"add {sorted(found - listed)} to [tool.setuptools] packages in pyproject.toml"
    assert PYPROJECT["tool"]["setuptools"]["package-dir"]["yuefu_nlp._models"] == "models"


def test_default_model_dir_order(tmp_path, monkeypatch):
    packaged = tmp_path / "site" / "_models"
    (packaged / DEFAULT_MODEL_NAME).mkdir(parents=True)
    monkeypatch.setattr(paths, "PACKAGED_MODELS", packaged)
    monkeypatch.delenv("YUEFU_MODEL_DIR", raising=False)
    assert paths.default_model_dir() == REPO_ROOT / "models" / DEFAULT_MODEL_NAME  # a checkout wins
    monkeypatch.setattr(paths, "REPO_ROOT", tmp_path / "no-checkout")
    assert paths.default_model_dir() == packaged / DEFAULT_MODEL_NAME  # a wheel install
    monkeypatch.setenv("YUEFU_MODEL_DIR", str(tmp_path / "mine"))
    assert paths.default_model_dir() == tmp_path / "mine"  # the environment always wins


def test_wheel_carries_model_and_lexicons(tmp_path):
    pytest.importorskip("setuptools")
    pytest.importorskip("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), "."],
        cwd=REPO_ROOT, check=True, capture_output=True, text=True, timeout=300,
    )
    # setuptools' warnings (a deprecated licence form, a data folder missing from the package list) are *Warning classes
    warnings = [line for line in (build.stdout + build.stderr).splitlines() if "Warning" in line]
    assert not warnings, warnings
    (whl,) = tmp_path.glob("yuefu_nlp-*.whl")
    model = REPO_ROOT / "models" / DEFAULT_MODEL_NAME
    manifest = json.loads((model / "manifest.json").read_text(encoding="utf-8"))
    with zipfile.ZipFile(whl) as z:
        names = set(z.namelist())
        for name in [*manifest["files"], "manifest.json"]:
            inside = f"yuefu_nlp/_models/{DEFAULT_MODEL_NAME}/{name}"
            assert inside in names, f"{inside} missing from the wheel"
            assert z.read(inside) == (model / name).read_bytes()
    assert {"yuefu_nlp/resources/lexicons/threat.yaml", "yuefu_nlp/resources/obfuscations.yaml"} <= names

"""sha256 manifest of a shipped model folder, written at export and verified at every load.

Why: the model folder is the one large binary the repository carries; a truncated checkout, a Git LFS pointer or a
hand-edited thresholds file must fail loudly at load time instead of scoring silently wrong. Standard library only, so
the scoring path stays light.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Iterable

from ..errors import ModelError

__all__ = ["MANIFEST", "sha256_file", "write_manifest", "verify_manifest"]

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def write_manifest(model_dir: str | Path, files: Iterable[str], info: dict | None = None) -> Path:
    """Write `manifest.json` listing sha256 and size of `files` (names relative to `model_dir`)."""
    d = Path(model_dir)
    entries = {name: {"sha256": sha256_file(d / name), "bytes": (d / name).stat().st_size} for name in sorted(files)}
    manifest = {"manifest_version": MANIFEST_VERSION, **(info or {}), "files": entries}
    path = d / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


_SHIPPED_FIX = (
    "restore the folder from git (git checkout -- models/), or rebuild it with "
    "`python scripts/export_onnx.py` (see MODEL_CARD.md, 'How to retrain'), or use --backend rules"
)


def verify_manifest(
    model_dir: str | Path, required: Iterable[str] = (), *, fix: str = _SHIPPED_FIX, error: type[ModelError] = ModelError
) -> dict:
    """Check every file the manifest lists (and that `required` files are listed); return the manifest or raise
    `error` (ModelError or a subclass), whose message ends with `fix`: what the user should do."""
    d = Path(model_dir)
    path = d / MANIFEST
    if not d.is_dir():
        raise error(f"model folder {d} does not exist; {fix}")
    if not path.is_file():
        raise error(f"{d} has no {MANIFEST}; {fix}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        files = manifest["files"]
    except (ValueError, KeyError, TypeError) as e:
        raise error(f"{path} is not a valid manifest ({e}); {fix}") from None
    for name in required:
        if name not in files:
            raise error(f"{path} does not list {name}; {fix}")
    for name, meta in files.items():
        f = d / name
        if not f.is_file():
            raise error(f"{f} is missing; {fix}")
        if f.stat().st_size != meta.get("bytes"):
            raise error(
                f"{f} has {f.stat().st_size} bytes, the manifest says {meta.get('bytes')} "
                f"(a Git LFS pointer or a truncated copy?); {fix}"
            )
        if sha256_file(f) != meta.get("sha256"):
            raise error(f"{f} does not match its sha256 in {MANIFEST} (modified or corrupted); {fix}")
    return manifest

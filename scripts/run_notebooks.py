"""Execute the notebooks top to bottom with nbclient, in place (to commit them with outputs) or into a folder.

    python scripts/run_notebooks.py                       # all of notebooks/*.ipynb, in place, on all rows
    python scripts/run_notebooks.py --subset 200 --out /tmp/nb   # CI: a seeded 200-row subset, copies elsewhere

The kernel sees YUEFU_NB_SUBSET (and any other YUEFU_NB_* already set; see yuefu_nlp/evaluation/nbparams.py) and the
checkout on PYTHONPATH, so the notebooks run on a fresh checkout whether or not the package is pip-installed.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run(paths: list[Path], out: Path | None, subset: int | None, timeout: int) -> list[tuple[Path, float]]:
    """Execute each notebook; raise on the first failing cell (nbclient names the cell and the error)."""
    import nbformat
    from nbclient import NotebookClient

    os.environ["YUEFU_NB_SUBSET"] = str(subset or 0)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])
    done = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        t0 = time.perf_counter()
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        seconds = time.perf_counter() - t0
        target = (out / path.name) if out else path
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        print(f"{path.name}: executed in {seconds:.1f} s -> {target}", file=sys.stderr)
        done.append((target, seconds))
    return done


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="*", type=Path, help="notebooks to run (default: notebooks/*.ipynb)")
    ap.add_argument("--subset", type=int, default=None, help="rows per data file (seeded sample); default all")
    ap.add_argument("--out", type=Path, default=None, help="write executed copies here instead of in place")
    ap.add_argument("--timeout", type=int, default=1800, help="seconds per cell (default 1800)")
    args = ap.parse_args(argv)
    paths = args.notebooks or sorted((REPO / "notebooks").glob("*.ipynb"))
    run([p.resolve() for p in paths], args.out, args.subset, args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())

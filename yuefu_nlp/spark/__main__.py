"""`python -m yuefu_nlp.spark INPUT -o OUT [options]` = `yuefu score --engine spark INPUT -o OUT [options]`.

spark-submit runs a Python file, not a console script: pass it this file (docs/SPARK.md), and the master, the
executors and the shipped environment come from spark-submit's settings.
"""
from __future__ import annotations

import sys

from ..cli import main

if __name__ == "__main__":
    sys.exit(main(["score", "--engine", "spark", *sys.argv[1:]]))

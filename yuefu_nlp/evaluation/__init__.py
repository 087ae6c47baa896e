"""Evaluation of yuefu_nlp against labelled data and baselines: metrics with bootstrap CIs, plots, reports.

The `yuefu evaluate` command, scripts/make_evaluation.sh, the notebooks, the model export and checkpoint comparison
(training/package.py, training/compare.py: `systems.evaluate_systems`, `insult_summary`, `analyzer_labels`,
`model_labels`) all call these functions; none of them holds logic of its own. Needs the `eval` extra (scikit-learn for the TF-IDF baseline's training, matplotlib).
"""
from .dataset import label_matrix, load_labelled
from .metrics import MetricSet, compute_metrics
from .report import Evaluation, load_report, run_evaluation, write_evaluation

__all__ = ["Evaluation", "MetricSet", "compute_metrics", "label_matrix", "load_labelled", "load_report",
           "run_evaluation", "write_evaluation"]

"""`yuefu score`: tables (CSV in any common Chinese encoding, Excel) and folders of transcripts scored into the
scored-CSV contract (docs/DOMAIN.md) as CSV, JSONL or Excel.

contract.py: the added columns and the row check; tables.py and spreadsheet.py: reading; output.py and
spreadsheet.py: writing, atomically; run.py: the scoring loop, its summary and the metadata sidecar.
"""
from .contract import EXTRA_FIELDS, OUTPUT_COLUMNS, result_columns, text_problem
from .run import FORMATS, ScoreSummary, meta_path, output_format, score_file, score_folder, scored_by

__all__ = ["EXTRA_FIELDS", "FORMATS", "OUTPUT_COLUMNS", "ScoreSummary", "meta_path", "output_format", "result_columns",
           "score_file", "score_folder", "scored_by", "text_problem"]

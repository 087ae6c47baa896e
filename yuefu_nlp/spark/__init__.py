"""Scoring on Spark (the `spark` extra): the scored-CSV contract (docs/DOMAIN.md) as DataFrame columns, computed on the
executors, and `yuefu score --engine spark` over CSV, JSONL and Parquet files. docs/SPARK.md: running on a cluster.

score.py: score_spark (mapInPandas) and the Analyzer each Python worker keeps; files.py: reading, the row's place,
writing part files and the metadata sidecar. pyspark is imported only when these run.
"""
from .files import ROW_ID, SparkRun, add_row_id, read_input, score_path, spark_session
from .score import SparkSettings, output_schema, score_spark

__all__ = ["ROW_ID", "SparkRun", "SparkSettings", "add_row_id", "output_schema", "read_input", "score_path",
           "score_spark", "spark_session"]

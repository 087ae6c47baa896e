"""Corpus code: the gold row schema, the synthetic generator, third-party loaders and leak-free splits.

Only `schema` is imported eagerly; `synthetic`, `external` and `splits` are imported where used, so that
validating a gold file does not pull in OpenCC or `datasets`.
"""
from yuefu_nlp.corpus.schema import REGISTERS, CorpusRow, SchemaError, load_rows, row_from_dict, write_rows

__all__ = ["REGISTERS", "CorpusRow", "SchemaError", "load_rows", "row_from_dict", "write_rows"]

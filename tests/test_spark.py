"""Spark scoring (yuefu_nlp.spark) in local mode: every row equals what the single-process scorer gives, in more than
one partition; bad rows keep their errors; `yuefu score --engine spark` end to end, rows in their input places."""
from __future__ import annotations

import glob
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")
pytest.importorskip("pyspark")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("Spark needs Java 17+ (no java on PATH and no JAVA_HOME): apt-get install openjdk-17-jre-headless",
                allow_module_level=True)

from yuefu_nlp import Analyzer
from yuefu_nlp.batch.contract import OUTPUT_COLUMNS, text_problem
from yuefu_nlp.cli import main
from yuefu_nlp.errors import InputError, ModelError
from yuefu_nlp.frame import score_frame
from yuefu_nlp.spark import ROW_ID, score_spark
from yuefu_nlp.spark.score import SparkSettings, _model_dir_here

# pyspark 4 warns that pandas 3 is not yet fully supported; these tests are what checks the path we use
pytestmark = [pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas"),
              pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")]
ROOT = Path(__file__).resolve().parents[1]
LONG = "你这个老赖，明天就去你家。" * 2_400  # 31,200 characters


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable  # the workers import the yuefu_nlp under test
    session = (SparkSession.builder.master("local[2]").appName("yuefu tests")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _texts(path: Path, every: int = 1) -> list[str]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line)["text"] for i, line in enumerate(fh) if i % every == 0]


@pytest.fixture(scope="module")
def corpus() -> pd.DataFrame:
    """About 2,500 real rows: the test split and every fourth open-world test row, with an id and a second column."""
    texts = _texts(ROOT / "data/splits/test.jsonl") + _texts(ROOT / "data/openworld/splits/test.jsonl", every=4)
    assert len(texts) > 2_000
    return pd.DataFrame({"id": range(len(texts)), "text": texts, "channel": ["sms", "app"] * (len(texts) // 2)
                         + ["sms"] * (len(texts) % 2)})


def _same(spark_rows: pd.DataFrame, local: pd.DataFrame) -> None:
    """Every contract column equal, row for row (NaN scores equal NaN)."""
    got = spark_rows.sort_values("id").reset_index(drop=True)
    want = local.reset_index(drop=True)
    assert list(got.columns) == list(want.columns)
    for name in ["id", "text", *OUTPUT_COLUMNS]:
        g, w = got[name].tolist(), want[name].tolist()
        bad = [i for i, (a, b) in enumerate(zip(g, w)) if not (a == b or (pd.isna(a) and pd.isna(b)))]
        assert not bad, f"{name}: {len(bad)} rows differ, e.g. row {bad[0]}: {g[bad[0]]!r} != {w[bad[0]]!r}"


def test_rules_backend_equals_the_single_process_scorer_on_2500_rows(spark, corpus):
    df = spark.createDataFrame(corpus, "id long, text string, channel string").repartition(4)
    assert df.rdd.getNumPartitions() == 4
    scored = score_spark(df, backend="rules", batch_size=64)
    got = scored.toPandas()
    assert len(got) == len(corpus) and list(got.columns) == ["id", "text", "channel", *OUTPUT_COLUMNS]
    _same(got, score_frame(corpus, analyzer=Analyzer.load("rules"), batch_size=64))
    assert got["flagged"].sum() > 100  # the comparison covers flagged rows with evidence, not only clean ones


def test_schema_has_the_csv_types(spark):
    df = spark.createDataFrame([(1, "你这个老赖")], "id long, text string")
    types = {f.name: f.dataType.simpleString() for f in score_spark(df, backend="rules").schema.fields}
    assert types["flagged"] == types["threat"] == "int"
    assert types["threat_score"] == "double" and types["labels"] == types["evidence"] == types["error"] == "string"


def test_fused_backend_equals_the_single_process_scorer(spark, corpus):
    """A text's model scores do not depend on the rows that share its batch or partition, nor on the threads."""
    sample = corpus.iloc[:400].reset_index(drop=True)
    df = spark.createDataFrame(sample, "id long, text string, channel string").repartition(4)
    got = score_spark(df, backend="fused", batch_size=64).toPandas()
    _same(got, score_frame(sample, analyzer=Analyzer.load("fused"), batch_size=64))
    assert (got["evidence"].str.contains('"rule_id": "model"')).any()  # model findings compared too


def test_bad_rows_keep_their_place_and_errors(spark):
    texts = [None, "", "   ", "12345 678", LONG, "你这个老赖，明天就去你家", "nan"]
    pdf = pd.DataFrame({"id": range(len(texts)), "text": texts})
    df = spark.createDataFrame(pdf, "id long, text string").repartition(3)
    got = score_spark(df, backend="rules", max_chars=20_000).toPandas().sort_values("id").reset_index(drop=True)
    want = ["missing text", "missing text", "missing text", text_problem("12345 678"),
            text_problem(LONG, 20_000), "", "missing text"]
    assert got["error"].tolist() == want
    assert "text too long (31200 characters > 20000)" in got["error"][4]
    failed = got[got["error"] != ""]
    assert (failed["flagged"] == 0).all() and failed["threat_score"].isna().all() and (failed["labels"] == "").all()
    assert got.loc[5, "flagged"] == 1 and "threat" in got.loc[5, "labels"]
    _same(got, score_frame(pdf, analyzer=Analyzer.load("rules"), max_chars=20_000))


def test_problems_with_the_columns_stop_before_any_work(spark):
    df = spark.createDataFrame([(1, "x")], "id long, body string")
    with pytest.raises(InputError, match="column 'text' not found"):
        score_spark(df)
    with pytest.raises(InputError, match="already has column"):
        score_spark(spark.createDataFrame([("x", 1)], "text string, flagged int"))


def test_a_model_folder_missing_on_the_executor_says_how_to_ship_it(tmp_path):
    with pytest.raises(ModelError, match="--archives"):
        _model_dir_here(str(tmp_path / "nowhere"))
    assert _model_dir_here(str(tmp_path)) == tmp_path
    with pytest.raises(ValueError, match="threads"):
        SparkSettings(threads=0)


def _parts(folder: Path, kind: str) -> pd.DataFrame:
    files = sorted(glob.glob(str(folder / f"part-*.{kind}")))
    assert files, f"no part files in {folder}"
    if kind == "csv":
        return pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in files], ignore_index=True)
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def test_cli_csv_end_to_end_equals_yuefu_score(spark, tmp_path, capsys):
    """The CSV part files, read in name order, are `yuefu score`'s CSV cell for cell, plus row_id, in input order."""
    rows = [("a1", "你这个老赖，明天就去你家"), ("a2", '他说"再不还钱\n就去你单位"，你看着办'), ("a3", ""),
            ("a4", "12345"), ("a5", "【XX消费金融】您的账单已逾期3天，请尽快还款。")] * 8
    src = tmp_path / "in.csv"
    pd.DataFrame(rows, columns=["id", "text"]).to_csv(src, index=False)
    out, local = tmp_path / "scored.csv", tmp_path / "local.csv"
    assert main(["score", str(src), "--engine", "spark", "--master", "local[2]", "--backend", "fused", "-o",
                 str(out)]) == 0
    assert main(["score", str(src), "--backend", "fused", "--no-progress", "-o", str(local)]) == 0
    got = _parts(out, "csv")
    want = pd.read_csv(local, dtype=str, keep_default_na=False).drop(columns="extra_fields")
    assert got[ROW_ID].tolist() == [str(i) for i in range(len(rows))]
    pd.testing.assert_frame_equal(got.drop(columns=ROW_ID), want)
    meta = json.loads((tmp_path / "scored.csv.meta.json").read_text(encoding="utf-8"))
    assert meta["engine"] == "spark" and meta["rows"] == 40 and meta["errors"] == 16
    assert meta["scored_by"]["model"]["sha256"]
    assert "rows 40 | scored 24 | errors 16" in capsys.readouterr().err
    # the output is there now: refused without --force, replaced with it
    assert main(["score", str(src), "--engine", "spark", "--backend", "rules", "-o", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["score", str(src), "--engine", "spark", "--backend", "rules", "--force", "-o", str(out)]) == 0


def test_cli_parquet_folder_keeps_every_row_in_its_place(spark, tmp_path, corpus):
    """A folder of Parquet files of different sizes (Spark packs the biggest first): row_id follows file name order
    and row order, and every row equals the single-process scorer's."""
    folder = tmp_path / "in"
    folder.mkdir()
    pieces = [corpus.iloc[:150], corpus.iloc[150:1_400], corpus.iloc[1_400:1_500]]
    for i, piece in enumerate(pieces):
        piece.to_parquet(folder / f"part{i}.parquet", index=False)
    out = tmp_path / "out"
    assert main(["score", str(folder), "--engine", "spark", "--backend", "rules", "--no-progress", "-o", str(out)]) == 0
    got = _parts(out, "parquet")
    expected = pd.concat(pieces, ignore_index=True)
    assert got[ROW_ID].tolist() == list(range(len(expected)))
    assert got["id"].tolist() == expected["id"].tolist()
    assert list(got.columns) == ["id", "text", "channel", ROW_ID, *OUTPUT_COLUMNS]
    _same(got.drop(columns=ROW_ID), score_frame(expected, analyzer=Analyzer.load("rules")))


def test_cli_jsonl_input_and_refusals(spark, tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps({"text": t, "n": i}, ensure_ascii=False)
                             for i, t in enumerate(["你这个老赖", None, "请按时还款"])) + "\n", encoding="utf-8")
    out = tmp_path / "out.parquet"
    assert main(["score", str(src), "--engine", "spark", "--backend", "rules", "-o", str(out)]) == 0
    got = _parts(out, "parquet")
    assert got["n"].tolist() == [0, 1, 2] and got["error"].tolist() == ["", "missing text", ""]
    assert main(["score", str(src), "--engine", "spark", "-o", "-"]) == 2
    assert main(["score", str(src), "--engine", "spark", "--encoding", "gb18030", "-o", str(tmp_path / "x")]) == 2
    assert main(["score", str(src), "--format", "parquet", "-o", str(tmp_path / "y")]) == 2
    err = capsys.readouterr().err
    assert "not stdout" in err and "UTF-8" in err and "--engine spark" in err

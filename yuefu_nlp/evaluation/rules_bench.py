"""Rules-only cost against text length on pathological inputs (scripts/bench_pathological.py).

Why: a gate that looks back or ahead per hit makes matching quadratic in the number of hits; ordinary messages never
show it, a 20k-character row of one repeated slur does (issue #14: 40 s at 40k characters). Each pattern is built to
stress one part of the matcher; linear cost doubles from 20k to 40k characters, quadratic cost quadruples.
"""
from __future__ import annotations

import time
from typing import Any, Sequence

__all__ = ["PATTERNS", "LENGTHS", "pathological_text", "bench_pathological", "pathological_table"]

# name -> the unit repeated (and cut) to the wanted length, and what it stresses
PATTERNS: dict[str, tuple[str, str]] = {
    "slur": ("傻逼", "one insult keyword repeated: a hit every two characters"),
    "quoted_keyword": ("催收说“傻逼”", "a keyword inside closed quotes after an introducer: the quote lookups"),
    "unbalanced_quotes": ("“傻逼", "opening quote marks never closed: the search for a closing mark"),
    "no_sentence_end": ("我们明天上门找你家人", "threat keywords with no clause or sentence end: the look back"),
    "negation_cues": ("别以为我们不会上门", "a negation cue and an override before every hit, one clause"),
    "digit_run": ("1380013800", "one run of digits: the identifier regexes and their checksums"),
    "phone_numbers": ("银行卡6222021234567890128，你家人电话13912345678，",
                      "card and mobile numbers with their context: a checksum and a context look-up per hit"),
}
LENGTHS: tuple[int, ...] = (1_000, 5_000, 20_000, 40_000)


def pathological_text(pattern: str, length: int) -> str:
    """The pattern's unit repeated to exactly `length` characters."""
    unit = PATTERNS[pattern][0]
    return (unit * (length // len(unit) + 1))[:length]


def bench_pathological(patterns: Sequence[str] = tuple(PATTERNS), lengths: Sequence[int] = LENGTHS, *,
                       repeat: int = 3, budget_s: float = 10.0) -> list[dict[str, Any]]:
    """Seconds (best of `repeat`) for `Analyzer.load("rules").analyze` per pattern and length, with the number of
    findings and the growth from the previous length. A pattern whose run exceeds `budget_s` skips its longer lengths
    (a record with `skipped` set), so that the benchmark of quadratic code still ends."""
    from ..analyzer import Analyzer

    analyzer = Analyzer.load(backend="rules", memo_size=0)  # no memo: every text is matched, as if new
    analyzer.analyze("你好")  # load the lexicons and jieba outside the timings
    records: list[dict[str, Any]] = []
    for name in patterns:
        previous: float | None = None
        for length in lengths:
            if previous is not None and previous > budget_s:
                records.append({"pattern": name, "chars": length, "skipped": f"previous length took > {budget_s} s"})
                continue
            text = pathological_text(name, length)
            best, findings = float("inf"), 0
            for _ in range(repeat):
                t0 = time.perf_counter()
                findings = len(analyzer.analyze(text).findings)
                best = min(best, time.perf_counter() - t0)
                if best > budget_s:
                    break
            records.append({"pattern": name, "chars": length, "seconds": round(best, 4), "findings": findings,
                            "growth": round(best / previous, 2) if previous else None})
            previous = best
    return records


def pathological_table(figures: dict[str, Any]) -> str:
    """The markdown table of scripts/bench_pathological.py's JSON: seconds per pattern and length, and the growth."""
    records = figures["records"]
    lengths = sorted({r["chars"] for r in records})
    head = "| pattern | " + " | ".join(f"{n:,} chars" for n in lengths) + " | growth, last step | findings |"
    lines = [head, "|" + "---|" * (len(lengths) + 3)]
    for name in dict.fromkeys(r["pattern"] for r in records):
        rs = {r["chars"]: r for r in records if r["pattern"] == name}
        cells = [f"{rs[n]['seconds']:.3f} s" if "seconds" in rs[n] else "skipped" for n in lengths]
        last = rs[lengths[-1]]
        growth = f"×{last['growth']:.2f} for ×{lengths[-1] / lengths[-2]:g} chars" if last.get("growth") else "-"
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {growth} | {last.get('findings', '-')} |")
    verdict = "meets" if figures.get("meets") else "misses: " + "; ".join(figures.get("failures", []))
    return "\n".join(lines) + (f"\n\nTarget: every pattern under {figures['max_seconds']} s at {lengths[-1]:,} "
                               f"characters and linear growth: {verdict}.")

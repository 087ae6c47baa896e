"""Write data/samples/contacts.csv: a small, fictional contact log with one debtor per policy rule (and controls).

    python scripts/make_contacts_sample.py [-o data/samples/contacts.csv]

Seeded, so the file is the same on every run. Two weeks (Monday 2024-03-04 to Sunday 2024-03-17) of background
contacts (at most one a day, in the daytime) for twenty debtors, plus the patterns data/samples/README.md lists. Times
are mostly naive local times (Asia/Shanghai), some with +08:00 and some in UTC (Z), to exercise time zone handling.
"""
from __future__ import annotations

import argparse
import csv
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LOCAL = timezone(timedelta(hours=8))
HEADER = ["time", "debtor_id", "collector_id", "channel", "recipient", "direction", "text"]
SMS = ["您的账单已逾期，请尽快还款。", "尊敬的客户，您的借款已逾期3天，请今日内处理。", "如已还款请忽略本短信。",
       "您好，请回电协商还款方案。"]
REPLIES = ["下周五发工资就还", "我在想办法，请给我几天时间", "好的，知道了", "能不能分期？"]


def _at(day: int, hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime(2024, 3, day, hh, mm, ss, tzinfo=LOCAL)


def events(seed: int = 7) -> list[tuple[datetime, str, list[str]]]:
    """(instant, how to write its time, the other fields) for every event; written in time order."""
    rng = random.Random(seed)
    out: list[tuple[datetime, str, list[str]]] = []

    def add(t: datetime, debtor: str, collector: str, channel: str, recipient: str = "debtor", direction: str = "",
            text: str = "", form: str = "naive") -> None:
        if not text and channel == "sms" and direction in ("", "out"):
            text = rng.choice(SMS)
        out.append((t, form, [debtor, collector, channel, recipient, direction, text]))

    collectors = [f"C{i:02d}" for i in range(1, 7)]
    debtors = [f"D{i:03d}" for i in range(1, 21)]
    # background: every debtor, most days, one daytime contact; some debtor replies
    for d in debtors:
        for day in range(4, 18):
            if rng.random() < 0.6 and (d, day) not in (("D003", 13), ("D003", 14), ("D004", 12)):  # keep these exact
                t = _at(day, rng.randint(9, 19), rng.randint(0, 59))
                form = rng.choice(["naive", "naive", "naive", "offset", "utc"])
                add(t, d, rng.choice(collectors), rng.choice(["call", "call", "sms", "app"]), form=form)
            if rng.random() < 0.08 and d not in ("D006", "D007"):
                add(_at(day, rng.randint(9, 20), rng.randint(0, 59)), d, "", "sms", direction="in",
                    text=rng.choice(REPLIES))
    # D002 quiet hours: 23:10 local written in UTC, 07:30 local, 22:00 exactly; and a UTC night that is local daytime
    add(_at(5, 23, 10), "D002", "C03", "call", form="utc")
    add(_at(7, 7, 30), "D002", "C03", "call")
    add(_at(9, 22, 0), "D002", "C04", "sms", form="offset")
    add(_at(12, 9, 30), "D002", "C04", "call", form="utc")  # 01:30 UTC: night in UTC, 09:30 in Shanghai, fine
    # D003 daily cap: five contacts on the 6th; on the 13th three before midnight and two just after (two days)
    for hh in (9, 11, 14, 16, 18):
        add(_at(6, hh, 5), "D003", "C01", "call")
    for t in (_at(13, 10, 0), _at(13, 15, 0), _at(13, 21, 59)):
        add(t, "D003", "C02", "call")
    add(_at(14, 8, 1), "D003", "C02", "call")
    # D004 burst: four calls in eight minutes by two collectors; on the 12th three calls spread over 25 minutes
    for mm, c in ((0, "C05"), (2, "C05"), (5, "C06"), (8, "C05")):
        add(_at(8, 14, mm), "D004", c, "call")
    for mm in (0, 12, 25):
        add(_at(12, 10, mm), "D004", "C05", "call")
    # D005 third parties: mother, employer and an emergency contact on one day; one call to the spouse another day
    for hh, who in ((10, "mother"), (11, "employer"), (15, "emergency_contact")):
        add(_at(7, hh, 20), "D005", "C02", "call", recipient=who)
    add(_at(11, 10, 0), "D005", "C02", "call", recipient="spouse")
    # D006 stop request: an inbound SMS on the 8th asks to stop; calls continue on the 9th and the 10th
    add(_at(8, 12, 40), "D006", "C01", "sms", direction="in", text="我已经在还了，请不要再联系我了")
    add(_at(9, 10, 0), "D006", "C03", "call")
    add(_at(10, 16, 30), "D006", "C03", "sms")
    # D007 control: a negated phrase is not a stop request
    add(_at(8, 12, 40), "D007", "C01", "sms", direction="in", text="我没说别再打了，可以打给我商量")
    add(_at(9, 10, 0), "D007", "C01", "call")
    # D008 weekly cap: two a day Monday 11th to Saturday 16th (twelve in one week, above ten)
    for day in range(11, 17):
        for hh in (10, 16):
            add(_at(day, hh, 15), "D008", rng.choice(collectors), rng.choice(["call", "sms"]))
    # a collector's note that records a stop request by phone (D009), then a call
    add(_at(14, 11, 0), "D009", "C04", "note", direction="note", text="客户来电要求停止催收，已告知")
    add(_at(15, 10, 0), "D009", "C04", "call")
    return sorted(out, key=lambda e: (e[0], e[2]))


def _write_time(t: datetime, form: str) -> str:
    if form == "utc":
        return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if form == "offset":
        return t.isoformat(timespec="seconds")
    return t.strftime("%Y-%m-%d %H:%M:%S")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", type=Path, default=REPO / "data" / "samples" / "contacts.csv")
    args = ap.parse_args()
    rows = [[_write_time(t, form)] + rest for t, form, rest in events()]
    # two records a real export also has: a time no parser reads, and a missing debtor id
    rows.insert(len(rows) // 2, ["昨天下午", "D010", "C02", "call", "debtor", "", ""])
    rows.insert(len(rows) // 3, ["2024-03-10 11:00:00", "", "C02", "call", "debtor", "", ""])
    with open(args.output, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(HEADER)
        w.writerows(rows)
    print(f"wrote {args.output} ({len(rows)} events)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

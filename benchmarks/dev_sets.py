"""The dev question sets the answer benchmarks share (read from ../shared, never copied),
and the day each rtqa set is cut at by the fitted-on / measured-on protocol
(benchmarks/protocol.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
EVAL = SHARED / "eval"
SETS = {
    "seed": (SHARED / "corpus/seed_news_page.txt", EVAL / "seed/questions.jsonl"),
    "rtqa-gold": (EVAL / "rtqa-gold/corpus.jsonl", EVAL / "rtqa-gold/questions.jsonl"),
    "rtqa-evidence": (EVAL / "rtqa-evidence/corpus.jsonl", EVAL / "rtqa-evidence/questions.jsonl"),
}
GOLD_CUT = date(2022, 8, 1)  # June-July 2022 | August 2022 (the split)
EVIDENCE_CUT = date(2022, 1, 1)  # 2020-2021 | 2022 (by year; the two nearest to halves)
CUTS = {"rtqa-gold": GOLD_CUT, "rtqa-evidence": EVIDENCE_CUT}
PERIODS = {"rtqa-gold": ("Jun-Jul 2022", "Aug 2022"), "rtqa-evidence": ("2020-2021", "2022")}

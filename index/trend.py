"""`baogao trend`: one indicator across reports, each point cited, targets set against results.

A point is one place, period and mode. A year's result is taken from the report that reviews it
(the next year's), its target from its own report; when reports state different values for one
point (a first estimate and a later revision) each value is a point of its own.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from archive.facts import fact_places, measure_counts, select_facts
from archive.store import Archive
from index.trend_question import TrendQuestion, parse_question

EXAMPLES = (
    "国务院 国内生产总值增长 预期目标",
    "China GDP growth target",
    "北京 上海 地区生产总值增长 2024-2025",
)
MODE_ORDER = {"actual": 0, "estimate": 1, "target": 2, "average": 3}


class NoIndicator(ValueError):
    """The question names nothing the archive measures; the message gives examples."""


@dataclass
class Trend:
    """A series: the points, the target-vs-actual gaps, and a message when there are none."""

    question: str
    indicator: str | None
    english: str | None = None
    measure: str | None = None
    places: list[str] = field(default_factory=list)
    points: list[dict] = field(default_factory=list)
    gaps: list[dict] = field(default_factory=list)
    message: str = ""

    def as_dict(self) -> dict:
        return {
            "question": self.question,
            "indicator": self.indicator,
            "indicator_en": self.english,
            "measure": self.measure,
            "places": self.places,
            "points": self.points,
            "gaps": self.gaps,
            "message": self.message,
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=indent)


def trend(archive: Archive, question: str) -> Trend:
    """The series a question asks for; raises NoIndicator when it names no indicator at all."""
    q = parse_question(question, fact_places(archive.db))
    if q.indicator is None:
        if q.unknown:
            return Trend(question, None, message=f"the archive holds no figures for {q.unknown!r}")
        examples = "; ".join(f'"{e}"' for e in EXAMPLES)
        raise NoIndicator(f"name an indicator to follow, e.g. {examples}")
    if q.other_places and not q.places:
        where = ", ".join(q.other_places)
        return Trend(question, q.indicator.name, q.indicator.english,
                     message=f"the archive holds no figures for {where}")  # fmt: skip
    measure = q.measure or _commonest_measure(archive, q)
    rows = select_facts(
        archive.db,
        q.indicator.name,
        measure=measure,
        places=q.places or None,
        modes=list(q.modes),
        year_from=q.year_from,
        year_to=q.year_to,
    )
    points = [_point(row) for row in choose_points(rows)]
    if q.places:  # side by side in the order the question names them
        points.sort(key=lambda p: q.places.index(p["place"]))
    result = Trend(question, q.indicator.name, q.indicator.english, measure, q.places, points)
    result.gaps = gaps(points)
    if not points:
        result.message = _empty_message(q, measure)
    elif q.other_places:
        result.message = f"the archive holds no figures for {', '.join(q.other_places)}"
    return result


def _commonest_measure(archive: Archive, q: TrendQuestion) -> str | None:
    counts = measure_counts(archive.db, q.indicator.name)
    return max(counts, key=counts.get) if counts else None


def choose_points(rows: list[dict]) -> list[dict]:
    """One row per place, period, mode (and span) and distinct value, from the best report."""
    groups: dict[tuple, dict[float, list[dict]]] = {}
    for row in rows:
        key = (row["place"], row["period"], row["mode"], row["period_start"])
        groups.setdefault(key, {}).setdefault(round(row["value"], 6), []).append(row)
    chosen = []
    for key, by_value in groups.items():
        per_report = {}
        for value, candidates in by_value.items():
            best = min(candidates, key=lambda r: _source_rank(r, key))
            per_report.setdefault(best["report_id"], []).append((value, best))
        for values in per_report.values():  # one report, one value per point: its first statement
            chosen.append(min(values, key=lambda v: v[1]["char_start"])[1])
    return sorted(
        chosen,
        key=lambda r: (
            r["place"] or "",
            r["period"],
            MODE_ORDER.get(r["mode"], 9),
            r["report_year"] or 0,
        ),
    )


def _source_rank(row: dict, key: tuple) -> tuple:
    """The report that should state a point: the next year's review for results, its own for targets."""
    period, mode = key[1], key[2]
    wanted = period if mode == "target" else period + 1
    year = row["report_year"]
    return (0 if year == wanted else 1, abs((year or 0) - wanted), row["char_start"])


def _point(row: dict) -> dict:
    return {
        "period": row["period"],
        "mode": row["mode"],
        "figure": row["figure"],
        "value": row["value"],
        "unit": row["unit"],
        "place": row["place"],
        "period_start": row["period_start"],
        "value_high": row["value_high"],
        "sentence": row["context"],
        "citation": {
            "report_id": row["report_id"],
            "title": row["title"],
            "year": row["report_year"],
            "issuer": row["issuer"],
            "file_name": row["file_name"],
            "section_path": json.loads(row["section_path"]) if row["section_path"] else [],
            "char_start": row["char_start"],
            "char_end": row["char_end"],
        },
    }


def gaps(points: list[dict]) -> list[dict]:
    """For each place and period with a target and a result: the difference and whether it was met."""
    by_key: dict[tuple, dict[str, dict]] = {}
    for p in points:
        if p["mode"] in ("target", "actual"):
            by_key.setdefault((p["place"], p["period"]), {}).setdefault(p["mode"], p)
    out = []
    for (place, period), modes in sorted(by_key.items(), key=lambda kv: (kv[0][0] or "", kv[0][1])):
        target, actual = modes.get("target"), modes.get("actual")
        if not (target and actual) or target["unit"] != actual["unit"]:
            continue
        upper = target["figure"].endswith(("以内", "以下"))
        bound = target["value_high"] if upper and target["value_high"] else target["value"]
        if target["value"] < 0:  # a cut (能耗降低3%): met when the fall is at least as deep
            met = actual["value"] <= target["value"]
        else:
            met = actual["value"] <= bound if upper else actual["value"] >= target["value"]
        out.append({
            "place": place,
            "period": period,
            "target": target["figure"],
            "actual": actual["figure"],
            "difference": round(actual["value"] - target["value"], 6),
            "met": met,
            "text": f"target {target['figure']}, actual {actual['figure']}",
        })  # fmt: skip
    return out


def _empty_message(q: TrendQuestion, measure: str | None) -> str:
    where = f" for {', '.join(q.places)}" if q.places else ""
    years = ""
    if q.year_from or q.year_to:
        years = f" in {q.year_from or '…'}–{q.year_to or '…'}"
    what = f"{q.indicator.name} ({measure or 'any measure'}, {'/'.join(q.modes)})"
    return f"the archive states no {what}{where}{years}"


def over_the_years(question: str) -> str | None:
    """The trend question behind a figure question ("GDP growth target for 2025" -> without the
    year), or None when it names no indicator the archive follows."""
    if parse_question(question, {}).indicator is None:
        return None
    follow = re.sub(r"(?:19|20)\d\d\s*年?(?:的)?", " ", question)
    return re.sub(r"\s+", " ", follow).strip(" ?？")

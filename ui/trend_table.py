"""Terminal output of `baogao trend`: periods down, places and modes across, then the gaps."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from ui.output import console


def print_trend(result: dict) -> None:
    """A table of the series (each cell: figure [report id]), its gaps, or the plain message."""
    if not result["points"]:
        console.print(escape(result["message"] or "no points"))
        return
    measure = f" · {result['measure']}" if result["measure"] else ""
    english = f" ({result['indicator_en']})" if result.get("indicator_en") else ""
    columns = list(dict.fromkeys((p["place"], p["mode"]) for p in result["points"]))
    table = Table(title=escape(f"{result['indicator']}{english}{measure}"), title_justify="left")
    table.add_column("period")
    for place, mode in columns:
        table.add_column(escape(f"{place or '?'} {mode}"))
    periods = sorted({_period_label(p) for p in result["points"]}, key=lambda s: (len(s) > 4, s))
    for period in periods:
        cells = []
        for place, mode in columns:
            here = [p for p in result["points"]
                    if (p["place"], p["mode"]) == (place, mode) and _period_label(p) == period]  # fmt: skip
            cells.append(
                escape(" / ".join(f"{p['figure']} [{p['citation']['report_id']}]" for p in here))
            )
        table.add_row(period, *cells)
    console.print(table)
    for gap in result["gaps"]:
        verdict = "met" if gap["met"] else "missed"
        console.print(escape(f"{gap['place']} {gap['period']}: {gap['text']} ({verdict})"))
    reports = {p["citation"]["report_id"] for p in result["points"]}
    console.print(
        escape(f"{len(result['points'])} points from {len(reports)} reports; [n] is the report id.")
    )


def _period_label(point: dict) -> str:
    start = point.get("period_start")
    return f"{start}–{point['period']}" if start else str(point["period"])

"""The Trend page: one indicator over the years, place by place, each point cited and readable
in context; a chart, the table under it, targets against results and a CSV download."""

from __future__ import annotations

import csv
import io

import altair as alt
import streamlit as st

from index.library import USER_ERRORS
from index.trend import NoIndicator, over_the_years, trend
from ui import render, views_state
from ui.views_filters import URL

EXAMPLES = (
    "国务院 国内生产总值增长 预期目标",
    "China GDP growth, actual",
    "北京 上海 地区生产总值增长",
    "城镇新增就业 预期目标",
)
CSV_COLUMNS = (
    "place", "period", "period_start", "mode", "figure", "value", "value_high", "unit",
    "report_id", "title", "year", "issuer", "section_path", "char_start", "char_end",
)  # fmt: skip


def _set_question(text: str) -> None:
    st.session_state["tq"] = text


def offer_link(question: str) -> None:
    """Under an Ask answer that is a figure: a link to the same indicator over the years."""
    follow = over_the_years(question)
    if follow:
        st.page_link(
            "views_trend.py",
            label="See this over the years",
            icon=":material/show_chart:",
            query_params={"tq": follow},
        )


def series_label(point: dict) -> str:
    return f"{point['place'] or '?'} · {point['mode']}"


def chart(points: list[dict]) -> alt.Chart | None:
    """A line per place and mode over the periods, in the unit most points share."""
    units = [p["unit"] for p in points]
    unit = max(set(units), key=units.count) if units else None
    rows = [
        {"period": p["period"], "value": p["value"], "series": series_label(p),
         "figure": p["figure"], "report": render.citation_head(p["citation"])}
        for p in points if p["unit"] == unit
    ]  # fmt: skip
    if not rows:
        return None
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("period:O", title="period"),
        y=alt.Y("value:Q", title=unit or "value"),
        color=alt.Color("series:N", title=None),
        tooltip=["series:N", "period:O", "figure:N", "report:N"],
    )
    return base.mark_line(point=True)


def csv_text(points: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for p in points:
        c = p["citation"]
        writer.writerow({
            **{k: p.get(k) for k in CSV_COLUMNS if k in p},
            **{k: c[k] for k in ("report_id", "title", "year", "issuer", "char_start", "char_end")},
            "section_path": " › ".join(c["section_path"]),
        })  # fmt: skip
    return out.getvalue()


def _table(points: list[dict]) -> None:
    rows = [
        {"place": p["place"], "period": p["period"], "mode": p["mode"], "figure": p["figure"],
         "report": render.citation_head(p["citation"]),
         "section": " › ".join(p["citation"]["section_path"])}
        for p in points
    ]  # fmt: skip
    st.dataframe(rows, hide_index=True, key="trend-table")


def sentence_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence holding text[start:end], set apart in its section with the figure marked."""
    lo = max(text.rfind(c, max(start - 300, 0), start) for c in "。！？\n") + 1
    ends = [i for c in "。！？\n" if (i := text.find(c, end, end + 300)) >= 0]
    return max(lo, max(start - 300, 0)), (min(ends) + 1 if ends else min(end + 300, len(text)))


def _contexts(res: views_state.Resources, points: list[dict]) -> None:
    """Each point's passage, read in its section on demand."""
    st.subheader("Each point in its report")
    for i, p in enumerate(points):
        c = p["citation"]
        label = f"{p['period']} · {p['place']} · {p['mode']} · {p['figure']} — {render.citation_head(c)}"
        box = st.expander(render.md_escape(label), key=f"tctx-{i}-{c['report_id']}-{c['char_start']}",
                          on_change="rerun")  # fmt: skip
        with box:
            if not box.open:
                continue
            try:
                text = res.library.archive.text(c["report_id"])
                sections = res.library.archive.sections(c["report_id"])
            except USER_ERRORS as e:  # removed since the series was drawn
                st.warning(str(e))
                continue
            lo, hi = sentence_span(text, c["char_start"], c["char_end"])
            figure = (c["char_start"], c["char_end"])
            st.html(render.context_html(text, sections, lo, hi, figure=figure))


def page() -> None:
    res = views_state.resources()
    st.title("Figures over the years")
    st.text_input(
        "Indicator, and optionally places, years, target/actual (Chinese or English)",
        key="tq",
        bind=URL,
        placeholder="e.g. 国务院 国内生产总值增长 预期目标 / China GDP growth target",
    )
    row = st.container(horizontal=True, gap="small")
    for i, example in enumerate(EXAMPLES):
        row.button(
            render.md_escape(example), key=f"texample-{i}", on_click=_set_question, args=(example,)
        )
    question = st.session_state.get("tq", "").strip()
    if not question:
        st.info("Name an indicator to follow it across the reports in the archive.")
        return
    try:
        result = trend(res.library.archive, question)
    except NoIndicator as e:
        st.warning(str(e))
        return
    if not result.points:
        st.info(result.message)
        return
    title = f"{result.indicator} ({result.english})" if result.english else result.indicator
    st.subheader(f"{title} · {result.measure}")
    figure = chart(result.points)
    if figure is not None:
        st.altair_chart(figure, key="trend-chart")
    _table(result.points)
    if result.gaps:
        st.caption("Target against actual")
        st.dataframe(
            [{"place": g["place"], "period": g["period"], "target": g["target"], "actual": g["actual"],
              "difference": g["difference"], "met": g["met"]} for g in result.gaps],
            hide_index=True, key="trend-gaps",
        )  # fmt: skip
    st.download_button(
        "Download CSV", csv_text(result.points), file_name="trend.csv", mime="text/csv",
        key="trend-csv",
    )  # fmt: skip
    _contexts(res, result.points)


if __name__ == "__main__":
    page()

"""Sidebar filters for the Ask page, bound to the URL query string so a link reproduces them."""

from __future__ import annotations

import streamlit as st

from index.keyword import Filters

ALL = "All"
URL = "query-params"  # widgets bound this way keep their value in the URL


def _choices(reports: list[dict], column: str) -> list[str]:
    return [ALL, *sorted({str(r[column]) for r in reports if r.get(column)})]


def _years(reports: list[dict]) -> list[int]:
    return sorted({int(r["year"]) for r in reports if r.get("year")})


def report_label(report: dict) -> str:
    year = f" ({report['year']})" if report.get("year") else ""
    return f"{report['id']} · {report['title']}{year}"


def sidebar(reports: list[dict]) -> None:
    """Year range, issuer, kind and report pickers; their values live in session state and URL."""
    with st.sidebar:
        st.header("Filters")
        years = _years(reports)
        _follow_the_full_range(years)
        if len(years) > 1:
            st.select_slider(
                "Years", options=years, value=(years[0], years[-1]), key="years", bind=URL
            )
        st.selectbox("Issuer", _choices(reports, "issuer"), key="issuer", bind=URL)
        st.selectbox("Kind", _choices(reports, "kind"), key="kind", bind=URL)
        labels = {str(r["id"]): report_label(r) for r in reports}
        st.multiselect(
            "Reports",
            list(labels),
            format_func=lambda rid: labels.get(rid, rid),
            key="report",
            bind=URL,
            placeholder="All reports",
        )
        st.caption("Reports without a year are left out when the year range is narrowed.")


def _follow_the_full_range(years: list[int]) -> None:
    """A slider left at the whole range stays at the whole range when reports of new years
    arrive (a first start, an upload): it never turns into a filter the user did not set."""
    state = st.session_state
    full = (years[0], years[-1]) if years else None
    previous = state.get("years-full")
    if previous and full and full != tuple(previous) and tuple(state.get("years") or ()) == tuple(previous):
        state["years"] = full
    state["years-full"] = full


def filters_from_state(reports: list[dict]) -> Filters:
    """The user's hard filters; a year range covering every report means no year filter."""
    state = st.session_state
    years = _years(reports)
    year_from = year_to = None
    chosen = state.get("years")
    if years and chosen and tuple(chosen) != (years[0], years[-1]):
        year_from, year_to = int(chosen[0]), int(chosen[1])
    issuer = state.get("issuer")
    kind = state.get("kind")
    report_ids = tuple(int(r) for r in state.get("report") or () if str(r).isdigit())
    return Filters(
        year_from=year_from,
        year_to=year_to,
        issuer=issuer if issuer and issuer != ALL else None,
        kind=kind if kind and kind != ALL else None,
        report_ids=report_ids,
    )


def load_query_params() -> None:
    """Ignored hints come from the URL on a session's first run (bound widgets do the rest)."""
    if "ignored_hints" not in st.session_state:
        st.session_state["ignored_hints"] = [
            v for v in st.query_params.get_all("ignore") if v.strip()
        ]


def save_query_params(ignored: tuple[str, ...]) -> None:
    if list(ignored) != st.query_params.get_all("ignore"):
        if ignored:
            st.query_params["ignore"] = list(ignored)
        else:
            st.query_params.pop("ignore", None)

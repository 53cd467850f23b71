"""The Archive page: the reports table, reading a report by its sections, upload, edit, remove."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from index.library import USER_ERRORS
from ui import render, views_access, views_state, views_upload
from ui.views_filters import report_label

ROW_HEIGHT = 66  # Streamlit wraps cell text only in rows taller than 4rem
COLUMNS = ["id", "title", "year", "issuer", "kind", "sections", "chunks", "figures", "added_at"]


def reports_frame(reports: list[dict], search: str = "") -> pd.DataFrame:
    """The table rows, narrowed to reports whose title, issuer, kind or file name contain `search`."""
    needle = search.strip().lower()
    rows = [
        {**{c: r.get(c) for c in COLUMNS}, "added_at": str(r.get("added_at") or "")[:10]}
        for r in reports
        if not needle
        or any(
            needle in str(r.get(c) or "").lower() for c in ("title", "issuer", "kind", "file_name")
        )
    ]
    return pd.DataFrame(rows, columns=COLUMNS).astype({"year": "Int64"})


def _open_from_table(frame: pd.DataFrame) -> None:
    """A click on any cell opens that row's report below the table."""
    selection = st.session_state["reports-table"].selection
    rows = [cell[0] for cell in selection.cells]
    if rows and rows[0] < len(frame):
        st.session_state["open"] = str(frame.iloc[rows[0]]["id"])


def _table(reports: list[dict]) -> None:
    search = st.text_input(
        "Search reports", key="archive-search", placeholder="title, issuer, kind…"
    )
    frame = reports_frame(reports, search)
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        key="reports-table",
        on_select=lambda: _open_from_table(frame),
        selection_mode="single-cell",  # a click anywhere in a row opens it
        placeholder="—",
        row_height=ROW_HEIGHT,  # long titles wrap instead of being cut off
        height=min(len(frame), 8) * ROW_HEIGHT + 40,
        column_config={
            "id": st.column_config.NumberColumn("id", width=40),
            "title": st.column_config.TextColumn("title", width=330),
            "year": st.column_config.NumberColumn("year", format="%d", width=52),
            "issuer": st.column_config.TextColumn("issuer", width=160),
            "kind": st.column_config.TextColumn("kind", width=124),
            "sections": st.column_config.NumberColumn("sections", width=66),
            "chunks": st.column_config.NumberColumn("chunks", width=58),
            "figures": st.column_config.NumberColumn("figures", width=58),
            "added_at": st.column_config.TextColumn("added", width=92),
        },
    )
    st.caption(f"{len(frame)} of {len(reports)} reports · click a row to open it")


def _read(res: views_state.Resources, report_id: int) -> None:
    text = res.library.archive.text(report_id)
    sections = res.library.archive.sections(report_id)
    toc, body = st.columns([1, 2])
    with toc:
        st.caption(f"{len(sections)} sections")
        with st.container(height=640):
            st.html(render.toc_html(sections))
    with body:
        st.caption(f"{len(text)} characters")
        with st.container(height=640):
            st.html(render.report_html(text, sections))


def _edit(res: views_state.Resources, report) -> None:
    with st.form(f"edit-{report.id}"):
        title = st.text_input("Title", report.title or "")
        year = st.number_input("Year", 1900, 2100, value=report.year, step=1, placeholder="unknown")
        issuer = st.text_input("Issuer", report.issuer or "")
        kind = st.text_input("Kind", report.kind or "", help="e.g. gov_work_report, duty_report")
        if st.form_submit_button("Save changes"):
            new = {
                "title": title.strip(),
                "year": year,
                "issuer": issuer.strip(),
                "kind": kind.strip(),
            }
            changes = {
                k: v for k, v in new.items() if v not in ("", None) and v != getattr(report, k)
            }
            if not changes:
                st.info("Nothing changed.")
                return
            with views_state.writing(res) as library:
                library.edit(report.id, **changes)
            st.toast(f"Saved report {report.id}.")
            st.rerun()


def _remove(res: views_state.Resources, report) -> None:
    if st.session_state.get("confirm-remove") != report.id:
        if st.button("Remove this report…", key="remove"):
            st.session_state["confirm-remove"] = report.id
            st.rerun()
        return
    st.warning(
        f"Remove report {report.id} and all its sections, chunks, figures and vectors? "
        "This cannot be undone."
    )
    yes, no = st.columns(2)
    if yes.button("Yes, remove it", type="primary", key="remove-yes"):
        with views_state.writing(res) as library:
            library.remove(report.id)
        st.session_state.pop("confirm-remove", None)
        st.session_state.pop("open", None)
        st.session_state["removed"] = (
            f"Removed report {report.id}: {render.md_escape(report.title)}"
        )
        st.rerun()
    if no.button("Cancel", key="remove-no"):
        st.session_state.pop("confirm-remove", None)
        st.rerun()


def _report(res: views_state.Resources, reports: list[dict]) -> None:
    labels = {str(r["id"]): report_label(r) for r in reports}
    choice = st.selectbox(
        "Open a report",
        [None, *labels],
        format_func=lambda rid: "—" if rid is None else labels.get(rid, rid),
        key="open",
    )
    if choice is None or choice not in labels:
        return
    try:
        report = res.library.archive.report(int(choice))
    except USER_ERRORS as e:
        st.warning(str(e))
        return
    st.html(
        render.breadcrumb(
            [report.title, str(report.year or "—"), report.issuer or "—", report.kind or "—"]
        )
    )
    read, edit, remove = st.tabs(["Read", "Edit metadata", "Remove"])
    with read:
        _read(res, report.id)
    with edit:
        _edit(res, report) if views_access.can_write() else views_access.locked_note("edit")
    with remove:
        _remove(res, report) if views_access.can_write() else views_access.locked_note("remove")


def page() -> None:
    res = views_state.resources()
    st.title("Archive")
    if message := st.session_state.pop("removed", None):
        st.success(message)
    reports = res.library.archive.reports()
    browse, add = st.tabs(["Reports", "Add reports"])
    with browse:
        _table(reports)
        _report(res, reports)
    with add:
        if views_access.can_write():
            views_upload.section(res)
        else:
            views_access.locked_note("add reports")


if __name__ == "__main__":
    page()

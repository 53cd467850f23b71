"""The first-start banner on every page: how far the load has got, gone when it is done."""

from __future__ import annotations

import streamlit as st

from ui import first_start, render, views_state

POLL_SECONDS = 2.0


def banner(res: views_state.Resources) -> None:
    """While the loader runs, a progress bar that redraws itself; a full rerun at each new stage,
    so a question asked early is answered again over the whole archive, then by meaning."""
    status = first_start.read_status(res.library.home.root)
    if status is not None and status.active:
        st.session_state["loading-stage"] = status.stage
        _progress(res)
    elif status is not None and status.stage == first_start.FAILED:
        if not res.library.index_exists():
            st.warning(f"{status.message}. Questions are answered by keyword; "
                       "rebuild the index on the Index page.")


@st.fragment(run_every=POLL_SECONDS)
def _progress(res: views_state.Resources) -> None:
    status = views_state.loading(res)
    stage = status.stage if status else None
    if stage != st.session_state.get("loading-stage"):
        st.session_state["loading-stage"] = stage
        st.rerun()
    if status is not None:
        st.progress(fraction(status), text=render.md_escape(describe(status)))


def fraction(status: first_start.Status) -> float:
    return min(1.0, status.done / status.total) if status.total else 0.0


def describe(status: first_start.Status) -> str:
    """One line on the first start for people waiting on it."""
    if status.stage == first_start.ADDING:
        return (f"First start: loading the bundled reports, {status.done} of {status.total} "
                "stored. Ask away: answers come from the reports stored so far.")
    if status.stage == first_start.MODEL:
        return (f"First start: all {status.reports} reports are searchable by keyword; "
                "loading the model for the semantic index.")
    return (f"First start: building the semantic index, {status.done} of {status.total} "
            "passages embedded. Answers use keywords until it is ready, then improve.")

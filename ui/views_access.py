"""The page's side of `ui.exposure`: may this session change the archive, and the unlock box."""

from __future__ import annotations

import streamlit as st

from ui import exposure

UNLOCKED = "write-unlocked"


def can_write() -> bool:
    """Open on localhost; with a token, once this session has given it; else never."""
    mode = exposure.page_mode()
    return mode == "open" or (mode == "token" and bool(st.session_state.get(UNLOCKED)))


def locked_note(action: str) -> None:
    if exposure.page_mode() == "token":
        st.info(f"To {action}, unlock editing with the access token in the sidebar.")
    else:
        st.info(f"This page is read-only: {action} is turned off on a shared server.")


def sidebar() -> None:
    """A password box when writes need the token; a note when the page is read-only."""
    mode = exposure.page_mode()
    if mode == "read-only":
        st.sidebar.caption("Read-only: uploads, edits and rebuilds are turned off on this server.")
    if mode != "token":
        return
    if st.session_state.get(UNLOCKED):
        st.sidebar.caption("Editing unlocked for this session.")
        return
    token = st.sidebar.text_input(
        "Access token (to add, edit or remove)", type="password", key="access-token"
    )
    if st.sidebar.button("Unlock editing", key="unlock") and token:
        if exposure.token_matches(token):
            st.session_state[UNLOCKED] = True
            st.session_state.pop("access-token", None)
            st.rerun()
        st.sidebar.error("That is not the access token.")

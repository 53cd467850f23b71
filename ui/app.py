"""The Streamlit entry point (`baogao serve`): page setup, the first-start banner, navigation."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import views_access, views_loading, views_state

HERE = Path(__file__).resolve().parent

st.set_page_config(page_title="baogao 报告", page_icon=":material/description:", layout="wide")
st.html(f"<style>{(HERE / 'style.css').read_text('utf-8')}</style>")

resources = views_state.resources()
views_loading.banner(resources)

views_access.sidebar()
st.navigation(
    [
        st.Page(
            HERE / "views_ask.py",
            title="Ask",
            icon=":material/question_answer:",
            default=True,
            url_path="ask",
        ),
        st.Page(
            HERE / "views_trend.py",
            title="Trend",
            icon=":material/show_chart:",
            url_path="trend",
        ),
        st.Page(
            HERE / "views_archive.py",
            title="Archive",
            icon=":material/inventory_2:",
            url_path="archive",
        ),
        st.Page(
            HERE / "views_index.py", title="Index", icon=":material/database:", url_path="index"
        ),
    ]
).run()
views_state.after_drawing(resources)

"""The Ask page: question, filters, answer card, hints, ranked passages; the URL reproduces it."""

from __future__ import annotations

import re

import streamlit as st

from index.keyword import Filters
from index.library import USER_ERRORS
from ui import render, views_state, views_trend
from ui.views_filters import (
    URL,
    filters_from_state,
    load_query_params,
    save_query_params,
    sidebar,
)

EXAMPLES = (
    "How many shantytown households were rebuilt?",
    "棚户区改造了多少户？",
    "2024年政府工作报告安排的赤字率是多少？",
    "What was the GDP growth target for 2025?",
)
TOP_K = 5
_WORD = re.compile(r"[^\W_]")  # a letter, digit or ideograph


def _set_question(text: str) -> None:
    st.session_state["q"] = text


def _ignore_hint(value: str, label: str) -> None:
    st.session_state.setdefault("hint_labels", {})[value] = label
    ignored = st.session_state.setdefault("ignored_hints", [])
    if value not in ignored:
        ignored.append(value)


def _restore_hint(value: str) -> None:
    st.session_state["ignored_hints"] = [
        v for v in st.session_state.get("ignored_hints", []) if v != value
    ]


def ask(res: views_state.Resources, question: str, filters: Filters, ignored: tuple) -> dict:
    """The answer for this question and filters, computed once per archive state per session
    (by keyword alone while the semantic index is not ready)."""
    searcher = views_state.searcher(res)
    method = views_state.method(res)
    key = (question, filters, ignored, res.signature, method)
    answers = st.session_state.setdefault("answers", {})
    if key not in answers:
        if len(answers) > 50:
            answers.clear()
        answers[key] = res.library.ask(
            question, searcher=searcher, filters=filters, top_k=TOP_K, ignore_hints=ignored,
            method=method,
        )
    return answers[key]


def has_words(question: str) -> bool:
    """A question of only punctuation or symbols has nothing to search for."""
    return bool(_WORD.search(question))


def _examples() -> None:
    st.caption("Examples from the bundled reports (click to ask):")
    row = st.container(horizontal=True, gap="small")
    for i, example in enumerate(EXAMPLES):
        row.button(
            render.md_escape(example),
            key=f"example-{i}",
            on_click=_set_question,
            args=(example,),
        )


def _hints(result: dict) -> None:
    ignored = st.session_state.get("ignored_hints", [])
    if not result["hints"] and not ignored:
        return
    st.caption("Reports the question points to rank higher (click one to ignore it):")
    chips = st.container(horizontal=True)
    for hint in result["hints"]:
        label, why = render.hint_chip(hint)
        chips.button(
            f"{render.md_escape(label)} ✕",
            key=f"hint-{hint['value']}",
            on_click=_ignore_hint,
            args=(hint["value"], label),
            help=why,
        )
    labels = st.session_state.get("hint_labels", {})
    for value in ignored:
        chips.button(
            f"↺ {render.md_escape(labels.get(value, value))}",
            key=f"restore-{value}",
            on_click=_restore_hint,
            args=(value,),
            help="Use this hint again",
        )


def _passages(res: views_state.Resources, result: dict) -> None:
    answer = result["answer"]
    for p in result["passages"]:
        st.html(render.passage_card(p, result["terms"]))
        # Tracked, so a section is read and sent only when its reader opens it.
        box = st.expander("Read in context", key=f"ctx-{p['chunk_id']}", on_change="rerun")
        with box:
            if not box.open:
                continue
            try:
                text = res.library.archive.text(p["report_id"])
                sections = res.library.archive.sections(p["report_id"])
            except USER_ERRORS as e:  # removed since the answer was computed
                st.warning(str(e))
                continue
            if p.get("page"):  # PDFs and scans: the page(s) to look up in the original
                end = p.get("page_end") or p["page"]
                st.caption(f"Page {p['page']}" + (f"–{end}" if end != p["page"] else ""))
            same = answer and answer["citation"]["report_id"] == p["report_id"]
            figure = render.figure_span(text, answer) if same else None
            st.html(render.context_html(text, sections, p["char_start"], p["char_end"], figure))


def page() -> None:
    res = views_state.resources()
    load_query_params()
    reports = res.library.archive.reports()
    sidebar(reports)
    st.title("Ask the archive")
    st.text_input(
        "Question (Chinese or English)",
        key="q",
        bind=URL,
        placeholder="e.g. 棚户区改造了多少户？ / How many shantytown households were rebuilt?",
    )
    st.button("Ask", type="primary", key="ask")
    _examples()
    question = st.session_state.get("q", "").strip()
    filters = filters_from_state(reports)
    ignored = tuple(st.session_state.get("ignored_hints", []))
    save_query_params(ignored)
    if not question:
        st.info(f"{len(reports)} reports in the archive. Ask a question or pick an example.")
        return
    if not has_words(question):
        st.info("That question has no words to search for: type a question in Chinese or English.")
        return
    if not reports:
        st.info("The first reports are still being stored: the answer shows here as soon as they are."
                if views_state.loading(res) else "The archive is empty: add reports on the Archive page.")
        return
    try:
        result = ask(res, question, filters, ignored)
    except USER_ERRORS as e:
        st.error(str(e))
        return
    if res.keyword_only:
        st.html(render.notice(f"Answered by keyword only: {res.keyword_only}. "
                              "The answer improves when the semantic index is ready.",
                              "bg-notice bg-keyword-only"))
    if result["answer"]:
        st.html(render.answer_card(result["answer"]))
        if result["answer"].get("figure"):
            views_trend.offer_link(question)
    else:
        st.html(
            render.notice(
                "No good answer in the archive for this question"
                + (" with these filters" if filters else "")
                + ". The nearest passages are below.",
                "bg-notice bg-notfound",
            )
        )
    _hints(result)
    if result["passages"]:
        st.subheader("Passages")
        _passages(res, result)
    else:
        st.caption("No passages match these filters.")


if __name__ == "__main__":
    page()

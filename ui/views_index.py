"""The Index page: what the vector index holds, whether it can be trusted, and a rebuild."""

from __future__ import annotations

import streamlit as st

from index import health
from index.library import USER_ERRORS, Library
from index.vectors.base import VectorStoreError
from ui import render, views_access, views_state


def read_manifest(library: Library) -> dict | None:
    """The index manifest on disk (None when there is no index or it cannot be read)."""
    return library.vectors.manifest()


def problems(library: Library) -> list[str]:
    """Why the index cannot serve questions; empty when it can."""
    try:
        return library.index_problems()
    except (VectorStoreError, *USER_ERRORS) as e:
        return [str(e)]


def status(library: Library) -> dict:
    """Everything the page shows, as plain values (also handy in tests)."""
    manifest = read_manifest(library) or {}
    counts = library.archive.counts()
    return {
        "model": manifest.get("model_name") or "—",
        "dimension": manifest.get("dimension"),
        "indexed": manifest.get("count", 0),
        "chunks": counts["chunks"],
        "reports": counts["reports"],
        "index_type": manifest.get("index_type") or "—",
        "created": manifest.get("created") or "—",
        "updated": manifest.get("updated") or "—",
        "problems": problems(library),
        "home": str(library.home.root),
    }


def _rebuild(res: views_state.Resources) -> None:
    # The old index keeps answering other sessions until the new one is renamed into place.
    try:
        with views_state.writing(res) as library:
            manifest = library.rebuild(progress=views_state.progress_bar)
    except USER_ERRORS as e:
        st.error(str(e))
        return
    st.session_state["rebuilt"] = (
        f"Indexed {manifest['count']} chunks with {manifest['model_name']} "
        f"({manifest['dimension']}-d)."
    )
    st.rerun()


def _health(res: views_state.Resources) -> None:
    """The same checks as `baogao check`, and `--repair`, on demand (a check re-embeds a sample)."""
    st.subheader("Health")
    if st.button("Check the archive and index", key="health_check"):
        st.session_state["health"] = [p.as_dict() for p in health.check(res.library)]
    found = st.session_state.get("health")
    if found is None:
        st.caption("Verifies the SQLite file, keyword rows, one vector per chunk, the manifest "
                   "and reports present only in part.")
        return
    if not found:
        st.success("No problems found.")
        return
    for p in found:
        st.warning(render.md_escape(f"{p['area']}: {p['message']}"))  # titles are not markup
    if not views_access.can_write():
        return
    if any(p["fixable"] for p in found) and st.button("Repair what can be repaired", key="health_repair"):
        try:
            with views_state.writing(res) as library:
                actions = health.repair(library)
        except USER_ERRORS as e:
            st.error(str(e))
            return
        st.session_state["health"] = [p.as_dict() for p in health.check(res.library)]
        st.session_state["repaired"] = actions or ["nothing needed doing"]
        st.rerun()


def page() -> None:
    res = views_state.resources()
    st.title("Search index")
    if message := st.session_state.pop("rebuilt", None):
        st.success(message)
    info = status(res.library)
    row = st.container(horizontal=True, gap="large")  # each metric as wide as its value
    row.metric("Model", info["model"], width="content")
    row.metric("Dimension", info["dimension"] or "—", width="content")
    row.metric("Chunks indexed", f"{info['indexed']} / {info['chunks']}", width="content")
    row.metric("Reports", info["reports"], width="content")
    st.caption(
        f"Last rebuild {render.human_time(info['created'])} · "
        f"last update {render.human_time(info['updated'])} · "
        f"{info['index_type']} index · archive home {render.md_escape(info['home'])}"
    )
    if info["problems"]:
        st.warning(render.md_escape("The index is stale: " + "; ".join(info["problems"])))
    elif info["chunks"]:
        st.success("The index is up to date with the archive and the model.")
    else:
        st.info("The archive is empty: add reports on the Archive page.")
    if st.button(
        "Rebuild the index",
        type="primary",
        key="rebuild",
        disabled=not info["chunks"] or not views_access.can_write()
        or views_state.loading(res) is not None,
        help="Embed every chunk again; questions keep using the old index until it is done "
        "(not while a first start is building it).",
    ):
        _rebuild(res)
    for action in st.session_state.pop("repaired", []):
        st.info(render.md_escape(action))
    _health(res)


if __name__ == "__main__":
    page()

"""Find the main content of a web page: marked by comments, named by the site, or densest."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

_MIN_CONTENT_CHARS = 20
_BEGIN = re.compile(r"begin|start|开始", re.I)
_END = re.compile(r"end|结束", re.I)
_LABEL_NOISE = re.compile(r"begin|start|end|开始|结束|[\s._\-:<>$\[\]]", re.I)
_CONTENT_LABEL = re.compile(r"^$|content|article|body|text|zoom|main|正文|内容|文章", re.I)
_CONTENT_NAME = re.compile(
    r"(?:^|[-_\s])(?:content|article|artibody|trs_editor|zoom|main|maintext|detail|text|txt"
    r"|body|正文)(?:$|[-_\s\d])",
    re.I,
)
_CHROME_NAME = re.compile(
    r"header|footer|nav|menu|sidebar|banner|copyright|breadcrumb|share|comment|related"
    r"|link|search|login|toolbar",
    re.I,
)
_CONTAINERS = {"article", "blockquote", "body", "center", "dd", "div", "form", "html", "li",
               "main", "section", "td", "th"}  # fmt: skip
_NARROW_TO = 0.8  # a named block inside the best one wins if it keeps this share of its text


def find_main(soup: BeautifulSoup) -> tuple[Tag, Comment | None, Comment | None]:
    """(root, begin, end): render `root`, between the two comments when they are not None."""
    marked = _marked_region(soup)
    if marked is not None:
        return marked
    stats = _measure(soup)  # the whole document: broken pages have text after </html>
    return _named_block(soup, stats) or _densest_block(soup, stats), None, None


@dataclass
class _Stats:
    order: int  # position in document order
    last: int  # order of the last descendant: descendants have order in (order, last]
    text: int = 0  # non-space characters below
    link: int = 0  # of which inside <a>
    score: float = 0.0  # text of the paragraphs it holds (full) and of its grandchildren (half)


def _measure(root: Tag) -> dict[int, _Stats]:
    """Text, link text and paragraph score per element, in one iterative pass."""
    stats: dict[int, _Stats] = {}
    path: list[Tag] = []  # open elements from root to the current one
    blocks: list[int] = []  # indexes in `path` of open container elements
    links = 0
    counter = 0
    stack: list[tuple[object, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        if leaving:
            done = stats[id(path.pop())]
            done.last = counter
            if path:
                parent = stats[id(path[-1])]
                parent.text += done.text
                parent.link += done.link
            if blocks and blocks[-1] == len(path):
                blocks.pop()
            links -= node.name == "a"
        elif isinstance(node, Tag):
            counter += 1
            stats[id(node)] = _Stats(order=counter, last=counter)
            if node.name in _CONTAINERS:
                blocks.append(len(path))
            links += node.name == "a"
            path.append(node)
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node.contents))
        elif type(node) is NavigableString and path:
            size = len("".join(node.split()))
            own = stats[id(path[-1])]
            own.text += size
            if links:
                own.link += size
            elif blocks:
                stats[id(path[blocks[-1]])].score += size
                if len(blocks) > 1:
                    stats[id(path[blocks[-2]])].score += size / 2
    return stats


def _named_block(root: Tag, stats: dict[int, _Stats]) -> Tag | None:
    """<article>, <main>, or an element the site named content/article/zoom/TRS_Editor..."""
    candidates = [
        tag
        for tag in root.find_all(True)
        if tag.name in ("article", "main") or _is_content_name(tag)
    ]
    candidates = [tag for tag in candidates if _own_text(stats, tag) >= _MIN_CONTENT_CHARS]
    if not candidates:
        return None
    best = max(candidates, key=lambda tag: _own_text(stats, tag))
    keep = _NARROW_TO * _own_text(stats, best)
    inner = [
        tag for tag in candidates if _inside(stats, tag, best) and _own_text(stats, tag) >= keep
    ]
    return max(inner, key=lambda tag: stats[id(tag)].order, default=best)


def _densest_block(root: Tag, stats: dict[int, _Stats]) -> Tag:
    """The container holding most paragraph text, discounted by its share of link text."""
    best, best_score = root, 0.0
    for tag in root.find_all(_CONTAINERS):
        s = stats[id(tag)]
        score = s.score * (1 - s.link / s.text) if s.text else 0.0
        if score > best_score:
            best, best_score = tag, score
    return best


def _marked_region(soup: BeautifulSoup) -> tuple[Tag, Comment, Comment] | None:
    """The largest region between comments like <!--正文 start--> ... <!--正文 end-->."""
    comments = soup.find_all(string=lambda s: isinstance(s, Comment))[:500]
    best, best_size = None, _MIN_CONTENT_CHARS - 1
    for i, begin in enumerate(comments):
        label = _LABEL_NOISE.sub("", begin)
        if not _BEGIN.search(begin) or not _CONTENT_LABEL.search(label):
            continue
        for end in comments[i + 1 :]:
            if _END.search(end) and not _BEGIN.search(end) and _LABEL_NOISE.sub("", end) == label:
                root = _common_ancestor(begin, end)
                size = _region_chars(root, begin, end)
                if size > best_size:
                    best, best_size = (root, begin, end), size
                break
    return best


def _region_chars(root: Tag, begin: Comment, end: Comment) -> int:
    """Non-space characters of text between two nodes in document order."""
    size = 0
    for node in begin.next_elements:
        if node is end:
            return size
        if type(node) is NavigableString:
            size += len("".join(node.split()))
    return size


def _common_ancestor(a: Tag | Comment, b: Tag | Comment) -> Tag:
    above_a = {id(parent) for parent in a.parents}
    return next(parent for parent in b.parents if id(parent) in above_a)


def page_title(soup: BeautifulSoup) -> str:
    """The <title> text, for recognising the article title in the page body."""
    return "".join(soup.title.get_text().split()) if soup.title else ""


def title_before(start: Tag | Comment, title: str) -> str | None:
    """The article heading just before the content: an <h1>-<h3> or a *title* element whose
    text is part of the page <title> (so a sidebar heading is never taken)."""
    for steps, node in enumerate(start.previous_elements):
        if steps > 300:
            break
        if not isinstance(node, Tag):
            continue
        named = any("title" in name.lower() for name in _names(node))
        if node.name not in ("h1", "h2", "h3") and not named:
            continue
        text = " ".join(node.get_text(" ").split())
        if 4 <= len(text) <= 120 and "".join(text.split()) in title:
            return text
    return None


def _names(tag: Tag) -> list[str]:
    classes = tag.get("class") or []
    return [*classes, str(tag.get("id") or "")]


def _is_content_name(tag: Tag) -> bool:
    names = _names(tag)
    return any(_CONTENT_NAME.search(n) for n in names) and not any(
        _CHROME_NAME.search(n) for n in names
    )


def _own_text(stats: dict[int, _Stats], tag: Tag) -> int:
    s = stats[id(tag)]
    return s.text - s.link


def _inside(stats: dict[int, _Stats], tag: Tag, outer: Tag) -> bool:
    inner, box = stats[id(tag)], stats[id(outer)]
    return box.order < inner.order <= box.last

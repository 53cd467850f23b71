"""Extractive answers: the best sentence of the best passages, with the figure the question asks for."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from archive.chinese_script import to_simplified
from archive.figures import UNITS
from archive.text import CLAUSE_BREAK, clause_span, sentence_spans
from archive.tokens import tokens
from archive.units import COUNT_UNITS, DURATION_UNITS, SAME_DIMENSION
from index.crosslingual import is_english
from index.weights import SearchSettings

QUANTITY = re.compile(
    r"多少|几|多大|多高|多快|多长|多远|多久|比例|比重|占比|增速|增长了|率是|是多少|什么(?:水平|目标|规模)|"
    r"\bhow (many|much|fast|large|big|high|long|far|tall|often)\b|\bwhat (share|rate|ratio|percentage|proportion|level)\b|"
    r"\b(rate|ratio|percent|percentage|share|total|number|amount|target|gdp)\b|"
    # nouns that name a measured quantity: "what was the port's throughput" asks for a figure
    r"\b(volume|throughput|capacity|output|value|revenue|income|investment|area|length|"
    r"population|production|consumption|spending|expenditure|emissions?|size|sum|quantity|"
    r"price|cost|budget|deficit|surplus|scale|turnover|yield|density|coverage|count|"
    r"harvest|mileage|distance|weight|height|depth|speed|concentration)\b",
    re.IGNORECASE,
)
# "what was the allowance raised to", "what had it risen to": a change's end is a figure
CHANGED_TO = re.compile(
    r"\b(?:raised|risen|rose|increased|grown|grew|climbed|reached|expanded|lifted|cut|reduced|lowered|"
    r"dropped|fallen|fell|brought down|brought up)\s+(?:to|by)\b",
    re.IGNORECASE,
)
_UNIT_FORMS = sorted((f for forms in UNITS.values() for f in forms if not f.isascii()), key=len, reverse=True)
UNIT_AFTER_ASK = re.compile(
    r"(?:多少|几)(?:万|亿|千)?(" + "|".join(map(re.escape, _UNIT_FORMS)) + ")"
)
_CANONICAL = {form.lower(): unit for unit, forms in UNITS.items() for form in forms}
# The English names of measures: "how many square kilometres", "in tonnes" (not counted nouns: "schools")
UNIT_NAMED_EN = re.compile(r"\b(" + "|".join(sorted(
    (re.escape(f) for unit, forms in UNITS.items() if unit not in COUNT_UNITS
     for f in forms if f.isascii() and f[0].isalpha()),
    key=len, reverse=True)) + r")\b", re.IGNORECASE)
# "yield per mu", "cars per 100 urban households", "energy use per unit of GDP": the unit after
# per / every / each divides the figure; it is not the unit asked for (but "per cent" is a rate)
DENOMINATOR = re.compile(r"\b(?:per|every|each)\s+(?!cent\b)(?:[\d,.]+\s+|hundred\s+|thousand\s+)?"
                         r"(?:unit\s+of\s+)?(?:([a-z-]+)\s+)?([a-z-]+)", re.IGNORECASE)
# "in the urban area", "key areas", "the Greater Bay Area" name places, not the dimension asked for
AREA_WORD = re.compile(r"\b(?:(in|across|within|throughout|around|to|into)\s+(?:(?:the|this|that|its|their)\s+)?"
                       r"(?:[A-Za-z'-]+\s+){0,2})?(areas|Area|area)\b")
# "how long is the metro network", "how far": a length (a duration is asked by "how long did it take")
LENGTH_ASK = re.compile(r"\bhow long\s+(?:is|was|are|were)\b|\bhow far\b|多长(?!时间)|多远", re.I)
# 多少纳税人, 多少名贫困人口: a count of people, though the unit is not written after 多少
PEOPLE_ASKED = re.compile(r"多少(?:名|位)?[\u4e00-\u9fff]{0,4}人(?!次|均|民币)")
# "how often": a number of times (次)
HOW_OFTEN = re.compile(r"\bhow often\b", re.I)
# "grew to what level", "had risen to": the end of a change is a level, not a rate
LEVEL_AFTER_CHANGE = re.compile(
    r"\b(?:grew|grown|rose|risen|increased|climbed|expanded|gone up|went up)\s+to\b", re.IGNORECASE)
# "what share / percentage / proportion / rate", 比重, 占比 ask for a rate and for nothing else
RATE_ASKED = re.compile(r"\bwhat (?:share|percentage|proportion|rate)\b|\bby what percentage\b|比重|占比|百分比|百分之几",
                        re.IGNORECASE)
# Money is asked for by what it is: 优抚金, 经费, 拨款, 总额, 收入, 投资 ...
MONEY_WORD = re.compile(r"[\u4e00-\u9fff](?:金|费|款|额|税)(?![\u4e00-\u9fff]*[率比])|收入|支出|投入|投资|预算|产值|总值")
STARTED = re.compile(r"原来|原先|起初|之前|提高前|from what|start(ed)? (at|from)", re.I)
REACH = re.compile(r"到了?多少|达到|\breach(ed)?\b|\blevel\b", re.I)
RATE_WORD = re.compile(r"(?<!利)率|比例|比重|占比|增速|强度|增长了?多少|降了?多少|下降了?多少|涨了?多少(?![钱元])|涨幅|百分之|\b(rate|ratio|share|percent|percentage|proportion|fast|grow|grew|growth)\b", re.I)
GROWTH_WORD = re.compile(r"增长了?多少|涨了?多少(?![钱元])|增速|增幅|涨幅|增长率|增长目标|\bhow fast\b|\b(grow|grew|growth)\b", re.I)
GROWTH_LEADS = ("增长", "增速", "增长了", "增幅", "增速为", "增长率")
# "比年初多了多少", "增加了多少", "by how much": the amount of a change, written right after 增加 / 减少
CHANGE_ASKED = re.compile(r"比[^，。？?]{1,12}?(?:多|少|增加|减少)了?多少|(?:增加|减少)了?多少|\bby how much\b", re.I)
CHANGE_LEADS = ("增加", "增加了", "减少", "减少了", "提高", "提高了", "降低", "降低了", "下降", "增", "减")
COUNTED_NOUN = re.compile(r"[\u4e00-\u9fff]{2,10}")
ITEM = re.compile(r"[，,；;。！？、\n：:和及与]")  # 786所县医院和534所妇幼保健院: items of a list
LIST_GOES_ON = re.compile(r"[、和及与]\s*[0-9０-９一二三四五六七八九十两]")
ITEM_FOLLOWS = re.compile(r"(?:（[^）]{0,4}）)?[、和及与][^，。；、\d]{1,12}[0-9０-９]")
# The verbs a report's lists start with, shared by every item: 发放优抚金…、医疗补助金…
LIST_VERB = re.compile(r"完成|实施|发放|新建|建成|改造|淘汰|投入|安排|开展|实现|培育|引进|"
                       r"建设|推进|组织|举办|落实|拨付|筹集|争取|化解|压减|关闭|治理|整治|修复|提升")
NOUN_ENDS = re.compile(r"进行|实现|得到|的|和|及|与|等")  # 1.2万平方米人行道|进行了维修改造
LEAD = re.compile(r"[，,；;。！？、\n：:]")
# 同比增长10.1%, 提高7.2个百分点, 今年要扩大到120户: a lead that only says when or how something
# changed, or is to change, names nothing itself
CHANGE_LEAD = re.compile(r"(?:今年|明年|当年|全年|年内)?(?:要|将|力争|计划|预计|争取)?"
                         r"(?:同比|比上年|比去年|较上年|较去年|年均|累计)?"
                         r"(?:增长|增加|提高|上升|下降|减少|降低|回落|扩大|缩小)了?(?:到|至)?")
CLAUSE = CLAUSE_BREAK
# Words around a figure that belong to its meaning: 超35亿吨, 突破3万家, 4%左右, 7%以上, 6800多万.
QUALIFIER_BEFORE = re.compile(r"(?:超过|超|突破|接近|将近|近|约|不少于|不低于|不超过|逾|高于|低于)$")
QUALIFIER_AFTER = re.compile(r"^(?:左右|以上|以下|以内|多|余|餘|上下|（[\u4e00-\u9fff]）)")  # 14.2万台（套）
# How a figure reads: a target (预期目标…5%左右, 力争, 拟按), a multi-year average (年均), or a result.
TARGET_CLAUSE = re.compile(r"目标|预期(?!寿命)|力争|拟按|拟|计划|安排|争取")
TARGET_AFTER = re.compile(r"^(?:左右|以上|以内)")
AVERAGE_LEAD = re.compile(r"年均|平均每年|五年|十年|累计")
# "How many stations were built" counts things: a measure (100%, 3亿元, 12公里, 24小时) does not answer it
# unless the question names its unit ("how many kilometres").
COUNT_QUESTION = re.compile(r"\bhow many\b(?!\s+(?:percent|percentage|per cent|yuan|times)\b)", re.I)
RATES = ("%", "‰", "个百分点")
# "How long did it take", "how many years" ask for a duration; "how long is the road" for a length.
DURATION_ASK = re.compile(r"多久|多长时间|多少年|\bhow long\b(?!\s+(?:is|was|are|were)\b)|\bhow many years\b", re.I)
# An English question that does not count ("what was the total investment") asks for an amount or level.
AMOUNT_OR_LEVEL = re.compile(r"\b(what|how much)\b", re.I)
# "How much allowance / land / grain" asks for an amount: a count of people or things does not answer it.
AMOUNT_QUESTION = re.compile(r"\bhow much\b", re.I)


@dataclass
class Answer:
    """The figure (if the question asks for one), the sentence that holds it, and where it is."""

    figure: str | None
    value: float | None
    unit: str | None
    sentence: str
    chunk_id: int
    char_start: int  # of the sentence, in the report's stored text
    char_end: int
    figure_start: int | None = None  # of the figure, in the report's stored text
    figure_end: int | None = None


@lru_cache(maxsize=1)
def unit_words() -> dict[str, tuple[str, ...]]:
    """Question word -> units that fit it, from the bundled table."""
    with resources.files("index").joinpath("data/units.tsv").open(encoding="utf-8") as f:
        rows = (
            line.rstrip("\n").split("\t") for line in f if line.strip() and not line.startswith("#")
        )
        return {word: tuple(units.split("|")) for word, units in rows}


def wanted_units(question: str) -> list[str]:
    """Units the question asks for, most specific first: 多少户 -> 户; households -> 户.

    A unit named right after 多少/几 wins; then rates when the question asks for one; then
    units implied by its words (money words, the bundled word table).
    """
    asked = _asked(question)
    explicit = [_CANONICAL[m.group(1).lower()]
                for pattern in (UNIT_AFTER_ASK, UNIT_NAMED_EN) for m in pattern.finditer(asked)]
    implied: list[str] = []
    if RATE_WORD.search(asked):
        implied += ["%", "个百分点"]
    if PEOPLE_ASKED.search(question):
        implied += ["人"]
    if HOW_OFTEN.search(question):
        implied += ["次"]
    if DURATION_ASK.search(question):
        implied += DURATION_UNITS
    elif LENGTH_ASK.search(question):
        implied += ["公里", "米"]
    if MONEY_WORD.search(question) and not GROWTH_WORD.search(asked):
        implied.append("元")  # "GDP grew by how much" asks for a rate, not the total
    table = unit_words()
    for word in re.findall(r"[a-z]+", asked.lower()):
        implied += table.get(word, ())
    for word, fits in table.items():
        if not word.isascii() and word in question:
            implied += fits
    if GROWTH_WORD.search(asked) and not explicit:
        implied = [u for u in implied if u != "元"]  # growth is a rate, whatever the indicator's unit
    if RATE_ASKED.search(asked) and not explicit:
        implied = [u for u in implied if u in RATES] or implied  # what share of spending: not 元
    if AMOUNT_QUESTION.search(question):
        implied = [u for u in implied if u not in COUNT_UNITS]  # how much allowance did recipients get
    if AMOUNT_OR_LEVEL.search(question) and not COUNT_QUESTION.search(question):
        # "what was the projects' total investment" asks for the sum (元), not the projects (个)
        implied.sort(key=lambda u: u in COUNT_UNITS)
    if explicit:  # 保障金发给了多少名对象: the 名 asked for, not the 元 its words suggest
        kinds = {unit_kind(u) for u in explicit}
        implied = [u for u in implied if unit_kind(u) in kinds]
    return list(dict.fromkeys(explicit + implied))


@lru_cache(maxsize=1024)
def _asked(question: str) -> str:
    """The question as its units are read: a divisor blanked ("per mu"), a place's "area" blanked,
    a change's end a level."""
    return LEVEL_AFTER_CHANGE.sub("reached", _without_place_areas(_without_denominators(question)))


def _without_place_areas(question: str) -> str:
    """The question with "area" blanked where it names a place ("in the urban area", "key areas")."""

    def blank(m: re.Match) -> str:
        if not m.group(1) and m.group(2) == "area":
            return m.group()  # "what area", "the green area": the dimension asked for
        return m.group()[: m.start(2) - m.start()] + " " * len(m.group(2))

    return AREA_WORD.sub(blank, question)


def _without_denominators(question: str) -> str:
    """The question with the unit word after per / every / each blanked ("per 100 urban households")."""
    table = unit_words()

    def names_unit(word: str | None) -> bool:
        return bool(word) and (word.lower() in table or bool(UNIT_NAMED_EN.fullmatch(word)))

    def blank(m: re.Match) -> str:
        group = 1 if names_unit(m.group(1)) else 2  # "per mu go up": mu; "per 100 urban households"
        a, b = m.span(group)
        return m.group()[: a - m.start()] + " " * (b - a) + m.group()[b - m.start():]

    return DENOMINATOR.sub(blank, question)


def unit_kind(unit: str) -> str:
    """What a unit measures: a rate, a count of things, or its dimension (吨 and 斤 are one kind)."""
    if unit in RATES:
        return "rate"
    if unit in COUNT_UNITS:
        return "count"
    return min(SAME_DIMENSION.get(unit, {unit}))


def is_quantity_question(question: str) -> bool:
    return asks_figure(question) or bool(wanted_units(question))


def asks_figure(question: str) -> bool:
    """How many / how much, a measured noun, a change's end, or an indicator named (life expectancy)."""
    return bool(QUANTITY.search(question) or CHANGED_TO.search(question) or _indicator_names().search(question))


@lru_cache(maxsize=1)
def _indicator_names() -> re.Pattern[str]:
    """The indicator vocabulary's names and English aliases (archive/data/indicators.tsv): a
    question naming an indicator asks for its figure."""
    from archive.facts import indicators

    names = {n for ind in indicators() for n in (*ind.chinese, *ind.aliases) if n}
    english = sorted((n for n in names if n.isascii()), key=len, reverse=True)
    chinese = sorted((n for n in names if not n.isascii()), key=len, reverse=True)
    return re.compile("|".join([*(rf"(?<![a-z]){re.escape(n)}(?![a-z])" for n in english),
                                *map(re.escape, chinese)]), re.IGNORECASE)


def extract_answer(
    question: str,
    passages: list,
    figures_by_chunk: dict[int, list[dict]],
    *,
    extra_terms: list[str] = (),
    asked=None,
    units: list[str] | None = None,
    settings: SearchSettings | None = None,
    query=None,
    english_words: dict[str, float] | None = None,
    sentence_sims: dict | None = None,
    clause_sims: dict[tuple[int, int], float] | None = None,
    term_groups: list[tuple[float, frozenset[str]]] | None = None,
) -> Answer | None:
    """Pick the answer from the top passages (StoredChunk-like, best first).

    Figures are scored by unit fit, by how many question words their clause shares, and by
    the rank of their passage; a question that asks for no quantity gets the best sentence.
    `query` (index/query.py) is the question already parsed, so nothing is read twice.
    """
    if not passages:
        return None
    s = settings or SearchSettings()
    english = query.english if query is not None else is_english(question)
    # an English question's own words never occur in Chinese text: they would only shrink every
    # figure's share of its translated terms, leaving the unit to decide
    own = () if english and extra_terms else (query.tokens if query is not None else tokens(question))
    terms = set(own) | set(extra_terms)
    # an English word counts once, by whichever of its translations a clause holds; a Chinese
    # question's words weigh by their length
    groups = term_groups if english and term_groups else [(len(t), frozenset([t])) for t in terms]
    named = list(query.units) if query is not None else wanted_units(question)  # the question's own
    units = units or named  # search's units also know the archive's measure words
    quantity = query.quantity if query is not None else is_quantity_question(question)
    if quantity or units:
        counting = bool(COUNT_QUESTION.search(question))
        amount = bool(AMOUNT_QUESTION.search(question))
        if amount:  # however the units were gathered, a count does not answer "how much"
            units = [u for u in units if u not in COUNT_UNITS]
        if counting:  # mined units may add the rate its words often lead
            units = [u for u in units if u in COUNT_UNITS or u in named]
        # English words reach a passage's figures only through loose translations: the ranking,
        # which also weighs glosses and meaning, is the surer guide to the passage -- unless the
        # question names a period, whose figures (a result, not the target) may sit further down
        period = asked is not None and asked.mode is not None
        step = s.figure_rank_english if english and not period else s.figure_rank
        best = None
        for rank, passage in enumerate(passages[: s.answer_passages]):
            for f in figures_by_chunk.get(passage.id, []):
                score = _figure_score(f, units, groups, rank, passage, question, s, step)
                if not named and _unit_index(f["unit"], units) is not None:
                    score -= s.figure_unit - s.figure_mined_unit  # the archive's guess, not the question's word
                score += period_fit(f, passage, asked, s)
                if counting and f["unit"] and f["unit"] not in COUNT_UNITS and f["unit"] not in units:
                    score -= s.figure_not_count
                if amount and f["unit"] in COUNT_UNITS:
                    score -= s.figure_not_count
                if english_words:
                    score += (s.figure_english_lead * english_lead(f, passage, english_words)
                              + s.figure_english_clause * english_clause(f, passage, english_words))
                if sentence_sims and passage.id in sentence_sims:
                    score += s.figure_sentence * _sentence_sim(f, passage, sentence_sims[passage.id])
                if clause_sims:
                    score += s.figure_clause_cosine * clause_sims.get((passage.id, f["char_start"]), 0.0)
                if best is None or score > best[0]:
                    best = (score, passage, f)
        if best is not None:
            _, passage, f = best
            return _figure_answer(passage, f, _quote_whole(f, figures_by_chunk[passage.id], units))
    passage = passages[0]
    start, end = max(_sentences(passage), key=lambda s: _overlap(passage.text[s[0] : s[1]], groups))
    return Answer(
        None,
        None,
        None,
        passage.text[start:end],
        passage.id,
        passage.char_start + start,
        passage.char_start + end,
    )


def _sentence_sim(f: dict, passage, sims) -> float:
    """The question's cosine with the sentence holding the figure (index/sentence_vectors.py)."""
    at = f["char_start"] - passage.char_start
    spans = sentence_spans(passage.text)
    if len(spans) != len(sims):
        return 0.0
    return float(next((sim for (a, b), sim in zip(spans, sims, strict=True) if a <= at < b), 0.0))


def english_lead(f: dict, passage, weights: dict[str, float]) -> float:
    """Weighted share of an English question's words among the glosses of the words just before a
    figure: "how many landscaping projects" reads 实施园林绿化彩化工程28项 as "landscape ... project"."""
    return _glossed_share(naming_words(f, passage), weights)


def english_clause(f: dict, passage, weights: dict[str, float]) -> float:
    """`english_lead` over the figure's whole clause (with the clause a change-only lead points back
    to): "tourist arrivals rise" reads 接待游客743万人次，同比增长22.5% in both of its clauses."""
    return _glossed_share(_clause_named(f, passage), weights)


def _glossed_share(text: str, weights: dict[str, float]) -> float:
    total = sum(weights.values())
    if not total:
        return 0.0
    from index.crosslingual import tables

    lemma = tables().lemma
    glossed = _glossed_lemmas(text)
    return sum(w for word, w in weights.items() if lemma(word) in glossed) / total


@lru_cache(maxsize=8192)
def _glossed_lemmas(text: str) -> frozenset[str]:
    """The lemmas of a text's glosses; a passage's clauses recur from question to question."""
    from archive.glosses import english
    from index.crosslingual import tables

    lemma = tables().lemma
    return frozenset(lemma(w) for w in english(text).split())


def naming_words(f: dict, passage) -> str:
    """What says what a figure is: the words just before it (新改建公厕20座) and the noun its
    measure word counts when one follows (新建1.88万所乡镇卫生院、786所县医院)."""
    start = f["char_start"] - passage.char_start
    end = f["char_end"] - passage.char_start
    lead = ITEM.split(passage.text[max(0, start - 24) : start])[-1]
    qualifier = QUALIFIER_AFTER.match(passage.text[end : end + 3])  # 20万个以上
    end += len(qualifier.group()) if qualifier else 0
    tail = COUNTED_NOUN.match(passage.text, end)
    noun = NOUN_ENDS.split(tail.group())[0] if tail else ""
    if noun and LIST_GOES_ON.match(passage.text, end + len(noun)):
        return noun  # 新建 before a list of such figures is the whole list's, not this one's
    if not noun and ITEM_FOLLOWS.match(passage.text, end):  # 完成工业设备更新14.2万台、电梯更新10025台
        lead = LIST_VERB.split(lead)[-1] or lead  # 完成 is every item's: the head keeps 工业设备更新
    lead = _named_before(f, passage)[-24:] + lead  # 比重达18.5%，提高7.2个百分点: the share's change
    return f"{lead}，{noun}" if noun else lead


def _clause_named(f: dict, passage) -> str:
    """The figure's clause; with the clause before it when only a change leads it
    (比重达18.5%，提高7.2个百分点: the 7.2 points are the share's)."""
    before = _named_before(f, passage)
    return before + f["context"] if before else f["context"]


def _named_before(f: dict, passage) -> str:
    """The clause before the figure's own when only words of change lead it, else ""."""
    start = f["char_start"] - passage.char_start
    if not 0 < start < len(passage.text):
        return ""
    own, _ = clause_span(passage.text, start)
    if own < 2 or passage.text[own - 1] not in "，,；;" or not CHANGE_LEAD.fullmatch(passage.text[own:start].strip()):
        return ""
    return passage.text[clause_span(passage.text, own - 2)[0] : own]


def _unit_index(unit: str, units: list[str]) -> int | None:
    """Position of the first wanted unit this one fits: 场次 fits 场, 人次 fits 次 (平方米 is no 米); a
    unit of the same dimension fits one step behind (grain in 吨 when 斤 is asked)."""
    exact = next((i for i, u in enumerate(units) if unit == u or (
        unit and (unit.startswith(u) or unit.endswith(u)) and unit_kind(unit) == unit_kind(u))), None)
    if exact is not None:
        return exact
    same = SAME_DIMENSION.get(unit, ())
    return next((i + 1 for i, u in enumerate(units) if u in same), None)  # 吨 for 斤, a step behind


def _figure_score(f: dict, units: list[str], groups: list[tuple[float, frozenset[str]]], rank: int,
                  passage, question_text: str = "", s: SearchSettings | None = None,
                  step: float | None = None) -> float:
    """Unit fit, then the question's words in its clause, then just before it, then passage rank
    (less `step` per rank: s.figure_rank unless given). `groups`: (weight, the forms of one word)."""
    s = s or SearchSettings()
    step = s.figure_rank if step is None else step
    start = f["char_start"] - passage.char_start
    end = f["char_end"] - passage.char_start
    unit_fit = 0.0
    position = _unit_index(f["unit"], units)
    if position is not None:
        unit_fit = s.figure_unit - s.figure_unit_step * position
    elif units and f["unit"] == "":
        # a bare 551万 or 6800多万 takes its unit from the words around it: 贫困人口减少6800多万
        around = passage.text[max(0, start - 6) : end + 6]
        fits = [i for i, u in enumerate(units) if u in around]
        unit_fit = s.figure_unit - s.figure_unit_step * fits[0] if fits else s.figure_bare_unit
    lead = to_simplified(LEAD.split(passage.text[max(0, start - 24) : start])[-1])  # 鋼 is 钢
    named = to_simplified(naming_words(f, passage))  # 新改建公厕20座, 786所县医院
    lead_overlap = _share(groups, lambda t: t in named)
    # 从三万九千八百元增加到八万一千元: "reached / 增长到" asks for the figure after 到
    reached = s.figure_reached if REACH.search(question_text) and lead.endswith(("到", "至", "达")) else 0.0
    # "grew by how much" asks for the figure right after 增长: 国内生产总值增长2.3%, not 失业率降到5.2%
    grew = 0.0
    asked = _asked(question_text)
    if (GROWTH_WORD.search(asked) and lead.endswith(GROWTH_LEADS)
            or CHANGE_ASKED.search(asked) and lead.endswith(CHANGE_LEADS)):
        clause = CLAUSE.split(passage.text[max(0, start - 30) : start])[-1]  # 国内生产总值达到…、增长
        named = any(len(t) >= 2 and t in clause and t not in GROWTH_LEADS + CHANGE_LEADS
                    for _, forms in groups for t in forms)
        grew = s.figure_grew_named if named else s.figure_grew
    # 由21%提升至74%: the figure a change started from answers only a question about the start
    start_of_change = f.get("role") == "from" and not STARTED.search(question_text)
    return (unit_fit + s.figure_clause * _overlap(_clause_named(f, passage), groups) + s.figure_lead * lead_overlap
            + reached + grew - step * rank - s.figure_change_start * start_of_change)


def figure_mode(f: dict, passage) -> str:
    """"target", "average" or "actual": the stored mode when periods are stored, else its words."""
    if f.get("mode"):
        return f["mode"]
    start = f["char_start"] - passage.char_start
    end = f["char_end"] - passage.char_start
    lead = LEAD.split(passage.text[max(0, start - 24) : start])[-1]
    clause = f.get("context") or lead
    if AVERAGE_LEAD.search(lead):
        return "average"
    if TARGET_AFTER.match(passage.text[end : end + 3]) or TARGET_CLAUSE.search(clause):
        return "target"
    return "actual"


def period_fit(f: dict, passage, asked, s: SearchSettings | None = None) -> float:
    """Prefer figures of the period and mode asked: 2024's actual growth, not its target or a 5-year average."""
    if asked is None or asked.mode is None:
        return 0.0
    s = s or SearchSettings()
    mode = figure_mode(f, passage)
    if asked.span and mode == "average":  # 2013–2017 asked: the five years' 新建民航机场46个 is a result
        mode = "actual"
    fit = 0.0
    if asked.mode == "target":
        fit += s.period_target if mode == "target" else s.period_not_target
    elif asked.mode == "estimate":  # a forecast: the year's own estimate, else its target or result
        fit += {"estimate": s.period_target, "average": s.period_average}.get(mode, s.period_estimate)
    else:
        fit += {"actual": s.period_actual, "estimate": s.period_estimate,
                "target": s.period_target_for_actual, "average": s.period_average}.get(mode, 0.0)
    if f.get("period") and asked.years:
        fit += s.period_year if f["period"] in asked.years else -s.period_year
    return fit


@lru_cache(maxsize=8192)
def _words(text: str) -> frozenset[str]:
    """A clause's words, segmented once: every figure of a sentence shares its clause."""
    return frozenset(tokens(text))


def _overlap(text: str, groups: list[tuple[float, frozenset[str]]]) -> float:
    """Weighted share of the question's words among the text's segmented words."""
    words = _words(text)
    return _share(groups, words.__contains__)


def _share(groups: list[tuple[float, frozenset[str]]], holds) -> float:
    """Weighted share of the groups one of whose forms `holds`."""
    total = sum(w for w, _ in groups)
    return sum(w for w, forms in groups if any(map(holds, forms))) / total if total else 0.0


def _sentences(passage) -> list[tuple[int, int]]:
    return sentence_spans(passage.text)


def _quote_whole(f: dict, chunk_figures: list[dict], units: list[str]) -> bool:
    """Quote a range (4.5%—5%) whole, and a compound (301户611人) unless the question asks for this
    part's unit alone."""
    if f.get("group_start") is None:
        return False
    others = {g["unit"] for g in chunk_figures if g.get("group_start") == f["group_start"]} - {f["unit"]}
    return not others or not units or bool(others & set(units))


def _figure_answer(passage, f: dict, whole: bool = False) -> Answer:
    whole = whole and passage.char_start <= f["group_start"] and f["group_end"] <= passage.char_end
    local_start = (f["group_start"] if whole else f["char_start"]) - passage.char_start
    local_end = (f["group_end"] if whole else f["char_end"]) - passage.char_start
    text = passage.text
    before = QUALIFIER_BEFORE.search(text[max(0, local_start - 4) : local_start])
    after = QUALIFIER_AFTER.match(text[local_end : local_end + 3])
    shown_start = local_start - (len(before.group()) if before else 0)
    shown_end = local_end + (len(after.group()) if after else 0)
    sentence = next(
        ((s, e) for s, e in _sentences(passage) if s <= local_start < e), (0, len(text))
    )
    return Answer(
        figure=text[shown_start:shown_end],
        value=f["value"],
        unit=f["unit"],
        sentence=text[sentence[0] : sentence[1]],
        chunk_id=passage.id,
        char_start=passage.char_start + sentence[0],
        char_end=passage.char_start + sentence[1],
        figure_start=passage.char_start + shown_start,
        figure_end=passage.char_start + shown_end,
    )

"""Grounding: which reports may answer a question, given every place and year it names.

An answer must come from a report that matches the places and years in the question; when the
archive holds none, the honest answer is "not in the archive", with what it holds instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from index.gazetteer import NATIONAL, PlaceName, named_places, proper_names, unknown_place
from index.hints import Asked, Hint, asked, own_names, report_names, year_covers
from index.weights import SearchSettings

_ADMIN_UNIT = re.compile(r".+?(?:特别行政区|自治区|自治州|自治县|省|市|区|县|州|盟|旗)")
_SUFFIX = re.compile(r"(?:特别行政区|自治区|自治州|自治县|省|市|区|县|州|盟|旗)$")
NATIONAL_ISSUERS = ("国务院", "中华人民共和国", "中国共产党全国代表大会")
COUNTRY = PlaceName(NATIONAL, NATIONAL)  # the whole country, as a place a report is about


@dataclass(frozen=True)
class Scope:
    """What the question names and the reports that match all of it (None: it names nothing)."""

    asked: Asked
    places: tuple[str, ...]  # as the question names them, for messages
    covering: frozenset[int] | None
    reason: str | None = None  # why no report covers it

    @property
    def pinned(self) -> bool:
        """Does the question narrow the archive to one report?"""
        return self.covering is not None and len(self.covering) == 1


def scope(question: str, reports: list[dict], hints: list[Hint],
          ignored: tuple[str, ...] = (), periods=None, mentioned=None, *,
          asks: Asked | None = None) -> Scope:
    """The reports that match every place and year the question names, and why none do.

    `hints` are the place hints matched against the archive (fuzzy English names included);
    `periods(year, mode, at_least=None)` may return the reports whose stored figures cover a year
    (at least `at_least` of them, else the settings' number);
    `mentioned(name)` tells whether any passage names what an English question names; `asks` is
    `asked(question)` when the caller has read it already.
    """
    question_asks = asks if asks is not None else asked(question)
    question_asks = replace(question_asks, years=tuple(  # its hint may name the report year
        y for y in question_asks.years if str(y) not in ignored and str(y + 1) not in ignored),
        report_year=None if str(question_asks.report_year) in ignored else question_asks.report_year)
    mentions = [p for p in named_places(question) if p.surface not in ignored and p.name not in ignored]
    place_hints = [h for h in hints if h.kind == "place"]
    by_id = {r["id"]: r for r in reports}
    places = list(dict.fromkeys(
        [place_name(by_id[rid]) for h in place_hints for rid in sorted(h.report_ids) if rid in by_id]
        + [p.name for p in mentions if not any(_same_place(p, h.value) for h in place_hints)]))
    unknown = unknown_place(question, mentions) if not place_hints else None
    if unknown and unknown not in ignored:
        places.append(unknown)
    elif not place_hints and mentioned is not None:  # Heathrow, the Eiffel Tower: not in any report
        unheard = [n for n in proper_names(question) if n not in ignored and not mentioned(n)]
        if unheard:
            return Scope(question_asks, tuple(unheard), frozenset(),
                         f"the archive never mentions {_listing(unheard)}")
    covering: set[int] | None = None
    if places:
        covering = set().union(*(h.report_ids for h in place_hints)) if place_hints else set()
        for p in mentions:
            covering |= {r["id"] for r in reports if _report_is_about(r, p)}
        # a report named by its own name (the 20th Party Congress report) is the one asked about,
        # not every report of the country it speaks for
        owned = {r["id"] for r in reports if own_names(r) & {h.value for h in place_hints}}
        covering = covering & owned or covering
    by_place = None if covering is None else set(covering)
    pool = [r for r in reports if covering is None or r["id"] in covering]
    if question_asks.report_year is not None:
        covering = {r["id"] for r in pool if r.get("year") == question_asks.report_year}
        if not places:  # "the 2025 government work report", no place: the country's, where the archive has it
            covering = {r["id"] for r in pool if r["id"] in covering and _report_is_about(r, COUNTRY)} or covering
        pool = [r for r in pool if r["id"] in covering]
    if question_asks.years:  # "2007 compared with 2006": a report of any year named will do
        in_pool = {r["id"] for r in pool}
        covering = set()
        for year in question_asks.years:
            covering |= {r["id"] for r in pool if year_covers(r, year, question_asks.mode)}
            if periods is not None:
                covering |= set(periods(year, question_asks.mode)) & in_pool
        # a report the question names itself (十六大报告提到2001年…, or by its year: the 1955 report's
        # 1957 targets) answers for a year it gives figures of
        named = ({r["id"] for r in pool} if question_asks.report_year is not None
                 else {r["id"] for r in pool if own_names(r) & {h.value for h in place_hints}})
        if named and periods is not None:
            for year in question_asks.years:
                covering |= set(periods(year, question_asks.mode, at_least=1)) & named
            if not covering:  # it speaks of the year in another kind (预计 where a result is asked)
                for year in question_asks.years:
                    covering |= set(periods(year, None, at_least=1)) & named
    if covering is None:
        return Scope(question_asks, (), None)
    reason = None if covering else _reason(question_asks, places, reports, by_place)
    return Scope(question_asks, tuple(places), frozenset(covering), reason)


def national_default(found: Scope, reports: list[dict], *, weight: float = SearchSettings.national_hint) -> Hint | None:
    """A year with no place ("2024年城镇新增就业多少人") is about the country: a soft hint for its reports."""
    if not found.asked.years or found.places or not found.covering:
        return None
    ids = frozenset(r["id"] for r in reports if r["id"] in found.covering and _report_is_about(r, COUNTRY))
    return Hint("place", NATIONAL, "全国 (no place named)", ids, weight) if ids else None


def place_name(report: dict) -> str:
    """The place a report is about, as a reader names it: 海拉尔区, 北京市, 全国."""
    if _report_is_about(report, COUNTRY):
        return NATIONAL
    issuer = (report.get("issuer") or "").replace("人民政府", "")
    units = [u for u in _ADMIN_UNIT.findall(issuer) if len(u) >= 3]
    name = units[-1] if units else issuer
    return name if len(name) >= 2 else ""  # "区人民政府": a district no one can name


def _same_place(p: PlaceName, hint_value: str) -> bool:
    core = _SUFFIX.sub("", p.name)
    return bool(core) and (core in hint_value or hint_value in p.name)


def _report_is_about(report: dict, place: PlaceName) -> bool:
    issuer = report.get("issuer") or ""
    if place.name == NATIONAL:
        return any(n in issuer or n in (report.get("title") or "") for n in NATIONAL_ISSUERS)
    zh, _ = report_names(report)
    core = _SUFFIX.sub("", place.name)
    return place.name in zh or (len(core) >= 2 and core in zh) or place.name in issuer


def _reason(question_asks: Asked, places: list[str], reports: list[dict], by_place: set[int] | None) -> str:
    """"no 2017 figures for 海拉尔区 in the archive: it holds its 2012, 2014 and 2016 reports"."""
    where = f" for {'、'.join(places)}" if places else ""
    if by_place is not None and not by_place:
        held = sorted({place_name(r) for r in reports} - {""})
        if not held:  # a 某镇 duty report, a report with no issuer
            return f"no reports{where} in the archive: none of its {len(reports)} report(s) names a place"
        return (f"no reports{where} in the archive: it holds reports of "
                + _listing(held[:12]) + (" and others" if len(held) > 12 else ""))
    scope_reports = [r for r in reports if by_place is None or r["id"] in by_place]
    years = sorted({r["year"] for r in scope_reports if r.get("year")})
    listed = _listing([str(y) for y in years])
    held = (f"it holds its {listed} report{'s' if len(years) > 1 else ''}" if places
            else f"it holds reports of {listed}")
    if not years:
        held = f"none of its {len(scope_reports)} report(s) names a year"
    if question_asks.report_year is not None and not question_asks.years:
        return f"no {question_asks.report_year} report{where} in the archive: {held}"
    what = "targets" if question_asks.mode == "target" else "figures"
    years_named = "、".join(str(y) for y in question_asks.years) or str(question_asks.report_year)
    note = ("; a year's results are reviewed in the next year's work report"
            if question_asks.mode == "actual" else "")
    return f"no {years_named} {what}{where} in the archive: {held}{note}"


def _listing(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items) or "nothing"
    return ", ".join(items[:-1]) + " and " + items[-1]

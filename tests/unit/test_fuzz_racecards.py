"""Fuzzing the race-card parsers on mutated real pages: any page gives a card/board/results or a ``ParseError``
(``MissingField`` / ``UnrecognisedValue``) naming the field - never a ValueError from ``date.fromisoformat``, a
``decimal.InvalidOperation`` from a purse or an IndexError from a short table row.

Seeds are the demo site's own pages (served in process, no socket), the Racing Post and HKJC fixtures and an HKJC
card JSON; each example overwrites a few text nodes or attribute values with junk, or the URL a page came from.
"""
from __future__ import annotations

import json
import os
import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ingestion.errors import ParseError
from ingestion.racecards import parse
from ingestion.racecards.demo_site import DemoSite
from ingestion.racecards.pipeline import meeting_path

FUZZ = settings(max_examples=int(os.environ.get("PADDOCK_FUZZ_EXAMPLES", "100")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "racecards"
DAY = date(2026, 6, 21)
DEMO = DemoSite(seed=7, clock=lambda: datetime(2026, 6, 22, 12, tzinfo=timezone.utc))
DEMO_ORIGIN = "http://127.0.0.1:8701"
RP_URL = "https://www.racingpost.com/racecards/99/testcourse/2024-06-01/2"
HK_URL = "https://racing.hkjc.com/en-us/local/information/localresults?racedate=2026/03/04&Racecourse=HV&RaceNo=3"


def _demo(kind: str, race: int | None = None) -> tuple[str, str]:
    path = (meeting_path(kind, "BEL", DAY) if kind != "odds" else f"/odds/BEL/{DAY}") + (f"/{race}" if race else "")
    status, _, body = DEMO.respond(path)
    assert status == 200, (path, body)
    return body, DEMO_ORIGIN + path


def _first_race_only(html: str) -> str:
    """The demo card keeps its header and first race block: same markup, a tenth of the parsing time per example."""
    blocks = [m.start() for m in re.finditer(r'<div class="race-block"', html)]
    return html[:blocks[1]] + html[html.rindex("</body>"):] if len(blocks) > 1 else html


SEEDS = {  # (site, kind) -> (page, url)
    ("demo", "card"): (lambda p: (_first_race_only(p[0]), p[1]))(_demo("card")),
    ("demo", "results"): (lambda p: (_first_race_only(p[0]), p[1]))(_demo("results")),
    ("demo", "odds"): _demo("odds", 1),
    ("racingpost", "card"): ((FIXTURES / "racingpost-minimal.html").read_text(encoding="utf-8"), RP_URL),
    ("hkjc_results", "results"): ((FIXTURES / "hkjc-results-english-minimal.html").read_text(encoding="utf-8"), HK_URL),
}
JUNK = st.one_of(
    st.sampled_from(["", " ", "N/A", "abc", "2026-02-30", "2026-13-01", "31/02/2026", "99/99/9999 沙田", "1.2.3", "$",
                     "$1,2.3.4", "9/0", "0", "-1", "99999999999999999999", "1/0m", "SCR", "DH", "Race", "第 場",
                     "x" * 300, "<div>", '"', "\x00", "NaN", "Infinity", "Going: Sticky", "25:99", "Mars/Base"]),
    st.text(max_size=20),
)
SPAN = re.compile(r'>([^<>]*)<|="([^"]*)"')


def spans(page: str) -> list[tuple[int, int]]:
    return [m.span(1) if m.group(1) is not None else m.span(2) for m in SPAN.finditer(page)]


SPANS = {key: spans(page) for key, (page, _) in SEEDS.items()}
RACE_TYPE_SPAN = re.search(r'<span class="race-type"[^>]*>([^<]*)<', SEEDS[("demo", "card")][0]).span(1)


def mutate(page: str, cuts: list[tuple[int, int]], edits: dict[int, str]) -> str:
    for index in sorted(edits, reverse=True):
        start, end = cuts[index % len(cuts)]
        page = page[:start] + edits[index] + page[end:]
    return page


def parsed_or_parse_error(site: str, kind: str, page: str, url: str):
    try:
        return parse(site, kind, page, url)
    except ParseError:
        return None


@FUZZ
@given(st.sampled_from(sorted(SEEDS)), st.dictionaries(st.integers(0, 10**6), JUNK, min_size=1, max_size=4))
@example(("demo", "card"), {SPANS[("demo", "card")].index(RACE_TYPE_SPAN): ""})  # an empty race type: was AttributeError
def test_mutated_pages_parse_or_raise_parse_error(key, edits):
    page, url = SEEDS[key]
    parsed_or_parse_error(*key, mutate(page, SPANS[key], edits), url)


@FUZZ
@given(st.sampled_from(sorted(SEEDS)), st.one_of(JUNK, st.sampled_from([
    "http://x/cards/BEL/2026-02-30", "http://x/cards/BEL/junk", "http://x/cards", "?racedate=2026/02/30&Racecourse=ST",
    "?racedate=junk&RaceNo=x", "?RaceNo=99999999999999999999"])))
def test_any_source_url_parses_or_raises_parse_error(key, url):
    page, _ = SEEDS[key]
    page = re.sub(r' data-(track|date)="[^"]*"', "", page)  # make the demo parser fall back on the URL
    page = re.sub(r"\d{2}/\d{2}/\d{4}", "", page)  # and the HKJC parser too
    parsed_or_parse_error(*key, page, url)


@given(st.sampled_from(sorted(SEEDS)), st.text(max_size=200))
@FUZZ
def test_arbitrary_text_is_not_a_page(key, text):
    assert parsed_or_parse_error(*key, text, SEEDS[key][1]) is None or text.strip()


def test_the_seeds_parse_to_rows():
    """Unmutated seeds parse: otherwise every fuzz case above could pass by raising."""
    counts = {key: parse(*key, page, url) for key, (page, url) in SEEDS.items()}
    assert len(counts[("demo", "card")].races) == 1 and len(counts[("demo", "card")].runners) >= 5
    assert len(counts[("demo", "results")].results) >= 5 and counts[("demo", "results")].dividends
    assert len(counts[("demo", "odds")].rows) >= 5
    assert [r.horse_name for r in counts[("racingpost", "card")].runners] and counts[("hkjc_results", "results")].results


HKJC_CARD = [{"date": "2026-06-13", "racecourse": "ST", "raceNo": 1, "startTime": "16:00", "distance": 1200,
              "surface": "Turf", "going": "GOOD", "raceName": "A HANDICAP", "raceClass": 4,
              "runners": [{"horseNo": 1, "horseName": "A", "draw": 3, "actualWeight": 126}]}]
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(), st.text(max_size=10)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=8)
CARD_KEYS = ["date", "racecourse", "raceNo", "startTime", "distance", "surface", "going", "raceName", "raceClass",
             "runners", "source"]
RUNNER_KEYS = ["horseNo", "horseName", "draw", "actualWeight", "declaredHorseWeight", "rating", "horseId", "jockey"]


@FUZZ
@given(st.dictionaries(st.sampled_from(CARD_KEYS), json_values, max_size=3),
       st.dictionaries(st.sampled_from(RUNNER_KEYS), json_values, max_size=3), st.booleans())
@example({"date": "2026-02-30"}, {}, False)
@example({"date": 20260613}, {}, False)
@example({}, {}, True)
def test_hkjc_card_json_with_junk_fields(race_edits, runner_edits, wrap):
    race = {**HKJC_CARD[0], **race_edits}
    if isinstance(race.get("runners"), list) and race["runners"] == HKJC_CARD[0]["runners"]:
        race["runners"] = [{**HKJC_CARD[0]["runners"][0], **runner_edits}]
    doc = {"races": [race]} if wrap else [race]
    try:
        text = json.dumps(doc)
    except (TypeError, ValueError):
        return
    card = parsed_or_parse_error("hkjc_card", "card", text, "fuzz.json")
    if not race_edits and not runner_edits:
        assert card is not None and card.runners[0].post_position == 3


@FUZZ
@given(json_values)
@example([1])
@example([[]])
@example({"races": [None]})
def test_hkjc_card_any_json_document(doc):
    parsed_or_parse_error("hkjc_card", "card", json.dumps(doc), "fuzz.json")


def _swap(key: tuple[str, str], old: str, new: str, count: int = 1) -> tuple[str, str]:
    page, url = SEEDS[key]
    assert old in page, old
    return page.replace(old, new, count), url


# Each case crashed with a ValueError, decimal.InvalidOperation, TypeError or AttributeError before fuzzing found it.
REGRESSIONS = {
    "demo impossible date": (("demo", "card"), lambda: (re.sub(r' data-date="[^"]*"', "", SEEDS[("demo", "card")][0]),
                                                         "http://x/cards/BEL/2026-02-30"), "date", "2026-02-30"),
    "demo purse without digits": (("demo", "card"), lambda: (re.sub(r'<span class="purse">[^<]*<',
                                                                    '<span class="purse">Purse: TBA<',
                                                                    SEEDS[("demo", "card")][0]),
                                                             SEEDS[("demo", "card")][1]), "purse", "Purse: TBA"),
    "demo payout without digits": (("demo", "results"), lambda: (re.sub(r'<td class="payout">[^<]*<', '<td class="payout">$<',
                                                                        SEEDS[("demo", "results")][0], count=1),
                                                                 SEEDS[("demo", "results")][1]), "payout", "$"),
    "demo stake": (("demo", "results"), lambda: _swap(("demo", "results"), 'data-stake="2"', 'data-stake="two"'),
                   "stake", "two"),
    "racingpost 30 Feb": (("racingpost", "card"), lambda: _swap(("racingpost", "card"), "1 Jun 2024", "30 Feb 2024"),
                          "date", "30 Feb 2024"),
    "racingpost date text": (("racingpost", "card"), lambda: _swap(("racingpost", "card"), "1 Jun 2024", "tomorrow"),
                             "date", "tomorrow"),
    "hkjc horse number": (("hkjc_results", "results"), lambda: _swap(("hkjc_results", "results"), "<td>4</td>",
                                                                     "<td>N/A</td>"), "horse number", "N/A"),
    "hkjc racedate": (("hkjc_results", "results"),
                      lambda: (SEEDS[("hkjc_results", "results")][0], HK_URL.replace("2026/03/04", "2026/02/30")),
                      "race date", "2026/02/30"),
}


@pytest.mark.parametrize("case", sorted(REGRESSIONS))
def test_fuzz_found_pages_raise_parse_errors_naming_the_field(case):
    key, build, field, value = REGRESSIONS[case]
    page, url = build()
    with pytest.raises(ParseError) as err:
        parse(*key, page, url)
    assert field in err.value.field and url in str(err.value)
    if value is not None:
        assert err.value.value == value

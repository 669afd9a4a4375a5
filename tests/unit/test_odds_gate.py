"""The odds suite through the GX gate: which rule quarantines, which only annotates, and what REJECT_INVALID_ODDS does."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pandas as pd

from quality.suites_odds import HARD_RULES, SOFT_RULES, gate_odds, missing_coverage, prepare_odds_frame

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def row(book: str, market: str, outcome: str, price: str, american: int, point: str | None = None,
        snapshot: str = "s1", updated: datetime = NOW - timedelta(minutes=1)) -> dict:
    return {"snapshot_id": snapshot, "event_id": "e1", "bookmaker": book, "market": market, "outcome": outcome,
            "point": None if point is None else Decimal(point), "price_american": american,
            "price_decimal": Decimal(price), "bookmaker_last_update": updated, "market_last_update": updated,
            "snapshot_time": NOW}


def clean_book(book: str = "pinnacle") -> list[dict]:
    """h2h 1.91/1.91 (4.7 % overround) and a -3.5/+3.5 spread at 1.95/1.87 (4.7 %)."""
    return [row(book, "h2h", "A", "1.9100", -110), row(book, "h2h", "B", "1.9100", -110),
            row(book, "spreads", "A", "1.9500", -105, "-3.5"), row(book, "spreads", "B", "1.8700", -115, "3.5")]


def test_suite_names_its_hard_and_soft_rules():
    assert SOFT_RULES == ("odds.both_sides_present", "odds.overround_in_range", "odds.line_jump_le_10")
    assert {"odds.price_decimal_ge_1_01", "odds.price_american_within_10000", "odds.price_american_not_within_100",
            "odds.last_update_not_in_future", "odds.unique_snapshot_id_bookmaker_market_outcome_description_key_point_key"} <= set(
        HARD_RULES)


def test_clean_prices_publish_without_notes():
    result = gate_odds(pd.DataFrame(clean_book() + clean_book("draftkings")), NOW)
    assert len(result.published) == 8 and result.quarantined.empty
    assert result.published["is_valid"].all() and result.published["validation_notes"].isna().all()


def test_hard_failures_quarantine_with_every_rule_broken():
    rows = clean_book() + [
        row("fanduel", "h2h", "A", "1.0050", -20000), row("fanduel", "h2h", "B", "30.0000", 2900),
        row("betmgm", "h2h", "A", "1.9000", -111, updated=NOW + timedelta(minutes=6)),
        row("betmgm", "h2h", "B", "1.9000", -111, updated=NOW + timedelta(minutes=4)),
        row("pinnacle", "h2h", "A", "1.9100", -110),  # a second copy of the first row
    ]
    result = gate_odds(pd.DataFrame(rows), NOW, reject_soft=False)
    reasons = result.quarantined["reasons"].to_dict()
    assert reasons == {
        4: ["odds.price_decimal_ge_1_01", "odds.price_american_within_10000"],
        6: ["odds.last_update_not_in_future"],
        8: ["odds.unique_snapshot_id_bookmaker_market_outcome_description_key_point_key"],
    }
    assert len(result.published) == 6


def test_soft_failures_annotate_by_default_and_quarantine_when_rejecting():
    rows = clean_book() + [
        row("bovada", "h2h", "A", "2.1000", 110), row("bovada", "h2h", "B", "2.1000", 110),  # −4.8 %: an arb leg
        row("unibet", "spreads", "A", "1.9000", -111, "-7.5"),  # the other side is missing
    ]
    lenient = gate_odds(pd.DataFrame(rows), NOW, reject_soft=False)
    assert lenient.quarantined.empty
    notes = lenient.published.set_index(["bookmaker", "market", "outcome"])["validation_notes"]
    assert notes[("bovada", "h2h", "A")] == "odds.overround_in_range"
    assert notes[("unibet", "spreads", "A")] == "odds.both_sides_present"
    assert notes[("pinnacle", "h2h", "A")] is None
    strict = gate_odds(pd.DataFrame(rows), NOW, reject_soft=True)
    assert sorted(strict.quarantined.index) == [4, 5, 6] and len(strict.published) == 4


def test_line_jump_against_the_previous_snapshot():
    previous = pd.DataFrame([
        {"event_id": "e1", "bookmaker": "pinnacle", "market": "spreads", "outcome": "A", "previous_point": -14.5},
        {"event_id": "e1", "bookmaker": "pinnacle", "market": "spreads", "outcome": "B", "previous_point": 3.5},
    ])
    staged = prepare_odds_frame(pd.DataFrame(clean_book()), NOW, previous)
    assert staged["line_jump"].tolist()[2:] == [11.0, 0.0]
    result = gate_odds(pd.DataFrame(clean_book()), NOW, previous_points=previous, reject_soft=False)
    assert result.published["validation_notes"].tolist() == [None, None, "odds.line_jump_le_10", None]


def test_tote_win_pool_takeout_is_in_range():
    board = [row("demo_tote", "win", f"{n}", price, 0) for n, price in enumerate(["1.8", "3.5", "5.0", "6.0"], 1)]
    for r, american in zip(board, (-125, 250, 400, 500)):
        r["price_american"] = american
    result = gate_odds(pd.DataFrame(board), NOW, reject_soft=True)
    assert result.quarantined.empty and round(prepare_odds_frame(pd.DataFrame(board), NOW)["book_overround"][0], 4) \
        == 0.2079  # 20.8 %: a tote's takeout, not a bookmaker's vig


def test_a_batch_mostly_broken_is_a_critical_failure():
    rows = [row("x", "h2h", str(i), "1.0010", -99999) for i in range(9)] + clean_book()[:2]
    result = gate_odds(pd.DataFrame(rows), NOW)
    assert result.critical_failure and len(result.quarantined) == 9


def test_missing_coverage_lists_configured_books_and_markets_not_seen():
    frame = pd.DataFrame(clean_book())
    assert missing_coverage(frame, ["pinnacle", "betfair"], ["h2h", "totals"]) == {
        "bookmakers": ["betfair"], "markets": ["totals"]}


def test_team_totals_of_two_teams_at_one_point_are_two_lines_not_duplicates():
    rows = [dict(row("betmgm", "team_totals", side, price, american, "112.5"), description=team)
            for team, side, price, american in [("Denver", "Over", "1.8700", -115), ("Denver", "Under", "1.9500", -105),
                                                ("Phoenix", "Over", "1.9000", -111), ("Phoenix", "Under", "1.9200", -109)]]
    result = gate_odds(pd.DataFrame(rows), NOW, reject_soft=True)
    assert result.quarantined.empty and len(result.published) == 4
    staged = prepare_odds_frame(pd.DataFrame(rows), NOW)
    assert staged["book_overround"].round(4).tolist() == [0.0476, 0.0476, 0.0471, 0.0471]  # 1/1.87 + 1/1.95 − 1, …
    without = gate_odds(pd.DataFrame(rows).drop(columns=["description"]), NOW, reject_soft=False)
    assert list(without.quarantined.index) == [2, 3]  # what the gate did before: Phoenix's rows were "duplicates"
